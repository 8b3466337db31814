"""Faults: kill -9 at random points of refreshes (inside `git fetch` too), a full disk, and the warehouse stays the
last good one."""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import duckdb

from tests.conftest import commit_files, make_repo, url
from transform.common.schemas import HISTORY_TABLES, TABLES

SEED = 7
BERT = "Dell/results/XE9680x8H100-SXM-80GB/bert"


def snapshot(db: Path) -> tuple:
    """Checksums of the warehouse's current state: every table but the logs that only grow (the run log, the history
    of changes), and sources without when and how much it parsed."""
    relations = {t: t for t in TABLES if t != "ingest_runs" and t not in HISTORY_TABLES}
    relations["sources"] = "(select repo_url, suite, round, commit_sha from sources)"
    with duckdb.connect(str(db), read_only=True) as con:
        return tuple(
            con.execute(f"select count(*), md5(string_agg(t::varchar, chr(10) order by t::varchar)) from {r} t").fetchone()
            for r in relations.values()
        )


def phase(line: str) -> str:
    """Where a refresh was when it printed `line`: the last task it finished, or the flow's message."""
    if "Task run '" in line:
        return line.split("Task run '", 1)[1].split("-", 1)[0]
    if "Flow run '" in line:
        return "flow: " + re.sub(r"'[^']*'|[0-9a-f]{10,}", "", line.rsplit(" - ", 1)[1]).strip()[:40]
    return "summary printed" if line.startswith(("Ingested", "Rejects", "Rows", "Files")) else line.strip()[:40]


def began(lines: list[str]) -> int:
    """Index of the flow's first log line (len(lines) until it has begun)."""
    return next((i for i, line in enumerate(lines) if "Beginning flow run" in line), len(lines))


def git_fetch_in(group: int) -> bool:
    """True when a `git fetch` of the process group `group` is running (read from /proc, no tool needed)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group and b"fetch" in (stat.parent / "cmdline").read_bytes().split(b"\0"):
                return True
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
    return False


def test_kill_9_of_the_cli_at_six_random_points(tmp_path, prefect_harness):
    from prefect.settings import PREFECT_API_URL

    upstream = make_repo(tmp_path / "upstream" / "training_results_v4.0", "training_results_v4.0")
    full = upstream.head.commit.hexsha
    (Path(upstream.working_tree_dir) / f"{BERT}/result_4.txt").unlink()
    fewer = commit_files(upstream, {}, "one run fewer")
    db = tmp_path / "w.duckdb"
    # the real command, in its own process group (git children die with it), talking to the test's Prefect server
    command = [sys.executable, "-m", "flows.cli", "ingest", "--db", str(db), "--cache-dir", str(tmp_path / "cache"),
               "--repo", url(upstream)]
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONUNBUFFERED": "1"}

    def refresh(commit: str, kill_at: tuple[int, float] | str | None = None) -> tuple[str, int]:
        """Move upstream to `commit` (a new commit, or a force-push back), then refresh.

        With `kill_at` = (n, seconds): kill -9 that many seconds after the flow's n-th log line; with `kill_at`
        "git fetch": kill -9 while a `git fetch` runs, from an upstream that answers after 0.3 s (what it leaves in
        the clone: a ref lock, a half-received pack).
        Returns where the flow was when it ended (its last log line) and how many lines the flow logged."""
        upstream.git.reset("--hard", commit)
        run_env = env
        if kill_at == "git fetch":
            # upstream answers after a pause, as a far server does: the fetch is running long enough to be hit
            slow = tmp_path / "slow-upload-pack"
            slow.write_text('#!/bin/sh\nsleep 0.3\nexec git-upload-pack "$@"\n')
            slow.chmod(0o755)
            n = int(env.get("GIT_CONFIG_COUNT", "0"))
            run_env = {**env, "GIT_CONFIG_COUNT": str(n + 1), f"GIT_CONFIG_KEY_{n}": "remote.origin.uploadpack",
                       f"GIT_CONFIG_VALUE_{n}": str(slow)}
        cli = subprocess.Popen(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(cli.stdout), daemon=True)
        reader.start()
        if kill_at is None:
            assert cli.wait(timeout=300) == 0, "".join(lines)
        elif kill_at == "git fetch":
            while not git_fetch_in(cli.pid) and cli.poll() is None:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.4))  # waiting for upstream, receiving the pack, or writing the refs
            try:
                os.killpg(cli.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            returned = cli.wait()
            reader.join()
            return ("inside git fetch" if returned == -signal.SIGKILL else "ended before a fetch was seen"), 0
        else:
            while len(lines[began(lines):]) <= kill_at[0] and cli.poll() is None:
                time.sleep(0.002)
            time.sleep(kill_at[1])
            try:
                os.killpg(cli.pid, signal.SIGKILL)
            except ProcessLookupError:  # it had ended, and poll() reaped it and its group with it
                pass
            cli.wait()
        reader.join()
        flow = lines[began(lines):]
        return (phase(lines[-1]) if lines else "starting"), next((i for i, line in enumerate(flow) if not line.strip()), len(flow))

    flow_lines = refresh(full)[1]
    state_full = snapshot(db)
    refresh(fewer)
    state_fewer = snapshot(db)
    assert state_full != state_fewer

    rng = random.Random(SEED)
    killed_in, outcomes = Counter(), Counter()
    for turn in range(6):
        target = (full, fewer)[turn % 2]
        # two of the six inside `git fetch` itself, the others anywhere in the flow
        kill_at = "git fetch" if turn in (1, 4) else (rng.randrange(flow_lines), rng.uniform(0, 1))
        killed_in[refresh(target, kill_at=kill_at)[0]] += 1
        state = snapshot(db)  # opens, and is one of the two good states
        assert state in (state_full, state_fewer)
        outcomes[state == state_full] += 1
    print(f"kill -9 landed after: {dict(killed_in)}; warehouses after the kills: {dict(outcomes)}")
    assert len(killed_in) >= 3  # the kills landed at different points of the refresh
    assert killed_in["inside git fetch"] >= 1
    refresh(full)  # the next refresh succeeds and leaves no build file behind
    assert snapshot(db) == state_full
    assert not list(tmp_path.glob(".w.duckdb.building-*"))


def test_a_read_only_location_gives_a_clear_error_and_keeps_the_warehouse(tmp_path, prefect_harness, capsys):
    from flows.cli import main

    repo = make_repo(tmp_path / "upstream" / "training_results_v4.0", "training_results_v4.0")
    home = tmp_path / "warehouse"
    args = ["ingest", "--db", str(home / "w.duckdb"), "--cache-dir", str(tmp_path / "cache"), "--repo", url(repo)]
    assert main(args) == 0
    before = snapshot(home / "w.duckdb")
    (Path(repo.working_tree_dir) / f"{BERT}/result_4.txt").unlink()
    commit_files(repo, {}, "one run fewer")
    subprocess.run(["chattr", "+i", str(home)], check=True)  # immutable: not even root may write there
    try:
        assert main(args) == 4
    finally:
        subprocess.run(["chattr", "-i", str(home)], check=True)
    error = capsys.readouterr().err
    assert "cannot write" in error and "the previous warehouse is unchanged" in error
    assert snapshot(home / "w.duckdb") == before


DISK_FULL = """
import resource, signal, sys
from pathlib import Path
import polars as pl
from warehouse.publish import publish

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
try:
    publish(Path(sys.argv[1]), {}, [])
except OSError as exc:
    print(exc.errno, exc.strerror)
"""


def test_a_full_disk_fails_the_publish_and_keeps_the_warehouse(warehouse, tmp_path):
    *_, settings = warehouse
    db = Path(shutil.copy(settings.db_path, tmp_path / "w.duckdb"))
    before = snapshot(db)
    limit = db.stat().st_size // 2  # the disk fills up halfway through the copy of the warehouse
    result = subprocess.run([sys.executable, "-c", DISK_FULL, str(db), str(limit)], capture_output=True, text=True, timeout=120)
    assert result.stdout.split(" ", 1)[0] == str(errno.EFBIG), result.stderr[-2000:]
    assert snapshot(db) == before
    assert not list(tmp_path.glob(".w.duckdb.building-*"))
