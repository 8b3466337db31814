"""History of the warehouse's own rows: a refresh records every row added, removed and changed, once, with old and
new values, beside current tables that equal a fresh ingest of the new commit."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import orjson
import polars as pl
import pytest

from flows.ingest import ingest
from flows.settings import Settings
from flows.cli import main
from tests.conftest import AUTHOR, commit_files, make_repo, url
from transform.common.schemas import HISTORY_TABLES, TABLES
from transform.common.validate import to_frame
from warehouse.ddl import create_table
from warehouse.history import diff, record
from warehouse.publish import publish
from warehouse.reconciliation import describe, reproduced
from warehouse.status import status, status_json

SYSTEM = "closed/AMD/systems/8xMI355X_2xEPYC_9575F.json"
RESULT = "closed/AMD/results/8xMI355X_2xEPYC_9575F/gpt-oss-120b/Offline"
WITHDRAWN = "closed/Krai/results/h200_n1-kissv/wan-2.2-t2v-a14b/offline"
OFFICIAL_ID = "6.0-0001"  # a system's ID: its first row is this location
OFFICIAL_LOCATION = "closed/AMD/results/87xMI355X_22xEPYC_9575F/llama2-70b-99/Interactive"
EDITED = "2030-01-02T03:04:05"  # after the fixture's first commit (now), so each version has its own date


def _edited_official(data: bytes) -> tuple[bytes, float]:
    """The table edited after release day: one row's result changed (ours stays the release day's), and the row of
    the corrected log (RESULT) following the correction (ours is today's, no longer the release day's)."""
    rows = orjson.loads(data)
    row = next(r for r in rows if r["ID"] == OFFICIAL_ID)
    row["Performance_Result"] = new = round(float(row["Performance_Result"]) * 1.01, 3)
    corrected = next(r for r in rows if r["Location"] == f"./{RESULT}/performance/run_1")
    corrected["Performance_Result"] = 96004.0
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2), new


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("history")
    upstream = make_repo(root / "upstream" / "inference_results_v6.0", "inference_results_v6.0")
    first = upstream.head.commit.hexsha
    settings = Settings(db_path=root / "w.duckdb", cache_dir=root / "cache", repos=(url(upstream),), sync_retries=0)
    ingest(settings)
    work = Path(upstream.working_tree_dir)
    log = work / RESULT / "performance/run_1/mlperf_log_detail.txt"
    official, official_new = _edited_official((work / "summary_results.json").read_bytes())
    system = (work / SYSTEM).read_bytes().replace(b'"cooling": "Passive & Active"', b'"cooling": "Liquid"')
    shutil.rmtree(work / WITHDRAWN)
    log.write_bytes(log.read_bytes().replace(b'"value": 95004,', b'"value": 96004,'))
    (work / SYSTEM).write_bytes(system)
    (work / "summary_results.json").write_bytes(official)
    upstream.git.add("-A")
    second = upstream.index.commit("Fix AMD log and system; withdraw Krai offline; table", author=AUTHOR,
                                   committer=AUTHOR, author_date=EDITED, commit_date=EDITED).hexsha
    summary = ingest(settings)
    assert main(["backfill", "--repo", url(upstream), "--db", str(settings.db_path), "--cache-dir", str(settings.cache_dir)]) == 0
    fresh = Settings(db_path=root / "fresh.duckdb", cache_dir=root / "fresh-cache", repos=(url(upstream),), sync_retries=0)
    ingest(fresh)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    yield con, summary, (first, second), official_new, settings, fresh
    con.close()


def _changes(con, table: str, **key) -> list[tuple]:
    where = " and ".join(f"json_extract_string(row_key, '$.{k}') = ?" for k in key)
    return con.execute(f"select change, columns_changed, old_values, new_values, old_commit, new_commit from changes "
                       f"where table_name = ? and {where}", [table, *key.values()]).fetchall()


def test_first_ingest_is_one_marker_then_each_change_once(refreshed):
    con, _, (first, second), official_new, _, _ = refreshed
    versions = con.execute("select commit_sha, previous_commit, cause, upstream_commits, upstream_messages "
                           "from round_versions order by seen_at").fetchall()
    assert [v[:4] for v in versions] == [(first, None, "first seen", None), (second, first, "upstream", 1)]
    assert orjson.loads(versions[1][4])[0]["subject"].startswith("Fix AMD log")
    # every row's change appears once
    assert con.execute("select count(*) - count(distinct (table_name, row_key)) from changes").fetchone() == (0,)
    assert con.execute("select distinct old_commit, new_commit from changes").fetchall() == [(first, second)]

    [log] = _changes(con, "inference_results", system="8xMI355X_2xEPYC_9575F", benchmark="gpt-oss-120b", scenario="Offline")
    assert log[0] == "changed" and "result" in log[1].split(",")
    old, new = orjson.loads(log[2]), orjson.loads(log[3])
    assert (old["result"], new["result"]) == (95004, 96004)
    [system] = _changes(con, "systems", system="8xMI355X_2xEPYC_9575F")
    assert (system[0], system[1]) == ("changed", "raw_json")
    assert orjson.loads(orjson.loads(system[3])["raw_json"])["cooling"] == "Liquid"
    [withdrawn] = _changes(con, "inference_results", system="h200_n1-kissv", scenario="Offline")
    assert withdrawn[0] == "removed" and orjson.loads(withdrawn[2])["result"] is not None
    [table] = _changes(con, "official_results", location=OFFICIAL_LOCATION)
    assert table[0] == "changed" and orjson.loads(table[3])["result"] == official_new
    assert con.execute("select count(*) from changes where table_name = 'official_results'").fetchone() == (2,)
    # nothing else of the edited result's folder or the system changed; the withdrawn folder's other rows went too
    assert {r[0] for r in con.execute("select distinct table_name from changes where change = 'removed'").fetchall()} \
        >= {"inference_results", "inference_accuracy"}
    assert con.execute("select count(*) from changes where change = 'added'").fetchone() == (0,)
    assert con.execute("select system, scenario, last_commit_with_it, withdrawn_in_commit from withdrawn_results").fetchall() \
        == [("h200_n1-kissv", "Offline", first, second)]


def test_current_tables_equal_a_fresh_ingest(refreshed):
    _, _, _, _, settings, fresh = refreshed
    tables = [t for t in TABLES if t not in HISTORY_TABLES | {"ingest_runs", "sources"} and not t.endswith("_versions")]

    def contents(db: Path) -> dict:
        with duckdb.connect(str(db), read_only=True) as con:
            return {t: con.execute(f"select count(*), md5(string_agg(t::varchar, chr(10) order by t::varchar)) from {t} t")
                    .fetchone() for t in tables}
    assert contents(settings.db_path) == contents(fresh.db_path)


def test_summary_status_and_json_list_the_changes(refreshed):
    _, summary, (first, second), _, settings, _ = refreshed
    [entry] = summary.changes
    assert (entry["previous_commit"], entry["commit_sha"], entry["rows_removed"] > 0) == (first, second, True)
    text = summary.text(settings.db_path)
    assert f"{first[:12]} -> {second[:12]}" in text
    assert "inference_results closed/AMD/8xMI355X_2xEPYC_9575F/gpt-oss-120b/Offline result: 95004 -> 96004" in text
    assert orjson.loads(summary.json(settings.db_path))["changes"][0]["commit_sha"] == second
    assert "result: 95004 -> 96004" in status(settings.db_path)
    assert orjson.loads(status_json(settings.db_path))["last_refresh"][0]["rows_changed"] == entry["rows_changed"]


def test_backfill_loads_every_version_of_the_official_table(refreshed):
    con, _, (first, second), official_new, _, _ = refreshed
    versions = con.execute("""
        select source_commit, committed_at, superseded_at, result from official_result_versions
        where location = ? order by committed_at""", [OFFICIAL_LOCATION]).fetchall()
    assert [v[0] for v in versions] == [first, second] and versions[0][2] == versions[1][1] and versions[1][2] is None
    assert versions[1][3] == official_new and versions[0][3] != official_new
    # the table as of a date is one query; today's version is the warehouse's official_results
    as_of = "select result from official_result_versions where location = ? and committed_at <= ? and (superseded_at is null or superseded_at > ?)"
    assert con.execute(as_of, [OFFICIAL_LOCATION, "2029-12-31", "2029-12-31"]).fetchall() == [(versions[0][3],)]
    assert con.execute(as_of, [OFFICIAL_LOCATION, "2030-02-01", "2030-02-01"]).fetchall() == [(official_new,)]
    assert con.execute("select count(*) from official_result_versions where source_commit = ?", [second]).fetchone() \
        == con.execute("select count(*) from official_results").fetchone()


def test_diff_matches_by_key_and_refuses_a_repeated_key():
    old = pl.DataFrame({"suite": ["inference"] * 2, "round": ["v6.0"] * 2, "k": ["a", "b"], "x": [1.0, 2.0],
                        "source_commit": ["1" * 40] * 2})
    new = old.with_columns(x=pl.Series([1.0, 3.0]), source_commit=pl.lit("2" * 40))
    assert diff(old, new, ["k"]) == [{"change": "changed", "row_key": '{"k":"b"}', "columns_changed": "x",
                                      "old_values": '{"x":2.0}', "new_values": '{"x":3.0}'}]
    with pytest.raises(ValueError, match="share their key"):
        diff(pl.concat([old, old]), new, ["k"])


def test_release_validates_as_croissant_and_reads_back_equal(refreshed, tmp_path):
    con, _, (_, second), _, settings, _ = refreshed
    assert main(["export", str(tmp_path), "--release", "--db", str(settings.db_path)]) == 0
    [folder] = tmp_path.iterdir()
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    assert [s["commit_sha"] for s in manifest["sources"]] == [second]
    mlcroissant = pytest.importorskip("mlcroissant")
    mlcroissant.Dataset(jsonld=folder / "croissant.json")  # raises on an invalid description
    for file, rows in manifest["files"].items():
        name = file.removesuffix(".parquet")
        digest = "select count(*), md5(string_agg(t::varchar, chr(10) order by t::varchar)) from {} t"
        assert con.execute(digest.format(f"read_parquet('{folder / file}')")).fetchone() \
            == con.execute(digest.format(f'"{name}"')).fetchone() and rows == con.execute(f'select count(*) from "{name}"').fetchone()[0], name


def test_a_change_that_cannot_be_recorded_is_a_reject_and_the_rest_is_recorded(refreshed):
    """A key that repeats in the rows held (a result loaded twice) is a reject of stage history for that table; the
    other tables' changes and the round's version are recorded."""
    con, _, (first, second), _, _, _ = refreshed
    reader = con.cursor()  # the module's connection may hold an earlier test's unfinished result
    tables = {t: reader.sql(f'select * from "{t}"').pl() for t in ("sources", "inference_results", "systems")}
    held_rows = {"sources": tables["sources"].with_columns(commit_sha=pl.lit(first)),
                 "inference_results": pl.concat([tables["inference_results"]] * 2),
                 "systems": tables["systems"].with_columns(pl.when(pl.col("system") == "h200_n1-kissv")
                                                           .then(pl.lit("edited")).otherwise(pl.col("framework")).alias("framework"))}
    with duckdb.connect() as held:
        for name, rows in held_rows.items():
            held.execute(create_table(name))
            held.execute(f'insert into "{name}" by name select * from rows')
        out = record(held, tables, [("inference", "v6.0")], {})
    [reject] = out["rejects"].to_dicts()
    assert (reject["stage"], reject["source_path"], reject["source_commit"]) == ("history", "table inference_results", second)
    assert "share their key" in reject["reason"]
    assert out["round_versions"].select("cause", "previous_commit", "rows_changed").row(0) == ("upstream", first, 1)
    assert out["changes"].select("table_name", "columns_changed").rows() == [("systems", "framework")]


def test_the_reconciliation_says_which_table_a_disagreement_is_with(refreshed):
    """Before the round's past is loaded a disagreement says "release day unknown"; after the backfill, whether ours
    equals today's table, the release day's, both or neither."""
    con, summary, (first, _), official_new, settings, _ = refreshed
    # the refresh's summary was written before the backfill: no guess
    [line] = [line for line in summary.text(settings.db_path).splitlines() if f"different: {OFFICIAL_LOCATION}:" in line]
    assert f"official {official_new:g} Tokens/s" in line
    assert line.endswith("release day unknown (no past versions loaded: `mlperf-warehouse backfill`)")

    agrees = dict(con.execute("select location, agrees_with from reconciliation where agrees_with is not null").fetchall())
    assert agrees.pop(OFFICIAL_LOCATION) == "release day"  # the table was edited after release day; ours is its first edition
    assert agrees.pop(RESULT) == "today"  # the log and the table were corrected together
    assert set(agrees.values()) == {"both"}
    release_day = con.execute("""
        select verdict, result, release_day_result, release_day_commit, release_day_equal from reconciliation
        where location = ?""", [OFFICIAL_LOCATION]).fetchone()
    assert release_day[0] == "different" and release_day[1] == release_day[2] != official_new
    assert release_day[3:] == (first, True)

    [entry] = reproduced(settings.db_path, ["v6.0"])
    assert (entry["agrees_both"], entry["agrees_today_only"], entry["agrees_release_day_only"], entry["agrees_neither"],
            entry["release_day_unknown"]) == (len(agrees), 1, 1, 0, 0)
    lines = describe(entry)
    assert lines[1].startswith(f"    against the table of release day ({entry['release_day']:%Y-%m-%d}): our results "
                               f"equal both {len(agrees)}, today's table only 1, release day's only 1, neither 0")
    [line] = [line for line in lines if OFFICIAL_LOCATION in line]
    assert line.endswith(f"; ours equals the release day's table ({entry['release_day']:%Y-%m-%d}): the disagreement "
                         "is with today's table only")
    assert orjson.loads(status_json(settings.db_path))["official_results_reproduced"][0]["agrees_release_day_only"] == 1


def test_a_version_that_does_not_parse_is_a_backfill_reject_and_the_others_load(tmp_path, capsys):
    """A broken official table (and a submitter's csv that is not text) committed between good versions: each is a
    reject of stage backfill with its file, commit and reason; the good versions load; the round's other rejects
    stay, and a second backfill replaces its own rejects rather than adding to them."""
    upstream = make_repo(tmp_path / "upstream" / "inference_results_v6.0", "inference_results_v6.0")
    first = upstream.head.commit.hexsha
    work = Path(upstream.working_tree_dir)
    table = (work / "summary_results.json").read_bytes()
    broken = commit_files(upstream, {"summary_results.json": table[: len(table) // 2], "closed/AMD/summary.csv": b"\xff\xfe\x00"},
                          "a table cut short")
    (work / "closed/AMD/summary.csv").unlink()
    fixed = commit_files(upstream, {"summary_results.json": table.replace(b'"Performance_Result": 95004.0', b'"Performance_Result": 96004.0')},
                         "the table whole again")
    db = tmp_path / "w.duckdb"
    ingest_reject = {"suite": "inference", "round": "v6.0", "source_path": "closed/X/systems/x.json",
                     "source_commit": first, "stage": "parse", "reason": "a reject of the ingest"}
    publish(db, {"rejects": to_frame("rejects", [ingest_reject])}, [("inference", "v6.0")])
    for _ in range(2):
        assert main(["backfill", "--repo", url(upstream), "--db", str(db), "--cache-dir", str(tmp_path / "cache")]) == 0
    printed = capsys.readouterr().out
    assert f"reject summary_results.json @ {broken[:12]}: parse: official results table does not parse" in printed
    with duckdb.connect(str(db), read_only=True) as con:
        rejects = con.execute("select source_path, source_commit, stage, reason from rejects order by source_path").fetchall()
        versions = con.execute("select source_commit, count(*), max(result) filter (where location = ?) "
                               "from official_result_versions where source_path = 'summary_results.json' "
                               "group by source_commit", [RESULT]).fetchall()
    assert [r[:3] for r in rejects] == [("closed/AMD/summary.csv", broken, "backfill"),
                                        ("closed/X/systems/x.json", first, "parse"),
                                        ("summary_results.json", broken, "backfill")]
    assert rejects[0][3].startswith("parse: official results table does not parse")
    assert rejects[2][3].startswith("parse: official results table does not parse")
    assert {commit: (rows, result) for commit, rows, result in versions} == {first: (520, 95004.0), fixed: (520, 96004.0)}


def test_the_same_commit_parsed_by_other_code_is_a_parser_change(tmp_path, prefect_harness):
    """The warehouse holds rows an earlier parser wrote (its fingerprint, one result read otherwise); a refresh of the
    same upstream commit by today's code is caused by the parser: its changes are ours, not MLCommons'."""
    upstream = make_repo(tmp_path / "upstream" / "inference_results_v6.0", "inference_results_v6.0")
    commit = upstream.head.commit.hexsha
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", repos=(url(upstream),), sync_retries=0)
    ingest(settings)
    system, benchmark, scenario = RESULT.split("/")[3:]
    with duckdb.connect(str(settings.db_path)) as con:  # as the earlier parser left it
        con.execute("update sources set parser_fingerprint = 'an earlier parser'")
        con.execute("update inference_results set result = 95000 where system = ? and benchmark = ? and scenario = ?",
                    [system, benchmark, scenario])
    summary = ingest(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        versions = con.execute("select cause, previous_commit, commit_sha, upstream_commits, upstream_messages "
                               "from round_versions order by seen_at").fetchall()
        changes = con.execute("select table_name, change, row_key, columns_changed, old_values, new_values, old_commit, "
                              "new_commit from changes").fetchall()
    assert versions == [("first seen", None, commit, None, None), ("parser", commit, commit, 0, None)]
    [(table, change, key, columns, old, new, old_commit, new_commit)] = changes
    assert (table, change, columns, old_commit, new_commit) == ("inference_results", "changed", "result", commit, commit)
    assert orjson.loads(key)["system"] == system and (orjson.loads(old), orjson.loads(new)) == ({"result": 95000}, {"result": 95004})
    text = summary.text(settings.db_path)
    assert f"{commit[:12]} -> {commit[:12]} (parser, 0 upstream commits): 0 added, 0 removed, 1 changed" in text
    assert "inference_results closed/AMD/8xMI355X_2xEPYC_9575F/gpt-oss-120b/Offline result: 95000 -> 95004" in text
