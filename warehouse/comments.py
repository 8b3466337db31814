"""COMMENT ON every table, view and column, generated from the pandera models (tables' and views').

What a column means, its unit and its allowed values travel with the database file: Superset shows them beside
the names (docs/bi.md), and any client can read them from `duckdb_columns()`.
"""

from __future__ import annotations

import pandera.polars as pa

from transform.common.schemas import TABLES
from warehouse.ddl import allowed_values
from warehouse.view_models import VIEWS, view_description, view_sql


def column_comment(column: pa.Column) -> str:
    metadata = column.metadata or {}
    parts = [column.description.strip()]
    if "unit" in metadata:
        parts.append(f"Unit: {metadata['unit']}.")
    if allowed := allowed_values(column):
        parts.append(f"One of: {', '.join(allowed)}.")
    return " ".join(parts)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comments() -> dict[tuple[str, str | None], tuple[str, str]]:
    """(relation, column or None) → (TABLE or VIEW, comment) for every table, view and column."""
    out = {}
    descriptions = {name: view_description(sql) for name, sql in view_sql().items()}
    for kind, models, about in (("TABLE", TABLES, lambda t, m: m.__doc__), ("VIEW", VIEWS, lambda v, _: descriptions[v])):
        for name, model in models.items():
            out[(name, None)] = (kind, " ".join(about(name, model).split()))
            for column, declared in model.to_schema().columns.items():
                out[(name, column)] = (kind, column_comment(declared))
    return out


def existing_comments(con) -> dict[tuple[str, str | None], str | None]:
    return {(r, c): text for r, c, text in con.execute("""
        select table_name, null, comment from duckdb_tables() where database_name = current_database()
        union all select view_name, null, comment from duckdb_views() where database_name = current_database() and not internal
        union all select table_name, column_name, comment from duckdb_columns() where database_name = current_database()
    """).fetchall()}


def comment_statements(existing: dict[tuple[str, str | None], str | None] | None = None) -> list[str]:
    """COMMENT ON statements for every comment that differs from `existing` (all of them by default)."""
    existing = existing or {}
    return [
        f'COMMENT ON {kind} "{relation}" IS {_quote(text)}' if column is None
        else f'COMMENT ON COLUMN "{relation}"."{column}" IS {_quote(text)}'
        for (relation, column), (kind, text) in comments().items()
        if existing.get((relation, column)) != text
    ]
