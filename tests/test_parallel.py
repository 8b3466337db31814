"""Parsing in parallel gives the same warehouse as parsing in one process: on a pool of processes and on Dask."""

from __future__ import annotations

import pytest

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


def warehouse(tmp_path, upstreams, **parallel) -> tuple:
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", repos=upstreams, sync_retries=0,
                        **parallel)
    summary = ingest(settings)
    assert not summary.failed and summary.files_parsed > 800
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
