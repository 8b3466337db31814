"""The nightly pipeline on one screen: sync → discover → parse → validate → load → views."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from extract.discover import discover
from extract.git_sync import Checkout, sync
from extract.read_blobs import read_blobs
from extract.repo_id import RepoId, repo_id
from flows.settings import Settings
from transform.parse_files import ParsedFiles, parse_files
from transform.source import Source
from transform.tables import build_tables
from transform.validate import to_frame, validate
from warehouse.lock import exclusive
from warehouse.publish import publish


@dataclass
class Summary:
    repos: list[tuple[str, str]] = field(default_factory=list)  # (name, commit)
    failed: dict[str, str] = field(default_factory=dict)  # url → error
    files_parsed: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rejects_by_stage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@task(cache_policy=NO_CACHE)
def sync_repo(repo: RepoId, settings: Settings) -> Checkout:
    return sync(repo, settings.cache_dir)


@task(cache_policy=NO_CACHE)
def parse_repo(checkout: Checkout, settings: Settings) -> ParsedFiles:
    logger = get_run_logger()
    started = time.perf_counter()
    files, skipped = discover(checkout.path, checkout.commit, checkout.repo.suite)
    parsed = parse_files(
        checkout.repo.suite, checkout.repo.round, checkout.commit,
        read_blobs(checkout.path, files, settings.max_file_bytes), settings.max_file_bytes,
    )
    for item in skipped:
        source = Source(checkout.repo.suite, checkout.repo.round, item.path, checkout.commit)
        parsed.rejects.append(source.reject("discover", item.reason))
    logger.info(
        "%s @ %s: parsed %d files (%.0f MB) in %.1f s, %d rejects",
        checkout.repo.name, checkout.commit[:10], parsed.files, parsed.bytes / 1e6,
        time.perf_counter() - started, len(parsed.rejects),
    )
    return parsed


@task(cache_policy=NO_CACHE)
def validate_tables(tables: dict[str, pl.DataFrame], rejects: list[dict]) -> dict[str, pl.DataFrame]:
    valid = {}
    for name, frame in tables.items():
        valid[name], failed = validate(name, frame)
        rejects.extend(failed)
    valid["rejects"], unloadable = validate("rejects", to_frame("rejects", rejects))
    if unloadable:
        raise RuntimeError(f"rejects that cannot be recorded: {unloadable[:3]}")
    return valid


@task(cache_policy=NO_CACHE)
def load_warehouse(settings: Settings, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]]) -> dict[str, int]:
    return publish(settings.db_path, tables, replaced)


@flow(name="mlperf-warehouse-ingest")
def ingest(settings: Settings) -> Summary:
    logger = get_run_logger()
    started_at, started = datetime.now(UTC), time.perf_counter()
    summary = Summary()
    with exclusive(settings.db_path):
        repos = [repo_id(url) for url in settings.repos]
        futures = [sync_repo.with_options(retries=settings.sync_retries, retry_delay_seconds=[5, 30, 120]).submit(r, settings) for r in repos]
        checkouts = []
        for repo, future in zip(repos, futures):
            try:
                checkouts.append(future.result())
            except Exception as exc:  # one unreachable repo must not fail the others
                summary.failed[repo.url] = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
                logger.error("sync failed for %s: %s", repo.url, summary.failed[repo.url])

        parsed = [(checkout, parse_repo(checkout, settings)) for checkout in checkouts]
        tables, rejects = build_tables(parsed, ingested_at=started_at)
        valid = validate_tables(tables, rejects)

        summary.repos = [(c.repo.name, c.commit) for c in checkouts]
        summary.files_parsed = sum(p.files for _, p in parsed)
        summary.rejects_by_stage = dict(valid["rejects"].group_by("stage").len().iter_rows())
        summary.seconds = time.perf_counter() - started
        valid["ingest_runs"], _ = validate("ingest_runs", to_frame("ingest_runs", [{
            "run_id": str(uuid.uuid4()),
            "started_at": started_at,
            "finished_at": datetime.now(UTC),
            "seconds": summary.seconds,
            "repos": len(checkouts),
            "files_parsed": summary.files_parsed,
            "rows_loaded": orjson.dumps({k: v.height for k, v in valid.items()}).decode(),
            "rejects": valid["rejects"].height,
            "failed_repos": orjson.dumps(summary.failed).decode(),
        }]))
        replaced = [(c.repo.suite, c.repo.round) for c in checkouts]
        summary.rows_loaded = load_warehouse(settings, valid, replaced)
        summary.rows_loaded.pop("ingest_runs", None)
    summary.seconds = time.perf_counter() - started
    return summary
