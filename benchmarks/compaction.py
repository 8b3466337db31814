"""Does the warehouse file stay near its fresh size across many refreshes?

    python -m benchmarks.compaction [--refreshes 30] [--out docs/compaction.md]

Builds a local upstream from the training v4.0 and inference v4.1 fixtures, ingests it, then commits a change and
refreshes, `--refreshes` times: each commit rewrites one result log (a changed run), adds a result file and
deletes the one added before, so every refresh deletes and inserts rows. After the last refresh a fresh warehouse
is built from the same commits; the ratio of the two file sizes is the figure. Writes docs/compaction.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import commit_files, fixture_bytes, make_repo, url

DOC = Path(__file__).resolve().parents[1] / "docs" / "compaction.md"
LOG = "Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"


def file_blocks(db: Path) -> tuple[int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        total, free = con.execute("select total_blocks, free_blocks from pragma_database_size()").fetchone()
    return total, free


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=30)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=120):
        root = Path(tmp)
        training = make_repo(root / "up" / "training_results_v4.0", "training_results_v4.0")
        inference = make_repo(root / "up" / "inference_results_v4.1", "inference_results_v4.1")
        settings = Settings(db_path=root / "w.duckdb", cache_dir=root / "cache", repos=(url(training), url(inference)),
                            sync_retries=0, workers=1)
        ingest(settings)
        fresh_first = settings.db_path.stat().st_size
        log = fixture_bytes(f"training_results_v4.0/{LOG}").decode()
        sizes, seconds = [], []
        for n in range(1, args.refreshes + 1):
            # a changed run (its stop one millisecond later), a new result file, and the previous new one deleted
            changed = log.replace('"key": "run_stop", "value": null, "metadata": {',
                                  f'"key": "run_stop", "value": null, "metadata": {{"refresh": {n}, ', 1)
            extra = Path(training.working_tree_dir) / f"Dell/results/XE9680x8H100-SXM-80GB/ssd/result_{100 + n - 1}.txt"
            extra.unlink(missing_ok=True)
            commit_files(training, {LOG: changed.encode(), f"Dell/results/XE9680x8H100-SXM-80GB/ssd/result_{100 + n}.txt":
                                    log.encode()}, f"refresh {n}")
            started = time.perf_counter()
            ingest(settings)
            seconds.append(time.perf_counter() - started)
            sizes.append(settings.db_path.stat().st_size)
        refreshed = settings.db_path.stat().st_size
        total, free = file_blocks(settings.db_path)
        rebuilt = settings.model_copy(update={"db_path": root / "fresh.duckdb", "cache_dir": root / "cache2"})
        ingest(rebuilt)
        fresh = rebuilt.db_path.stat().st_size
    lines = [
        "# Warehouse size across refreshes",
        "",
        f"Written by `python -m benchmarks.compaction --refreshes {args.refreshes}` on {datetime.now(UTC):%Y-%m-%d}; "
        "nothing here is typed by hand. A local upstream of the training v4.0 and inference v4.1 fixtures; each "
        "refresh changes one run, adds a result file and deletes the previous one, so rows are deleted and "
        "inserted every time.",
        "",
        "| | bytes |",
        "|---|---|",
        f"| first ingest | {fresh_first:,} |",
        f"| after {args.refreshes} refreshes | {refreshed:,} |",
        f"| a fresh build of the same commits | {fresh:,} |",
        f"| **ratio (after refreshes / fresh)** | **{refreshed / fresh:.2f}** |",
        "",
        f"- Free blocks in the refreshed file: {free} of {total}.",
        f"- Size after each refresh: {', '.join(f'{s / 1e6:.1f}' for s in sizes)} MB.",
        f"- Refresh time (in-process flow, one Prefect test server): median {sorted(seconds)[len(seconds) // 2]:.1f} s.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
