"""A readable account of the warehouse: what each repository is at, the last runs, the rejects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import polars as pl

from transform.common.printable import printable
from warehouse.reconciliation import COUNTS, DISAGREEMENTS, has_view

_SECTIONS = {
    "Repositories": """
        select repo_url, commit_sha, ingested_at, files_parsed from sources order by suite, round""",
    "Last runs": """
        select started_at, round(seconds, 1) as seconds, repos, files_parsed, rejects,
               case when failed_repos = '{}' then 'ok' else 'failed: ' || failed_repos end as outcome
        from ingest_runs order by started_at desc limit 10""",
    "Results not checked by their rules": """
        select round, rules_note as reason, count(*) as results from inference_results where not rules_checked
        group by all order by round, reason""",
    "Accelerators not in the map": """
        select accelerator_model_name, systems, first_round, last_round from unmapped_accelerators""",
    "Rejects": """
        select suite, round, stage, count(*) as rejects from rejects group by all order by suite, round, stage""",
}


# MLCommons' own tables: per round "reproduced of official", then the first disagreements of each round
_OFFICIAL = {"Official results reproduced": COUNTS.format(where=""), "First disagreements": DISAGREEMENTS.format(limit=5, also="")}


def _frames(db: Path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        sections = _SECTIONS | (_OFFICIAL if has_view(con) else {})
        return {title: con.sql(query).pl() for title, query in sections.items()}


def status(db: Path) -> str:
    # text from repositories (locations, reasons, URLs) escaped before it reaches a terminal
    frames = {title: frame.with_columns(pl.col(pl.String).map_elements(printable, return_dtype=pl.String))
              for title, frame in _frames(db).items()}
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=200):
        return "\n\n".join(f"{title}\n{frame}" for title, frame in frames.items())


def status_json(db: Path) -> str:
    """The same sections for scripts: {"warehouse": path, "repositories": [...], "last_runs": [...], "rejects": [...]}."""
    sections = {title.lower().replace(" ", "_"): frame.to_dicts() for title, frame in _frames(db).items()}
    return orjson.dumps({"warehouse": str(db), **sections}, option=orjson.OPT_INDENT_2).decode()
