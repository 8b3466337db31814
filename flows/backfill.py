"""`mlperf-warehouse backfill`: load every past version of a repository's official tables from its git history.

Not part of the nightly ingest (a repository's whole history is read once, on request); the versions go to
official_result_versions and official_training_score_versions, replaced whole for the round each time. A version that
cannot be read, parsed or validated never stops the others: it is a reject of stage `backfill` with its file, commit
and reason, in the rejects table beside the ingest's (replaced by the round's next backfill, kept by ingests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from git.exc import GitCommandError

from extract.git_sync import RESULTS_BRANCH, reading, sync
from extract.official_history import Version, table_versions
from extract.repo_id import RepoId
from transform.common.official_results import parse_official_table
from transform.common.schemas import BACKFILL_STAGE
from transform.common.source import Source
from transform.common.validate import to_frame, validate
from transform.training.official_summary import parse_official_summary
from warehouse.publish import publish


@dataclass
class Backfilled:
    repo: str
    versions: int = 0  # versions of official tables read
    rows: dict[str, int] = field(default_factory=dict)
    rejects: list[dict] = field(default_factory=list)  # stored in the rejects table, and said to the operator


def _read(clone: Path, blob: str, max_bytes: int) -> bytes | None:
    from git import Repo

    repo = Repo(clone)
    try:  # a blob the blob-less clone lacks is fetched from the clone's origin by git itself
        _sha, _type, size = repo.git.get_object_header(blob)
        return None if size > max_bytes else repo.git.get_object_data(blob)[3]
    finally:
        repo.close()


def _rows(repo: RepoId, versions: list[Version], clone: Path, max_bytes: int, parse, table: str,
          out: Backfilled, prefix: str = "") -> pl.DataFrame:
    rows, rejects = [], []
    for version in versions:
        source = Source(repo.suite, repo.round, prefix + version.path, version.commit)
        try:
            data = _read(clone, version.blob, max_bytes)
        except GitCommandError as exc:  # e.g. a blob upstream no longer sends
            rejects.append(source.reject("read", f"not read: {str(exc.stderr or exc).strip()[:200]}"))
            continue
        if data is None:
            rejects.append(source.reject("read", f"above --max-file-bytes ({max_bytes}): not read"))
            continue
        try:
            parsed, found = parse(data, source)
        except Exception as exc:  # noqa: BLE001 -- one version the parser cannot take never stops the others
            parsed, found = [], [source.reject("parse", f"the parser failed: {type(exc).__name__}: {str(exc)[:200]}")]
        rejects += found
        rows += [row | {"committed_at": version.committed_at, "superseded_at": version.superseded_at} for row in parsed]
        out.versions += 1
    frame, invalid = validate(table, to_frame(table, rows, rejects))
    # the step that failed goes into the reason: the stage says which load found it
    out.rejects += [r | {"stage": BACKFILL_STAGE, "reason": f"{r['stage']}: {r['reason']}"} for r in rejects + invalid]
    return frame


def backfill(repo: RepoId, db_path: Path, cache_dir: Path, max_bytes: int) -> Backfilled:
    """Sync `repo` and load every version of its official tables (the caller holds the warehouse lock)."""
    out = Backfilled(repo.name)
    with reading():  # another run must not clone it anew while its history is read
        checkout = sync(repo, cache_dir)
        inference = table_versions(checkout.path, checkout.commit) if repo.suite == "inference" else []
        training = (table_versions(checkout.path, checkout.official_commit, ("summary.csv",))
                    if checkout.official_commit else [])
        tables = {
            "official_result_versions": _rows(repo, inference, checkout.path, max_bytes, parse_official_table,
                                              "official_result_versions", out),
            "official_training_score_versions": _rows(repo, training, checkout.path, max_bytes, parse_official_summary,
                                                      "official_training_score_versions", out, f"{RESULTS_BRANCH}:"),
        }
    tables["rejects"] = to_frame("rejects", out.rejects)
    out.rows = publish(db_path, tables, [(repo.suite, repo.round)])
    return out


