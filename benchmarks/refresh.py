"""Refresh costs on a full real round, as a user and the scheduler see them, and where their seconds go.

    python -m benchmarks.refresh /work/org/training_results_v4.0 [/work/org/inference_results_v4.1 ...]

Each argument is a local git repository of a whole round (a full clone, or a mirror of /work/org, which lacks the
blobs of 4 MiB and more). Writes what it measured to docs/refresh.md.

Works on throw-away upstreams: each given repository is cloned bare, sharing its objects, and gets the new commits
(one result file with a line added, written with git's plumbing: no work tree is needed). Measured in this one run:
- the command's wall time for a first ingest, a refresh with nothing changed and one after one result file changed
  (five of these, with their median), without a Prefect server (Prefect starts a temporary one when it must), and
  Prefect's own start in it;
- the same no-change and one-file refreshes as runs of the served deployment (`mlperf-warehouse serve` on a real
  `prefect server`), five of each in turn: their flow time as Prefect records it, and the ratio of the medians;
- a mistyped `file://` repository: the command's exit code and wall time;
- for every run, where its seconds went: the timeline the run wrote into `ingest_runs.timeline`;
- the bytes our clone holds after the first ingest (commits, trees and the parsed files) against a full clone.
The issue's targets (#24) are printed beside the figures they judge.
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
from statistics import median

import duckdb
import httpx
import orjson
from git import Repo

from warehouse.run_record import timeline_line

AUTHOR = {"GIT_AUTHOR_NAME": "benchmark", "GIT_AUTHOR_EMAIL": "benchmark@example.invalid",
          "GIT_COMMITTER_NAME": "benchmark", "GIT_COMMITTER_EMAIL": "benchmark@example.invalid"}
DOC = Path(__file__).resolve().parents[1] / "docs" / "refresh.md"
# Runs of each kind whose median is given: one run's seconds vary with the machine's load and with whether that
# refresh compacted the file (one refresh in a few does). Three were too few for a ratio near its bound: the served
# runs' ratio of medians was 1.91 to 2.14 in four measurements within an hour, of 3 to 5 runs each.
REPEATS = 5
CLI = [sys.executable, "-m", "flows.cli"]


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def ingest(args: list[str], env: dict) -> float:
    """Wall time of the command."""
    done, seconds = timed(lambda: subprocess.run([*CLI, "ingest", *args], env=env, capture_output=True, text=True))
    if done.returncode:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def last_run(db: Path) -> tuple[float, list[dict]]:
    """The last run's seconds and timeline, as it recorded them in ingest_runs."""
    with duckdb.connect(str(db), read_only=True) as con:
        seconds, timeline = con.execute("select seconds, timeline from ingest_runs order by finished_at desc limit 1").fetchone()
    return seconds, orjson.loads(timeline)


def seconds_list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + " s"


def stage_seconds(timeline: list[dict], name: str) -> float:
    return sum(s["seconds"] for s in timeline if s["stage"] == name)


def commit_one_change(upstream: Path, name: str) -> None:
    """A new commit upstream in which one result log has a line more: the smallest real change."""
    def git(*args: str, stdin: bytes | None = None, env: dict | None = None) -> bytes:
        return subprocess.run(["git", "-C", str(upstream), *args], input=stdin, capture_output=True, check=True,
                              env={**os.environ, **AUTHOR, **(env or {})}).stdout

    suffix = "/result_0.txt" if name.startswith("training") else "/performance/run_1/mlperf_log_detail.txt"
    path = next(p for p in git("ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
                if p.endswith(suffix) and "/results/" in p)
    blob = git("hash-object", "-w", "--stdin", stdin=git("cat-file", "blob", f"HEAD:{path}") + b"\n").decode().strip()
    index = {"GIT_INDEX_FILE": str(upstream / "benchmark-index")}
    git("read-tree", "HEAD", env=index)
    git("update-index", "--cacheinfo", f"100644,{blob},{path}", env=index)
    tree = git("write-tree", env=index).decode().strip()
    commit = git("commit-tree", tree, "-p", "HEAD", "-m", "one result file changed").decode().strip()
    git("update-ref", "HEAD", commit)


def served_runs(args: list[str], env: dict, home: Path, change) -> tuple[list[float], list[float]]:
    """The flow times Prefect records of REPEATS no-change runs of the served deployment, and of REPEATS runs after a
    `change()`, one after the other."""
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
        flow_times = []
        # the first served run re-publishes once (a warehouse built by the command); then no change and one file, in turn
        for before in (None, *[step for _ in range(REPEATS) for step in (None, change)]):
            if before:
                before()
            # a server busy with the last run's events may answer 503 for a moment
            created = wait(lambda: (r := httpx.post(f"{api}/deployments/{deployment['id']}/create_flow_run", json={},
                                                    timeout=5)).status_code < 500 and r)
            if created.status_code >= 300:
                raise SystemExit(f"the server refused a run of the deployment: {created.status_code} {created.text[:300]}")
            run = created.json()
            run = wait(lambda: (r := httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5).json())["state_type"]
                       in ("COMPLETED", "FAILED", "CRASHED") and r)
            if run["state_type"] != "COMPLETED":
                raise SystemExit(f"served run ended {run['state_type']}: {run['state']['message']}")
            flow_times.append(run["total_run_time"])
        return flow_times[1::2], flow_times[2::2]
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
    name = Path(source).name  # /work/org's rounds are links to folders named otherwise
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env["PREFECT_HOME"] = str(tmp / "prefect")
        # a local path, not a file:// URL: git shares the objects (and a mirror's missing blobs stay missing)
        upstream = Repo.clone_from(str(Path(source).resolve()), tmp / "upstream" / name, bare=True, shared=True)
        with upstream.config_writer() as config:
            config.set_value("uploadpack", "allowFilter", "true")
        url = Path(upstream.git_dir).as_uri()
        # every object of the round (a full clone would hold the same; a mirror's lacks the blobs of 4 MiB and more)
        source_git = Path(source).resolve()
        full_bytes = tree_bytes(source_git / "objects" if (source_git / "objects").is_dir() else source_git / ".git" / "objects")
        db = tmp / "w.duckdb"

        args = ["--db", str(db), "--cache-dir", str(tmp / "cache"), "--repo", url]
        runs = {"first ingest": ingest(args, env)}
        timelines = {"first ingest": last_run(db)}
        ours_bytes = tree_bytes(tmp / "cache" / name / ".git")
        runs["no-change refresh"] = ingest(args, env)
        timelines["no-change refresh"] = last_run(db)
        beyond_prefect = []  # each one-file refresh's wall time less Prefect's start in it
        for _ in range(REPEATS):
            commit_one_change(Path(upstream.git_dir), name)
            runs["one file changed"] = ingest(args, env)
            timelines["one file changed"] = last_run(db)
            beyond_prefect.append(runs["one file changed"] - stage_seconds(timelines["one file changed"][1], "prefect start"))
        served_no_change, served_change = served_runs(args, env, tmp / "served-prefect",
                                                      lambda: commit_one_change(Path(upstream.git_dir), name))
        timelines["served, one file changed"] = last_run(db)

        say(f"{name}: its git objects {full_bytes / 1e6:8.1f} MB; our clone {ours_bytes / 1e6:.1f} MB after the first "
            f"ingest (ratio {ours_bytes / full_bytes:.2f})")
        say("command (no Prefect server), wall time:")
        for label, wall in runs.items():
            say(f"  {label + ':':<20} {wall:6.1f} s")
        say(f"  one file changed, without Prefect's own start: {seconds_list(beyond_prefect)}, median "
            f"{median(beyond_prefect):.1f} s  (target: under 3 s; the timeline below is the last run's)")
        say(f"served deployment (prefect server start + mlperf-warehouse serve), flow time as Prefect records it, "
            f"{REPEATS} runs of each in turn:")
        say(f"  no-change run:       {seconds_list(served_no_change)}, median {median(served_no_change):.2f} s")
        say(f"  one file changed:    {seconds_list(served_change)}, median {median(served_change):.2f} s"
            f" = {median(served_change) / median(served_no_change):.2f}x the no-change median"
            f"  (target: under 5 s and under 2x)")
        say("where the seconds went (ingest_runs.timeline of each run; parts: per repository, per parse part):")
        for label, (seconds, timeline) in timelines.items():
            say(f"  {label}: {timeline_line(timeline, seconds)}")


def mistyped(say) -> None:
    """A --repo file:// path that does not exist: how fast the command says so."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["PREFECT_HOME"] = str(Path(tmp) / "prefect")
        args = ["--db", f"{tmp}/w.duckdb", "--cache-dir", f"{tmp}/cache", "--repo", f"file://{tmp}/no-such-folder/training_results_v4.0"]
        done, seconds = timed(lambda: subprocess.run([*CLI, "ingest", *args], env=env, capture_output=True, text=True))
    said = done.stderr.strip().splitlines()[-1].replace(tmp, "<tmp>") if done.stderr.strip() else ""
    say(f"mistyped file:// repository: exit {done.returncode} in {seconds:.1f} s (target: under 5 s): {said[:160]}")


def main(sources: list[str]) -> None:
    lines = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    mistyped(say)
    for source in sources:
        measure(source, say)
    DOC.write_text("# Refresh costs\n\nWritten by `python -m benchmarks.refresh " + " ".join(Path(s).name for s in sources)
                   + f"` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores (local copies of whole rounds; "
                   "`file://` upstream, so the network is not in these times; the machine is shared, so seconds vary "
                   "with its load, ratios less).\n\n```\n" + "\n".join(lines) + "\n```\n")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main(sys.argv[1:])
