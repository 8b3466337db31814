"""Every round at once: the first ingest of all published rounds in one run, and its peak memory.

    python -m benchmarks.all_rounds /path/to/org   # a folder of <suite>_results_<round> git repositories

Runs the real flow, as the nightly `mlperf-warehouse ingest` does against github.com/mlcommons, with
`organization_url` pointing at the folder: every known round found there is cloned, parsed, validated and loaded,
into a temporary cache and warehouse. Prints per round what was loaded and rejected, then the wall time, the peak
memory, and the sizes on disk, and writes them to docs/all_rounds.md.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.settings import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "all_rounds.md"

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


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main(org: str) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.ingest import ingest  # after the logging settings, which Prefect reads on import

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "mlperf.duckdb", cache_dir=Path(tmp) / "cache", sync_retries=0,
                            organization_url=Path(org).resolve().as_uri())
        started = time.perf_counter()
        summary = ingest(settings)
        wall = time.perf_counter() - started
        ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with duckdb.connect(str(settings.db_path), read_only=True) as con:
            rounds = con.execute(PER_ROUND).fetchall()
        warehouse_mb = settings.db_path.stat().st_size / 1e6
        cache_mb = tree_bytes(settings.cache_dir) / 1e6

    totals = [sum(row[i] for row in rounds) for i in range(3, len(COLUMNS))]
    lines = [
        "# All rounds in one run",
        "",
        f"Written by `python -m benchmarks.all_rounds {org}` on {datetime.now(UTC):%Y-%m-%d}; nothing here is typed "
        "by hand. The folder holds local copies of the MLCommons results repositories; the flow ran against it "
        "exactly as the nightly job runs against github.com/mlcommons (every known round, new ones probed), "
        "with a fresh cache and warehouse, in one process on this machine "
        f"({os.cpu_count()} cores).",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |" for row in rounds),
        "| **total** | | | " + " | ".join(f"**{v:,}**" for v in totals) + " |",
        "",
        f"- Rounds loaded: {len(rounds)}; files parsed: {summary.files_parsed:,}; wall time {wall:.0f} s.",
        f"- Peak memory: {ours:,.0f} MB for the ingest process; the largest child (git, or Prefect's temporary "
        f"server) peaked at {children:,.0f} MB.",
        f"- On disk afterwards: the warehouse {warehouse_mb:,.0f} MB; the clones with their parse caches "
        f"{cache_mb:,.0f} MB.",
        "- Not loaded (the repository could not be cloned from the folder):"
        + ("".join(f"\n  - `{url.rsplit('/', 1)[-1]}`: {reason}" for url, reason in sorted(summary.failed.items()))
           or " none."),
        "- \"of which unread\": files whose content the repository could not send (snapshots of the repositories "
        "lack a few of their largest files) or above the size limit; each is a row in `rejects`.",
    ]
    DOC.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
