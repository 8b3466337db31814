"""Where the parse tasks run: this process, a pool of processes on this machine, or a Dask cluster."""

from __future__ import annotations

import os
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from extract.git_sync import Checkout, changed_paths, is_ancestor
from flows.settings import Settings

# On several workers a round is parsed in parts of about this many bytes (whole submitters each), not one part per
# worker: rounds differ 30-fold in size and finish syncing one after another, and with one part per worker the last
# big round keeps one worker busy while the other waits. A part costs a task and its frames' trip back: milliseconds.
PART_BYTES = 64 * 2**20
# A repository with no more than one part's bytes to parse is parsed in the flow's own process while no worker has
# started: a worker takes seconds and several CPU-seconds to start (spawn, imports, its API client), and one part
# occupies one worker anyway. Workers (or the Dask cluster) are therefore started by the first repository that needs
# them, never ahead; once they run, small repositories go to them too (on the flow's threads, a parse competes for
# one interpreter with the flow's syncs and orchestration: 17 s for inference v0.5, 1 s on the workers).
IN_FLOW_BYTES = PART_BYTES


def part_count(checkout: Checkout, workers: int) -> int:
    """How many parts to parse `checkout` in on `workers` workers: one on one worker, else at least one per worker."""
    if workers == 1:
        return 1
    return max(workers, -(-sum(checkout.sizes.get(ref.blob, 0) for ref in checkout.files) // PART_BYTES))


def parse_runner(settings: Settings) -> TaskRunner:
    """Where the parts of big parses run; a process pool spawns its workers at the first part submitted."""
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner  # the optional `dask` extra

        return DaskTaskRunner(address=settings.dask_address)
    if settings.workers == 1:
        return ThreadPoolTaskRunner(max_workers=1)
    # Each worker is given one core: a polars pool of a thread per core in each worker only makes them contend (the
    # power logs' query took 35 % more CPU so, on 2 cores). Read by polars as a worker imports it; workers inherit it.
    os.environ["POLARS_MAX_THREADS"] = "1"
    # Workers report to this flow's API: without it each would start a temporary Prefect server of its own.
    with get_client(sync_client=True) as client:
        api = str(client.api_url).rstrip("/")
    return ProcessPoolTaskRunner(max_workers=settings.workers, initializer=_start_worker, initargs=(api,))


def _start_worker(api: str) -> None:
    os.environ["PREFECT_API_URL"] = api
    # what a parse task needs, imported once per worker before its first task (not flows.ingest, which imports us)
    import transform.common.parse_repo  # noqa: F401
    import transform.common.tables  # noqa: F401


def starts_workers(settings: Settings) -> bool:
    """Whether the parse runner has workers to start (a pool of processes, a Dask cluster's clients), as opposed to
    one thread of this process, which costs nothing to use."""
    return bool(settings.dask_address) or settings.workers > 1


def parsed_in_flow(checkout: Checkout, previous_commit: str | None, parse_cache: Path) -> bool:
    """True when `checkout`'s parse reads too few bytes to pay for starting a worker: along a linear history with a
    parse cache, only the changed files are read; otherwise all of them."""
    paths = None
    if previous_commit is not None and parse_cache.is_dir() and is_ancestor(checkout.path, previous_commit, checkout.commit):
        paths = changed_paths(checkout.path, previous_commit, checkout.commit)
    return sum(checkout.sizes.get(ref.blob, 0) for ref in checkout.files
               if paths is None or ref.path in paths) <= IN_FLOW_BYTES
