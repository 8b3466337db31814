"""The history of the warehouse's own rows: what a refresh of a round added, removed and changed, table by table.

Computed in the load step, from the rows about to be deleted for a replaced (suite, round) and the rows replacing
them, matched by each table's key (HISTORY_KEYS). A table whose history cannot be recorded (a key that repeats, a
failure) is a reject with its reason; its current rows are loaded all the same.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import orjson
import polars as pl

from transform.common.schemas import HISTORY_KEYS
from transform.common.validate import to_frame, validate

# Not compared: the round's identity, and the commit every row carries (it changes with every refresh).
_NOT_COMPARED = {"suite", "round", "source_commit"}
# The headline number of each table, for the summary's "old -> new" lines; and the key columns that name a row.
HEADLINES = {"inference_results": "result", "training_scores": "score_minutes", "official_results": "result",
             "official_training_scores": "score_minutes"}


def _json(values: dict) -> str:
    return orjson.dumps(values, default=str, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def diff(old: pl.DataFrame, new: pl.DataFrame, key: list[str]) -> list[dict]:
    """Rows added, removed and changed from `old` to `new` (same columns), matched by `key`: {change, row_key,
    columns_changed, old_values, new_values}. Raises ValueError when the key repeats on either side."""
    for side, frame in (("old", old), ("new", new)):
        if frame.height and frame.select(key).is_duplicated().any():
            raise ValueError(f"{frame.select(key).is_duplicated().sum()} {side} rows share their key ({', '.join(key)})")
    compared = [c for c in new.columns if c not in key and c not in _NOT_COMPARED]
    old = old.select(key + compared).cast(new.select(key + compared).schema, strict=False).with_row_index("_old")
    new = new.select(key + compared).with_row_index("_new")
    joined = old.join(new, on=key, how="full", nulls_equal=True, coalesce=True, suffix="_n")
    differs = joined.select(pl.concat_list([pl.when(pl.col(c).ne_missing(pl.col(f"{c}_n"))).then(pl.lit(c))
                                            for c in compared]).list.drop_nulls().alias("_d")) if compared else None
    joined = joined.with_columns(_d=differs["_d"] if differs is not None else pl.lit([], pl.List(pl.String)))
    out = []
    for row in joined.filter(pl.col("_old").is_null() | pl.col("_new").is_null() | (pl.col("_d").list.len() > 0)).iter_rows(named=True):
        row_key = _json({k: row[k] for k in key})
        if row["_old"] is None:
            out.append({"change": "added", "row_key": row_key, "columns_changed": None, "old_values": None,
                        "new_values": _json({c: row[f"{c}_n"] for c in compared})})
        elif row["_new"] is None:
            out.append({"change": "removed", "row_key": row_key, "columns_changed": None,
                        "old_values": _json({c: row[c] for c in compared}), "new_values": None})
        else:
            out.append({"change": "changed", "row_key": row_key, "columns_changed": ",".join(row["_d"]),
                        "old_values": _json({c: row[c] for c in row["_d"]}),
                        "new_values": _json({c: row[f"{c}_n"] for c in row["_d"]})})
    return out


def _cause(old: tuple, new: tuple) -> str:
    """old, new: (commit, parser fingerprint, results_branch commit); a new MLCommons summary alone is upstream too."""
    upstream, parser = old[0] != new[0] or old[2] != new[2], old[1] != new[1]
    return "upstream and parser" if upstream and parser else "upstream" if upstream else "parser"


def record(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]],
           upstream: dict[tuple[str, str], tuple[int, list[dict]] | None]) -> dict[str, pl.DataFrame]:
    """The `round_versions` and `changes` rows of loading `tables` over the rounds `replaced` (read before their rows
    are deleted), and the `rejects` of what could not be recorded. `upstream`: (suite, round) → the commits between
    the held and the loaded commit (extract/git_log.py)."""
    sources = tables.get("sources")
    if sources is None:
        return {}
    runs = tables.get("ingest_runs")
    run_id = runs["run_id"][0] if runs is not None and runs.height else None
    versions, changes, rejects = [], [], []
    for suite, round_ in replaced:
        loaded = sources.filter(suite=suite, round=round_)
        if not loaded.height:
            continue
        commit, fingerprint, official, seen_at = loaded.select("commit_sha", "parser_fingerprint", "official_commit",
                                                               "ingested_at").row(0)
        held = con.execute("select commit_sha, parser_fingerprint, official_commit from sources where suite = ? and round = ?",
                           [suite, round_]).fetchall()
        held = held[0] if held else None
        counts = {"added": 0, "removed": 0, "changed": 0}
        if held is not None:
            for table, key in HISTORY_KEYS.items():
                if table not in tables:
                    continue
                try:
                    old = con.sql(f'select * from "{table}" where suite = $suite and round = $round',
                                  params={"suite": suite, "round": round_}).pl()
                    new = tables[table].filter(suite=suite, round=round_)
                    rows = diff(old, new, key) if old.height or new.height else []  # (the other suite's tables)
                except (duckdb.Error, pl.exceptions.PolarsError, ValueError, TypeError) as exc:
                    rejects.append({"suite": suite, "round": round_, "source_path": f"table {table}",
                                    "source_commit": commit, "stage": "history",
                                    "reason": f"the changes of {table} from {held[0][:12]} are not recorded: {str(exc).splitlines()[0][:300]}"})
                    continue
                for row in rows:
                    counts[row["change"]] += 1
                changes += [row | {"run_id": run_id, "suite": suite, "round": round_, "table_name": table,
                                   "old_commit": held[0], "new_commit": commit, "seen_at": seen_at} for row in rows]
        between = upstream.get((suite, round_)) if held is not None and held[0] != commit else None
        versions.append({
            "run_id": run_id, "suite": suite, "round": round_, "commit_sha": commit,
            "previous_commit": held[0] if held else None,
            "cause": "first seen" if held is None else _cause(held, (commit, fingerprint, official)), "seen_at": seen_at,
            "upstream_commits": between[0] if between else (0 if held is not None and held[0] == commit else None),
            "upstream_messages": _json(between[1]) if between else None,
            "rows_added": counts["added"], "rows_removed": counts["removed"], "rows_changed": counts["changed"]})
    out = {}
    for table, rows in (("round_versions", versions), ("changes", changes)):
        out[table], invalid = validate(table, to_frame(table, rows, rejects))
        rejects += [r | {"stage": "history"} for r in invalid]
    out["rejects"] = to_frame("rejects", rejects)
    return out


def record_or_reject(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]],
                     upstream: dict, logger: logging.Logger | logging.LoggerAdapter) -> dict[str, pl.DataFrame]:
    """record(), or when it fails whole, one reject per round saying so: history never blocks the current rows."""
    try:
        return record(con, tables, replaced, upstream)
    except Exception as exc:  # noqa: BLE001 -- whatever fails, the current rows are loaded, and it is said
        logger.warning("the changes of this run are not recorded: %s", exc)
        commits = {(s, r): c for s, r, c in tables["sources"].select("suite", "round", "commit_sha").iter_rows()} \
            if "sources" in tables else {}
        return {"rejects": to_frame("rejects", [
            {"suite": s, "round": r, "source_path": "", "source_commit": commits.get((s, r), ""), "stage": "history",
             "reason": f"the changes of this refresh are not recorded: {type(exc).__name__}: {str(exc)[:300]}"}
            for s, r in replaced])}


def _headline_sql() -> str:
    return " union all ".join(
        f"""select table_name, row_key, '{column}' as column_name, json_extract(old_values, '$.{column}') as old,
                   json_extract(new_values, '$.{column}') as new, suite, round, seen_at
            from changes where table_name = '{table}' and change = 'changed'
            and list_contains(string_split(columns_changed, ','), '{column}')"""
        for table, column in HEADLINES.items())


def last_refresh(con: duckdb.DuckDBPyConnection, headlines: int = 5) -> list[dict]:
    """Per round loaded by the last run that loaded any: its commits, cause, counts and the first `headlines` changed
    headline numbers (old → new). Empty for a warehouse without history."""
    if not con.execute("select count(*) from duckdb_tables() where table_name = 'round_versions'").fetchall()[0][0]:
        return []
    rounds = con.sql("""
        select suite, round, previous_commit, commit_sha, cause, upstream_commits, rows_added, rows_removed,
               rows_changed, seen_at
        from round_versions where seen_at = (select max(seen_at) from round_versions) order by suite, round""").pl()
    if not rounds.height:
        return []
    first = con.sql(f"""
        select * from ({_headline_sql()}) h where seen_at = (select max(seen_at) from round_versions)
        order by suite, round, table_name, row_key""").pl()
    out = []
    for entry in rounds.to_dicts():
        lines = first.filter(suite=entry["suite"], round=entry["round"]).head(headlines)
        entry["seen_at"] = entry["seen_at"].isoformat()
        entry["headlines"] = [{"table": t, "row": "/".join(str(v) for v in orjson.loads(k).values()),
                               "column": c, "old": old, "new": new}
                              for t, k, c, old, new in lines.select("table_name", "row_key", "column_name", "old", "new").iter_rows()]
        out.append(entry)
    return out


def _number(text: str | None) -> str:
    """A JSON value as people read it: 95004.0 as 95004, null as —."""
    value = orjson.loads(text) if text is not None else None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "—" if value is None else str(value)


def describe(entry: dict) -> list[str]:
    """Lines for people (untrusted text is escaped by the caller)."""
    if entry["cause"] == "first seen":
        return [f"  {entry['suite']} {entry['round']}: first seen at {entry['commit_sha'][:12]}"]
    commits = "" if entry["upstream_commits"] is None else f", {entry['upstream_commits']} upstream commits"
    lines = [f"  {entry['suite']} {entry['round']}: {entry['previous_commit'][:12]} -> {entry['commit_sha'][:12]} "
             f"({entry['cause']}{commits}): {entry['rows_added']} added, {entry['rows_removed']} removed, "
             f"{entry['rows_changed']} changed"]
    lines += [f"    {h['table']} {h['row']} {h['column']}: {_number(h['old'])} -> {_number(h['new'])}" for h in entry["headlines"]]
    return lines


def changes_of_last_refresh(db_path: Path) -> list[dict]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return last_refresh(con)
