"""The generated hostile suite through the real command (tests/hostile_suite.py; its figures: docs/hostile.md)."""

from __future__ import annotations

from prefect.settings import PREFECT_API_URL

from tests.hostile_suite import environment, generate, run

SEED = 20261201


def test_no_case_crashes_loses_a_row_falsifies_a_number_wipes_a_round_or_injects(tmp_path, prefect_harness):
    suite = generate(SEED, per_kind=6)  # docs/hostile.md runs 25 of each kind; CI's time allows 6
    figures = run(suite, tmp_path, environment(PREFECT_API_URL.value()))
    assert figures.crashes == []
    assert figures.valid_rows_lost == 0
    assert figures.unaccounted == []
    assert figures.falsified == []
    assert figures.wiped_or_stale == []
    assert figures.injections == []
    assert sum(figures.cases.values()) > 220 and figures.rejects > 100
