"""Faults: kill -9 at random points of refreshes, a full disk, and the warehouse stays the last good one."""

from __future__ import annotations

import errno
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.conftest import commit_files, make_repo, url
from transform.schemas import TABLES

SEED = 7
RESNET = "Dell/results/XE9680x8H100-SXM-80GB/resnet"

# The stages the flow runs, called directly (no Prefect server to start), refreshing forever between two commits.
WORKER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from extract.git_sync import sync, is_ancestor
from extract.repo_id import repo_id
from transform.parse_repo import parse_checkout
from transform.tables import build_tables
from transform.validate import validate, to_frame
from warehouse.lock import exclusive
from warehouse.publish import publish

db, root = Path(sys.argv[1]), Path(sys.argv[2])
turn = 0
while True:
    name = "a" if turn % 2 == 0 else "b"
    repo = repo_id((root / name / "training_results_v3.0").as_uri())
    with exclusive(db):
        checkout = sync(repo, root / f"cache_{name}")
        parsed = parse_checkout(checkout, 1 << 26, root / f"cache_{name}" / "parsed.pickle", reuse=True)
        tables, rejects = build_tables([(checkout, parsed)], datetime(2026, 1, 1, tzinfo=UTC))
        valid = {}
        for table, frame in tables.items():
            valid[table], failed = validate(table, frame)
        valid["rejects"], _ = validate("rejects", to_frame("rejects", rejects))
        publish(db, valid, [("training", "v3.0")])
    print(name, flush=True)
    turn += 1
"""


def snapshot(db: Path) -> tuple:
    """Checksums of every table but the run log (and of sources without when and how much it parsed)."""
    relations = {t: t for t in TABLES if t != "ingest_runs"}
    relations["sources"] = "(select repo_url, suite, round, commit_sha from sources)"
    with duckdb.connect(str(db), read_only=True) as con:
        return tuple(
            con.execute(f"select count(*), md5(string_agg(t::varchar, chr(10) order by t::varchar)) from {r} t").fetchone()
            for r in relations.values()
        )


def refresh_once(db: Path, root: Path, name: str) -> None:
    """One refresh of the worker, to completion: the snapshot a kill may leave behind."""
    worker = subprocess.Popen([sys.executable, "-c", WORKER.replace("turn = 0", "turn = %d" % (name == "b")), str(db), str(root)],
                              stdout=subprocess.PIPE, text=True)
    worker.stdout.readline()
    worker.kill()
    worker.wait()


def test_kill_9_at_twenty_random_points(tmp_path):
    make_repo(tmp_path / "a" / "training_results_v3.0", "training_results_v3.0")
    b = make_repo(tmp_path / "b" / "training_results_v3.0", "training_results_v3.0")
    (Path(b.working_tree_dir) / f"{RESNET}/result_4.txt").unlink()
    commit_files(b, {}, "one run fewer")
    db = tmp_path / "w.duckdb"
    refresh_once(db, tmp_path, "b")
    state_b = snapshot(db)
    refresh_once(db, tmp_path, "a")
    state_a = snapshot(db)
    assert state_a != state_b

    rng = random.Random(SEED)
    outcomes = []
    for _ in range(20):
        worker = subprocess.Popen([sys.executable, "-c", WORKER, str(db), str(tmp_path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 3.5))  # imports take about a second; then refreshes follow each other
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        state = snapshot(db)  # opens, and is one of the two good states
        assert state in (state_a, state_b)
        outcomes.append("a" if state == state_a else "b")
    assert set(outcomes) == {"a", "b"}  # the kills landed at different points of the cycle
    refresh_once(db, tmp_path, "a")  # the next refresh succeeds and leaves no build file behind
    assert snapshot(db) == state_a
    assert not list(tmp_path.glob(".w.duckdb.building-*"))


def test_a_read_only_location_gives_a_clear_error_and_keeps_the_warehouse(tmp_path, prefect_harness, capsys):
    from flows.cli import main

    repo = make_repo(tmp_path / "upstream" / "training_results_v3.0", "training_results_v3.0")
    home = tmp_path / "warehouse"
    args = ["ingest", "--db", str(home / "w.duckdb"), "--cache-dir", str(tmp_path / "cache"), "--repo", url(repo)]
    assert main(args) == 0
    before = snapshot(home / "w.duckdb")
    (Path(repo.working_tree_dir) / f"{RESNET}/result_4.txt").unlink()
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
