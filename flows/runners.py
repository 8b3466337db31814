"""Where the parse parts run: a thread of the flow, a pool of processes on this machine, or a Dask cluster."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from extract.git_sync import Checkout, changed_paths, is_ancestor
from flows.settings import Settings

# On several workers a round is parsed in parts of about this many bytes (whole submitters each), not one part per
# worker: rounds differ 30-fold in size and finish syncing one after another, and with one part per worker the last
# big round keeps one worker busy while the other waits. A part costs its frames' trip back: milliseconds.
PART_BYTES = 64 * 2**20
# A repository with no more than one part's bytes to parse is parsed on the flow's own thread while no worker has
# started: a worker takes seconds and several CPU-seconds to start (spawn, imports), and one part occupies one worker
# anyway. Workers (or the Dask cluster's) are therefore used from the first repository that needs them, never
# ahead; once they run, small repositories go to them too (on the flow's thread, a parse competes for one interpreter
# with the flow's syncs and orchestration: 17 s for inference v0.5, 1 s on the workers).
IN_FLOW_BYTES = PART_BYTES


def part_count(checkout: Checkout, workers: int) -> int:
    """How many parts to parse `checkout` in on `workers` workers: one on one worker, else at least one per worker."""
    if workers == 1:
        return 1
    return max(workers, -(-sum(checkout.sizes.get(ref.blob, 0) for ref in checkout.files) // PART_BYTES))


class ClusterUnreachable(Exception):
    """The Dask scheduler of `dask_address` did not answer: nothing can be parsed, so nothing is synced or published."""


@contextmanager
def parse_executors(settings: Settings) -> Iterator[tuple[Executor, Executor]]:
    """(the flow's own parse thread, where the parts of big parses run). A process pool spawns its workers at the first
    part submitted; with one worker, both are the one thread. A Dask cluster is connected to at once: one that does
    not answer fails the run before any sync (ClusterUnreachable)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse") as here:
        if settings.dask_address:
            from distributed import Client  # the optional `dask` extra

            try:
                client = Client(settings.dask_address, set_as_default=False)
            except OSError as exc:  # refused, timed out (distributed.comm.timeouts.connect), no such host
                raise ClusterUnreachable(f"the Dask scheduler at {settings.dask_address} did not answer ({exc}); "
                                         "nothing was parsed, the warehouse is as it was") from None
            with client:
                yield here, client.get_executor(pure=False)
        elif settings.workers == 1:
            yield here, here
        else:
            # Each worker is given one core: a polars pool of a thread per core in each worker only makes them contend
            # (the power logs' query took 35 % more CPU so, on 2 cores). Read by polars as a worker imports it; workers
            # inherit it. Spawned, not forked: this process runs threads (syncs, Prefect's clients).
            os.environ["POLARS_MAX_THREADS"] = "1"
            with ProcessPoolExecutor(max_workers=settings.workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_start_worker) as pool:
                yield here, pool


def _start_worker() -> None:
    # what a part needs, imported once per worker before its first part (not flows.ingest: Prefect is not needed)
    import flows.parts  # noqa: F401
    import transform.common.tables  # noqa: F401


def starts_workers(settings: Settings) -> bool:
    """Whether parts have workers to start (a pool of processes, a Dask cluster's), as opposed to the flow's one
    thread, which costs nothing to use."""
    return bool(settings.dask_address) or settings.workers > 1


def parsed_in_flow(checkout: Checkout, previous_commit: str | None, parse_cache: Path) -> bool:
    """True when `checkout`'s parse reads too few bytes to pay for starting a worker: along a linear history with a
    parse cache, only the changed files are read; otherwise all of them."""
    paths = None
    if previous_commit is not None and parse_cache.is_dir() and is_ancestor(checkout.path, previous_commit, checkout.commit):
        paths = changed_paths(checkout.path, previous_commit, checkout.commit)
    return sum(checkout.sizes.get(ref.blob, 0) for ref in checkout.files
               if paths is None or ref.path in paths) <= IN_FLOW_BYTES
