"""What the warehouse already holds: the commit and parser of each ingested repository."""

from __future__ import annotations

from pathlib import Path

import duckdb


def ingested(db_path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(suite, round) → (commit_sha, parser_fingerprint) of the published warehouse; empty when there is none."""
    if not db_path.exists():
        return {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = {t for (t,) in con.sql("select table_name from information_schema.tables").fetchall()}
        if "sources" not in tables:
            return {}
        columns = {c for (c,) in con.sql("select column_name from information_schema.columns where table_name = 'sources'").fetchall()}
        if "parser_fingerprint" not in columns:
            return {}
        rows = con.sql("select suite, round, commit_sha, parser_fingerprint from sources").fetchall()
    return {(suite, round_): (commit, fingerprint) for suite, round_, commit, fingerprint in rows}
