"""`mlperf-warehouse`: ingest the MLCommons results repos into DuckDB, and query the warehouse."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

from extract.credentials import redact
from flows.settings import Settings, SettingsError, load_settings

# Exit codes, one per kind of outcome (README, "Exit codes").
OK, FAILED, USAGE, BUSY, CANNOT_WRITE, UNREACHABLE, NOT_A_WAREHOUSE, INTERRUPTED = 0, 1, 2, 3, 4, 5, 6, 130

_DEFAULTS = Settings()
_command_began: float | None = None  # when the console command began (not set when main() is called in-process)


class Refused(Exception):
    """A user mistake or an outcome told in one line, with its exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _settings_flags(command: argparse.ArgumentParser) -> None:
    """The flags of `ingest` and `serve`: each overrides its environment variable and the config file."""
    command.add_argument("--cache-dir", type=Path, help=f"where clones are kept (default: {_DEFAULTS.cache_dir})")
    command.add_argument("--repo", action="append", dest="repos", metavar="URL",
                         help="ingest only this repo (repeatable): a URL, or a local folder's absolute path")
    command.add_argument("--organization-url", help="where the results repos live: a URL, or a local folder's absolute "
                                                    f"path (default: {_DEFAULTS.organization_url})")
    command.add_argument("--accelerator-map", type=Path, help="CSV mapping accelerator spellings to chips")
    command.add_argument("--max-file-bytes", type=int, help="files above this size are rejected unread")
    command.add_argument("--sync-retries", type=int, help="retries of a clone or fetch after a network error")
    command.add_argument("--workers", type=int, help="parse on this many processes (default: the machine's cores)")
    command.add_argument("--dask-address", help="parse on this Dask scheduler instead (needs the `dask` extra)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlperf-warehouse", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('mlperf-warehouse')}")
    parser.add_argument("--config", type=Path, help="TOML settings file (default: ./mlperf-warehouse.toml if present)")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.add_argument("--db", type=Path, dest="db_path", help=f"warehouse file (default: {_DEFAULTS.db_path})")
        return sub

    ingest = command("ingest", "clone or update the results repos and rebuild their tables")
    _settings_flags(ingest)
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")

    serve = command("serve", "run the nightly ingest as a Prefect deployment (needs a Prefect server)")
    _settings_flags(serve)
    serve.add_argument("--cron", dest="schedule_cron", help=f"schedule (default: {_DEFAULTS.schedule_cron})")
    serve.add_argument("--timezone", dest="schedule_timezone", help=f"of the schedule (default: {_DEFAULTS.schedule_timezone})")

    backfill = command("backfill", "load every past version of the official tables of --repo from its git history")
    _settings_flags(backfill)

    status = command("status", "repositories, last runs and rejects of the warehouse")
    status.add_argument("--json", action="store_true", help="print as JSON")
    status.add_argument("--check", action="store_true",
                        help="exit 7 when a round loads results it cannot judge or does not reproduce its official table")

    estimate = command("estimate", "how many accelerators for a target, from measured results")
    estimate.add_argument("--suite", choices=["training", "inference"], required=True)
    estimate.add_argument("--benchmark", help="training benchmark (e.g. retinanet, bert; resnet50 = resnet)")
    estimate.add_argument("--target-minutes", type=float, help="training: time to train to reach")
    estimate.add_argument("--model", help="inference model (e.g. resnet, llama2-70b-99)")
    estimate.add_argument("--scenario", choices=["Offline", "Server", "Interactive"], help="inference scenario")
    estimate.add_argument("--target", type=float, help="inference: throughput to serve, in the result's units")
    estimate.add_argument("--accelerator", help="accelerator to plan with (e.g. H100; substring of the canonical name)")
    estimate.add_argument("--round", help="use this round's results only (default: the latest that answers)")
    estimate.add_argument("--division", choices=["closed", "open", "network"], default="closed",
                          help="results of this division only (default: closed)")
    estimate.add_argument("--units", help="inference: the target's units (e.g. Queries/s, Tokens/s); default: the "
                                          "units of the result used, which the answer states")
    estimate.add_argument("--extrapolate", action="store_true",
                          help="training: beyond the largest measured size, fit a scaling law (labelled, with a band)")

    brief = command("brief", "the capacity planner's brief of one system (Markdown, or HTML with charts)")
    brief.add_argument("system", help="system folder or name, e.g. XE9680x8H100-SXM-80GB")
    brief.add_argument("--round", help="this round only (default: each benchmark's latest round on this system)")
    brief.add_argument("--out", type=Path, help="write to this file; a name ending in .html gets HTML with charts")

    export = command("export", "write every table and view to files for BI tools")
    export.add_argument("directory", type=Path)
    export.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    export.add_argument("--release", action="store_true",
                        help="write a dated release folder in DIR: Parquet, a manifest and a Croissant description")

    report = command("report", "write a self-contained HTML page of charts")
    report.add_argument("output", type=Path)

    sql = command("sql", "run one read-only query and print the result")
    sql.add_argument("query")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    return parser


def command() -> None:
    """The console command: main(), then an exit once every exit handler has run (Prefect's temporary server stopped,
    logs flushed), without Python's teardown of the finished run's modules and objects, which took 1.5 s of a one-file
    refresh (docs/refresh.md)."""
    global _command_began
    _command_began = time.time()
    outcome = [FAILED]  # what an uncaught exception exits with, its traceback printed

    def exit_now() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(outcome[0])

    atexit.register(exit_now)  # registered first: runs after every other exit handler
    try:
        outcome[0] = main()
    except SystemExit as exc:  # argparse's: --help (0), a usage error (2)
        outcome[0] = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        raise
    except KeyboardInterrupt:  # before main() could say so
        outcome[0] = INTERRUPTED
        raise
    sys.exit(outcome[0])


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(_flags(args), config=args.config)
        if args.command in ("ingest", "serve"):
            settings = _credentials_to_git(settings)
        if args.command == "ingest":
            return _ingest(settings, args.json)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "backfill":
            return _backfill(settings)
        _check_warehouse(settings.db_path)
        return _READERS[args.command](args, settings.db_path)
    except Refused as refused:
        print(f"mlperf-warehouse: {redact(str(refused))}", file=sys.stderr)
        return refused.code
    except SettingsError as exc:  # may quote a URL as it was given, credentials and all
        print(f"mlperf-warehouse: {redact(str(exc))}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print("mlperf-warehouse: interrupted; the warehouse is as it was before this run", file=sys.stderr)
        return INTERRUPTED


def _flags(args: argparse.Namespace) -> dict[str, object]:
    flags = {name: getattr(args, name, None) for name in Settings.model_fields}
    if flags.get("repos"):
        flags["repos"] = tuple(flags["repos"])
    return flags


def _credentials_to_git(settings: Settings) -> Settings:
    """Settings whose URLs hold no credentials: git gets them, logs, the warehouse and Prefect never see them."""
    from extract.credentials import hand_to_git

    organization_url, *repos = hand_to_git([settings.organization_url, *settings.repos])
    return settings.model_copy(update={"organization_url": organization_url, "repos": tuple(repos)})


def _check_warehouse(db: Path, must_exist: bool = True) -> None:
    """A missing (when it may be), foreign or damaged warehouse file is said in one line."""
    from warehouse.verify import NotAWarehouse, verify

    try:
        verify(db, must_exist)
    except NotAWarehouse as exc:
        raise Refused(str(exc), NOT_A_WAREHOUSE) from None


def _writing(action, target: Path):
    try:
        return action()
    except OSError as exc:
        raise Refused(f"cannot write {target}: {exc.strerror or exc}", CANNOT_WRITE) from None


def terminal(text: str) -> str:
    from transform.common.safe_text import terminal

    return terminal(text)


def _status(args, db: Path) -> int:
    from warehouse.alarm import EXIT_CODE
    from warehouse.status import current_alarms, status, status_json

    print(status_json(db) if args.json else status(db))
    return EXIT_CODE if args.check and current_alarms(db) else OK


def _estimate(args, db: Path) -> int:
    from planner.estimate import BadTarget, UnknownName, estimate_inference, estimate_training

    try:
        if args.suite == "training":
            if None in (args.benchmark, args.accelerator, args.target_minutes):
                raise Refused("training estimates need --benchmark, --accelerator and --target-minutes", USAGE)
            result = estimate_training(db, args.benchmark, args.accelerator, args.target_minutes, args.round,
                                       args.division, args.extrapolate)
        else:
            if None in (args.model, args.scenario, args.target):
                raise Refused("inference estimates need --model, --scenario and --target", USAGE)
            result = estimate_inference(db, args.model, args.scenario, args.target, args.accelerator, args.round,
                                        args.division, args.units)
    except (BadTarget, UnknownName) as mistake:
        raise Refused(str(mistake), USAGE) from None
    print(terminal(result.text()))
    return OK if result.accelerators is not None else FAILED


def _brief(args, db: Path) -> int:
    from planner.brief import brief, markdown, write_html

    sections = brief(db, args.system, args.round)
    if sections is None:
        raise Refused(f"no system {args.system!r}" + (f" in {args.round}" if args.round else "")
                      + " in the warehouse (see the system_catalogue view)", FAILED)
    if args.out is None:
        print(terminal(markdown(args.system, sections)), end="")
    elif args.out.suffix == ".html":
        _writing(lambda: write_html(args.system, sections, args.out), args.out)
        print(f"wrote {args.out}")
    else:
        _writing(lambda: args.out.write_text(markdown(args.system, sections)), args.out)
        print(f"wrote {args.out}")
    return OK


def _export(args, db: Path) -> int:
    from warehouse.export import export

    if args.release:
        from warehouse.release import release

        folder, written = _writing(lambda: release(db, args.directory), args.directory)  # an existing one: exit 4
        print(f"wrote {folder}: {len(written)} files, manifest.json, croissant.json")
        return OK

    for name, rows in _writing(lambda: export(db, args.directory, args.format), args.directory).items():
        print(f"{name:<32} {rows:>9} rows")
    return OK


def _report(args, db: Path) -> int:
    from planner.report import write_report

    _writing(lambda: write_report(db, args.output), args.output)
    print(f"wrote {args.output}")
    return OK


def _sql(args, db: Path) -> int:
    import duckdb

    from warehouse.query import run_query

    try:
        result = run_query(db, args.query, args.format)
        # a table is for eyes: control characters shown, not sent; CSV and JSON are data, written as they are
        # (JSON escapes them itself) unless they go to a terminal
        print(terminal(result) if args.format == "table" or sys.stdout.isatty() else result)
    except duckdb.Error as exc:  # a user's query error is reported, not a traceback
        raise Refused(str(exc).splitlines()[0], FAILED) from None
    return OK


_READERS = {"status": _status, "estimate": _estimate, "brief": _brief, "export": _export, "report": _report, "sql": _sql}


def _serve(settings: Settings) -> int:
    _quiet_children()
    if not os.environ.get("PREFECT_API_URL"):
        raise Refused("serve needs a Prefect server: run `prefect server start` and set PREFECT_API_URL "
                      "(e.g. http://127.0.0.1:4200/api)", USAGE)
    from flows.serve import serve

    serve(settings)
    return OK


def _ingest(settings: Settings, as_json: bool) -> int:
    began = _command_began or time.time()
    import duckdb

    from extract.git_errors import NothingSynced
    from extract.repo_id import repo_ids
    from flows.runners import ClusterUnreachable
    from flows.timeline import Timeline, end, since, stage
    from flows.unchanged import preflight
    from warehouse.lock import WarehouseBusy, exclusive

    timeline = Timeline(began)  # where the run's seconds go, from the command's start (ingest_runs.timeline)
    since(timeline, "imports", began)
    _quiet_children()
    _check_warehouse(settings.db_path, must_exist=False)
    repos, refused = repo_ids(settings.repos)
    if refused and not repos:
        raise Refused("; ".join(refused.values()), USAGE)
    for reason in refused.values():  # said up front; the run records them and syncs the others
        print(f"mlperf-warehouse: not ingested: {reason}", file=sys.stderr)
    try:
        with exclusive(settings.db_path):
            # Without a Prefect server, find out first whether there is anything to do: a temporary one takes seconds.
            # Someone at a terminal is told at once that nothing answers; an unattended run keeps its retries.
            summary = None
            if not os.environ.get("PREFECT_API_URL"):
                stage(timeline, "preflight")
                summary = preflight(settings, sys.stderr.isatty(), timeline)
                end(timeline)
            if summary is None:
                summary = _run_flow(settings, timeline)
    except NothingSynced as nothing:
        raise _nothing_synced(nothing) from None
    except ClusterUnreachable as exc:
        raise Refused(str(exc), UNREACHABLE) from None
    except WarehouseBusy as exc:
        raise Refused(str(exc), BUSY) from None
    except (OSError, duckdb.IOException) as exc:  # disk full, read-only location, quota
        raise Refused(f"cannot write ({exc}); the previous warehouse is unchanged: {settings.db_path}",
                      CANNOT_WRITE) from None
    print(summary.json(settings.db_path) if as_json else "\n" + summary.text(settings.db_path))
    return FAILED if summary.failed else OK


def _backfill(settings: Settings) -> int:
    import duckdb
    from git.exc import GitCommandError

    from extract.repo_id import repo_ids
    from flows.backfill import backfill
    from transform.common.safe_text import printable
    from warehouse.lock import WarehouseBusy, exclusive

    _quiet_children()
    _check_warehouse(settings.db_path, must_exist=False)
    repos, refused = repo_ids(settings.repos)
    if refused or not repos:
        raise Refused("; ".join(refused.values()) or "backfill needs --repo URL", USAGE)
    try:
        with exclusive(settings.db_path):
            for repo in repos:
                done = backfill(repo, settings.db_path, settings.cache_dir, settings.max_file_bytes)
                print(f"{done.repo}: {done.versions} versions of official tables; rows " +
                      ", ".join(f"{t} {n}" for t, n in done.rows.items()))
                for reject in done.rejects:  # table text is untrusted
                    print(printable(f"  reject {reject['source_path']} @ {reject['source_commit'][:12]}: {reject['reason']}"))
    except WarehouseBusy as exc:
        raise Refused(str(exc), BUSY) from None
    except GitCommandError as exc:
        raise Refused(f"git failed: {printable(str(exc.stderr or exc).strip())[:300]}", FAILED) from None
    except (OSError, duckdb.IOException) as exc:
        raise Refused(f"cannot write ({exc}); the previous warehouse is unchanged: {settings.db_path}",
                      CANNOT_WRITE) from None
    return OK


def _run_flow(settings: Settings, timeline):
    temporary = not os.environ.get("PREFECT_API_URL")
    if temporary:
        _start_temporary_server()
    from prefect.settings import temporary_settings

    from flows.ingest import ingest
    from warehouse.verify import NotAWarehouse

    try:
        with temporary_settings(updates=_TEMPORARY_SERVER_RUN if temporary else {}):
            return ingest(settings, timeline)
    except NotAWarehouse as exc:  # replaced by something else since the command checked it
        raise Refused(str(exc), NOT_A_WAREHOUSE) from None


# A flow run's heartbeats let a server mark it crashed when they stop. The temporary server stops with the command, so
# nothing is left to watch them; and Prefect's heartbeat thread, which sleeps a second at a time, is waited for after
# the flow has returned: 0.5 s of a one-file refresh on average, up to a second. (None cannot be said in Prefect's
# environment variables.)
_TEMPORARY_SERVER_RUN = {"flows.heartbeat_frequency": None}


def _import_flow_tables() -> None:
    try:
        import flows.summary  # noqa: F401 -- validation, history, reconciliation: pandera, polars, duckdb
        import warehouse.publish  # noqa: F401
    except Exception:  # noqa: BLE001,S110 -- see _start_temporary_server
        pass


def _start_temporary_server() -> None:
    """Start Prefect's temporary server for this command (it stops when the command exits), one command at a time:
    two starting at once on a Prefect database that has migrations to apply both apply them, and one server fails
    with a traceback ("duplicate column name"), as on a machine's first runs or after a Prefect upgrade."""
    import fcntl

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_HOME

    # The server starts in its own process, for seconds, while this one waits: meanwhile this one imports what the
    # flow needs besides Prefect (pandera with pandas: a second). Prefect's client is imported first, so that the
    # server's start imports almost nothing the thread imports (a module two threads import at once in a cycle may be
    # seen half-initialized). A failure there is raised again, and said, by the flow's own import.
    importing = threading.Thread(target=_import_flow_tables, daemon=True)
    importing.start()
    home = Path(PREFECT_HOME.value()).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".mlperf-warehouse-server-start.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed, or when a killed command's process ends
        with get_client(sync_client=True):  # without an API URL, Prefect starts its temporary server here
            pass
    importing.join()


def _nothing_synced(nothing) -> Refused:
    if nothing.network:
        return Refused(f"{nothing}. Check the network (and GitHub's status), or ingest local copies with "
                       "--repo /path/to/training_results_vX.Y or --organization-url /path/to/mirrors; "
                       "the warehouse is as it was.", UNREACHABLE)
    return Refused(f"{nothing}; the warehouse is as it was", FAILED)


def _quiet_children() -> None:
    # git must fail, not wait for a password nobody will type (GitHub asks so for a repository that does not exist)
    os.environ["GIT_TERMINAL_PROMPT"] = "0"
    # Prefect reads its settings from the environment only; these keep the temporary server local and patient.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


if __name__ == "__main__":
    command()
