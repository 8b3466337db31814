"""Run one read-only query against the warehouse and format the result."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl


def run_query(db: Path, query: str, fmt: str = "table") -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        relation = con.sql(query)
        if relation is None:  # a statement without a result set
            return "OK"
        frame = relation.pl()
    if fmt == "csv":
        return frame.write_csv().rstrip("\n")
    if fmt == "json":
        return frame.write_json()
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=250):
        return str(frame)
