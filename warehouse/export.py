"""Every table and view of the warehouse as Parquet or CSV files, one per relation, for BI tools."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import polars as pl


def export(db: Path, directory: Path, fmt: str = "parquet") -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = [n for (n,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by table_name").fetchall()]
        for name in names:
            frame = con.sql(f'select * from "{name}"').pl()
            if fmt == "parquet":
                frame.write_parquet(directory / f"{name}.parquet")
            else:
                # CSV has no nested types: lists (system_catalogue.benchmarks) are written as JSON arrays
                nested = [c for c in frame.columns if frame[c].dtype.is_nested()]
                flat = frame.with_columns(pl.col(c).map_elements(lambda v: orjson.dumps(list(v)).decode(), return_dtype=pl.String) for c in nested)
                flat.write_csv(directory / f"{name}.csv")
            written[name] = frame.height
    return written
