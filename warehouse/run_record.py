"""The `ingest_runs` row of one run: what it did, what failed, and which code built the warehouse."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import polars as pl

from transform.common.validate import to_frame, validate
from warehouse.state import build_fingerprint


def run_record(accelerator_map: Path, started_at: datetime, seconds: float, repos: int, files_parsed: int,
               rows_loaded: dict[str, int], rejects: int, failed: dict[str, str], alarms: list[dict] = ()) -> pl.DataFrame:
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
        "alarms": orjson.dumps(list(alarms)).decode(),
        "build_fingerprint": build_fingerprint(accelerator_map),
    }]))
    if invalid:
        raise ValueError(f"the run's own record is invalid: {invalid}")
    return frame
