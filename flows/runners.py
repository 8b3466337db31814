"""Where the parse tasks run: this process, a pool of processes on this machine, or a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from extract.git_sync import Checkout, changed_paths, is_ancestor
from flows.settings import Settings

# Below this many bytes of changed files, a refresh parses them in the flow's own process: a worker takes seconds
# to start (spawn, imports, its API client), the parse of a few files a fraction of one.
SMALL_CHANGE_BYTES = 16 * 2**20
# On several workers a round is parsed in parts of about this many bytes (whole submitters each), not one part per
# worker: rounds differ 30-fold in size and finish syncing one after another, and with one part per worker the last
# big round keeps one worker busy while the other waits. A part costs a task and its frames' trip back: milliseconds.
PART_BYTES = 64 * 2**20


def part_count(checkout: Checkout, workers: int) -> int:
    """How many parts to parse `checkout` in on `workers` workers: one on one worker, else at least one per worker."""
    if workers == 1:
        return 1
    return max(workers, -(-sum(checkout.sizes.get(ref.blob, 0) for ref in checkout.files) // PART_BYTES))


@contextmanager
def parse_runner(settings: Settings, full_parse_ahead: bool) -> Iterator[TaskRunner]:
    runner = _runner(settings)
    with runner:
        if full_parse_ahead and isinstance(runner, ProcessPoolTaskRunner):
            # A worker takes seconds to start (spawn, imports, its API client): when a repository is certain to be
            # parsed, start them while the repositories sync rather than when the first part is ready. A refresh
            # may find nothing changed and need none.
            for _ in range(settings.workers):
                runner.submit(start_parse_worker, {})
        yield runner


def _runner(settings: Settings) -> TaskRunner:
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # the optional `dask` extra

        return DaskTaskRunner(address=settings.dask_address)
    if settings.workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    # Workers report to this flow's API: without it each would start a temporary Prefect server of its own.
    with get_client(sync_client=True) as client:
        api = str(client.api_url).rstrip("/")
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=_start_worker, initargs=(api,))


def _start_worker(api: str) -> None:
    os.environ["PREFECT_API_URL"] = api
    # what a parse task needs, imported once per worker before its first task (not flows.ingest, which imports us)
    import transform.common.parse_repo  # noqa: F401
    import transform.common.tables  # noqa: F401


@task(name="start parse worker", cache_policy=NO_CACHE)
def start_parse_worker() -> int:
    return os.getpid()


def small_change(checkout: Checkout, previous_commit: str | None, parse_cache: Path) -> bool:
    """True when a refresh of `checkout` re-parses only a few files, whose bytes a worker would not pay for."""
    if previous_commit is None or not parse_cache.is_dir() or not is_ancestor(checkout.path, previous_commit, checkout.commit):
        return False
    paths = changed_paths(checkout.path, previous_commit, checkout.commit)
    return sum(checkout.sizes.get(ref.blob, 0) for ref in checkout.files if ref.path in paths) <= SMALL_CHANGE_BYTES
