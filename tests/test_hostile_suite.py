"""The generated hostile suite through the real command (tests/hostile_suite.py; its figures: docs/hostile.md)."""

from __future__ import annotations

from prefect.settings import PREFECT_API_URL

from tests.hostile_suite import environment, generate, run

SEED = 20261201


def test_no_case_crashes_loses_a_valid_row_or_goes_unaccounted(tmp_path, prefect_harness):
    suite = generate(SEED)
    figures = run(suite, tmp_path, environment(PREFECT_API_URL.value()))
    assert figures.crashes == []
    assert figures.valid_rows_lost == 0
    assert figures.unaccounted == []
    assert sum(figures.cases.values()) > 150 and figures.rejects > 100
