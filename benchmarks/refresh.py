"""Refresh costs on a full real round, as a user sees them: the wall time of the `mlperf-warehouse ingest` command.

    python -m benchmarks.refresh /path/to/training_results_v4.0 [/path/to/inference_results_v4.1 ...]

Each argument is a local git repository of a whole round. Writes what it measured to docs/refresh.md.

Works on throw-away copies: the given repository is cloned into a temporary upstream, which gets the new commits.
Prints, measured in this run:
- the command's wall time (and the flow's own time) for a first ingest, a refresh with nothing changed, and a
  refresh after one result file changed, without a Prefect server (Prefect starts a temporary one when it must);
- the same no-change refresh as a run of the served deployment on a real `prefect server` (its run time as
  Prefect records it, and from trigger to end);
- the bytes our clone holds after the first ingest (commits, trees and the parsed files) against a full clone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from git import Actor, Repo

AUTHOR = Actor("benchmark", "benchmark@example.invalid")
DOC = Path(__file__).resolve().parents[1] / "docs" / "refresh.md"
CLI = [sys.executable, "-m", "flows.cli"]


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def ingest(args: list[str], env: dict) -> tuple[float, str]:
    """Wall time of the command, and its summary's first line (which gives the flow's own time)."""
    done, seconds = timed(lambda: subprocess.run([*CLI, "ingest", *args], env=env, capture_output=True, text=True))
    if done.returncode:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, next(line for line in done.stdout.splitlines() if line.startswith("Ingested"))


def served_no_change_run(args: list[str], env: dict, home: Path) -> tuple[float, float]:
    """(run time Prefect records, seconds from trigger to end) of a no-change run of the served deployment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = f"http://127.0.0.1:{port}/api"
    env = {**env, "PREFECT_HOME": str(home), "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    server = subprocess.Popen([Path(sys.executable).with_name("prefect"), "server", "start", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    serve = None
    try:
        wait(lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200)
        serve = subprocess.Popen([*CLI, "serve", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        deployment = wait(lambda: httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json())[0]
        for _ in range(2):  # the first served run re-publishes once (a warehouse built by the command)
            started = time.perf_counter()
            run = httpx.post(f"{api}/deployments/{deployment['id']}/create_flow_run", json={}, timeout=5).json()
            run = wait(lambda: (r := httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5).json())["state_type"]
                       in ("COMPLETED", "FAILED", "CRASHED") and r)
            if run["state_type"] != "COMPLETED":
                raise SystemExit(f"served run ended {run['state_type']}: {run['state']['message']}")
        return run["total_run_time"], time.perf_counter() - started
    finally:
        for process in (serve, server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)


def wait(check, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("timed out")


def measure(source: str, say) -> None:
    name = Path(source).resolve().name
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env["PREFECT_HOME"] = str(tmp / "prefect")
        upstream = Repo.clone_from(Path(source).resolve().as_uri(), tmp / "upstream" / name)
        with upstream.config_writer() as config:
            config.set_value("uploadpack", "allowFilter", "true")
        url = Path(upstream.working_tree_dir).as_uri()
        full, full_s = timed(lambda: Repo.clone_from(url, tmp / "full" / name, no_checkout=True))
        full_bytes = tree_bytes(Path(full.git_dir))

        args = ["--db", str(tmp / "w.duckdb"), "--cache-dir", str(tmp / "cache"), "--repo", url]
        first = ingest(args, env)
        ours_bytes = tree_bytes(tmp / "cache" / name / ".git")
        say(f"{name}: full clone {full_bytes / 1e6:8.1f} MB in {full_s:6.1f} s (objects only, no checkout)")
        say(f"{'':{len(name)}}  our clone  {ours_bytes / 1e6:8.1f} MB after the first ingest (ratio {ours_bytes / full_bytes:.2f})")
        say("command wall time (no Prefect server):")
        say(f"  first ingest:        {first[0]:6.1f} s   ({first[1]})")
        unchanged = ingest(args, env)
        say(f"  no-change refresh:   {unchanged[0]:6.1f} s   ({unchanged[1]})")

        pattern = "*/results/*/*/result_*.txt" if name.startswith("training") else "*/*/results/*/*/*/performance/run_1/mlperf_log_detail.txt"
        log = next(Path(upstream.working_tree_dir).glob(pattern))
        log.write_bytes(log.read_bytes() + b"\n")
        upstream.git.add("-A")
        upstream.index.commit("one result file changed", author=AUTHOR, committer=AUTHOR)
        changed = ingest(args, env)
        say(f"  one file changed:    {changed[0]:6.1f} s   ({changed[1]})")

        run_time, trigger_to_end = served_no_change_run(args, env, tmp / "served-prefect")
        say(f"served deployment, no-change run: {run_time:.2f} s run time as Prefect records it, "
              f"{trigger_to_end:.1f} s from trigger to end (runner polling every second)")


def main(sources: list[str]) -> None:
    lines = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    for source in sources:
        measure(source, say)
    DOC.write_text("# Refresh costs\n\nWritten by `python -m benchmarks.refresh " + " ".join(Path(s).name for s in sources)
                   + f"` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores (local copies of whole rounds; "
                   "`file://` upstream, so the network is not in these times).\n\n```\n" + "\n".join(lines) + "\n```\n")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main(sys.argv[1:])
