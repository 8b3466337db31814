"""Where a run's seconds go: the timeline of `ingest_runs`, the run's log line, `status --json`, older warehouses."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import duckdb
import orjson

from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import commit_files, make_repo, url
from warehouse.publish import publish
from warehouse.run_record import run_record
from warehouse.status import last_timeline, status_json

LOG = "AMD/results/MI350X_EPYC_9575F_primus/llama2_70b_lora/result_0.txt"
FLOW_STAGES = ["prefect start", "discover", "sync", "parse", "validate", "copy", "history", "load", "views",
               "changes", "reconcile"]


def runs(db) -> list[tuple[float, list[dict]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [(seconds, orjson.loads(timeline)) for seconds, timeline in
                con.execute("select seconds, timeline from ingest_runs order by started_at").fetchall()]


def test_an_ingest_records_where_its_seconds_went(tmp_path, prefect_harness, caplog):
    upstream = make_repo(tmp_path / "upstream" / "training_results_v6.0", "training_results_v6.0")
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", repos=(url(upstream),),
                        sync_retries=0, workers=1)
    ingest(settings)
    log = (tmp_path / "upstream" / "training_results_v6.0" / LOG).read_bytes()
    commit_files(upstream, {LOG: log + b"\n"}, "one result file changed")
    summary = ingest(settings)

    for seconds, stages in runs(settings.db_path):
        names = [s["stage"] for s in stages]
        assert [n for n in names if n != "compaction"] == FLOW_STAGES  # compaction only when the file has grown
        assert all(s["start"] >= 0 and s["seconds"] >= 0 for s in stages)
        assert [s["start"] for s in stages] == sorted(s["start"] for s in stages)
        assert sum(s["seconds"] for s in stages) <= seconds
        [sync] = [s for s in stages if s["stage"] == "sync"]
        assert [p["part"] for p in sync["parts"]] == ["training_results_v6.0"]
    # the refresh parsed the changed log and re-used the parse of the other files
    [parse] = [s for s in runs(settings.db_path)[-1][1] if s["stage"] == "parse"]
    assert [(p["parsed"], p["cached"]) for p in parse["parts"]] == [(1, 10)]
    assert summary.timeline == runs(settings.db_path)[-1][1]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("timeline: ")]
    assert len(lines) == 2 and "sync" in lines[-1] and "parse" in lines[-1]
    assert orjson.loads(status_json(settings.db_path))["last_run_timeline"]["stages"] == summary.timeline
    # the run kept what the process held out of the garbage collector's sight, and gave it back
    assert gc.get_freeze_count() == 0


def test_an_older_warehouse_gains_the_column_and_keeps_its_runs(tmp_path, warehouse):
    *_, settings = warehouse
    db = tmp_path / "old.duckdb"
    db.write_bytes(settings.db_path.read_bytes())
    with duckdb.connect(str(db)) as con:  # as a warehouse written before ingest_runs.timeline existed
        con.execute("ALTER TABLE ingest_runs DROP COLUMN timeline")
        before = con.execute("select count(*) from ingest_runs").fetchone()[0]
        sources = con.execute("select * from sources order by round").fetchall()
    assert last_timeline(db) is None and orjson.loads(status_json(db))["last_run_timeline"] is None

    record = run_record(settings.accelerator_map, datetime.now(UTC), 0.0, 0, 0, {}, 0, {})
    publish(db, {"ingest_runs": record}, [])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*), count(timeline) from ingest_runs").fetchone() == (before + 1, 0)
        assert con.execute("select * from sources order by round").fetchall() == sources
