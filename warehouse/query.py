"""Run one read-only query against the warehouse and format the result."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl

from transform.common.safe_text import csv_cells


def run_query(db: Path, query: str, fmt: str = "table") -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        relation = con.sql(query)
        if relation is None:  # a statement without a result set
            return "OK"
        frame = relation.pl()
    if fmt == "csv":
        # CSV has no nested types: a list or struct is written as its JSON text
        nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
        # and a text cell a spreadsheet would run as a formula is neutralised (transform/common/safe_text.py)
        return csv_cells(frame.with_columns(pl.col(nested).map_elements(
            lambda value: json.dumps(value.to_list() if isinstance(value, pl.Series) else value, default=str),
            return_dtype=pl.String))).write_csv().rstrip("\n")
    if fmt == "json":
        return frame.write_json()
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=250):
        return str(frame)
