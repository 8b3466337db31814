"""Is the file at --db a warehouse of this tool, whole? Checked before any run reads or replaces it.

A damaged file must never pass for an unchanged warehouse, and a file holding someone else's tables must never
have them dropped by a rebuild: both are refused, with what to do.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transform.common.table_names import TABLE_NAMES

# DuckDB writes a file as three 4 KiB headers and whole 256 KiB blocks, and publish only ever renames a file DuckDB
# closed: any other size is a file cut short, though the tables read here may still open.
_HEADERS, _BLOCK = 3 * 4096, 256 * 1024

class NotAWarehouse(ValueError):
    """The file at --db cannot be read or replaced as a warehouse; the message says why and what to do."""


def verify(db_path: Path, must_exist: bool = False) -> None:
    """Raise NotAWarehouse unless `db_path` is missing (and allowed to be) or a whole warehouse of this tool."""
    if not db_path.exists():
        if must_exist:
            raise NotAWarehouse(f"no warehouse at {db_path}; run `mlperf-warehouse ingest` first")
        return
    if not db_path.is_file():
        raise NotAWarehouse(f"{db_path} is not a file; choose another --db")
    try:
        # DuckDB's own header first: for a foreign file (SQLite, say) DuckDB would try to fetch an extension
        with open(db_path, "rb") as f:
            magic = f.read(12)[8:]
        if magic != b"DUCK":
            raise NotAWarehouse(f"{db_path} is not a DuckDB file, so not a warehouse; move it away or choose another --db")
        size = db_path.stat().st_size
        if size < _HEADERS or (size - _HEADERS) % _BLOCK:
            raise NotAWarehouse(f"{db_path} is not a readable DuckDB warehouse ({size:,} bytes is not whole DuckDB "
                                "blocks: the file was cut short); move it away and ingest again to rebuild it")
        with duckdb.connect(str(db_path), read_only=True) as con:
            tables = {name for (name,) in con.sql("select table_name from duckdb_tables()").fetchall()}
            for name in {"sources", "ingest_runs"} & tables:  # what a refresh decides on: read whole
                con.sql(f'select * from "{name}"').fetchall()
    except (OSError, duckdb.Error) as exc:
        raise NotAWarehouse(f"{db_path} is not a readable DuckDB warehouse ({str(exc).splitlines()[0]}); "
                            "move it away and ingest again to rebuild it") from None
    # Views are derived and rebuilt; tables hold data, and only this tool's may be replaced.
    foreign = sorted(tables - set(TABLE_NAMES))
    if foreign:
        raise NotAWarehouse(f"{db_path} holds tables this tool did not create ({', '.join(foreign[:5])}): "
                            "refusing to replace it; choose another --db")
    if must_exist and not {"sources", "ingest_runs"} <= tables:
        raise NotAWarehouse(f"{db_path} is a DuckDB file but not a warehouse of this tool (no sources or ingest_runs "
                            "table); run `mlperf-warehouse ingest --db` on a new path")
