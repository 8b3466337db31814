"""Validate a table against its pandera model; rows that fail go to rejects with the failed check, the rest pass."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

import polars as pl
import pandera.polars as pa
from pandera.errors import SchemaErrors

from transform.common.schemas import TABLES


@cache  # pandera builds a model's schema once per thread (tenths of a second for all the tables): once per process
def polars_schema(table: str) -> Mapping[str, pl.DataType]:
    return MappingProxyType({name: col.dtype.type for name, col in TABLES[table].to_schema().columns.items()})


def to_frame(table: str, rows: list[dict], rejects: list[dict] | None = None,
             extra: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    """Rows (dicts) to a frame with exactly the table's columns (and `extra` ones) and types. A row whose value does
    not fit its column's type (say an integer beyond 64 bits) goes to `rejects` instead of failing the whole table."""
    schema = polars_schema(table) | (extra or {})
    try:
        return pl.DataFrame(rows, schema=schema, orient="row")
    except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError):
        if rejects is None:
            raise
    good = []
    for row in rows:
        try:
            pl.DataFrame([row], schema=schema, orient="row")
            good.append(row)
        except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError) as exc:
            rejects.append({
                "suite": row.get("suite") or "", "round": row.get("round") or "",
                "source_path": row.get("source_path") or "", "source_commit": row.get("source_commit") or "",
                "stage": "validate", "reason": f"{table}: a value does not fit its column type ({str(exc).splitlines()[0][:200]})",
            })
    return pl.DataFrame(good, schema=schema, orient="row")


def validate(table: str, df: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """Return the valid rows and one reject per invalid row (reason: every check it failed)."""
    model: type[pa.DataFrameModel] = TABLES[table]
    if df.is_empty() and list(df.schema.items()) == list(polars_schema(table).items()):
        return df, []  # no row to fail a check, the columns as declared: what pandera would hand back, in no time
    try:
        return model.validate(df, lazy=True), []
    except SchemaErrors as errors:
        cases = errors.failure_cases
    if cases["index"].null_count():
        # A schema-level failure (missing column, wrong dtype) is a bug of ours, not bad input.
        raise RuntimeError(f"{table}: frame does not match its model:\n{cases.filter(pl.col('index').is_null())}")
    reasons = (
        cases.with_columns(
            text=pl.format("{} failed {} (value: {})", pl.col("column"), pl.col("check"), pl.col("failure_case").str.slice(0, 200))
        )
        .group_by("index")
        .agg(pl.col("text").str.join("; "))
    )
    bad = df.with_row_index("index").with_columns(pl.col("index").cast(pl.Int32)).join(reasons, on="index")
    rejects = [
        {
            "suite": row.get("suite", ""),
            "round": row.get("round", ""),
            "source_path": row.get("source_path") or "",
            "source_commit": row.get("source_commit") or "",
            "stage": "validate",
            "reason": f"{table}: {row['text']}",
        }
        for row in bad.iter_rows(named=True)
    ]
    good = df.with_row_index("index").filter(~pl.col("index").cast(pl.Int32).is_in(bad["index"].implode())).drop("index")
    return model.validate(good, lazy=True), rejects
