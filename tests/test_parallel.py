"""Parsing in parallel gives the same warehouse as parsing in one process: on a pool of processes and on Dask."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from flows import ingest as ingest_module
from flows import runners
from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import make_repo, url
from tests.test_faults import snapshot

FIXTURES = ("training_results_v4.0", "inference_results_v3.0", "inference_results_v5.1")


@pytest.fixture(scope="module")
def upstreams(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel")
    return tuple(url(make_repo(root / "upstream" / name, name)) for name in FIXTURES)


class Said(logging.Handler):
    """The messages the flow logs, from whichever thread."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def warehouse(tmp_path, upstreams, **parallel) -> tuple:
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", repos=upstreams, sync_retries=0,
                        **parallel)
    said, flow_log = Said(), logging.getLogger("prefect.flow_runs")
    flow_log.addHandler(said)
    try:
        summary = ingest(settings)
    finally:
        flow_log.removeHandler(said)
    assert not summary.failed and summary.files_parsed > 800
    # every part is said as it ends, on whichever worker it ran
    parts = next(stage for stage in summary.timeline if stage["stage"] == "parse")["parts"]
    lines = sorted(" ".join(m.split()[:2]) for m in said.messages if " submitters: parsed " in m)
    assert lines == sorted(p["part"] for p in parts) and len(parts) >= len(FIXTURES)
    return snapshot(settings.db_path)


def test_a_process_pool_and_a_dask_cluster_build_the_same_warehouse(tmp_path, upstreams, prefect_harness, monkeypatch):
    from distributed import LocalCluster

    # the fixtures are smaller than one part, which the flow parses itself: here every one goes to the workers
    monkeypatch.setattr(runners, "IN_FLOW_BYTES", 0)

    one = warehouse(tmp_path / "one", upstreams, workers=1)
    assert warehouse(tmp_path / "pool", upstreams, workers=2) == one
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert warehouse(tmp_path / "dask", upstreams, workers=2, dask_address=cluster.scheduler_address) == one
        assert cluster.scheduler.transition_counter > 0  # the parse tasks ran there


def test_a_long_parse_says_how_far_it_is(monkeypatch):
    monkeypatch.setattr(ingest_module, "PROGRESS_SECONDS", 0.05)
    said, logger = Said(), logging.getLogger("test_a_long_parse_says_how_far_it_is")
    logger.addHandler(said)
    logger.setLevel(logging.INFO)
    with ThreadPoolExecutor(max_workers=1) as pool:
        parts = {pool.submit(time.sleep, seconds): (0, n) for n, seconds in enumerate((0.01, 0.4))}
        ingest_module._wait_for(parts, logger)
    assert said.messages and set(said.messages) == {"parse: 1 of 2 parts done, still parsing"}
