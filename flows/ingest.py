"""The nightly pipeline on one screen: sync → discover → parse → validate → load → views."""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model from these
# annotations, and a served run, which loads this file by path, cannot resolve them as strings.

import gc
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from extract.git_log import commits_between
from extract.git_errors import GitFailure, NothingSynced, with_retries
from extract.git_sync import Checkout, reading, sync
from extract.repo_id import RepoId, repo_id, repo_ids
from extract.rounds import known_urls, new_round_urls
from flows.logs import PROGRESS_SECONDS, every, quiet_empty_tracebacks
from flows.parts import PartTables, parse_part
from flows.runners import ClusterUnreachable, parse_executors, part_count, parsed_in_flow, starts_workers
from flows.settings import KNOWN_ROUNDS, Settings
from flows.summary import Summary
from flows.timeline import Timeline, end, part, seconds, since, stage
from transform.common.accelerators import accelerator_models, unmapped
from transform.common.fingerprint import code_fingerprint
from transform.common.parse_repo import partition, parts_of
from transform.common.safe_text import printable
from transform.common.tables import concat_tables, sources_table
from transform.common.validate import to_frame, validate
from transform.training.official_summary import official_summaries
from warehouse.alarm import alarms, training_reproduced
from warehouse.run_record import complete, run_record, timeline_line
from warehouse.history import last_refresh
from warehouse.lock import exclusive
from warehouse.publish import publish
from warehouse.reconciliation import reproduced_in
from warehouse.state import ROUND_TABLES, Held, ingested, rows_held
from warehouse.verify import NotAWarehouse, verify

quiet_empty_tracebacks()


def retry_delays(settings: Settings) -> list[float]:
    delays = settings.sync_retry_delays
    return [delays[min(i, len(delays) - 1)] for i in range(settings.sync_retries)]


@task(cache_policy=NO_CACHE)
def list_repos(settings: Settings) -> tuple[list[RepoId], dict[str, GitFailure]]:
    """The repositories to ingest, and a failed probe for new rounds (url → failure)."""
    if settings.repos:
        repos, refused = repo_ids(settings.repos)
        return repos, {url: GitFailure(reason, network=False) for url, reason in refused.items()}
    logger = get_run_logger()
    urls, failures = known_urls(settings.organization_url, KNOWN_ROUNDS), {}
    try:
        urls += with_retries(lambda: new_round_urls(settings.organization_url, KNOWN_ROUNDS), retry_delays(settings),
                             lambda failure, n, delay: logger.warning(
                                 "probing %s for new rounds: %s; retry %d of %d in %g s",
                                 settings.organization_url, failure, n, settings.sync_retries, delay))
    except GitFailure as failure:
        # Never taken for "no new round": the run records it as a failure.
        logger.error("probing %s for new rounds failed: %s", settings.organization_url, failure)
        failures[settings.organization_url] = failure
    return [repo_id(url) for url in urls], failures


@task(cache_policy=NO_CACHE, task_run_name="sync {repo.name}")
def sync_repo(repo: RepoId, settings: Settings) -> Checkout:
    logger = get_run_logger()
    try:
        progress = every(PROGRESS_SECONDS, lambda line: logger.info("%s: %s", repo.name, printable(line)))
        return with_retries(lambda: sync(repo, settings.cache_dir, progress), retry_delays(settings),
                            lambda failure, n, delay: logger.warning(
                                "%s: %s; retry %d of %d in %g s", repo.name, failure, n, settings.sync_retries, delay))
    except GitFailure as failure:
        return Failed(message=f"{repo.name}: {failure}", data=failure)


@task(cache_policy=NO_CACHE)
def validate_tables(tables: dict[str, pl.DataFrame], rejects: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The tables of the whole run, and every reject of the run as the `rejects` table."""
    valid, failures = {}, []
    for name, frame in tables.items():
        valid[name], failed = validate(name, frame)
        failures.extend(failed)
    valid["rejects"], unloadable = validate("rejects", pl.concat([rejects, to_frame("rejects", failures)]))
    if unloadable:
        raise RuntimeError(f"rejects that cannot be recorded: {unloadable[:3]}")
    return valid


@task(cache_policy=NO_CACHE)
def load_warehouse(settings: Settings, tables: dict[str, pl.DataFrame], replaced: list[tuple[str, str]],
                   upstream: dict, stage_begins, finish_file) -> dict[str, int]:
    return publish(settings.db_path, tables, replaced, get_run_logger(), upstream, stage_begins, finish_file)


def finish(con, summary: Summary, timeline: Timeline, run_id: str, rounds: list[str], training_rounds: list[str],
           loaded: list[tuple[str, str]]) -> None:
    """Last in the file the run publishes: the summary's reads (this refresh's changes, how much of MLCommons' tables
    the synced inference `rounds` and the changed `training_rounds` reproduce, with the past versions the warehouse
    holds; the alarms of the (suite, round)s the run `loaded`), then the run's own row gets its end, timeline and
    alarms."""
    stage(timeline, "changes")
    summary.changes = last_refresh(con)
    stage(timeline, "reconcile")
    summary.official = reproduced_in(con, rounds)
    summary.official_training = [counts for counts in training_reproduced(con) if counts["round"] in training_rounds]
    # read from the warehouse's own views, as `status` reads them: over the run's frames in memory, registering them
    # and binding the views anew took 0.9 s of a one-file refresh of training v4.0
    suites = tuple(dict.fromkeys(suite for suite, _ in loaded))
    summary.alarms = [alarm for alarm in alarms(con, suites) if (alarm["suite"], alarm["round"]) in loaded]
    end(timeline)
    complete(con, run_id, seconds(timeline), timeline.stages, summary.alarms)


def shrunk_rounds(changed: list[tuple[Checkout, str | None]], built: list[PartTables],
                  held: dict[tuple[str, str], int]) -> dict[str, GitFailure]:
    """The changed repositories whose new rows are fewer than half of those the warehouse holds for their round
    (url → why): a failed repository keeps its previous rows rather than publish a wiped round."""
    rows: dict[RepoId, int] = {checkout.repo: 0 for checkout, _ in changed}
    for part in built:
        rows[part.repo] += sum(part.tables[t].height for t in ROUND_TABLES if t in part.tables)
    shrunk = {}
    for checkout, _ in changed:
        before, now = held.get((checkout.repo.suite, checkout.repo.round), 0), rows[checkout.repo]
        if now * 2 < before:
            shrunk[checkout.repo.url] = GitFailure(
                f"{checkout.repo.name} @ {checkout.commit[:10]} gives {now} rows where the warehouse holds {before} "
                "(systems, runs, results): a layout this code does not read, or most results withdrawn; the previous "
                "rows are kept (ingest into another --db to see the new commit's rows and rejects)", network=False)
    return shrunk


def sync_then_parse(repos: list[RepoId], failures: dict[str, GitFailure], previous: dict, settings: Settings,
                    executors: tuple[Executor, Executor], summary: Summary, timeline: Timeline
                    ) -> tuple[list[Checkout], list[tuple[Checkout, str | None]], list[PartTables]]:
    """Sync every repository (threads) and parse each changed one as soon as it is synced: on the flow's own parse
    thread or on the workers (`executors`), in parts.

    Returns the checkouts (in the order of `repos`), the changed ones with their previous commit, and their parts."""
    logger = get_run_logger()
    # After a probe that could not reach the host through all its retries, each repository gets one try.
    syncing = settings.model_copy(update={"sync_retries": 0}) if failures else settings
    syncs, began = stage(timeline, "sync"), time.time()
    futures = {sync_repo.submit(repo, syncing): repo for repo in repos}
    synced, changed, parts = {}, {}, {}
    here, workers = executors
    workers_idle = starts_workers(settings)  # until the first part goes to the workers
    for future in as_completed(list(futures)):
        repo, outcome = futures[future], future.result(raise_on_failure=False)
        part(syncs, repo.name, began, time.time(), timeline.origin)
        if not isinstance(outcome, Checkout):  # one unreachable repo must not fail the others
            failures[repo.url] = outcome
            continue
        synced[repo] = outcome
        held = previous.get((repo.suite, repo.round), Held())
        if held == Held(outcome.commit, code_fingerprint(), outcome.official_commit):
            logger.info("%s @ %s: unchanged since the last ingest", repo.name, outcome.commit[:10])
            continue
        prior_commit = held.commit
        changed[repo] = prior_commit
        if workers_idle and parsed_in_flow(outcome, prior_commit, settings.cache_dir / f"{repo.name}.parsed"):
            # a small repository or a few changed files: parsed on the flow's own thread, without a worker
            groups, executor = partition(outcome, 1), here
        else:
            # in parts of whole submitters, at least as many as there are workers
            groups, executor, workers_idle = partition(outcome, part_count(outcome, settings.workers)), workers, False
        for n, (submitters, files) in enumerate(zip(groups, parts_of(outcome, groups), strict=True), 1):
            submitted = executor.submit(parse_part, files, submitters, f"{n}/{len(groups)}", settings.cache_dir,
                                        settings.max_file_bytes, prior_commit)
            submitted.add_done_callback(partial(_said, logger))
            parts[submitted] = (repos.index(repo), n)
    summary.unchanged = [r.name for r in repos if r in synced and r not in changed]
    parses = stage(timeline, "parse")
    _wait_for(parts, logger)
    # in the order of `repos`, whichever finished first: the same run builds the same tables
    built = [future.result() for future in sorted(parts, key=parts.get)]
    for b in built:
        part(parses, f"{b.repo.name} {b.part}", b.began, b.ended, timeline.origin, parsed=b.files_parsed,
             cached=b.files_cached)
    return [synced[r] for r in repos if r in synced], [(synced[r], changed[r]) for r in repos if r in changed], built


def _said(logger, done: Future) -> None:
    """Log a part as it ends (on whichever thread ends it; a failed part is raised by the flow)."""
    if not done.cancelled() and done.exception() is None:
        logger.info("%s", done.result().line())


def _wait_for(parts: dict[Future, tuple[int, int]], logger) -> None:
    """Wait for every part, saying at least every PROGRESS_SECONDS how many are done when none ended meanwhile."""
    pending = set(parts)
    while pending:
        done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
        if not done:
            logger.info("parse: %d of %d parts done, still parsing", len(parts) - len(pending), len(parts))


@contextmanager
def _frozen_before_the_run():
    """What the process holds as the run begins (the modules of Prefect, pandera and polars: some 200,000 objects) is
    kept out of the garbage collector's sight until it ends: each full collection walked them all, 0.1-0.2 s, some
    seven times in a one-file refresh. Given back after the run, so that a process running many flows frees what
    they left."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@flow(name="mlperf-warehouse-ingest")
def ingest(settings: Settings, timeline: Timeline | None = None) -> Summary:
    """`timeline`: the stages of the command before the flow (its preflight); a served run starts its own."""
    logger = get_run_logger()
    timeline = timeline or Timeline(flow_run.scheduled_start_time.timestamp())
    since(timeline, "prefect start", timeline.origin + max((s["start"] + s["seconds"] for s in timeline.stages), default=0))
    started_at, summary = datetime.fromtimestamp(timeline.origin, UTC), Summary()
    # reading(): the clones synced stay ours to read until the run ends
    with exclusive(settings.db_path), reading(), _frozen_before_the_run():
        try:
            verify(settings.db_path)
        except NotAWarehouse as refused:
            return Failed(message=str(refused), data=refused)
        previous = ingested(settings.db_path)
        stage(timeline, "discover")
        repos, failures = list_repos(settings)
        try:
            with parse_executors(settings) as executors:
                checkouts, changed, built = sync_then_parse(repos, failures, previous, settings, executors, summary,
                                                            timeline)
        except ClusterUnreachable as unreachable:  # raised as the executors start, before any sync
            return Failed(message=str(unreachable), data=unreachable)
        stage(timeline, "validate")
        shrunk = shrunk_rounds(changed, built, rows_held(settings.db_path))
        for failure in shrunk.values():
            logger.error("%s", failure)
        failures.update(shrunk)
        checkouts = [c for c in checkouts if c.repo.url not in shrunk]
        changed = [(c, prior) for c, prior in changed if c.repo.url not in shrunk]
        built = [b for b in built if b.repo.url not in shrunk]
        if not checkouts:  # a failed run leaves the warehouse as it was
            nothing = NothingSynced({u: f for u, f in failures.items() if u not in shrunk}, shrunk)
            return Failed(message=str(nothing), data=nothing)
        summary.failed = {url: str(failure) for url, failure in failures.items()}
        summary.repos = [(c.repo.name, c.commit) for c in checkouts]

        files = {checkout.repo: 0 for checkout, _ in changed}
        for b in built:
            files[b.repo] += b.files_parsed
        parts = concat_tables([b.tables for b in built])
        official, official_rejects = official_summaries([checkout for checkout, _ in changed], settings.max_file_bytes)
        valid = validate_tables({"sources": sources_table([(c, files[c.repo]) for c, _ in changed], started_at),
                                 "accelerator_models": accelerator_models(settings.accelerator_map),
                                 "official_training_scores": to_frame("official_training_scores", official)},
                                pl.concat([parts.pop("rejects"), to_frame("rejects", official_rejects)]))
        valid = {"sources": valid.pop("sources"), **parts, **valid}
        summary.files_parsed = sum(b.files_parsed for b in built)
        summary.rejects_by_stage = dict(valid["rejects"].group_by("stage").len().iter_rows())
        summary.note_unchecked(valid["inference_results"])
        summary.unmapped_accelerators = unmapped(valid["systems"], settings.accelerator_map)
        valid["ingest_runs"] = run_record(settings.accelerator_map, started_at, seconds(timeline), len(checkouts),
                                          summary.files_parsed, {k: v.height for k, v in valid.items()},
                                          valid["rejects"].height, summary.failed)
        replaced = [(checkout.repo.suite, checkout.repo.round) for checkout, _ in changed]
        upstream = {(checkout.repo.suite, checkout.repo.round): commits_between(checkout.path, prior, checkout.commit)
                    for checkout, prior in changed if prior not in (None, checkout.commit)}
        summary.rows_loaded = load_warehouse(settings, valid, replaced, upstream, partial(stage, timeline), partial(
            finish, summary=summary, timeline=timeline, run_id=valid["ingest_runs"]["run_id"][0],
            rounds=[c.repo.round for c in checkouts if c.repo.suite == "inference"],
            training_rounds=[c.repo.round for c, _ in changed if c.repo.suite == "training"], loaded=replaced))
        summary.rows_loaded.pop("ingest_runs", None)
    summary.seconds, summary.timeline = seconds(timeline), timeline.stages
    logger.info("%s", timeline_line(summary.timeline, summary.seconds))
    if summary.failed:
        # failures also name URLs refused before any sync (not repositories) and a failed probe for new rounds
        asked = {repo.url for repo in repos} | summary.failed.keys()
        return Completed(message=f"published; {len(summary.failed)} of {len(asked)} repositories failed", data=summary)
    return summary
