"""A readable account of the warehouse: what each repository is at, the last runs, the rejects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import polars as pl

from transform.common.safe_text import printable
from warehouse.alarm import alarms, lines, training_reproduced
from warehouse.history import changes_of_last_refresh, describe as describe_changes
from warehouse.reconciliation import COUNTS, DISAGREEMENTS, has_view
from warehouse.run_record import timeline_line

_SECTIONS = {
    "Repositories": """
        select repo_url, commit_sha, ingested_at, files_parsed from sources order by suite, round""",
    "Last runs": """
        select started_at, round(seconds, 1) as seconds, repos, files_parsed, rejects,
               case when failed_repos = '{}' then 'ok' else 'failed: ' || failed_repos end as outcome
        from ingest_runs order by started_at desc limit 10""",
    "Results not checked by their rules": """
        select round, rules_note as reason, count(*) as results from inference_results where not rules_checked
        group by all order by round, reason""",
    "Accelerators not in the map": """
        select accelerator_model_name, systems, first_round, last_round from unmapped_accelerators""",
    "Rejects": """
        select suite, round, stage, count(*) as rejects from rejects group by all order by suite, round, stage""",
}


_TRAINING_UNCHECKED = {"Training scores not checked by their rules": """
        select round, rules_note as reason, count(*) as scores from training_scores where not rules_checked
        group by all order by round, reason"""}

# MLCommons' own tables: per round "reproduced of official", then the first disagreements of each round
_OFFICIAL = {"Official results reproduced": COUNTS.format(where=""), "First disagreements": DISAGREEMENTS.format(limit=5, also="")}


def _has_alarm_views(con: duckdb.DuckDBPyConnection) -> bool:
    """Warehouses built before the training reconciliation (and training_scores.rules_checked) have no alarm to
    compute; the next ingest rebuilds them."""
    return bool(con.execute("select count(*) from duckdb_views() where view_name = 'training_reconciliation'").fetchall()[0][0])


def current_alarms(db: Path) -> list[dict]:
    """The alarms of the warehouse as it is (warehouse/alarm.py)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return alarms(con) if has_view(con) and _has_alarm_views(con) else []


def _frames(db: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        alarm_views = _has_alarm_views(con)
        sections = _SECTIONS | (_TRAINING_UNCHECKED if alarm_views else {}) | (_OFFICIAL if has_view(con) else {})
        frames = {title: con.sql(query).pl() for title, query in sections.items()}
        if alarm_views:
            frames["Official training scores reproduced"] = pl.DataFrame(training_reproduced(con))
        return frames


def last_timeline(db: Path) -> dict | None:
    """Where the last run's seconds went: {"started_at", "seconds", "stages"}; None before any run recorded one
    (warehouses built before ingest_runs.timeline existed have no such column until their next run adds it)."""
    with duckdb.connect(str(db), read_only=True) as con:
        if not con.execute("select count(*) from information_schema.columns where table_name = 'ingest_runs' "
                           "and column_name = 'timeline'").fetchall()[0][0]:
            return None
        rows = con.execute("select started_at, seconds, timeline from ingest_runs where timeline is not null "
                           "order by finished_at desc limit 1").fetchall()
    return {"started_at": rows[0][0].isoformat(), "seconds": rows[0][1], "stages": orjson.loads(rows[0][2])} if rows else None


def status(db: Path) -> str:
    # text from repositories (locations, reasons, URLs) escaped before it reaches a terminal
    frames = {title: frame.with_columns(pl.col(pl.String).map_elements(printable, return_dtype=pl.String))
              for title, frame in _frames(db).items()}
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=200):
        found = lines(current_alarms(db))
        changes = [printable(line) for entry in changes_of_last_refresh(db) for line in describe_changes(entry)]
        changes = ["Changes of the last refresh (see the changes and round_versions tables)\n" + "\n".join(changes)] if changes else []
        timeline = last_timeline(db)
        timeline = [f"Last run's {timeline_line(timeline['stages'], timeline['seconds'])}"] if timeline else []
        return "\n\n".join(["\n".join(found)] * bool(found) + changes + [f"{title}\n{frame}" for title, frame in frames.items()]
                           + timeline)


def status_json(db: Path) -> str:
    """The same sections for scripts: {"warehouse": path, "alarms": [...], "repositories": [...], "last_runs": [...],
    "rejects": [...]}."""
    sections = {title.lower().replace(" ", "_"): frame.to_dicts() for title, frame in _frames(db).items()}
    return orjson.dumps({"warehouse": str(db), "alarms": current_alarms(db), "last_refresh": changes_of_last_refresh(db),
                         **sections, "last_run_timeline": last_timeline(db)}, option=orjson.OPT_INDENT_2).decode()
