"""Load validated tables and publish the warehouse all-or-nothing.

The new state is built in a copy beside the warehouse file and renamed over it at the end: readers keep
the old file open and never see a half-written state; a crash leaves the old file untouched.
The file is written in DuckDB 1.0's storage format, which every DuckDB 1.x and 2.x client opens (most BI drivers
and the Node, WASM and .NET bindings bundle 1.x); measured (docs/bi.md): same query times, a file about 30% larger.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from pathlib import Path

import duckdb
import polars as pl

from transform.common.schemas import BACKFILL_STAGE, BACKFILL_TABLES, HISTORY_TABLES, TABLES, WHOLE_TABLES
from warehouse.comments import comment_statements, existing_comments
from warehouse.ddl import columns, create_table
from warehouse.history import record_or_reject
from warehouse.view_models import view_sql

log = logging.getLogger(__name__)

_WRITE_FAILED = re.compile(r"could not (write|create|open|truncate)|no space left|file too large|read-only file system"
                           r"|permission denied|disk quota", re.IGNORECASE)

# The oldest storage format DuckDB 2.x can write; DuckDB reports it as tags['storage_version'] = 'v1.0.0+'.
STORAGE_VERSION = "v1.0.0"
# Above this share of free blocks after a refresh, the file is rewritten compact: at most 1.2x the blocks its rows
# use (issue 24's bound). Below it, the blocks a refresh frees are the room the next one writes into: refreshes of one
# round kept the file within 1.14x a fresh build with no compaction, and compacting at 10 % cost 0.4 s of most
# one-file refreshes.
MAX_FREE_SHARE = 1 / 6
# The last published file, as a file built anew reads it.
_PUBLISHED = "published"


def publish(db_path: Path, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]],
            logger: logging.Logger | logging.LoggerAdapter = log,
            upstream: dict[tuple[str, str], tuple[int, list[dict]] | None] | None = None,
            stage: Callable[[str], object] = lambda name: None,
            last: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> dict[str, int]:
    """Replace every row of the (suite, round) pairs in `replaced` with `tables`, recording what changed (warehouse/
    history.py; `upstream`: the commits in between, per round); return rows loaded per table.

    `stage(name)` is told as each step begins (copy, history, load, views, compaction: flows/timeline.py). `last(con)`
    runs after every other step, on the finished file just before it is published: it may read it, and complete the
    run's own row, which then times all of the run but the rename."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    stage("copy")
    # The caller holds the warehouse lock: any other build file was left by a killed run.
    for stale in db_path.parent.glob(f".{db_path.name}.building-*"):
        stale.unlink(missing_ok=True)
    building = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    try:
        anew = db_path.exists() and _built_anew(db_path, tables, replaced)
        if db_path.exists() and not anew:
            shutil.copyfile(db_path, building)
            if storage_version(building) != STORAGE_VERSION:
                _rewrite(building)
        with duckdb.connect(str(building), config={"storage_compatibility_version": STORAGE_VERSION}) as con:
            if anew:
                _copy_kept(con, db_path, tables, replaced)
            views_current = not _ensure_tables(con, logger) and _views_current(con, tables)
            stage("history")
            con.execute("BEGIN TRANSACTION")
            # the rows replaced are read before they are deleted; a file built anew never held them: the last one has
            with _reading_published(con) if anew else nullcontext():
                tables = _with_history(con, tables, replaced, upstream or {}, logger)
            stage("load")
            if not anew:
                _delete_replaced(con, tables, replaced)
            con.execute("COMMIT")
            if not anew:
                # A checkpoint frees the deleted rows' blocks, and the rows inserted next are written into them:
                # otherwise the file holds both until compacted. (This is a copy, published whole or not at all.)
                con.execute("CHECKPOINT")
            con.execute("BEGIN TRANSACTION")
            loaded = _insert(con, tables)
            con.execute("COMMIT")
            stage("views")
            if not views_current:
                create_views(con)  # one statement each: a view waiting for another must not abort a transaction
            _comment(con)
            # Only a run that replaces a round's rows leaves lasting free blocks. A run that replaces none (a refresh
            # that found nothing new) frees what its own checkpoint rewrote, which the next checkpoint re-uses: its
            # file does not grow, and the next run that replaces rows measures and compacts it.
            wasteful = bool(replaced) and _free_share(con) > MAX_FREE_SHARE
        if wasteful:
            # Deleted rows leave free blocks that DuckDB reuses only in part: copied whole into a new file, the
            # warehouse stays near the size of a fresh build however many refreshes it has seen (docs/compaction.md).
            stage("compaction")
            _rewrite(building)
        if wasteful or last:
            with duckdb.connect(str(building), config={"storage_compatibility_version": STORAGE_VERSION}) as con:
                if wasteful:
                    _comment(con)  # a copy keeps table and view comments, not column ones
                if last:
                    last(con)
                    con.execute("CHECKPOINT")
        fsync(building)
        os.replace(building, db_path)
        fsync(db_path.parent)
        return loaded
    except duckdb.Error as exc:
        if _WRITE_FAILED.search(str(exc)):  # DuckDB's word for a full disk or a read-only place
            raise OSError(f"the warehouse could not be written: {str(exc).splitlines()[0]}") from None
        raise
    finally:
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)


def _built_anew(db_path: Path, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]]) -> bool:
    """Whether the run's file is built anew, from the rows it keeps of the last one and its own, rather than copied
    whole and changed: when the rows the run replaces are most of the rows of their tables, writing the others again
    costs no more than copying the file and deleting them, and the file has no free blocks to compact (one one-file
    refresh in two or three of a warehouse of training v4.0 alone compacted it: 0.5 s). Only a file in this code's
    format and layout: any other is copied, and converted."""
    if not replaced:
        return False
    with duckdb.connect() as con:
        con.execute(f"ATTACH ? AS {_PUBLISHED} (READ_ONLY)", [str(db_path)])
        con.execute(f"USE {_PUBLISHED}")
        [(tags,)] = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchall()
        if tags.get("storage_version", "").removesuffix("+") != STORAGE_VERSION or _existing_columns(con) != {
                table: [(name, typ) for name, typ, _ in columns(table)] for table in TABLES}:
            return False
        replacing = _replacing(tables, replaced)
        counts = [con.execute(f'select count(*), count(*) filter (where {where}) from "{table}"', params).fetchall()[0]
                  for table, (where, params) in replacing.items()]
    return sum(part for _, part in counts) * 2 > sum(whole for whole, _ in counts)


def _copy_kept(con: duckdb.DuckDBPyConnection, db_path: Path, tables: dict[str, pl.DataFrame],
               replaced: list[tuple[str, str]]) -> None:
    """Into the new file `con` writes: the last file's tables, views and comments, and the rows the run keeps."""
    con.execute(f"ATTACH ? AS {_PUBLISHED} (READ_ONLY)", [str(db_path)])
    con.execute(f"COPY FROM DATABASE {_PUBLISHED} TO {_quoted(_database(con))} (SCHEMA)")
    replacing = _replacing(tables, replaced)
    con.execute("BEGIN TRANSACTION")
    for table in TABLES:
        where, params = replacing.get(table, ("false", []))
        con.execute(f'INSERT INTO "{table}" SELECT * FROM {_PUBLISHED}."{table}" WHERE NOT coalesce({where}, false)',
                    params)
    con.execute("COMMIT")


@contextmanager
def _reading_published(con: duckdb.DuckDBPyConnection):
    """Unqualified table names read the last published file (attached by _copy_kept) within the block."""
    building = _database(con)
    con.execute(f"USE {_PUBLISHED}")
    try:
        yield
    finally:
        con.execute(f"USE {_quoted(building)}")


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchall()[0][0]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def storage_version(path: Path) -> str:
    """The storage format of a DuckDB file, e.g. 'v1.0.0' (DuckDB writes 'v1.0.0+': readable from 1.0.0 on)."""
    with duckdb.connect() as con:
        con.execute("ATTACH ? AS probe (READ_ONLY)", [str(path)])
        tags = con.execute("select tags from duckdb_databases() where database_name = 'probe'").fetchone()[0]
    return tags.get("storage_version", "").removesuffix("+")


def _rewrite(building: Path) -> None:
    """Copy the file's contents into a new file in STORAGE_VERSION: no free blocks, and the oldest format readers need.

    A file cannot change format in place (files of earlier versions of this tool were written in a newer one);
    copying keeps every row, so no repository has to be ingested again."""
    old = building.with_name(building.name + ".old")
    os.replace(building, old)
    try:
        with duckdb.connect() as con:
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(old)])
            con.execute(f"ATTACH ? AS building (STORAGE_VERSION '{STORAGE_VERSION}')", [str(building)])
            con.execute("COPY FROM DATABASE old TO building")
    finally:
        old.unlink(missing_ok=True)


def _comment(con) -> None:
    """Only the comments that differ (tables copied from the last file keep theirs), in one commit: ~0.45 s otherwise."""
    con.execute("BEGIN TRANSACTION")
    for statement in comment_statements(existing_comments(con)):
        con.execute(statement)
    con.execute("COMMIT")
    con.execute("CHECKPOINT")


def _free_share(con) -> float:
    total, free = con.execute("select total_blocks, free_blocks from pragma_database_size() "
                              "where database_name = current_database()").fetchone()
    return free / total if total else 0.0


def _views_current(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> bool:
    """Whether the file's views are this code's: every view is there and the run that last published the file was
    built by the code of the run loading `tables` (its build fingerprint covers views/*.sql). Re-creating them binds
    each anew, tenths of a second on every refresh. DuckDB binds a view's columns when it is created, so the caller asks
    only when no table's columns changed."""
    runs = tables.get("ingest_runs")
    if runs is None or runs.is_empty():
        return False
    last = con.execute("select build_fingerprint from ingest_runs order by finished_at desc limit 1").fetchall()
    views = {name for (name,) in con.execute(
        "select view_name from duckdb_views() where not internal and database_name = current_database()").fetchall()}
    return bool(last) and last[0][0] == runs["build_fingerprint"][0] and view_sql().keys() <= views


def _ensure_tables(con: duckdb.DuckDBPyConnection, logger: logging.Logger | logging.LoggerAdapter) -> bool:
    """Create, extend or rebuild the tables as the models declare them; True when any table was."""
    changed = False
    existing = _existing_columns(con)
    expected = {table: [(name, typ) for name, typ, _ in columns(table)] for table in TABLES}
    for table, cols in existing.items():
        if table in expected and _added_columns(table, cols):
            # Only new nullable columns at the end (such as ingest_runs.timeline): added, every row kept (null there).
            for name, typ, _ in _added_columns(table, cols):
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {typ}')
            existing[table] = expected[table]
            changed = True
    if any(table in existing and existing[table] != cols for table, cols in expected.items()):
        # Written by another version of this tool: start over rather than mix layouts.
        logger.warning("warehouse layout changed: rebuilding every table (repos not ingested in this run are dropped)")
        for view in con.sql("select view_name from duckdb_views() where not internal").fetchall():
            con.execute(f'DROP VIEW "{view[0]}"')
        # the history cannot be rebuilt from upstream: kept whenever its own layout is unchanged
        kept = {t: cols for t, cols in existing.items() if t in HISTORY_TABLES and cols == expected[t]}
        for table in existing.keys() - kept.keys():
            con.execute(f'DROP TABLE "{table}"')
        existing = kept
        changed = True
    for table in TABLES:
        if table not in existing:
            con.execute(create_table(table))
            changed = True
    return changed


def _added_columns(table: str, existing: list[tuple[str, str]]) -> list[tuple[str, str, bool]]:
    """The columns the model has beyond `existing`, when that is all that differs and each of them may be null."""
    declared = columns(table)
    added = declared[len(existing):]
    same_start = [(name, typ) for name, typ, _ in declared[:len(existing)]] == existing
    return added if same_start and all(nullable for _, _, nullable in added) else []


def _existing_columns(con) -> dict[str, list[tuple[str, str]]]:
    rows = con.sql(
        "select c.table_name, c.column_name, c.data_type from information_schema.columns c "
        "join information_schema.tables t using (table_catalog, table_schema, table_name) "
        "where c.table_catalog = current_database() and c.table_schema = 'main' and t.table_type = 'BASE TABLE' "
        "order by c.table_name, c.ordinal_position"
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, typ in rows:
        out.setdefault(table, []).append((column, typ))
    return out


def _with_history(con, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]], upstream: dict,
                  logger: logging.Logger | logging.LoggerAdapter) -> dict[str, pl.DataFrame]:
    """`tables` with the history of the rows they replace (read before they are deleted), and its rejects."""
    history = record_or_reject(con, tables, replaced, upstream, logger)
    if not history:
        return tables
    rejects = history.pop("rejects")
    if "rejects" in tables:
        rejects = pl.concat([tables["rejects"], rejects])
    return tables | history | ({"rejects": rejects} if rejects.height else {})


def _delete_replaced(con, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]]) -> None:
    """Delete the rows `tables` replace."""
    for table, (where, params) in _replacing(tables, replaced).items():
        con.execute(f'DELETE FROM "{table}" WHERE {where}', params)


def _replacing(tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]]) -> dict[str, tuple[str, list]]:
    """Per table with rows that `tables` replace, the condition on its rows (and its parameters): the replaced rounds'
    rows of each table, all of a whole table's."""
    # A round's rejects belong to two loads: a backfill (which loads the versions tables) replaces its own, an
    # ingest the others; neither erases what the other found.
    backfill = bool(BACKFILL_TABLES & tables.keys())
    owned = {"rejects": f"stage {'=' if backfill else '<>'} '{BACKFILL_STAGE}'"}
    out = {}
    for table, frame in tables.items():
        if table in WHOLE_TABLES:
            out[table] = ("true", [])
        elif "suite" in frame.columns and table not in HISTORY_TABLES and replaced:
            rounds = " OR ".join("(suite = ? AND round = ?)" for _ in replaced)
            out[table] = (f"({rounds}) AND {owned.get(table, 'true')}", [v for pair in replaced for v in pair])
    return out


def _insert(con, tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    loaded = {}
    for table, frame in tables.items():
        con.register("incoming", frame)
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM incoming')
        con.unregister("incoming")
        loaded[table] = frame.height
    return loaded


def create_views(con) -> None:
    """Every views/*.sql as a view named after its file; a view that reads another is created after it."""
    pending = view_sql()
    while pending:
        created = []
        for name, sql in sorted(pending.items()):
            try:
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS\n{sql}')
                created.append(name)
            except duckdb.CatalogException:
                continue  # reads a view not created yet
        if not created:
            raise RuntimeError(f"views that cannot be created: {sorted(pending)}")
        for name in created:
            del pending[name]


def fsync(path: Path) -> None:
    """Make a file's (or a folder's entries') last writes durable before the rename that publishes them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
