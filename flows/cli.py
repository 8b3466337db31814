"""`mlperf-warehouse`: ingest the MLCommons results repos into DuckDB, and query the warehouse."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flows.settings import Settings

_DEFAULTS = Settings()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlperf-warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="clone or update the results repos and rebuild their tables")
    ingest.add_argument("--db", type=Path, default=_DEFAULTS.db_path, help="warehouse file (default: %(default)s)")
    ingest.add_argument("--cache-dir", type=Path, default=_DEFAULTS.cache_dir, help="where clones are kept (default: %(default)s)")
    ingest.add_argument("--repo", action="append", metavar="URL", help="ingest only this repo (repeatable; file:// works)")

    serve = commands.add_parser("serve", help="run the nightly ingest as a Prefect deployment (needs a Prefect server)")
    serve.add_argument("--db", type=Path, default=_DEFAULTS.db_path)
    serve.add_argument("--cache-dir", type=Path, default=_DEFAULTS.cache_dir)
    serve.add_argument("--cron", default=_DEFAULTS.schedule_cron, help="schedule (default: %(default)s)")
    serve.add_argument("--timezone", default=_DEFAULTS.schedule_timezone, help="of the schedule (default: %(default)s)")

    status = commands.add_parser("status", help="repositories, last runs and rejects of the warehouse")
    status.add_argument("--db", type=Path, default=_DEFAULTS.db_path)

    estimate = commands.add_parser("estimate", help="how many accelerators for a target, from measured results")
    estimate.add_argument("--db", type=Path, default=_DEFAULTS.db_path)
    estimate.add_argument("--suite", choices=["training", "inference"], required=True)
    estimate.add_argument("--benchmark", help="training benchmark (e.g. retinanet, bert)")
    estimate.add_argument("--target-minutes", type=float, help="training: time to train to reach")
    estimate.add_argument("--model", help="inference model (e.g. resnet, llama2-70b-99)")
    estimate.add_argument("--scenario", choices=["Offline", "Server", "Interactive"], help="inference scenario")
    estimate.add_argument("--target", type=float, help="inference: throughput to serve, in the result's units")
    estimate.add_argument("--accelerator", help="accelerator to plan with (e.g. H100; substring of the canonical name)")
    estimate.add_argument("--round", help="use this round's results only (default: the latest that answers)")

    export = commands.add_parser("export", help="write every table and view to files for BI tools")
    export.add_argument("directory", type=Path)
    export.add_argument("--db", type=Path, default=_DEFAULTS.db_path)
    export.add_argument("--format", choices=["parquet", "csv"], default="parquet")

    report = commands.add_parser("report", help="write a self-contained HTML page of charts")
    report.add_argument("output", type=Path)
    report.add_argument("--db", type=Path, default=_DEFAULTS.db_path)

    sql = commands.add_parser("sql", help="run one read-only query and print the result")
    sql.add_argument("query")
    sql.add_argument("--db", type=Path, default=_DEFAULTS.db_path)
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")

    args = parser.parse_args(argv)
    if args.command == "ingest":
        overrides = {"db_path": args.db, "cache_dir": args.cache_dir}
        if args.repo:
            overrides["repos"] = tuple(args.repo)
        return _ingest(Settings(**overrides))
    if args.command == "serve":
        return _serve(Settings(db_path=args.db.resolve(), cache_dir=args.cache_dir.resolve(),
                               schedule_cron=args.cron, schedule_timezone=args.timezone))
    if args.command == "status":
        return _status(args.db)
    if not args.db.exists():
        print(f"mlperf-warehouse: no warehouse at {args.db}; run `mlperf-warehouse ingest` first", file=sys.stderr)
        return 2
    if args.command == "estimate":
        return _estimate(parser, args)
    if args.command == "export":
        from warehouse.export import export

        for name, rows in export(args.db, args.directory, args.format).items():
            print(f"{name:<32} {rows:>9} rows")
        return 0
    if args.command == "report":
        from warehouse.report import write_report

        write_report(args.db, args.output)
        print(f"wrote {args.output}")
        return 0
    return _sql(args.db, args.query, args.format)


def _estimate(parser: argparse.ArgumentParser, args) -> int:
    from warehouse.estimate import estimate_inference, estimate_training

    if args.suite == "training":
        if not (args.benchmark and args.accelerator and args.target_minutes):
            parser.error("training estimates need --benchmark, --accelerator and --target-minutes")
        result = estimate_training(args.db, args.benchmark, args.accelerator, args.target_minutes, args.round)
    else:
        if not (args.model and args.scenario and args.target):
            parser.error("inference estimates need --model, --scenario and --target")
        result = estimate_inference(args.db, args.model, args.scenario, args.target, args.accelerator, args.round)
    print(result.text())
    return 0 if result.accelerators is not None else 1


def _serve(settings: Settings) -> int:
    _quiet_prefect()
    if not os.environ.get("PREFECT_API_URL"):
        print("mlperf-warehouse: serve needs a Prefect server: run `prefect server start` and set PREFECT_API_URL "
              "(e.g. http://127.0.0.1:4200/api)", file=sys.stderr)
        return 2
    from flows.serve import serve

    serve(settings)
    return 0


def _status(db: Path) -> int:
    from warehouse.status import status

    if not db.exists():
        print(f"mlperf-warehouse: no warehouse at {db}; run `mlperf-warehouse ingest` first", file=sys.stderr)
        return 2
    print(status(db))
    return 0


def _ingest(settings: Settings) -> int:
    _quiet_prefect()
    import duckdb

    from flows.ingest import ingest
    from warehouse.lock import WarehouseBusy

    try:
        summary = ingest(settings)
    except WarehouseBusy as exc:
        print(f"mlperf-warehouse: {exc}", file=sys.stderr)
        return 3
    except (OSError, duckdb.IOException) as exc:  # disk full, read-only location, quota
        print(f"mlperf-warehouse: cannot write ({exc}); the previous warehouse is unchanged: {settings.db_path}",
              file=sys.stderr)
        return 4
    print(f"\nIngested {len(summary.repos)} repos into {settings.db_path} in {summary.seconds:.1f} s")
    for name, commit in summary.repos:
        print(f"  {name:<28} {commit}{'  (unchanged)' if name in summary.unchanged else ''}")
    for url, error in summary.failed.items():
        print(f"  FAILED {url}: {error}")
    print(f"Files parsed: {summary.files_parsed}" + (f" ({len(summary.unchanged)} repos unchanged)" if summary.unchanged else ""))
    print("Rows loaded: " + ", ".join(f"{t} {n}" for t, n in summary.rows_loaded.items() if t != "rejects"))
    rejects = sum(summary.rejects_by_stage.values())
    by_stage = ", ".join(f"{s} {n}" for s, n in sorted(summary.rejects_by_stage.items()))
    print(f"Rejects: {rejects}" + (f" ({by_stage}); see the rejects table" if rejects else ""))
    return 1 if summary.failed else 0


def _sql(db: Path, query: str, fmt: str) -> int:
    from warehouse.query import run_query

    try:
        print(run_query(db, query, fmt))
    except Exception as exc:  # a user's query error is reported, not a traceback
        print(f"mlperf-warehouse: {exc}", file=sys.stderr)
        return 1
    return 0


def _quiet_prefect() -> None:
    # Prefect reads its settings from the environment only; these keep the temporary server local and patient.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


if __name__ == "__main__":
    sys.exit(main())
