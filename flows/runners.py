"""Where the parse tasks run: this process, a pool of processes on this machine, or a Dask cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.settings import Settings


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
    import flows.ingest  # noqa: F401  (what a parse task needs, imported once per worker)


@task(name="start parse worker", cache_policy=NO_CACHE)
def start_parse_worker() -> int:
    return os.getpid()
