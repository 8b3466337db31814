"""The `ingest_runs` row of one run: what it did, what failed, and which code built the warehouse."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson
import polars as pl

from transform.common.validate import to_frame, validate
from warehouse.state import build_fingerprint


def run_record(accelerator_map: Path, started_at: datetime, seconds: float, repos: int, files_parsed: int,
               rows_loaded: dict[str, int], rejects: int, failed: dict[str, str]) -> pl.DataFrame:
    """The row as the run loads it; `complete` gives it its end, timeline and alarms last."""
    frame, invalid = validate("ingest_runs", to_frame("ingest_runs", [{
        "run_id": str(uuid.uuid4()),
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "seconds": seconds,
        "repos": repos,
        "files_parsed": files_parsed,
        "rows_loaded": orjson.dumps(rows_loaded).decode(),
        "rejects": rejects,
        "failed_repos": orjson.dumps(failed).decode(),
        "alarms": "[]",
        "build_fingerprint": build_fingerprint(accelerator_map),
        "timeline": None,
    }]))
    if invalid:
        raise ValueError(f"the run's own record is invalid: {invalid}")
    return frame


def complete(con: duckdb.DuckDBPyConnection, run_id: str, seconds: float, timeline: list[dict],
             alarms: list[dict] = ()) -> None:
    """The run's end, where its seconds went (flows/timeline.py) and its alarms (warehouse/alarm.py), written last into
    the file the run publishes."""
    con.execute("UPDATE ingest_runs SET finished_at = ?, seconds = ?, timeline = ?, alarms = ? WHERE run_id = ?",
                [datetime.now(UTC), seconds, orjson.dumps(timeline).decode(), orjson.dumps(list(alarms)).decode(),
                 run_id])


def timeline_line(stages: list[dict], run: float) -> str:
    """'timeline: discover 0.0 s, sync 1.2 s (training_results_v5.0 1.2 s), ...; run 3.1 s': for the log."""
    def parts(entry: dict) -> str:
        inner = [f"{p['part']} {p['seconds']:.1f} s" + "".join(f", {k} {v}" for k, v in p.items()
                                                              if k not in ("part", "start", "seconds"))
                 for p in entry.get("parts", [])]
        return f" ({'; '.join(inner)})" if inner else ""

    return "timeline: " + ", ".join(f"{s['stage']} {s['seconds'] or 0:.1f} s{parts(s)}" for s in stages) \
        + f"; run {run:.1f} s"
