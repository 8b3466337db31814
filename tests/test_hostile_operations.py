"""Hostile or unlucky operations through the real command: what sits at --db, what is given as --repo, credentials
in URLs, a disk that fills up at any point. Nothing crashes, nothing foreign is dropped, nothing secret is kept."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.cli import FAILED, NOT_A_WAREHOUSE, UNREACHABLE, USAGE, main
from tests.conftest import make_repo, url
from tests.hostile_suite import warehouse_states
from tests.test_faults import snapshot

SEED = 16


@pytest.fixture(scope="module")
def built(tmp_path_factory, prefect_harness):
    """An upstream repository and a warehouse built from it by the command."""
    root = tmp_path_factory.mktemp("operations")
    upstream = url(make_repo(root / "upstream" / "training_results_v3.0", "training_results_v3.0"))
    db = root / "w.duckdb"
    assert main(["ingest", "--db", str(db), "--cache-dir", str(root / "cache"), "--repo", upstream]) == 0
    return upstream, db, root / "cache"


def ingest(db: Path, cache: Path, *repos: str) -> int:
    return main(["ingest", "--db", str(db), "--cache-dir", str(cache), *(a for r in repos for a in ("--repo", r))])


def test_what_sits_at_db_is_verified_and_never_replaced_when_foreign(built, tmp_path, capsys):
    upstream, good, cache = built
    cases = warehouse_states(tmp_path, good, random.Random(SEED))
    for name, says in cases.items():
        db = tmp_path / f"{name}.duckdb"
        before = db.read_bytes() if db.is_file() else None
        for argv in (["ingest", "--db", str(db), "--cache-dir", str(cache), "--repo", upstream], ["status", "--db", str(db)]):
            assert main(argv) == NOT_A_WAREHOUSE, (name, argv[0])
            err = capsys.readouterr().err.splitlines()
            assert len(err) == 1 and says in err[0], (name, err)
        assert (db.read_bytes() if db.is_file() else None) == before, name  # never "repaired", never replaced
    assert not (Path.home() / ".duckdb" / "extensions").exists() or not list(
        (Path.home() / ".duckdb" / "extensions").rglob("sqlite*"))  # DuckDB was never asked to read the SQLite file


def test_a_symlinked_db_updates_its_target(built, tmp_path):
    upstream, good, cache = built
    target = tmp_path / "real" / "w.duckdb"
    target.parent.mkdir()
    shutil.copy(good, target)
    link = tmp_path / "link.duckdb"
    link.symlink_to(target)
    before = snapshot(target)
    assert ingest(link, cache, upstream) == 0
    assert link.is_symlink() and link.resolve() == target  # the link is kept, the file behind it refreshed
    assert snapshot(target) == before
    assert not (target.parent / "w.duckdb.lock").exists() and not (tmp_path / "link.duckdb.lock").exists()


def test_repositories_refused_up_front_and_the_others_still_run(built, tmp_path, capsys):
    upstream, good, cache = built
    marker = tmp_path / "ran"
    db = tmp_path / "w.duckdb"
    hostile = [f"ext::sh -c touch% {marker}", "fd::3", f"--upload-pack=touch {marker}", "srv/mirror/training_results_v4.0",
               "https://github.com/mlcommons/inference"]
    assert ingest(db, cache, upstream, *hostile) == FAILED
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("mlperf-warehouse: not ingested")]
    assert len(err) == len(hostile)
    assert not marker.exists()  # nothing ran
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql("select count(*) from training_runs").fetchall() == [(300,)]
        failed = con.sql("select failed_repos from ingest_runs").fetchall()[0][0]
    assert all(h in failed for h in hostile[1:])

    twice = upstream.replace("file://", "file://localhost")  # another URL of the same round
    assert main(["ingest", "--db", str(db), "--repo", upstream, "--repo", twice]) == USAGE
    assert "two repositories for training_results_v3.0" in capsys.readouterr().err
    assert ingest(db, cache, upstream, upstream) == 0  # the same URL twice is one repository
    assert "training_results_v3.0" in capsys.readouterr().out


def test_credentials_are_given_to_git_and_kept_nowhere(tmp_path, prefect_harness, capsys, caplog):
    secret = "s3cret-token-16"
    closed = f"http://user:{secret}@127.0.0.1:9/mlcommons/training_results_v4.0"
    env_before = dict(os.environ)
    try:
        code = main(["ingest", "--db", str(tmp_path / "w.duckdb"), "--cache-dir", str(tmp_path / "cache"), "--repo", closed,
                     "--sync-retries", "0"])
        store = next(v.removeprefix("store --file=") for k, v in os.environ.items()
                     if k.startswith("GIT_CONFIG_VALUE_") and v.startswith("store --file="))
        filled = subprocess.run(["git", "credential", "fill"], input="protocol=http\nhost=127.0.0.1:9\n\n",
                                capture_output=True, text=True, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}).stdout
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    assert code == UNREACHABLE
    assert f"password={secret}" in filled and oct(Path(store).stat().st_mode)[-3:] == "600"  # git gets it
    out = capsys.readouterr()
    assert secret not in out.out + out.err and all(secret not in r.getMessage() for r in caplog.records)
    assert "http://127.0.0.1:9/mlcommons/training_results_v4.0" in out.err
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        parameters = [str(run.parameters) for run in client.read_flow_runs()]
    assert parameters and all(secret not in p for p in parameters)  # nor in what Prefect records


DISK_FULL = """
import resource, signal, sys
from pathlib import Path
import duckdb
from transform.common.schemas import TABLES
from warehouse.publish import publish
db = Path(sys.argv[1])
with duckdb.connect(str(db), read_only=True) as con:
    tables = {t: con.sql(f'select * from "{t}"').pl() for t in TABLES if t != "ingest_runs"}
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
try:
    publish(db, tables, [("training", "v3.0")])
    print("published")
except OSError as exc:
    print("OSError", exc)
"""


def test_a_disk_that_fills_up_at_any_point_keeps_the_warehouse_and_no_stray_file(built, tmp_path):
    _, good, _ = built
    size = good.stat().st_size
    outcomes = []
    # from a disk full before the new file is half written to one with room for several (a refresh of this warehouse
    # of one round builds its file anew, smaller than the one it replaces)
    for limit in (int(size * share) for share in (0.2, 0.5, 0.8, 1.1, 1.5, 2.5)):
        db = Path(shutil.copy(good, tmp_path / "w.duckdb"))
        before = snapshot(db)
        result = subprocess.run([sys.executable, "-c", DISK_FULL, str(db), str(limit)], capture_output=True, text=True,
                                timeout=120)
        assert result.stdout.startswith(("OSError", "published")), result.stderr[-2000:]  # never another error
        outcomes.append(result.stdout.split(" ", 1)[0])
        assert snapshot(db) == before  # the same rows either way
        assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # no build file, no WAL left behind
    assert "OSError" in outcomes


def test_a_parse_cache_that_would_run_code_is_ignored(tmp_path):
    import pickle

    from transform.common import parse_cache
    from transform.common.fingerprint import code_fingerprint

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'ran'}",))

    planted = parse_cache.submitter_file(tmp_path, "Dell")
    planted.write_bytes(pickle.dumps((code_fingerprint(), Payload())))
    assert parse_cache.load(planted) == {} and not (tmp_path / "ran").exists()
    parse_cache.save(planted, {})  # what this program writes reads back
    assert parse_cache.load(planted) == {}


def test_a_damaged_parse_cache_is_no_cache(tmp_path):
    """A flipped bit, a cut-short file or a length that asks for all memory: each is read as no cache, never raised."""
    from transform.common import parse_cache
    from transform.common.parse_files import ParsedFiles

    path = parse_cache.submitter_file(tmp_path, "Dell")
    parse_cache.save(path, {("Dell/systems/x.json", "0" * 40): ParsedFiles(round="v4.0", commit="0" * 40)})
    good = path.read_bytes()
    assert parse_cache.load(path).keys() == {("Dell/systems/x.json", "0" * 40)}
    for n, damaged in enumerate([good[:len(good) // 2] + bytes([good[len(good) // 2] ^ 4]) + good[len(good) // 2 + 1:],
                                 good[:-7], good[:80] + b"\x95\xff\xff\xff\xff\xff\xff\xff\x7f" + good[89:], b""]):
        path.write_bytes(damaged)
        assert parse_cache.load(path) == {}, n
    # a half-written file of a killed run is removed by the next save; a live writer's stays
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed, writing = (path.with_name(f"{path.name}.partial-{pid}") for pid in (dead.stdout.strip(), os.getppid()))
    killed.write_bytes(good[:40])
    writing.write_bytes(good[:40])
    parse_cache.save(path, {})
    assert not killed.exists() and writing.exists()


def test_credentials_of_every_scheme_are_redacted():
    from extract.credentials import redact, without_credentials

    assert without_credentials("ssh://git:pw@host/x/training_results_v4.0") == ("ssh://git@host/x/training_results_v4.0", None)
    assert without_credentials("https://TOKEN@host/x")[0] == "https://host/x"
    said = redact("two repositories: ssh://u:pw1@h/a, https://tok2@h/b, git://u:pw3@h/c and u:pw4@h:x/d; git@github.com:m/e")
    assert not any(secret in said for secret in ("pw1", "tok2", "pw3", "pw4")) and "git@github.com:m/e" in said


def test_scaling_laws_fit_positive_finite_points_only():
    from planner import scaling

    assert scaling.choose([(8, 0.0), (16, 5.0)]) is None  # a run of no time is no point of a curve
    law, _why = scaling.choose([(8, 10.0), (16, 0.0), (32, float("inf")), (64, 3.0)])
    assert 3.0 < law.minutes(48) < 10.0
    assert scaling.error_rates([[(1, 0.0), (2, 1.0), (4, 0.5)]]) == []
