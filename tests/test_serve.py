"""`mlperf-warehouse serve` registers the nightly deployment on a real Prefect server (loopback)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


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
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
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


def test_serve_registers_the_nightly_schedule(tmp_path, prefect_server):
    api, env = prefect_server
    command = [sys.executable, "-m", "flows.cli", "serve", "--db", str(tmp_path / "w.duckdb"),
               "--cache-dir", str(tmp_path / "cache"), "--cron", "30 3 * * *", "--timezone", "Europe/Paris"]
    serve = subprocess.Popen(command, env={**env, "PREFECT_API_URL": api}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        def deployment():
            found = httpx.post(f"{api}/deployments/filter", json={"deployments": {"name": {"any_": ["nightly"]}}}, timeout=5).json()
            return found[0] if found else None

        nightly = wait_for(deployment, 120, "the deployment")
        schedules = nightly["schedules"]
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in schedules] == [("30 3 * * *", "Europe/Paris", True)]
        flow = httpx.get(f"{api}/flows/{nightly['flow_id']}", timeout=5).json()
        assert flow["name"] == "mlperf-warehouse-ingest"
        assert nightly["parameters"]["settings"]["db_path"] == str(tmp_path / "w.duckdb")
        # the server schedules runs for it (the temporary server cannot)
        runs = wait_for(lambda: httpx.post(f"{api}/flow_runs/filter", json={"deployments": {"id": {"any_": [nightly["id"]]}}},
                                           timeout=5).json(), 60, "scheduled runs")
        assert all(run["state"]["type"] == "SCHEDULED" for run in runs)
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)


def test_serve_without_a_server_says_what_to_do(tmp_path, monkeypatch, capsys):
    from flows.cli import main

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["serve", "--db", str(tmp_path / "w.duckdb")]) == 2
    assert "prefect server start" in capsys.readouterr().err
