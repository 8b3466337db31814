"""`mlperf-warehouse serve` on a real Prefect server (loopback): triggered and scheduled runs complete and load data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.conftest import make_repo, url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except httpx.HTTPError:
            result = None
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def prefect_server(tmp_path):
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           # the scheduler looks for runs to create every few seconds instead of every minute
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5"}
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).with_name("prefect")
    server = subprocess.Popen([str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, "the Prefect server")
        yield api, env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def flow_runs(api: str, deployment_id: str) -> list[dict]:
    return httpx.post(f"{api}/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}}, timeout=5).json()


def test_served_runs_complete_and_load_the_warehouse(tmp_path, prefect_server):
    api, env = prefect_server
    upstream = make_repo(tmp_path / "upstream" / "training_results_v3.0", "training_results_v3.0")
    db = tmp_path / "w.duckdb"
    command = [sys.executable, "-m", "flows.cli", "serve", "--db", str(db), "--cache-dir", str(tmp_path / "cache"),
               "--repo", url(upstream), "--cron", "* * * * *", "--timezone", "Europe/Paris"]
    # the runner looks for runs due every second instead of every ten
    serve = subprocess.Popen(command, env={**env, "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        def deployment():
            found = httpx.post(f"{api}/deployments/filter", json={"deployments": {"name": {"any_": ["nightly"]}}}, timeout=5).json()
            return found[0] if found else None

        nightly = wait_for(deployment, 120, "the deployment")
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in nightly["schedules"]] == [
            ("* * * * *", "Europe/Paris", True)]
        assert httpx.get(f"{api}/flows/{nightly['flow_id']}", timeout=5).json()["name"] == "mlperf-warehouse-ingest"
        assert nightly["parameters"]["settings"]["db_path"] == str(db)
        assert nightly["parameters"]["settings"]["repos"] == [url(upstream)]

        def trigger():
            # a busy server may answer with an error instead of a run: ask again
            created = httpx.post(f"{api}/deployments/{nightly['id']}/create_flow_run", json={}, timeout=5).json()
            return created if isinstance(created, dict) and "id" in created else None

        triggered = wait_for(trigger, 60, "the triggered run to be created")
        state = wait_for(lambda: _final(httpx.get(f"{api}/flow_runs/{triggered['id']}", timeout=5).json()), 180,
                         "the triggered run to end")
        assert state == "COMPLETED"
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.sql("select count(*) from training_runs").fetchall() == [(300,)]

        # a run the server's scheduler created, started by the schedule: nothing changed upstream, so it only records itself
        scheduled = wait_for(lambda: [r for r in flow_runs(api, nightly["id"]) if r["auto_scheduled"] and _final(r)], 180,
                             "a scheduled run to end")
        assert scheduled[0]["state_type"] == "COMPLETED"
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.sql("select files_parsed from ingest_runs order by started_at").fetchall() == [(397,), (0,)]
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)


def _final(run: dict) -> str | None:
    return run["state_type"] if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None


def test_serve_without_a_server_says_what_to_do(tmp_path, monkeypatch, capsys):
    from flows.cli import USAGE, main

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--db", str(tmp_path / "w.duckdb")]) == USAGE
    assert "prefect server start" in capsys.readouterr().err
