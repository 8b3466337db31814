"""CREATE TABLE statements generated from the pandera models: one declaration per table."""

from __future__ import annotations

import polars as pl

from transform.common.schemas import TABLES

# No unsigned or 128-bit integers: BI drivers read integers as signed 64-bit (see docs/bi.md).
_SQL_TYPES = {
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.String: "VARCHAR",
    pl.Boolean: "BOOLEAN",
}


def sql_type(dtype: pl.DataType, metadata: dict | None) -> str:
    if metadata and "sql" in metadata:
        return metadata["sql"]
    if isinstance(dtype, pl.Datetime):
        # Spelled as information_schema reports it, so an existing table can be compared.
        return "TIMESTAMP WITH TIME ZONE" if dtype.time_zone else "TIMESTAMP"
    return _SQL_TYPES[dtype.base_type()]


def allowed_values(column) -> list[str]:
    """The values an `isin` check allows (empty when the column has none)."""
    for check in column.checks:
        if "allowed_values" in (check.statistics or {}):
            return [str(v) for v in check.statistics["allowed_values"]]
    return []


def columns(table: str) -> list[tuple[str, str, bool]]:
    """(name, SQL type, nullable) of each column, in model order."""
    schema = TABLES[table].to_schema()
    return [(name, sql_type(col.dtype.type, col.metadata), col.nullable) for name, col in schema.columns.items()]


def create_table(table: str) -> str:
    body = ",\n    ".join(f'"{name}" {typ}{"" if nullable else " NOT NULL"}' for name, typ, nullable in columns(table))
    return f'CREATE TABLE "{table}" (\n    {body}\n)'
