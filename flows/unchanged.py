"""Before Prefect starts: ask upstream for its heads, and end the run there when that already says how it ends.

Starting Prefect's temporary server costs seconds; asking upstream for its heads (`git ls-remote`) costs
milliseconds. Two outcomes need no flow:
- every repository is at the commit the warehouse holds, parsed by the same code: the run is recorded in
  `ingest_runs` and ends;
- no repository answers, for a reason no retry can fix (a mistyped path, no such repository), or for the network
  while someone waits at a terminal: the run fails at once with git's own line (`NothingSynced`).
Any other case (some repositories answer, something changed, a network error in an unattended run, which keeps its
retries) runs the full flow.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from extract.git_errors import GitFailure, NothingSynced, git_failure
from extract.git_sync import upstream_heads
from extract.repo_id import RepoId, repo_id, repo_ids
from extract.rounds import known_urls, new_round_urls
from flows.settings import KNOWN_ROUNDS, Settings
from flows.timeline import Timeline, end, seconds, stage
from transform.common.fingerprint import code_fingerprint
from warehouse.state import Held, build_fingerprint, ingested, last_build

if TYPE_CHECKING:
    from flows.summary import Summary


def _head(repo: RepoId) -> tuple[str, str | None] | GitFailure:
    try:
        return upstream_heads(repo)
    except Exception as exc:  # classified: the caller decides what a failure means
        return git_failure(exc)


def _fails_now(failures: dict[str, GitFailure], interactive: bool) -> bool:
    """Whether these failures of every repository end the run before any flow: no retry could change them."""
    return bool(failures) and (interactive or not any(failure.network for failure in failures.values()))


def preflight(settings: Settings, interactive: bool, timeline: Timeline | None = None) -> Summary | None:
    """The summary of a run that found nothing new (and recorded itself), or None when the flow must run.

    Raises NothingSynced when no repository can be reached and retrying is not the run's business: the failure is
    not the network's, or someone waits at a terminal (`interactive`), who is told in seconds, not minutes.
    `timeline`: the command's, in its "preflight" stage (a new one when none is given)."""
    timeline = timeline or Timeline(time.time())
    repos, refused = repo_ids(settings.repos)
    if refused:  # the flow records them as failures
        return None
    if not repos:
        try:
            urls = new_round_urls(settings.organization_url, KNOWN_ROUNDS)
        except Exception as exc:
            probe = {settings.organization_url: git_failure(exc)}
            if _fails_now(probe, interactive):
                raise NothingSynced(probe) from None
            return None  # the flow probes again, with its retries
        repos = [repo_id(url) for url in known_urls(settings.organization_url, KNOWN_ROUNDS) + urls]
    with ThreadPoolExecutor(max_workers=8) as pool:
        heads = list(pool.map(_head, repos))
    failures = {repo.url: head for repo, head in zip(repos, heads) if isinstance(head, GitFailure)}
    if len(failures) == len(repos) and _fails_now(failures, interactive):
        raise NothingSynced(failures)
    if failures or last_build(settings.db_path) != build_fingerprint(settings.accelerator_map):
        return None
    previous = ingested(settings.db_path)
    if any(previous.get((r.suite, r.round)) != Held(head, code_fingerprint(), official)
           for r, (head, official) in zip(repos, heads)):
        return None
    return _record(settings, repos, [head for head, _ in heads], timeline)


def _record(settings: Settings, repos: list[RepoId], heads: list[str], timeline: Timeline) -> Summary:
    """Publish the run's own row (nothing else changed), and return its summary."""
    # Imported here: validation (pandera, with pandas) is a second of imports that a run with changes needs only once
    # Prefect's server has started, and imports while it starts (flows/cli.py).
    from flows.summary import Summary
    from warehouse.publish import publish
    from warehouse.reconciliation import reproduced_in
    from warehouse.run_record import complete, run_record

    summary = Summary(repos=[(r.name, head) for r, head in zip(repos, heads)], unchanged=[r.name for r in repos])
    record = run_record(settings.accelerator_map, datetime.fromtimestamp(timeline.origin, UTC), seconds(timeline),
                        len(repos), 0, {}, 0, {})
    rounds = [r.round for r in repos if r.suite == "inference"]

    def finish(con) -> None:  # on the file about to be published: the summary's read, then the run's end and timeline
        stage(timeline, "reconcile")
        summary.official = reproduced_in(con, rounds)
        end(timeline)
        complete(con, record["run_id"][0], seconds(timeline), timeline.stages)

    publish(settings.db_path, {"ingest_runs": record}, [], stage=partial(stage, timeline), last=finish)
    summary.seconds, summary.timeline = seconds(timeline), timeline.stages
    return summary
