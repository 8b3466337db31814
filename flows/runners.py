"""Where the parse tasks run: this process, a pool of processes on this machine, or a Dask cluster."""

from __future__ import annotations

import os

from prefect.client.orchestration import get_client
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.settings import Settings


def parse_runner(settings: Settings) -> TaskRunner:
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # the optional `dask` extra

        return DaskTaskRunner(address=settings.dask_address)
    if settings.workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    # Workers report to this flow's API: without it each would start a temporary Prefect server of its own.
    with get_client(sync_client=True) as client:
        api = str(client.api_url).rstrip("/")
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=_report_to, initargs=(api,))


def _report_to(api: str) -> None:
    os.environ["PREFECT_API_URL"] = api
