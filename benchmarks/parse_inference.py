"""Parse speed of a whole inference round's logs, against a raw read and decode of the same bytes in one run.

    python -m benchmarks.parse_inference /path/to/inference_results_v4.1   # a local git repository of a round

The raw ceiling reads every file we parse and orjson-decodes every `:::MLLOG` payload of the detail logs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from git import Repo

from benchmarks.parse_round import raw_decode
from extract.discover import Kind, discover
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id
from transform.common.parse_files import parse_files


def main(path: str) -> None:
    repo_path = Path(path).absolute()  # not resolved: a link named after the round may point at any folder
    repo = repo_id(repo_path.as_uri())
    commit = Repo(repo_path).head.commit.hexsha
    files, _ = discover(repo_path, commit, repo.suite)

    started = time.perf_counter()
    blobs = list(read_blobs(repo_path, files, 1 << 40))
    read_s = time.perf_counter() - started
    total = sum(size for _, size, _ in blobs)
    details = [b for ref, _, b in blobs if ref.kind is Kind.INFERENCE_DETAIL]

    started = time.perf_counter()
    events = raw_decode(details)
    for ref, _, data in blobs:
        if ref.kind is not Kind.INFERENCE_DETAIL:
            data.decode("utf-8", "replace")
    raw_s = time.perf_counter() - started

    started = time.perf_counter()
    parsed = parse_files(repo.suite, repo.round, commit, blobs, 1 << 40)
    parse_s = time.perf_counter() - started

    print(f"{repo.name} @ {commit[:10]}: {len(files)} files, {total / 1e6:.0f} MB; {len(details)} detail logs, {events} MLLOG events")
    print(f"read blobs from git          {read_s:6.2f} s  {total / 1e6 / read_s:7.0f} MB/s")
    print(f"raw ceiling (decode+orjson)  {raw_s:6.2f} s  {total / 1e6 / raw_s:7.0f} MB/s")
    print(f"our parse (all files)        {parse_s:6.2f} s  {total / 1e6 / parse_s:7.0f} MB/s  ({len(parsed.inference_details)} results)")
    print(f"ratio parse / raw ceiling    {parse_s / raw_s:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
