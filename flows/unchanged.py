"""A refresh with nothing to do, told before Prefect starts: upstream heads against what the warehouse holds.

Starting Prefect's temporary server costs seconds; asking upstream for its heads costs milliseconds. When every
repository is at the commit the warehouse holds, parsed by the same code, the run is recorded in `ingest_runs`
and ends there. Any doubt (a network error, a new round, other code) and the full flow runs instead.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from extract.git_sync import upstream_head
from extract.repo_id import repo_id, repo_ids
from extract.rounds import known_urls, new_round_urls
from flows.settings import KNOWN_ROUNDS, Settings
from flows.summary import Summary
from transform.common.parse_cache import code_fingerprint
from warehouse.publish import publish
from warehouse.reconciliation import reproduced
from warehouse.run_record import run_record
from warehouse.state import build_fingerprint, ingested, last_build


def record_if_unchanged(settings: Settings) -> Summary | None:
    """The summary of a run that found nothing new (and recorded itself), or None when the flow must run."""
    started_at, started = datetime.now(UTC), time.perf_counter()
    if last_build(settings.db_path) != build_fingerprint(settings.accelerator_map):
        return None
    previous = ingested(settings.db_path)
    try:
        repos, refused = repo_ids(settings.repos)
        if refused:  # the flow records them as failures
            return None
        if not repos:
            repos = [repo_id(url) for url in known_urls(settings.organization_url, KNOWN_ROUNDS)
                     + new_round_urls(settings.organization_url, KNOWN_ROUNDS)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            heads = list(pool.map(upstream_head, repos))
    except Exception:  # whatever it is, the flow will meet it again, retry it and report it
        return None
    if any(previous.get((r.suite, r.round)) != (head, code_fingerprint()) for r, head in zip(repos, heads)):
        return None
    summary = Summary(repos=[(r.name, head) for r, head in zip(repos, heads)], unchanged=[r.name for r in repos])
    record = run_record(settings.accelerator_map, started_at, time.perf_counter() - started, len(repos), 0, {}, 0, {})
    publish(settings.db_path, {"ingest_runs": record}, [])
    summary.official = reproduced(settings.db_path, [r.round for r in repos if r.suite == "inference"])
    summary.seconds = time.perf_counter() - started
    return summary
