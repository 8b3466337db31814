"""The accelerator map: reference data that names the canonical chip behind each spelling (a CSV users can extend).

Every row is a regular expression (matched against the lowercased name, first match wins) and what it means:
a chip, or one of three explicit verdicts that are not a chip, each with the reason in `reason`: "mixed" (two kinds
of accelerator in one system: no single chip to compare), "CPU only" (the name says there is no accelerator) and
"unknown" (the description does not say which accelerator). A name no row matches is *unmapped*: the views
(`unmapped_accelerators`), the ingest summary and `status` list it.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

# The settings check imports this module before every command, which should say a mistake in a fraction of a second:
# DuckDB, polars and pandera (a second and a half to import) are imported by the functions that use them.
if TYPE_CHECKING:
    import polars as pl

DEFAULT_MAP = Path(__file__).resolve().parents[2] / "warehouse" / "seeds" / "accelerators.csv"
# Verdicts that are not a chip: the system is kept out of per-chip comparisons, and is not unmapped.
NOT_A_CHIP = ("mixed", "CPU only", "unknown")
REQUIRED = ("pattern", "vendor", "family", "chip")
# A map copied before `model` was renamed `chip` still loads.
_RENAMED = {"model": "chip"}
_MAX_BYTES = 1 << 20


class BadMap(ValueError):
    """An accelerator map that cannot be used, said in one line."""


def load_map(path: Path) -> list[dict]:
    """The map's rows in priority order, checked: every required column, a chip on every row, a reason on every
    row that is not a chip, a valid pattern, a memory that is a number. BadMap names the first problem."""
    path = Path(path)
    if not path.is_file():
        raise BadMap(f"accelerator map {path}: not a file")
    if path.stat().st_size > _MAX_BYTES:
        raise BadMap(f"accelerator map {path}: above {_MAX_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadMap(f"accelerator map {path}: cannot be read ({exc})") from None
    return [dict(row) for row in _checked(path, text)]


@cache
def _checked(path: Path, text: str) -> tuple[dict, ...]:
    """The rows of a map's text, checked: once per text in a process (a run reads the map three times, and checking
    every pattern with DuckDB takes tenths of a second)."""
    reader = csv.DictReader(text.splitlines())
    header = [_RENAMED.get(h, h) for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadMap(f"accelerator map {path}: missing column {missing[0]!r} (columns: {', '.join(REQUIRED)}, "
                     "memory_gb, form_factor, reason)")
    import duckdb

    rows = []
    engine = duckdb.connect()  # the views match with DuckDB's RE2, which refuses some patterns Python accepts
    for line, raw in enumerate(reader, start=2):
        row = {_RENAMED.get(k, k): (v or "").strip() or None for k, v in raw.items() if k is not None}
        where = f"accelerator map {path}, line {line}"
        for column in REQUIRED:
            if row.get(column) is None:
                raise BadMap(f"{where}: no {column}")
        try:
            re.compile(row["pattern"])
            engine.execute("select regexp_matches('', ?)", [row["pattern"]])
        except (re.error, duckdb.Error) as exc:
            reason = str(exc).splitlines()[0]
            raise BadMap(f"{where}: invalid pattern {row['pattern']!r} ({reason})") from None
        if row["chip"] in NOT_A_CHIP and row.get("reason") is None:
            raise BadMap(f"{where}: {row['chip']!r} needs a reason")
        try:
            memory = float(row["memory_gb"]) if row.get("memory_gb") else None
        except ValueError:
            raise BadMap(f"{where}: memory_gb {row['memory_gb']!r} is not a number") from None
        rows.append({"pattern": row["pattern"], "vendor": row["vendor"], "family": row["family"], "chip": row["chip"],
                     "memory_gb": memory, "form_factor": row.get("form_factor"), "reason": row.get("reason")})
    return tuple(rows)


def classify(name: str | None, rows: list[dict]) -> dict | None:
    """The first row whose pattern matches the name (a missing name is matched as ''), with its kind ('chip' or a
    verdict of NOT_A_CHIP); None when the name is unmapped. The same rule as the system_hardware view."""
    lowered = (name or "").lower()
    for row in rows:
        if re.search(row["pattern"], lowered):
            return {**row, "kind": row["chip"] if row["chip"] in NOT_A_CHIP else "chip"}
    return None


def accelerator_models(path: Path) -> pl.DataFrame:
    import polars as pl

    from transform.common.validate import polars_schema

    schema = polars_schema("accelerator_models")
    frame = pl.DataFrame(load_map(path), schema={k: v for k, v in schema.items() if k != "priority"})
    return frame.with_row_index("priority").select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def unmapped(systems: pl.DataFrame, path: Path) -> dict[str, int]:
    """Accelerator names of `systems` no row of the map matches → how many descriptions use each, most used first."""
    rows = load_map(path)
    counts = systems.group_by("accelerator_model_name").len()
    missing = {name or "": n for name, n in counts.iter_rows() if classify(name, rows) is None}
    return dict(sorted(missing.items(), key=lambda kv: (-kv[1], kv[0])))
