"""The command line: the `sql` command, and every everyday mistake told in one line with its own exit code."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from flows.cli import BUSY, CANNOT_WRITE, FAILED, NOT_A_WAREHOUSE, UNREACHABLE, USAGE, main
from tests.conftest import make_repo, url

HOLD = """
import sys, time
from pathlib import Path
from warehouse.lock import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""


@contextmanager
def holding_the_lock(db: Path):
    """Another process holding the warehouse's lock, as a running ingest does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.kill()
        holder.wait()

QUERY = "select system, score_minutes from training_scores where round = 'v3.0' and benchmark = 'ssd' order by score_minutes limit 2"


def test_sql_formats(warehouse, capsys):
    *_, settings = warehouse
    assert main(["sql", QUERY, "--db", str(settings.db_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["system"] for r in rows] == ["dgxh100_ngc23.04_pytorch", "XE9680x8H100-SXM-80GB"]
    assert main(["sql", QUERY, "--db", str(settings.db_path), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "system,score_minutes"
    assert main(["sql", QUERY, "--db", str(settings.db_path)]) == 0
    assert "dgxh100_ngc23.04_pytorch" in capsys.readouterr().out
    assert main(["sql", "select [1, 2] as runs, {'a': 1} as s", "--db", str(settings.db_path), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["runs,s", '"[1, 2]","{""a"": 1}"']  # nested values as JSON


def test_sql_is_read_only_and_reports_errors(warehouse, capsys):
    *_, settings = warehouse
    assert main(["sql", "delete from training_runs", "--db", str(settings.db_path)]) == FAILED
    assert "read-only" in capsys.readouterr().err.lower()


def test_status_json_for_scripts(warehouse, capsys):
    *_, settings = warehouse
    assert main(["status", "--db", str(settings.db_path), "--json", "--check"]) == 0  # no alarm: exit 0
    status = json.loads(capsys.readouterr().out)
    assert sorted(r["repo_url"].rsplit("/", 1)[1] for r in status["repositories"]) == ["training_results_v3.0", "training_results_v4.0"]
    assert status["last_runs"][0]["outcome"] == "ok"
    assert status["accelerators_not_in_the_map"] == []  # every name of the fixtures maps


def test_ingest_json_for_scripts(tmp_path, prefect_harness, capsys):
    upstream = make_repo(tmp_path / "upstream" / "training_results_v3.0", "training_results_v3.0")
    args = ["ingest", "--db", str(tmp_path / "w.duckdb"), "--cache-dir", str(tmp_path / "cache"), "--repo", url(upstream), "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["files_parsed"], first["rows_loaded"]["training_runs"], first["failed"]) == (397, 300, {})
    assert main(args) == 0  # nothing changed: answered before Prefect starts
    second = json.loads(capsys.readouterr().out)
    assert (second["files_parsed"], second["unchanged"], second["repos"]) == (0, ["training_results_v3.0"], first["repos"])


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("mlperf-warehouse 0.")


def test_the_installed_command_exits_with_each_outcome_code(tmp_path):
    """The console command ends its process itself (flows.cli.command): argparse's exits and main()'s codes survive."""
    command = Path(sys.executable).with_name("mlperf-warehouse")
    cases = [(["--version"], 0), (["--help"], 0), ([], USAGE), (["--no-such-flag"], USAGE),
             (["status", "--db", str(tmp_path / "none.duckdb")], NOT_A_WAREHOUSE)]
    for argv, code in cases:
        done = subprocess.run([str(command), *argv], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert done.returncode == code, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr


def test_commands_started_at_once_on_a_new_prefect_home_start_their_servers_in_turn(tmp_path):
    """Two temporary Prefect servers starting at once on a database with migrations to apply both migrate it, and one
    fails with a traceback ("duplicate column name"): the commands start theirs one at a time."""
    upstream = url(make_repo(tmp_path / "upstream" / "training_results_v6.0", "training_results_v6.0"))
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    command = Path(sys.executable).with_name("mlperf-warehouse")
    runs = [subprocess.Popen([str(command), "ingest", "--db", str(tmp_path / f"w{n}.duckdb"), "--cache-dir",
                              str(tmp_path / "cache"), "--repo", upstream], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for n in range(2)]
    for run in runs:
        output = run.communicate(timeout=300)[0]
        assert run.returncode == 0 and "Traceback" not in output, output[-3000:]


def _mistakes(tmp: Path, db: Path, upstream: str) -> list[tuple[str, list[str], int, str]]:
    """(what, command line, exit code, words the one line says) of everyday mistakes that need no flow run."""
    (tmp / "random.duckdb").write_bytes(bytes(range(256)) * 64)
    (tmp / "empty.duckdb").write_bytes(b"")
    (tmp / "folder.duckdb").mkdir()
    with duckdb.connect(str(tmp / "foreign.duckdb")) as con:
        con.execute("create table mine (x int)")
    with sqlite3.connect(tmp / "sqlite.db") as lite:
        lite.execute("create table mine (x int)")
    (tmp / "a-file").write_text("")
    (tmp / "bad.toml").write_text("db_path = \n")
    (tmp / "unknown.toml").write_text('database = "x.duckdb"\n')
    return [
        ("status of a missing warehouse", ["status", "--db", str(tmp / "missing.duckdb")], NOT_A_WAREHOUSE, "no warehouse at"),
        ("status of random bytes", ["status", "--db", str(tmp / "random.duckdb")], NOT_A_WAREHOUSE, "not a DuckDB file"),
        ("status of an empty file", ["status", "--db", str(tmp / "empty.duckdb")], NOT_A_WAREHOUSE, "not a DuckDB file"),
        ("status of a folder", ["status", "--db", str(tmp / "folder.duckdb")], NOT_A_WAREHOUSE, "is not a file"),
        ("status of a SQLite file (no extension is fetched)", ["status", "--db", str(tmp / "sqlite.db")], NOT_A_WAREHOUSE,
         "not a DuckDB file"),
        ("status of someone else's DuckDB file", ["status", "--db", str(tmp / "foreign.duckdb")], NOT_A_WAREHOUSE, "holds tables this tool did not create (mine)"),
        ("estimate on random bytes", ["estimate", "--db", str(tmp / "random.duckdb"), "--suite", "training"], NOT_A_WAREHOUSE, "not a DuckDB file"),
        ("export on random bytes", ["export", str(tmp / "out"), "--db", str(tmp / "random.duckdb")], NOT_A_WAREHOUSE, "not a DuckDB file"),
        ("report on random bytes", ["report", str(tmp / "r.html"), "--db", str(tmp / "random.duckdb")], NOT_A_WAREHOUSE, "not a DuckDB file"),
        ("sql on a missing warehouse", ["sql", "select 1", "--db", str(tmp / "missing.duckdb")], NOT_A_WAREHOUSE, "no warehouse at"),
        ("export under a file", ["export", str(tmp / "a-file" / "out"), "--db", str(db)], CANNOT_WRITE, "cannot write"),
        ("report under a file", ["report", str(tmp / "a-file" / "r.html"), "--db", str(db)], CANNOT_WRITE, "cannot write"),
        ("estimate without its target", ["estimate", "--db", str(db), "--suite", "training", "--benchmark", "ssd"], USAGE, "need --benchmark"),
        ("a --repo URL that names no round", ["ingest", "--db", str(tmp / "w.duckdb"), "--repo", "https://github.com/mlcommons/inference"],
         USAGE, "training_results_vX.Y"),
        ("a --repo folder by a relative path", ["ingest", "--db", str(tmp / "w.duckdb"), "--repo", "mirror/training_results_v4.0"],
         USAGE, "'mirror/training_results_v4.0': a folder is given by its absolute path"),
        ("an --organization-url folder by a path from home", ["ingest", "--db", str(tmp / "w.duckdb"), "--organization-url", "~/mirror"],
         USAGE, "'~/mirror' cannot hold repositories: a folder is given by its absolute path"),
        ("a config file that is not TOML", ["--config", str(tmp / "bad.toml"), "status"], USAGE, "is not valid TOML"),
        ("a config file with an unknown setting", ["--config", str(tmp / "unknown.toml"), "status"], USAGE, "unknown setting 'database'"),
        ("a missing config file", ["--config", str(tmp / "none.toml"), "status"], USAGE, "cannot read the config file"),
        ("a negative size limit", ["ingest", "--max-file-bytes", "-1", "--repo", upstream], USAGE, "max_file_bytes"),
    ]


def test_everyday_mistakes_say_one_line_and_exit_with_their_code(warehouse, tmp_path, capsys):
    *_, settings = warehouse
    upstream = url(make_repo(tmp_path / "upstream" / "training_results_v3.0", "training_results_v3.0"))
    for what, argv, code, words in _mistakes(tmp_path, settings.db_path, upstream):
        assert main(argv) == code, what
        captured = capsys.readouterr()
        lines = captured.err.splitlines()
        assert len(lines) == 1 and words in lines[0] and lines[0].startswith("mlperf-warehouse: "), (what, captured.err)

    busy = tmp_path / "busy.duckdb"
    with holding_the_lock(busy):
        assert main(["ingest", "--db", str(busy), "--cache-dir", str(tmp_path / "cache"), "--repo", upstream]) == BUSY
    assert capsys.readouterr().err.splitlines() == [
        f"mlperf-warehouse: another ingest is refreshing {busy} (lock {busy}.lock is held); try again when it ends"]


def test_unreachable_and_missing_repositories(tmp_path, prefect_harness, capsys, caplog, monkeypatch):
    """A network error is retried (one line each, naming the repository) then said with what to do; a repository
    that does not exist fails at once. Neither leaves a warehouse behind."""
    monkeypatch.setenv("MLPERF_WAREHOUSE_SYNC_RETRY_DELAYS", "0.1")
    db = tmp_path / "w.duckdb"
    closed = "http://127.0.0.1:9/mlcommons/training_results_v4.0"  # nothing listens on the discard port
    assert main(["ingest", "--db", str(db), "--cache-dir", str(tmp_path / "cache"), "--repo", closed, "--sync-retries", "2"]) == UNREACHABLE
    err = capsys.readouterr().err
    assert "Traceback" not in err
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2
    for n, line in enumerate(retries, 1):
        assert line.startswith(f"training_results_v4.0: fatal: unable to access '{closed}/': Failed to connect")
        assert line.endswith(f"Couldn't connect to server; retry {n} of 2 in 0.1 s")
    caplog.clear()
    assert err.splitlines()[-1].startswith("mlperf-warehouse: no repository could be synced: fatal: unable to access")
    assert "Check the network" in err.splitlines()[-1] and "--repo /path/to/" in err.splitlines()[-1]
    assert not db.exists()

    missing = (tmp_path / "nowhere" / "training_results_v9.9").as_uri()
    assert main(["ingest", "--db", str(db), "--cache-dir", str(tmp_path / "cache"), "--repo", missing, "--sync-retries", "2"]) == FAILED
    err = capsys.readouterr().err
    assert "Traceback" not in err and not [r for r in caplog.records if "retry" in r.getMessage()]
    assert err.splitlines()[-1] == (f"mlperf-warehouse: no repository could be synced: fatal: '{missing.removeprefix('file://')}' "
                                    "does not appear to be a git repository; the warehouse is as it was")
    assert not db.exists()
    not_git = tmp_path / "plain" / "training_results_v9.9"  # a folder, but no repository: said as for file://
    not_git.mkdir(parents=True)
    assert main(["ingest", "--db", str(db), "--cache-dir", str(tmp_path / "cache"), "--repo", str(not_git)]) == FAILED
    assert capsys.readouterr().err.splitlines()[-1] == (f"mlperf-warehouse: no repository could be synced: fatal: '{not_git}' "
                                                        "does not appear to be a git repository; the warehouse is as it was")
    assert not db.exists()
    assert "Beginning flow run" not in caplog.text  # said before any flow (and Prefect server) starts

    # a Dask scheduler that does not answer (nothing listens on the discard port): one line, before any sync
    import dask

    upstream = make_repo(tmp_path / "upstream" / "training_results_v0.6", "training_results_v0.6")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main(["ingest", "--db", str(db), "--cache-dir", str(tmp_path / "cache"), "--repo", url(upstream),
                     "--dask-address", "tcp://127.0.0.1:9"]) == UNREACHABLE
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.splitlines()[-1].startswith(
        "mlperf-warehouse: the Dask scheduler at tcp://127.0.0.1:9 did not answer (")
    assert err.splitlines()[-1].endswith("nothing was parsed, the warehouse is as it was")
    assert not db.exists() and not (tmp_path / "cache" / "training_results_v0.6").exists()


def test_offline_at_a_terminal_is_told_at_once(tmp_path):
    """At a terminal, a network nobody can reach is said in one line before any flow or retry starts (the served
    and unattended runs keep their retries: the test above). A real pseudo-terminal, a real git."""
    import pty

    primary, secondary = pty.openpty()
    closed = "http://127.0.0.1:9/mlcommons/training_results_v4.0"
    env = {**os.environ, "MLPERF_WAREHOUSE_SYNC_RETRY_DELAYS": "3600"}  # a retry would hang the test, not pass it
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "ingest", "--db", str(tmp_path / "w.duckdb"),
                           "--cache-dir", str(tmp_path / "cache"), "--repo", closed],
                          stdin=secondary, stdout=secondary, stderr=secondary, env=env, timeout=600)
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal is closed once everything written to it is read
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    lines = output.decode().splitlines()
    assert done.returncode == UNREACHABLE
    assert len(lines) == 1 and lines[0].startswith("mlperf-warehouse: no repository could be synced: fatal: unable to access")
    assert "Check the network" in lines[0] and not (tmp_path / "w.duckdb").exists()


def test_a_warehouse_is_checked_by_its_table_names_without_their_models(warehouse):
    """The command checks --db before Prefect starts: by the tables' names, not their models, whose import (pandera)
    waits until Prefect's server is starting. The names are the models' tables, in load order."""
    from transform.common.schemas import TABLES
    from transform.common.table_names import TABLE_NAMES

    assert TABLE_NAMES == tuple(TABLES)
    *_, settings = warehouse
    db = settings.db_path
    check = ("import sys; from pathlib import Path; from warehouse.verify import verify; "
             f"verify(Path({str(db)!r}), must_exist=True); print(sorted(m for m in sys.modules if m.startswith('pandera')))")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout == "[]\n"
