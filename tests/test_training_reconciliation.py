"""MLCommons' own training summary (`summary.csv` on `results_branch`, from v6.0) through the real sync path, the
training_reconciliation view, and the alarm: a round with no rules file and a round whose official table
disagrees each name themselves at the top of the summary and of `status`, in `ingest_runs`, and in the exit code
of `status --check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import orjson
import pytest
from git import Repo

from flows.ingest import ingest
from flows.settings import Settings
from flows.cli import main
from tests.conftest import AUTHOR, FIXTURES, commit_files, make_repo, url
from transform.common.source import Source
from transform.training.official_summary import parse_official_summary
from transform.training.package_rules import installed
from warehouse.alarm import EXIT_CODE, describe_training, training_reproduced_in

ORACLE = (FIXTURES.parent / "oracles" / "training_results_v6.0.official_summary.csv").read_bytes()
SYSTEM = "MI350X_EPYC_9575F_primus"


def with_results_branch(repo: Repo, summary: bytes) -> None:
    """A `results_branch` holding only summary.csv, as MLCommons' workflow commits it; main stays checked out."""
    def git(*args: str, data: bytes) -> str:
        env = {"GIT_AUTHOR_NAME": AUTHOR.name, "GIT_AUTHOR_EMAIL": AUTHOR.email,
               "GIT_COMMITTER_NAME": AUTHOR.name, "GIT_COMMITTER_EMAIL": AUTHOR.email, "PATH": "/usr/bin:/bin"}
        return subprocess.run(["git", "-C", repo.working_tree_dir, *args], input=data, capture_output=True,
                              check=True, env=env).stdout.decode().strip()

    blob = git("hash-object", "-w", "--stdin", data=summary)
    tree = git("mktree", data=f"100644 blob {blob}\tsummary.csv\n".encode())
    commit = git("commit-tree", tree, "-m", "[Automated Commit] Generate summary", data=b"")
    repo.git.update_ref("refs/heads/results_branch", commit)


def _status(db: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "status", "--db", str(db), *flags],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def run(tmp_path_factory, prefect_harness):
    """One ingest of three rounds made of the v6.0 fixture: v6.0 with the oracle on results_branch; v6.1, a round
    without a rules file (judged by the package's derived rules) whose summary disagrees (another score, one
    unparseable row); v9.9, a round no rules know."""
    root = tmp_path_factory.mktemp("training_official")
    good = make_repo(root / "training_results_v6.0", "training_results_v6.0")
    with_results_branch(good, ORACLE)
    bad = make_repo(root / "training_results_v6.1", "training_results_v6.0")
    # the summary names the submitter as the system description does, which need not be the folder's name
    description = Path(bad.working_tree_dir) / "AMD" / "systems" / f"{SYSTEM}.json"
    commit_files(bad, {f"AMD/systems/{SYSTEM}.json": description.read_bytes().replace(b'"AMD"', b'"AMD Inc."', 1)}, "renamed")
    summary = ORACLE.replace(b",10.217058333333332,", b",10.5,").replace(b",AMD,", b",AMD Inc.,")
    broken_row = summary.splitlines()[1].replace(b"/systems/MI350X", b"/nosystems/MI350X").replace(b",closed,", b",open,", 1)
    with_results_branch(bad, summary + broken_row + b"\n")
    unknown = make_repo(root / "training_results_v9.9", "training_results_v6.0")
    settings = Settings(db_path=root / "w.duckdb", cache_dir=root / "cache", repos=tuple(url(r) for r in (good, bad, unknown)),
                        sync_retries=0)
    return ingest(settings), settings.db_path


def test_the_official_summary_on_results_branch_is_reproduced(run):
    summary, db = run
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.sql("select * from training_reconciliation where round = 'v6.0'").pl().row(0, named=True)
        commit = con.sql("select source_commit from official_training_scores where round = 'v6.0'").fetchall()[0][0]
    assert (row["system"], row["benchmark"], row["verdict"]) == (SYSTEM, "llama2_70b_lora", "equal")
    assert row["official_score_minutes"] == row["score_minutes"] == 10.217058333333332
    # read at the branch's own commit, through the clone the sync made
    assert commit == Repo(db.parent / "training_results_v6.0").git.rev_parse("results_branch")
    assert "v6.0: official training scores reproduced: 1 of 1" in summary.text(db)
    assert not [a for a in summary.alarms if a["round"] == "v6.0"]


def test_a_round_without_rules_and_a_disagreeing_summary_fire_the_alarm(run):
    summary, db = run
    kinds = {(a["round"], a["kind"], a["count"]) for a in summary.alarms}
    assert kinds == {("v6.1", "not judged", 1), ("v6.1", "not reproduced", 1), ("v9.9", "not judged", 1)}
    notes = {a["round"]: a["note"] for a in summary.alarms if a["kind"] == "not judged"}
    if installed() is not None:  # the test extra has it: v6.1's ruleset ships before its results
        assert "derived from mlperf-logging" in notes["v6.1"] and "not yet reviewed" in notes["v6.1"]
    assert notes["v9.9"].startswith("no rules file for training v9.9")
    text = summary.text(db)
    assert text.startswith("ALARM: 2 round(s)") and "training v9.9: 1 results not judged" in text
    assert "training v6.1: 1 of 1 official rows not reproduced (official rows reproduced 0 of 1: 1 different)" in text
    status = _status(db, "--check")
    assert status.returncode == EXIT_CODE and status.stdout.startswith("ALARM: 2 round(s)")
    assert _status(db).returncode == 0  # without --check, status only tells
    with duckdb.connect(str(db), read_only=True) as con:
        recorded = orjson.loads(con.sql("select alarms from ingest_runs").fetchall()[0][0])
        rejects = con.sql("select source_path, reason from rejects where round = 'v6.1' and stage <> 'backfill'").fetchall()
        loaded = con.sql("select score_minutes from official_training_scores where round = 'v6.1'").fetchall()
    assert recorded == summary.alarms
    # the row that does not parse is a reject with its reason; the rest of the table loads
    assert [(path, reason.startswith("official training summary, line 3: details_url"),
             reason.endswith("names no systems/<system>.json")) for path, reason in rejects] == [
        ("results_branch:summary.csv", True, True)]
    assert loaded == [(10.5,)]
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.sql("select * from training_reconciliation where round = 'v6.1'").pl().row(0, named=True)
    assert (row["submitter"], row["official_submitter"], row["verdict"]) == ("AMD", "AMD Inc.", "different")
    assert (row["official_score_minutes"], row["score_minutes"]) == (10.5, 10.217058333333332)


def test_a_summary_that_is_not_the_summarizers_is_one_reject():
    source = Source("training", "v6.0", "results_branch:summary.csv", "0" * 40)
    assert parse_official_summary(b"a,b\n1,2\n", source)[1][0]["reason"].startswith(
        "official training summary does not have the result summarizer's columns")
    assert parse_official_summary(b"\xff\xfe", source)[1][0]["reason"].startswith("official training summary does not parse")
    rows, rejects = parse_official_summary(ORACLE.replace(b",10.217058333333332,", b",nan,"), source)
    assert rows == [] and "is not a positive number of minutes" in rejects[0]["reason"]


def test_a_new_summary_alone_is_read_the_next_night(tmp_path, prefect_harness):
    """MLCommons' workflow commits the summary just after each push: a run in between reads the old one. When only
    results_branch moves, the next run (the command's own check before Prefect, then the flow) reads it anew."""
    from flows.unchanged import preflight

    upstream = make_repo(tmp_path / "training_results_v6.0", "training_results_v6.0")
    with_results_branch(upstream, ORACLE.replace(b",10.217058333333332,", b",11.0,"))
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", repos=(url(upstream),),
                        sync_retries=0, workers=1)
    ingest(settings)
    assert preflight(settings, interactive=False) is not None  # nothing moved: recorded, no flow
    with_results_branch(upstream, ORACLE)  # the summary of the push, committed a minute later
    assert preflight(settings, interactive=False) is None
    summary = ingest(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        official = con.sql("select official_commit from sources").fetchall()
        verdicts = con.sql("select verdict from training_reconciliation").fetchall()
    assert official == [(Repo(upstream.working_tree_dir).git.rev_parse("results_branch"),)]
    assert verdicts == [("equal",)] and summary.files_parsed == 0  # the logs' parse output re-used


def test_the_summary_of_release_day_is_compared_once_backfilled(run):
    """Before the backfill a disagreeing round says "release day unknown"; after it, each score says whether it
    equals today's summary, the release day's (its first version on results_branch), both or neither, and the
    summary's row that does not parse is a backfill reject beside the ingest's."""
    summary, db = run
    assert [line for entry in summary.official_training for line in describe_training(entry) if "release day" in line] \
        == ["    release day unknown (no past versions of the summary loaded: `mlperf-warehouse backfill`)"]
    for name in ("training_results_v6.0", "training_results_v6.1"):
        assert main(["backfill", "--repo", (db.parent / name).as_uri(), "--db", str(db), "--cache-dir", str(db.parent / "cache")]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql("select round, agrees_with, release_day_score_minutes, release_day_equal, release_day_commit "
                       "from training_reconciliation order by round").fetchall()
        rejects = con.sql("select stage, source_commit, reason from rejects where round = 'v6.1' order by stage").fetchall()
    branch = Repo(db.parent / "training_results_v6.1").git.rev_parse("results_branch")
    assert [row[:4] for row in rows] == [("v6.0", "both", 10.217058333333332, True), ("v6.1", "neither", 10.5, False)]
    assert rows[1][4] == branch
    assert [(stage, commit) for stage, commit, _ in rejects] == [("backfill", branch), ("parse", branch)]
    assert rejects[0][2] == "parse: " + rejects[1][2]
    [counts] = training_reproduced_in(db, ["v6.1"])
    assert describe_training(counts)[1].endswith("our scores equal both 0, today's table only 0, release day's only 0, neither 1")
