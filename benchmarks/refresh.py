"""Refresh costs on a full real round, and what blob-less cloning saves.

    python -m benchmarks.refresh /path/to/training_results_v4.0   # a local git repository of a whole round

Works on throw-away copies: the given repository is cloned into a temporary upstream, which gets the new commits.
Prints, measured in this run: a first ingest, a refresh with nothing changed, a refresh after one result file
changed, and the bytes our clone holds after the first ingest (commits, trees and the parsed files) against a
full clone of the same upstream.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from git import Actor, Repo

from extract.git_sync import sync
from extract.repo_id import repo_id
from flows.ingest import ingest
from flows.settings import Settings

AUTHOR = Actor("benchmark", "benchmark@example.invalid")


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main(source: str) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    name = Path(source).resolve().name
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        upstream = Repo.clone_from(Path(source).resolve().as_uri(), tmp / "upstream" / name)
        with upstream.config_writer() as config:
            config.set_value("uploadpack", "allowFilter", "true")
        url = Path(upstream.working_tree_dir).as_uri()
        repo = repo_id(url)

        full, full_s = timed(lambda: Repo.clone_from(url, tmp / "full" / name, no_checkout=True))
        full_bytes = tree_bytes(Path(full.git_dir))
        _, sync_s = timed(lambda: sync(repo, tmp / "sync-only"))

        settings = Settings(db_path=tmp / "w.duckdb", cache_dir=tmp / "cache", repos=(url,))
        first = ingest(settings)
        ours_bytes = tree_bytes(settings.cache_dir / repo.name / ".git")
        print(f"{name}: full clone {full_bytes / 1e6:8.1f} MB in {full_s:6.1f} s (objects only, no checkout)")
        print(f"{'':{len(name)}}  our clone  {ours_bytes / 1e6:8.1f} MB in {sync_s:6.1f} s, after the first ingest"
              f"   (ratio {ours_bytes / full_bytes:.2f} bytes, {sync_s / full_s:.2f} time)")
        print(f"first ingest:          {first.seconds:6.1f} s, {first.files_parsed} files parsed")
        unchanged = ingest(settings)
        print(f"no-change refresh:     {unchanged.seconds:6.1f} s, {unchanged.files_parsed} files parsed")

        pattern = "*/results/*/*/result_*.txt" if repo.suite == "training" else "*/*/results/*/*/*/performance/run_1/mlperf_log_detail.txt"
        log = next(Path(upstream.working_tree_dir).glob(pattern))
        log.write_bytes(log.read_bytes() + b"\n")
        upstream.git.add("-A")
        upstream.index.commit("one result file changed", author=AUTHOR, committer=AUTHOR)
        changed = ingest(settings)
        print(f"one-file-changed:      {changed.seconds:6.1f} s, {changed.files_parsed} files parsed")
        print("(flow times in one process; a new process adds the temporary Prefect server's start-up, about 8-15 s)")


if __name__ == "__main__":
    main(sys.argv[1])
