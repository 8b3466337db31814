"""Parse speed on a whole real round, against a raw read and decode of the same bytes in the same run.

    python -m benchmarks.parse_round /path/to/training_results_v4.0   # a local git repository of a round

Prints seconds and MB/s for: reading the blobs from git, the raw ceiling (split lines, find every `:::MLLOG`,
orjson-decode every payload), our parsers (parse_files), and pandera validation of the resulting tables;
then the ratio parse / raw ceiling.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson
from git import Repo

from extract.discover import Kind, discover
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id
from transform.common.parse_files import parse_files
from transform.common.tables import build_tables
from transform.common.validate import validate

MARKER = b":::MLLOG"


def raw_decode(blobs: list[bytes]) -> int:
    events = 0
    for data in blobs:
        for line in data.split(b"\n"):
            at = line.find(MARKER)
            if at >= 0:
                try:
                    orjson.loads(line[at + len(MARKER):])
                    events += 1
                except orjson.JSONDecodeError:
                    pass
    return events


def main(path: str) -> None:
    repo_path = Path(path).absolute()  # not resolved: a link named after the round may point at any folder
    repo = repo_id(repo_path.as_uri())
    commit = Repo(repo_path).head.commit.hexsha
    files, _ = discover(repo_path, commit, repo.suite)

    started = time.perf_counter()
    blobs = list(read_blobs(repo_path, files, 1 << 40))
    read_s = time.perf_counter() - started
    total = sum(size for _, size, _ in blobs)
    logs = [b for ref, _, b in blobs if ref.kind is Kind.TRAINING_LOG]
    log_bytes = sum(len(b) for b in logs)

    started = time.perf_counter()
    events = raw_decode(logs)
    raw_s = time.perf_counter() - started

    started = time.perf_counter()
    parsed = parse_files(repo.suite, repo.round, commit, blobs, 1 << 40)
    parse_s = time.perf_counter() - started

    started = time.perf_counter()
    tables, rejects = build_tables([parsed])
    rows = 0
    for name, frame in tables.items():
        valid, _ = validate(name, frame)
        rows += valid.height
    validate_s = time.perf_counter() - started

    mb = log_bytes / 1e6
    print(f"{repo.name} @ {commit[:10]}: {len(files)} files, {total / 1e6:.0f} MB; {len(logs)} logs, {mb:.0f} MB, {events} MLLOG events")
    print(f"read blobs from git        {read_s:6.2f} s  {total / 1e6 / read_s:7.0f} MB/s")
    print(f"raw ceiling (split+orjson) {raw_s:6.2f} s  {mb / raw_s:7.0f} MB/s")
    print(f"our parse (all files)      {parse_s:6.2f} s  {mb / parse_s:7.0f} MB/s")
    print(f"build + validate tables    {validate_s:6.2f} s  ({rows} rows)")
    print(f"ratio parse / raw ceiling  {parse_s / raw_s:6.2f}")
    print(f"ratio parse+validate / raw {(parse_s + validate_s) / raw_s:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
