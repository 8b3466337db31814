"""One parse part: the files of some submitters of one checkout, built into validated frames.

A plain function with a plain result, run on a thread of the flow, a process of the pool or a Dask worker: not a
Prefect task: as tasks, parts cost about a third of a CPU-second each (Prefect's settings serialized on submit, a run
context and an API client built in the worker, the task run recorded by the server; py-spy, README "Parsing in
parallel"). The flow logs each part as it ends, and its progress.
Imports nothing of Prefect, so that a worker does not either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from extract.git_sync import Checkout, is_ancestor
from extract.repo_id import RepoId
from transform.common.parse_repo import build_part, submitter


@dataclass(frozen=True)
class PartTables:
    repo: RepoId
    part: str  # e.g. "1/2"
    commit: str
    submitters: int
    tables: dict[str, pl.DataFrame]  # validated, with the part's rejects as the `rejects` frame
    files_parsed: int
    bytes_parsed: int
    files_cached: int  # files of the part whose parse output was re-used
    reused: bool  # whether unchanged files' parse output could be re-used (a linear history since the last ingest)
    began: float  # when the part started and ended (epoch seconds: workers share no other clock with the flow)
    ended: float

    def line(self) -> str:
        """What the flow logs when the part is done."""
        return (f"{self.repo.name} {self.part} @ {self.commit[:10]}, {self.submitters} submitters: parsed "
                f"{self.files_parsed} changed files ({self.bytes_parsed / 1e6:.0f} MB) in {self.ended - self.began:.1f} s"
                f"{'' if self.reused else ' (full parse)'}, {self.tables['rejects'].height} rejects")


def parse_part(checkout: Checkout, submitters: tuple[str, ...], part: str, cache_dir: Path, max_file_bytes: int,
               previous_commit: str | None) -> PartTables:
    """The validated tables of the files of `submitters` (a part's rows are valid together exactly when they are valid
    with all the others, so each part is validated where it is built, in parallel); compact frames, not the parsed
    rows, travel back to the flow."""
    began = time.time()
    # Re-use unchanged files' parse output only along a linear history; a rewritten one is parsed anew.
    reuse = previous_commit is not None and is_ancestor(checkout.path, previous_commit, checkout.commit)
    tables, parsed = build_part(checkout, submitters, max_file_bytes, cache_dir / f"{checkout.repo.name}.parsed", reuse)
    mine = set(submitters)
    files = sum(1 for ref in checkout.files if submitter(checkout.repo.suite, ref.path) in mine)
    return PartTables(checkout.repo, part, checkout.commit, len(submitters), tables, parsed.files, parsed.bytes,
                      max(files - parsed.files, 0), reuse, began, time.time())
