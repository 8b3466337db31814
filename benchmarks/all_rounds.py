"""Every round at once: the first ingest of all published rounds in one run, on 1 and 2 workers and a Dask cluster.

    python -m benchmarks.all_rounds /path/to/org [--workers 1,2,dask] [--folder] [--out docs/all_rounds.md]

The folder holds `<suite>_results_<round>` git repositories. For each worker count, a fresh process runs the real
flow, as the nightly `mlperf-warehouse ingest` does against github.com/mlcommons, with `organization_url` pointing
at the folder: every known round found there is cloned, parsed, validated and loaded, into a fresh cache and
warehouse. The folder is given as a `file://` URL, so that the clones go through git's transport (a blob-less clone,
then the parsed files' contents in one request) as from GitHub; with `--folder`, as its path, so that they are git's
local clones (object files linked, nothing packed), as an ingest from a local mirror runs. `dask` runs the same
flow on a `distributed.LocalCluster` of 2 single-threaded workers (the flow's `dask_address`). Prints and writes
(default docs/all_rounds.md) per round what was loaded and rejected, and per worker count the wall time, CPU
utilisation and peak memory; the warehouses of all entries must be identical. The first entry's process also times
the raw ceiling: reading every parsed file from its clones and orjson-decoding every `:::MLLOG` payload
(benchmarks/parse_round.py), on one core; the 2-worker wall time is given as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from git import Repo

from benchmarks.parse_round import raw_decode
from extract.discover import Kind, discover
from extract.git_sync import UPSTREAM, _objects
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id
from flows.settings import Settings
from warehouse.run_record import timeline_line

DOC = Path(__file__).resolve().parents[1] / "docs" / "all_rounds.md"
BENCHMARKS = DOC.with_name("benchmarks.md")
BLOCK = re.compile(r"(<!-- official-tables:start -->\n).*?(<!-- official-tables:end -->)", re.DOTALL)

PER_ROUND = """
with loaded as (
    select suite, round, commit_sha from sources
),
systems as (
    select round, suite, count(*) as n from systems group by all
),
runs as (
    select round, 'training' as suite, count(*) as n from training_runs group by all
),
scores as (
    select round, 'training' as suite, count(*) as n from training_scores group by all
),
results as (
    select round, 'inference' as suite, count(*) as n from inference_results group by all
),
rejected as (
    select round, suite, count(*) as n, count(*) filter (where stage = 'read') as unread from rejects group by all
)
select
    loaded.suite, loaded.round, left(loaded.commit_sha, 10),
    coalesce(systems.n, 0), coalesce(runs.n, 0), coalesce(scores.n, 0), coalesce(results.n, 0),
    coalesce(rejected.n, 0), coalesce(rejected.unread, 0)
from loaded
left join systems using (suite, round)
left join runs using (suite, round)
left join scores using (suite, round)
left join results using (suite, round)
left join rejected using (suite, round)
order by loaded.suite desc, string_split(ltrim(loaded.round, 'v'), '.')::int[]
"""
COLUMNS = ("suite", "round", "commit", "systems", "training runs", "training scores", "inference results",
           "rejects", "of which unread")


def tree_bytes(path: Path, linked: bool = False) -> int:
    """Bytes of the files under `path`; with `linked`, of those only that are hard links to files elsewhere too (a
    folder's clone links the copy's object files: they take no disk of their own)."""
    return sum(f.stat().st_size for f in path.rglob("*")
               if f.is_file() and not f.is_symlink() and (not linked or f.stat().st_nlink > 1))


# A Dask entry: the cluster the flow parses on, as many single-threaded workers as the process pool has.
DASK, DASK_WORKERS = "dask", 2
# What carries `:::MLLOG` lines: the raw ceiling decodes their payloads (other files are decoded as text).
MLLOG_KINDS = (Kind.TRAINING_LOG, Kind.INFERENCE_DETAIL)


def raw_ceiling(cache_dir: Path, repos: list[tuple[str, str]], max_bytes: int) -> dict:
    """Seconds to read every file the ingest parsed from the clones and decode it (orjson for each MLLOG payload),
    in one process on one core: what no parser of these bytes can beat."""
    started, files, size, events = time.perf_counter(), 0, 0, 0
    for url, commit in repos:
        repo = repo_id(url)
        path = cache_dir / repo.name
        refs, _ = discover(path, commit, repo.suite, repo.round)
        with Repo(path) as local:
            present = _objects(local)  # the blobs upstream could not send are not read (nor fetched one by one)
        refs = [ref for ref in refs if present.get(ref.blob, max_bytes + 1) <= max_bytes]
        for ref, _size, data in read_blobs(path, refs, max_bytes):
            files, size = files + 1, size + len(data)
            if ref.kind in MLLOG_KINDS:
                events += raw_decode([data])
            else:
                data.decode("utf-8", "replace")
    return {"seconds": time.perf_counter() - started, "files": files, "mb": size / 1e6, "events": events}


def organization(org: str, folder: bool) -> str:
    return str(Path(org).absolute()) if folder else Path(org).resolve().as_uri()


def run(organization_url: str, workers: str, tmp: Path, raw: bool) -> dict:
    """One ingest from a fresh cache, in this process (started afresh for it): what it cost and what it built."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # as the command sets it
    # imported here, not at the top: the parse workers, spawned, import this module again, and need none of it
    from flows.ingest import ingest  # after the logging settings, which Prefect reads on import
    from tests.test_faults import snapshot
    from warehouse.reconciliation import reproduced

    settings = Settings(db_path=tmp / "mlperf.duckdb", cache_dir=tmp / "cache", sync_retries=0,
                        organization_url=organization_url,
                        workers=DASK_WORKERS if workers == DASK else int(workers))
    with ExitStack() as stack:
        if workers == DASK:
            from distributed import LocalCluster  # the `dask` extra

            cluster = stack.enter_context(LocalCluster(n_workers=DASK_WORKERS, threads_per_worker=1,
                                                       processes=True, dashboard_address=None))
            settings = settings.model_copy(update={"dask_address": cluster.scheduler_address})
        started = time.perf_counter()
        summary = ingest(settings)
        wall = time.perf_counter() - started
    # the cluster's workers are children that ended: their CPU time is counted
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rounds = con.execute(PER_ROUND).fetchall()
    official = reproduced(settings.db_path, sorted({row[1] for row in rounds}), first=0)
    return {
        "workers": workers, "wall": wall, "flow": summary.seconds, "files": summary.files_parsed, "failed": summary.failed, "rounds": rounds,
        "timeline": timeline_line(summary.timeline, summary.seconds),
        "official": official,
        "cpu": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
        "peak_mb": me.ru_maxrss / 1024, "child_peak_mb": children.ru_maxrss / 1024,
        "warehouse_mb": settings.db_path.stat().st_size / 1e6, "cache_mb": tree_bytes(settings.cache_dir) / 1e6,
        "linked_mb": tree_bytes(settings.cache_dir, linked=True) / 1e6,
        "snapshot": repr(snapshot(settings.db_path)),
        "raw": raw_ceiling(settings.cache_dir, loaded_commits(settings.db_path), settings.max_file_bytes) if raw else None,
    }


def loaded_commits(db: Path) -> list[tuple[str, str]]:
    """(repository, commit) of every round in the warehouse."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select repo_url, commit_sha from sources order by repo_url").fetchall()


def official_tables(official: list[dict]) -> list[str]:
    """MLCommons' own tables against the warehouse, per round (the `reconciliation` view of the run's warehouse)."""
    columns = ("round", "official", "reproduced", "different", "ours_invalid", "only_official", "only_ours",
               "accuracy_different", "power_different")
    return [
        "## MLCommons' own tables, reproduced",
        "",
        "Written by `python -m benchmarks.all_rounds` (every round in one run; nothing typed by hand). Per inference",
        "round whose repository carries an official table (the round's root table, or the checker's",
        "`summary.csv` submitters committed), from the `reconciliation` view of the same run's warehouse: official rows,",
        "how many we reproduce (value and units), and the rest by verdict (docs/scoring.md says what each means).",
        "",
        "| " + " | ".join(c.replace("_", " ") for c in columns) + " |",
        "|" + "---|" * len(columns),
        *("| " + " | ".join(f"{entry[c]:,}" if isinstance(entry[c], int) else str(entry[c]) for c in columns) + " |"
          for entry in official),
    ]


def main(org: str, worker_counts: list[str], folder: bool, out: Path) -> None:
    runs = []
    for n, workers in enumerate(worker_counts):
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([sys.executable, "-m", "benchmarks.all_rounds", organization(org, folder), "--run", workers,
                                   tmp, *(["--raw"] if n == 0 else [])], capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"the ingest on {workers} workers failed:\n{done.stderr[-3000:]}")
            runs.append(json.loads(done.stdout.splitlines()[-1]))
            print(f"{workers} workers: {runs[-1]['wall']:.0f} s", flush=True)
    if len({r["snapshot"] for r in runs}) != 1:
        raise SystemExit("the warehouses differ between worker counts")
    first, rounds = runs[0], runs[0]["rounds"]
    raw = first["raw"]
    two = next((r for r in runs if r["workers"] == "2"), None)
    totals = [sum(row[i] for row in rounds) for i in range(3, len(COLUMNS))]
    cores = os.cpu_count()
    lines = [
        f"# {len(rounds)} rounds in one run",
        "",
        f"Written by `python -m benchmarks.all_rounds {org} --workers {','.join(map(str, worker_counts))}"
        f"{' --folder' if folder else ''}{'' if out == DOC else f' --out {out}'}` on "
        f"{datetime.now(UTC):%Y-%m-%d}; nothing here is typed by hand. The folder holds local copies of the MLCommons "
        "results repositories; the flow ran against it exactly as the nightly job runs against github.com/mlcommons "
        "(every known round, new ones probed), "
        + ("given as its path: the clones are git's local clones, their object files linked from the copies" if folder
           else "given as a file:// URL: the clones go through git's transport, blob-less, as from GitHub")
        + ", with a fresh cache and warehouse, once per worker count, each in a "
        f"fresh process on this machine ({cores} cores). The warehouses of every worker count are identical, table "
        "for table.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |" for row in rounds),
        "| **total** | | | " + " | ".join(f"**{v:,}**" for v in totals) + " |",
        "",
        "| workers | wall time | of which the flow run | × the 1-worker time | CPU utilisation | peak memory, ingest "
        "process | largest child |",
        "|---|---|---|---|---|---|---|",
        *(f"| {r['workers']} | {r['wall']:.0f} s | {r['flow']:.0f} s | {r['wall'] / first['wall']:.2f} | "
          f"{r['cpu'] / r['wall'] / cores:.0%} of {cores} cores | {r['peak_mb']:,.0f} MB | {r['child_peak_mb']:,.0f} MB |"
          for r in runs),
        "",
        f"- Rounds loaded: {len(rounds)}; files parsed: {first['files']:,}.",
        f"- Raw ceiling: reading the {raw['files']:,} files parsed ({raw['mb']:,.0f} MB) from the clones and decoding "
        f"them (orjson for each of the {raw['events']:,} MLLOG payloads, text for the rest) takes {raw['seconds']:.1f} s "
        "on one core, in the same run (`raw_ceiling`)"
        + (f"; the 2-worker wall time is {two['wall'] / raw['seconds']:.1f}× that, its flow run "
           f"{two['flow'] / raw['seconds']:.1f}×." if two else "."),
        "- The wall time is the whole call of the flow, Prefect's temporary server's start included (the nightly "
        "job, served, has its server running); the flow run is the run's own time, from its start to its end, as "
        "its `ingest_runs.timeline` records it and as Prefect records a served run.",
        f"- `{DASK}`: the same flow on a `distributed.LocalCluster` of {DASK_WORKERS} workers of one thread each "
        "(its `dask_address`).",
        "- CPU utilisation: user + system time of the ingest process and of its children that ended (git, the "
        "parse workers), over the wall time and the cores. The largest child is a parse worker, git, or Prefect's "
        "temporary server.",
        f"- On disk afterwards: the warehouse {first['warehouse_mb']:,.0f} MB; the clones with their parse caches "
        f"{first['cache_mb']:,.0f} MB, of which {first['linked_mb']:,.0f} MB are hard links to the copies' object "
        "files (no disk of their own).",
        "- Not loaded (the repository could not be cloned from the folder):"
        + ("".join(f"\n  - `{url.rsplit('/', 1)[-1]}`: {reason}" for url, reason in sorted(first["failed"].items()))
           or " none."),
        "- Where each entry's seconds went (its `ingest_runs.timeline`; parse parts are per repository and part):",
        *(f"  - {r['workers']}: {r['timeline']}" for r in runs),
        "- \"of which unread\": files whose content the repository could not send (snapshots of the repositories "
        "lack a few of their largest files) or above the size limit; each is a row in `rejects`.",
        "",
        *official_tables(first["official"]),
    ]
    out.write_text("\n".join(lines) + "\n")
    if out == DOC:
        BENCHMARKS.write_text(BLOCK.sub(lambda m: m[1] + "\n".join(official_tables(first["official"])) + "\n" + m[2],
                                        BENCHMARKS.read_text()))
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("org")
    parser.add_argument("--workers", default="1,2,dask", help=f"worker counts (or {DASK}) to compare, comma-separated")
    parser.add_argument("--folder", action="store_true", help="give the folder as its path (git's local clone), not file://")
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--run", nargs=2, metavar=("WORKERS", "TMP"), help=argparse.SUPPRESS)
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.org, args.run[0], Path(args.run[1]), args.raw), default=str))
    else:
        main(args.org, args.workers.split(","), args.folder, args.out)
