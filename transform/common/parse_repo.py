"""Parse one checkout, or a part of its submitters, re-using the cached output of every file whose blob has not changed."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl

from extract.git_sync import Checkout
from extract.read_blobs import read_blobs
from transform.common import parse_cache
from transform.common.parse_files import ParsedFiles, parse_file
from transform.common.source import Source
from transform.common.tables import VALIDATED, build_tables
from transform.common.validate import to_frame, validate

NO_LAYOUT = {
    "training": "no <submitter>/systems/*.json or <submitter>/results/<system>/<benchmark>/result_*.txt: "
                "a layout this version does not read, nothing loaded",
    "inference": "no <division>/<submitter>/systems/*.json or results/.../performance/run_1 logs: "
                 "a layout this version does not read, nothing loaded",
}


def submitter(suite: str, path: str) -> str:
    """The folder of the submitter a file belongs to: every derived row is computed within one submitter."""
    depth = 1 if suite == "training" else 2  # training: <submitter>/...; inference: <division>/<submitter>/...
    return "/".join(path.split("/", depth)[:depth])


def partition(checkout: Checkout, parts: int) -> list[tuple[str, ...]]:
    """The checkout's submitters in at most `parts` groups of about as many bytes to read each (largest first)."""
    sizes = Counter()
    for ref in checkout.files:
        sizes[submitter(checkout.repo.suite, ref.path)] += checkout.sizes.get(ref.blob, 0) + 1
    sizes.update({submitter(checkout.repo.suite, item.path): 0 for item in checkout.skipped})
    groups: list[list[str]] = [[] for _ in range(min(parts, len(sizes)) or 1)]
    load = [0] * len(groups)
    for name, count in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        smallest = load.index(min(load))
        groups[smallest].append(name)
        load[smallest] += count
    return [tuple(sorted(group)) for group in groups]


def parts_of(checkout: Checkout, groups: list[tuple[str, ...]]) -> list[Checkout]:
    """Per group of submitters, the checkout with only their files: what a part parsing them is handed. Handing each
    part the whole checkout would send each worker all of the round's files (22k for inference v3.0), once per part;
    the files are dealt out in one pass (asked per part, a round's 13 parts cost 13 passes over its files)."""
    suite = checkout.repo.suite
    group_of = {name: n for n, group in enumerate(groups) for name in group}
    files: list[list] = [[] for _ in groups]
    skipped: list[list] = [[] for _ in groups]
    for ref in checkout.files:
        if (n := group_of.get(submitter(suite, ref.path))) is not None:
            files[n].append(ref)
    for item in checkout.skipped:
        if (n := group_of.get(submitter(suite, item.path))) is not None:
            skipped[n].append(item)
    parts = []
    for mine, left_out in zip(files, skipped, strict=True):
        blobs = {ref.blob for ref in mine}
        parts.append(replace(checkout, files=tuple(mine), skipped=tuple(left_out), unavailable=checkout.unavailable & blobs,
                             sizes={blob: checkout.sizes[blob] for blob in blobs if blob in checkout.sizes}))
    return parts


def parse_checkout(checkout: Checkout, submitters: tuple[str, ...], max_bytes: int, cache_dir: Path, reuse: bool
                   ) -> ParsedFiles:
    """All parse output of the files of `submitters`; `files`/`bytes` count only what was read and parsed this time."""
    suite, round_, commit = checkout.repo.suite, checkout.repo.round, checkout.commit
    mine = set(submitters)
    parsed = ParsedFiles(round=round_, commit=commit)
    by_submitter: dict[str, list] = {}
    for ref in checkout.files:
        if (name := submitter(suite, ref.path)) in mine:
            by_submitter.setdefault(name, []).append(ref)
    names = sorted(by_submitter)
    cached = {name: parse_cache.load(parse_cache.submitter_file(cache_dir, name)) if reuse else {} for name in names}
    # One stream of git's for the files of every submitter, in their order: two git processes per submitter cost up to
    # 0.1 CPU-s each (training v2.0: 2.4 CPU-s of git in one stream, 4.7 in 21).
    todo = [ref for name in names for ref in by_submitter[name] if (ref.path, ref.blob) not in cached[name]]
    contents = read_blobs(checkout.path, todo, max_bytes, checkout.unavailable)
    files_read = bytes_read = 0
    try:
        for name in names:
            refs = by_submitter[name]
            fragments = _parse(checkout, refs, max_bytes, cached[name], contents)
            # a blob upstream failed to send is asked for again next time, not remembered as parsed
            kept = {(r.path, r.blob): fragments[(r.path, r.blob)] for r in refs if r.blob not in checkout.unavailable}
            if kept.keys() != cached[name].keys():  # the same keys hold the same output: nothing to write
                parse_cache.save(parse_cache.submitter_file(cache_dir, name), kept)
            for key, fragment in fragments.items():
                parsed.absorb(fragment)
                if key not in cached[name]:
                    files_read, bytes_read = files_read + fragment.files, bytes_read + fragment.bytes
    finally:
        contents.close()
    parsed.files, parsed.bytes = files_read, bytes_read
    for item in checkout.skipped:
        if submitter(suite, item.path) in mine:
            parsed.rejects.append(Source(suite, round_, item.path, commit).reject("discover", item.reason))
    if not checkout.files and not checkout.skipped:  # a layout we do not know (training v0.5 is v0.5.0/<submitter>/...)
        parsed.rejects.append(Source(suite, round_, ".", commit).reject("discover", NO_LAYOUT[suite]))
    return parsed


def build_part(checkout: Checkout, submitters: tuple[str, ...], max_bytes: int, cache_dir: Path, reuse: bool
               ) -> tuple[dict[str, pl.DataFrame], ParsedFiles]:
    """The validated tables of the files of `submitters`, their rejects as the `rejects` frame; and what was parsed.

    A submitter whose files are all as they were when its tables were last built (`reuse`) gets those tables back,
    stamped with this commit, without its files' parse output being read back, built and validated again; the other
    submitters are parsed (re-using each unchanged file's output) and built together. Every row is derived within its
    submitter and every unique key holds the submitter, so a submitter's tables are the same built alone or with
    others, and valid with any others."""
    inputs = _inputs(checkout, submitters, max_bytes)
    kept = {name: parse_cache.load_tables(parse_cache.tables_file(cache_dir, name), inputs[name])
            for name in submitters if reuse}
    kept = {name: tables for name, tables in kept.items() if tables is not None}
    todo = tuple(name for name in submitters if name not in kept)
    parsed = parse_checkout(checkout, todo, max_bytes, cache_dir, reuse)
    parts = []
    if todo or not kept:  # (nothing at all to parse still builds: a layout this code does not read is a reject)
        tables, rejects = build_tables([parsed])
        for name, frame in tables.items():
            if name not in VALIDATED:
                tables[name], failed = validate(name, frame)
                rejects.extend(failed)
        tables["rejects"] = to_frame("rejects", rejects)
        for name, own in (_by_submitter(tables, checkout.repo.suite, todo) or {}).items():
            parse_cache.save_tables(parse_cache.tables_file(cache_dir, name), inputs[name], own)
        parts.append(tables)
    stamp = pl.lit(checkout.commit)
    parts += [{table: frame.with_columns(source_commit=stamp) for table, frame in kept[name].items()}
              for name in sorted(kept)]
    return {table: pl.concat([part[table] for part in parts]) for table in parts[0]}, parsed


def _inputs(checkout: Checkout, submitters: tuple[str, ...], max_bytes: int) -> dict[str, str]:
    """Per submitter, the key of everything its tables are built from: its files' paths and blobs, the blobs upstream
    could not send (their rejects are in the tables: once sent, the key differs and they are built anew), the files
    skipped and why, the round, the size limit."""
    suite, mine = checkout.repo.suite, set(submitters)
    inputs: dict[str, tuple[list, list, list]] = {name: ([], [], []) for name in submitters}
    for ref in checkout.files:
        if (name := submitter(suite, ref.path)) in mine:
            inputs[name][0].append((ref.path, ref.blob))
            if ref.blob in checkout.unavailable:
                inputs[name][1].append(ref.blob)
    for item in checkout.skipped:
        if (name := submitter(suite, item.path)) in mine:
            inputs[name][2].append((item.path, item.reason))
    return {name: hashlib.sha256(repr((suite, checkout.repo.round, max_bytes, *map(sorted, lists))).encode()).hexdigest()
            for name, lists in inputs.items()}


def _by_submitter(tables: dict[str, pl.DataFrame], suite: str, names: tuple[str, ...]
                  ) -> dict[str, dict[str, pl.DataFrame]] | None:
    """Each submitter's rows of `tables` (by the folder of each row's source_path), or None when a row belongs to
    none of `names`: then nothing is kept, rather than a submitter's tables without that row."""
    depth = 1 if suite == "training" else 2
    own: dict[str, dict[str, pl.DataFrame]] = {name: {} for name in names}
    for table, frame in tables.items():
        owner = pl.col("source_path").str.split("/").list.head(depth).list.join("/")
        split = frame.with_columns(_owner=owner).partition_by("_owner", as_dict=True, include_key=False)
        if not {key for (key,) in split} <= own.keys():
            return None
        for name in names:
            own[name][table] = split.get((name,), frame.clear())
    return own


def _parse(checkout: Checkout, refs: list, max_bytes: int, cached: dict, contents: Iterator) -> dict:
    """Each file's parse output, from the cache where its blob is there, else from the next of `contents` (the files
    not cached, in order)."""
    fragments = {(ref.path, ref.blob): cached[(ref.path, ref.blob)] for ref in refs if (ref.path, ref.blob) in cached}
    repo = checkout.repo
    for ref in [ref for ref in refs if (ref.path, ref.blob) not in fragments]:
        _, size, data = next(contents)
        fragments[(ref.path, ref.blob)] = parse_file(repo.suite, repo.round, checkout.commit, ref, size, data, max_bytes)
    return fragments
