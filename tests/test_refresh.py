"""Nightly operation: incremental refreshes, rewritten history, unreachable repos, readers, crashes, one writer."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from extract.git_errors import GitFailure, NothingSynced
from extract.rounds import new_round_urls
from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import AUTHOR, commit_files, fixture_bytes, folder, make_repo, url
from tests.test_cli import holding_the_lock
from transform.common.schemas import TABLES
from warehouse.publish import MAX_FREE_SHARE

RESNET = "Dell/results/XE9680x8H100-SXM-80GB/resnet"
TABLES_BUT_RUNS = [t for t in TABLES if t != "ingest_runs"]


@pytest.fixture
def upstream(tmp_path):
    return make_repo(tmp_path / "upstream" / "training_results_v3.0", "training_results_v3.0")


def settings_for(tmp_path: Path, *repos: str) -> Settings:
    return Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", repos=repos, sync_retries=0)


def checksums(db: Path) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: con.execute(f"select count(*), md5(string_agg(t::varchar, chr(10) order by t::varchar)) from {t} t").fetchone()
            for t in TABLES_BUT_RUNS
        }


def rows(db: Path, query: str) -> set[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return set(con.sql(query).fetchall())


def test_unchanged_repo_costs_one_fetch_and_changes_nothing(tmp_path, upstream, prefect_harness):
    settings = settings_for(tmp_path, url(upstream))
    first = ingest(settings)
    before = checksums(settings.db_path)
    second = ingest(settings)
    assert first.files_parsed == 397
    assert (second.files_parsed, second.unchanged) == (0, ["training_results_v3.0"])
    assert checksums(settings.db_path) == before
    assert rows(settings.db_path, "select files_parsed from ingest_runs") == {(397,), (0,)}


def test_a_folder_path_ingests_the_same_tables_as_its_file_url_and_refreshes(tmp_path, prefect_harness):
    """A mirror given as a folder's path (git's local clone, objects linked) loads what its file:// URL loads (git's
    transport, as from GitHub); its refreshes fetch what changed."""
    upstream = make_repo(tmp_path / "upstream" / "training_results_v6.0", "training_results_v6.0")
    by_url, by_folder = settings_for(tmp_path / "url", url(upstream)), settings_for(tmp_path / "folder", folder(upstream))
    ingest(by_url)
    assert ingest(by_folder).files_parsed == 11
    # but for the repository's URL (`sources`) and the run that loaded it, and when (`round_versions`)
    tables = [t for t in TABLES_BUT_RUNS if t not in ("sources", "round_versions")]
    assert {t: checksums(by_folder.db_path)[t] for t in tables} == {t: checksums(by_url.db_path)[t] for t in tables}
    versions = "select * exclude (run_id, seen_at) from round_versions"
    assert rows(by_folder.db_path, versions) == rows(by_url.db_path, versions)
    assert rows(by_folder.db_path, "select repo_url, commit_sha from sources") == {(folder(upstream), upstream.head.commit.hexsha)}

    log = "AMD/results/MI350X_EPYC_9575F_primus/llama2_70b_lora/result_9.txt"
    aborted = fixture_bytes(f"training_results_v6.0/{log}").replace(b'"status": "success"', b'"status": "aborted"')
    changed = commit_files(upstream, {log: aborted}, "run 9 aborted")
    summary = ingest(by_folder)
    assert summary.files_parsed == 1 and summary.repos == [("training_results_v6.0", changed)]
    assert rows(by_folder.db_path, f"select status from training_runs where source_path = '{log}'") == {("aborted",)}


def test_changed_added_deleted_renamed_files_change_exactly_their_rows(tmp_path, upstream, prefect_harness):
    settings = settings_for(tmp_path, url(upstream))
    ingest(settings)
    runs_query = "select source_path, time_to_train_minutes, status from training_runs"
    before_runs = rows(settings.db_path, runs_query)
    before_systems = rows(settings.db_path, "select system, source_path from systems")

    root = Path(upstream.working_tree_dir)
    changed = root / f"{RESNET}/result_1.txt"  # the aborted run: make it a success
    changed.write_bytes(changed.read_bytes().replace(b'"status": "aborted"', b'"status": "success"'))
    shutil.copy(root / f"{RESNET}/result_0.txt", root / f"{RESNET}/result_5.txt")  # added
    (root / f"{RESNET}/result_4.txt").unlink()  # deleted
    upstream.git.mv("Azure/systems/ND_H100_v5_mxnet.json", "Azure/systems/ND_H100_v5_mxnet_renamed.json")
    new_commit = commit_files(upstream, {}, "change, add, delete, rename")

    summary = ingest(settings)
    assert summary.files_parsed == 3  # changed, added, renamed; nothing else is read
    after_runs = rows(settings.db_path, runs_query)
    gone, came = before_runs - after_runs, after_runs - before_runs
    assert {r[0] for r in gone} == {f"{RESNET}/result_1.txt", f"{RESNET}/result_4.txt"}
    assert {(r[0], r[2]) for r in came} == {(f"{RESNET}/result_1.txt", "success"), (f"{RESNET}/result_5.txt", "success")}
    after_systems = rows(settings.db_path, "select system, source_path from systems")
    assert before_systems - after_systems == {("ND_H100_v5_mxnet", "Azure/systems/ND_H100_v5_mxnet.json")}
    assert after_systems - before_systems == {("ND_H100_v5_mxnet_renamed", "Azure/systems/ND_H100_v5_mxnet_renamed.json")}
    # every row carries the commit ingested, also the rows re-used from the parse cache of the old commit
    for table in ("training_runs", "training_evals", "training_scores", "systems", "rejects"):
        assert rows(settings.db_path, f"select distinct source_commit from {table}") <= {(new_commit,)}, table
    # The derived score follows: result_4 replaced by a copy of result_0. result_1 still counts as failed: its
    # status now says success but it never reached the quality target, which is what the rules look at.
    score_query = """
        select runs_total, runs_failed, unscaled_score_minutes from training_scores
        where system = 'XE9680x8H100-SXM-80GB' and benchmark = 'resnet'"""
    converged_ms = [1683609698632 - 1683608893969, 1683611576107 - 1683610771592,
                    1683612492089 - 1683611687491, 1683609698632 - 1683608893969]
    counted = sorted(m / 60 / 1000 for m in converged_ms)[1:]
    ((total, failed, score),) = rows(settings.db_path, score_query)
    assert (total, failed) == (5, 1) and score == pytest.approx(sum(counted) / 3, rel=1e-12)
    # the rows deleted leave no lasting free space: a file with too much is rewritten compact (docs/compaction.md)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        total_blocks, free_blocks = con.execute("select total_blocks, free_blocks from pragma_database_size()").fetchone()
    assert free_blocks <= MAX_FREE_SHARE * total_blocks


def test_rewritten_history_is_parsed_anew(tmp_path, upstream, prefect_harness):
    settings = settings_for(tmp_path, url(upstream))
    ingest(settings)
    before = rows(settings.db_path, "select source_path, time_to_train_minutes from training_runs")
    upstream.git.commit("--amend", "-m", "rewritten", f"--author={AUTHOR.name} <{AUTHOR.email}>")
    summary = ingest(settings)
    assert summary.files_parsed == 397  # full re-ingest, nothing re-used
    assert rows(settings.db_path, "select source_path, time_to_train_minutes from training_runs") == before
    assert rows(settings.db_path, "select distinct source_commit from training_runs") == {(upstream.head.commit.hexsha,)}


def test_an_unreachable_repo_does_not_fail_the_others(tmp_path, upstream, prefect_harness):
    missing = (tmp_path / "nowhere" / "training_results_v9.9").as_uri()
    settings = settings_for(tmp_path, url(upstream), missing)
    summary = ingest(settings)
    assert list(summary.failed) == [missing]
    assert summary.failed[missing] == "fatal: '%s' does not appear to be a git repository" % missing.removeprefix("file://")
    assert summary.repos == [("training_results_v3.0", upstream.head.commit.hexsha)]
    assert rows(settings.db_path, "select count(*) from training_runs") == {(300,)}
    assert "training_results_v9.9" in rows(settings.db_path, "select failed_repos from ingest_runs").pop()[0]
    assert main(["status", "--db", str(settings.db_path)]) == 0


READER = """
import sys, time, duckdb
db, stop = sys.argv[1], sys.argv[2]
failures = queries = 0
seen = set()
import os
while not os.path.exists(stop):
    try:
        with duckdb.connect(db, read_only=True) as con:
            seen.add(con.execute("select count(*) from training_runs").fetchone()[0])
        queries += 1
    except Exception as exc:
        failures += 1
        print(repr(exc), file=sys.stderr)
print(queries, failures, sorted(seen))
"""


def test_readers_never_fail_during_a_refresh(tmp_path, upstream, prefect_harness):
    settings = settings_for(tmp_path, url(upstream))
    ingest(settings)
    root = Path(upstream.working_tree_dir)
    (root / f"{RESNET}/result_4.txt").unlink()
    commit_files(upstream, {}, "one run fewer")
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(settings.db_path), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        ingest(settings)
        time.sleep(0.5)
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    queries, failures, seen = out.split(" ", 2)
    assert int(failures) == 0 and int(queries) > 10
    assert seen.strip() in ("[299, 300]", "[300, 299]", "[299]", "[300]")


def test_a_second_ingest_waits_its_turn(tmp_path, upstream, capsys):
    db = tmp_path / "w.duckdb"
    with holding_the_lock(db):
        code = main(["ingest", "--db", str(db), "--cache-dir", str(tmp_path / "cache"), "--repo", url(upstream)])
    assert code == 3
    assert "another ingest is refreshing" in capsys.readouterr().err
    assert not db.exists()


def test_kill_9_during_a_refresh_leaves_the_last_good_warehouse(tmp_path, upstream, prefect_harness):
    settings = settings_for(tmp_path, url(upstream))
    ingest(settings)
    before = checksums(settings.db_path)
    (Path(upstream.working_tree_dir) / f"{RESNET}/result_4.txt").unlink()
    commit_files(upstream, {}, "one run fewer")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "flows.cli", "ingest", "--db", str(settings.db_path),
               "--cache-dir", str(settings.cache_dir), "--repo", url(upstream)]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # kill it once its build file appears, i.e. in the middle of publishing
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and victim.poll() is None:
        if list(tmp_path.glob(".w.duckdb.building-*")):
            break
        time.sleep(0.01)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert checksums(settings.db_path) == before  # the previous warehouse, untouched and readable
    summary = ingest(settings)  # the next run succeeds and cleans up
    assert summary.files_parsed == 0 and not summary.failed
    assert rows(settings.db_path, "select count(*) from training_runs") == {(299,)}
    assert not list(tmp_path.glob(".w.duckdb.building-*"))


def test_new_rounds_are_found_upstream_stepping_over_one_missing_version(tmp_path):
    org = tmp_path / "org"
    for round_ in ("v3.0", "v4.0", "v5.1"):  # v4.1 and v5.0 never published
        make_repo(org / f"training_results_{round_}", f"training_results_{round_ if round_ != 'v5.1' else 'v4.0'}")
    for given_as in (org.as_uri(), str(org)):  # a file:// URL, a folder's path
        assert new_round_urls(given_as, {"training": ("v3.0",)}) == [
            f"{given_as}/training_results_v4.0", f"{given_as}/training_results_v5.1"]


def test_a_probe_that_cannot_reach_the_host_fails_the_run(tmp_path, prefect_harness, caplog):
    """Probing must never take "unreachable" for "no new round": the run says the probe failed. The probe is
    retried; the repositories of a host it could not reach then get one try each."""
    closed = "http://127.0.0.1:9/mlcommons"
    with pytest.raises(GitFailure) as failure:
        new_round_urls(closed, {"training": ("v3.0",)})
    assert failure.value.network and "Couldn't connect to server" in str(failure.value)
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", organization_url=closed,
                        sync_retries=1, sync_retry_delays=(0.1,))
    with pytest.raises(NothingSynced) as nothing:
        ingest(settings)
    assert nothing.value.network and closed in nothing.value.failed  # the probe is named among the failures
    assert f"{closed}/training_results_v5.1" in nothing.value.failed
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 1 and retries[0].startswith(f"probing {closed} for new rounds: fatal: unable to access")
    assert not settings.db_path.exists()
