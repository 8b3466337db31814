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

from extract.git_sync import Checkout, is_ancestor, sync
from extract.repo_id import RepoId, repo_id
from extract.rounds import repository_urls
from flows.settings import KNOWN_ROUNDS, Settings
from transform.accelerators import accelerator_models
from transform.parse_cache import code_fingerprint
from transform.parse_repo import parse_checkout
from transform.tables import build_tables, concat_tables
from transform.validate import to_frame, validate
from warehouse.lock import exclusive
from warehouse.publish import publish
from warehouse.state import ingested


@dataclass
class Summary:
    repos: list[tuple[str, str]] = field(default_factory=list)  # (name, commit) of every repo synced
    unchanged: list[str] = field(default_factory=list)  # repos whose commit and parser were already loaded
    failed: dict[str, str] = field(default_factory=dict)  # url → error
    files_parsed: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rejects_by_stage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@task(cache_policy=NO_CACHE)
def list_repos(settings: Settings) -> list[RepoId]:
    urls = settings.repos or repository_urls(settings.organization_url, KNOWN_ROUNDS)
    return [repo_id(url) for url in urls]


@task(cache_policy=NO_CACHE)
def sync_repo(repo: RepoId, settings: Settings) -> Checkout:
    return sync(repo, settings.cache_dir)


@dataclass(frozen=True)
class RepoTables:
    checkout: Checkout
    files_parsed: int
    tables: dict[str, pl.DataFrame]
    rejects: list[dict]


@task(cache_policy=NO_CACHE)
def parse_repo(checkout: Checkout, settings: Settings, previous_commit: str | None, ingested_at: datetime) -> RepoTables:
    logger = get_run_logger()
    started = time.perf_counter()
    # Re-use unchanged files' parse output only along a linear history; a rewritten one is parsed anew.
    reuse = previous_commit is not None and is_ancestor(checkout.path, previous_commit, checkout.commit)
    cache = settings.cache_dir / f"{checkout.repo.name}.parsed.pickle"
    parsed = parse_checkout(checkout, settings.max_file_bytes, cache, reuse)
    logger.info(
        "%s @ %s: parsed %d changed files (%.0f MB) in %.1f s%s, %d rejects",
        checkout.repo.name, checkout.commit[:10], parsed.files, parsed.bytes / 1e6, time.perf_counter() - started,
        "" if reuse else " (full parse)", len(parsed.rejects),
    )
    # Prefect keeps every task's return value until the flow ends: hand back compact frames, not the parsed rows.
    tables, rejects = build_tables([(checkout, parsed)], ingested_at)
    return RepoTables(checkout, parsed.files, tables, rejects)


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


def failure_reason(exc: Exception) -> str:
    """One readable line: git's own `fatal:` message rather than GitPython's quoted command dump."""
    lines = [line.strip(" '\"") for line in str(getattr(exc, "stderr", "") or exc).splitlines()]
    lines = [line for line in lines if line and not line.startswith("stderr:")]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines or [type(exc).__name__])[0]


@flow(name="mlperf-warehouse-ingest")
def ingest(settings: Settings) -> Summary:
    logger = get_run_logger()
    started_at, started = datetime.now(UTC), time.perf_counter()
    summary = Summary()
    with exclusive(settings.db_path):
        previous = ingested(settings.db_path)
        repos = list_repos(settings)
        retrying = sync_repo.with_options(retries=settings.sync_retries, retry_delay_seconds=list(settings.sync_retry_delays))
        futures = [retrying.submit(r, settings) for r in repos]
        checkouts = []
        for repo, future in zip(repos, futures):
            try:
                checkouts.append(future.result())
            except Exception as exc:  # one unreachable repo must not fail the others
                summary.failed[repo.url] = failure_reason(exc)
                logger.error("sync failed for %s: %s", repo.url, summary.failed[repo.url])
        summary.repos = [(c.repo.name, c.commit) for c in checkouts]

        built = []
        for checkout in checkouts:
            prior_commit, prior_parser = previous.get((checkout.repo.suite, checkout.repo.round), (None, None))
            if (prior_commit, prior_parser) == (checkout.commit, code_fingerprint()):
                summary.unchanged.append(checkout.repo.name)
                logger.info("%s @ %s: unchanged since the last ingest", checkout.repo.name, checkout.commit[:10])
                continue
            built.append(parse_repo(checkout, settings, prior_commit, started_at))

        tables, rejects = concat_tables([(b.tables, b.rejects) for b in built])
        tables["accelerator_models"] = accelerator_models(settings.accelerator_map)
        valid = validate_tables(tables, rejects)
        summary.files_parsed = sum(b.files_parsed for b in built)
        summary.rejects_by_stage = dict(valid["rejects"].group_by("stage").len().iter_rows())
        valid["ingest_runs"], _ = validate("ingest_runs", to_frame("ingest_runs", [{
            "run_id": str(uuid.uuid4()),
            "started_at": started_at,
            "finished_at": datetime.now(UTC),
            "seconds": time.perf_counter() - started,
            "repos": len(checkouts),
            "files_parsed": summary.files_parsed,
            "rows_loaded": orjson.dumps({k: v.height for k, v in valid.items()}).decode(),
            "rejects": valid["rejects"].height,
            "failed_repos": orjson.dumps(summary.failed).decode(),
        }]))
        replaced = [(b.checkout.repo.suite, b.checkout.repo.round) for b in built]
        summary.rows_loaded = load_warehouse(settings, valid, replaced)
        summary.rows_loaded.pop("ingest_runs", None)
    summary.seconds = time.perf_counter() - started
    return summary
