"""What the warehouse already holds: the commit and parser of each ingested repository, and what built it."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import NamedTuple

import duckdb

from transform.training.package_rules import installed

_CODE = Path(__file__).resolve().parents[1]
_PACKAGES = ("extract", "flows", "transform", "warehouse")


class Held(NamedTuple):
    """What the warehouse holds of one repository: the commit, the parser, and the results_branch commit (or None)."""

    commit: str | None = None
    parser: str | None = None
    official_commit: str | None = None


def ingested(db_path: Path) -> dict[tuple[str, str], Held]:
    """(suite, round) → what the published warehouse holds of it; empty when there is none."""
    if not db_path.exists():
        return {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        if not _has_column(con, "sources", "official_commit"):  # an older layout: every repository is parsed anew
            return {}
        rows = con.sql("select suite, round, commit_sha, parser_fingerprint, official_commit from sources").fetchall()
    return {(suite, round_): Held(commit, fingerprint, official) for suite, round_, commit, fingerprint, official in rows}


# The tables whose rows say how much of a round the warehouse holds: a round losing most of them at once is a
# layout upstream changed (every submitter moved under a new folder), not results withdrawn.
ROUND_TABLES = ("systems", "training_runs", "inference_results")


def rows_held(db_path: Path) -> dict[tuple[str, str], int]:
    """(suite, round) → rows of ROUND_TABLES in the published warehouse; empty when there is none."""
    if not db_path.exists():
        return {}
    held: dict[tuple[str, str], int] = {}
    with duckdb.connect(str(db_path), read_only=True) as con:
        for table in ROUND_TABLES:
            if _has_column(con, table, "round"):
                for suite, round_, n in con.sql(f"select suite, round, count(*) from {table} group by all").fetchall():
                    held[(suite, round_)] = held.get((suite, round_), 0) + n
    return held


def last_build(db_path: Path) -> str | None:
    """build_fingerprint of the last run that published the warehouse; None when there is none."""
    if not db_path.exists():
        return None
    with duckdb.connect(str(db_path), read_only=True) as con:
        if not _has_column(con, "ingest_runs", "build_fingerprint"):
            return None
        rows = con.sql("select build_fingerprint from ingest_runs order by finished_at desc limit 1").fetchall()
    return rows[0][0] if rows else None


@cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    for package in _PACKAGES:
        for source in sorted((_CODE / package).rglob("*")):
            if source.suffix in (".py", ".sql", ".csv", ".toml"):
                digest.update(str(source.relative_to(_CODE)).encode())
                digest.update(source.read_bytes())
    return digest.hexdigest()


def build_fingerprint(accelerator_map: Path) -> str:
    """Hash of the code that builds the warehouse and of the accelerator map: either changing means a rebuild."""
    # a training round without a rules file is judged by the installed mlperf-logging: another version rebuilds
    package = str((installed() or (None, None))[1]).encode()
    return hashlib.sha256(_code_digest().encode() + accelerator_map.read_bytes() + package).hexdigest()


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return con.execute("select count(*) from information_schema.columns where table_name = ? and column_name = ?",
                       [table, column]).fetchall()[0][0] > 0
