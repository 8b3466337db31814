"""COMMENT ON every table, view and column, generated from the pandera models (tables' and views').

BI tools (Superset, DBeaver, Metabase) and `duckdb_columns()` show these beside the names, so what a column means,
its unit and its allowed values travel with the database file.
"""

from __future__ import annotations

import pandera.polars as pa

from transform.schemas import TABLES
from warehouse.view_models import VIEWS, view_description, view_sql


def allowed_values(column: pa.Column) -> list[str]:
    for check in column.checks:
        if "allowed_values" in (check.statistics or {}):
            return [str(v) for v in check.statistics["allowed_values"]]
    return []


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


def comment_statements() -> list[str]:
    statements = []
    descriptions = {name: view_description(sql) for name, sql in view_sql().items()}
    for kind, models, about in (("TABLE", TABLES, lambda t, m: m.__doc__), ("VIEW", VIEWS, lambda v, _: descriptions[v])):
        for name, model in models.items():
            statements.append(f'COMMENT ON {kind} "{name}" IS {_quote(" ".join(about(name, model).split()))}')
            statements += [
                f'COMMENT ON COLUMN "{name}"."{column}" IS {_quote(column_comment(declared))}'
                for column, declared in model.to_schema().columns.items()
            ]
    return statements
