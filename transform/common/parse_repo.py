"""Parse one checkout, or a part of its submitters, re-using the cached output of every file whose blob has not changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from extract.git_sync import Checkout
from extract.read_blobs import read_blobs
from transform.common import parse_cache
from transform.common.parse_files import ParsedFiles, parse_file
from transform.common.source import Source

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


def part_of(checkout: Checkout, submitters: tuple[str, ...]) -> Checkout:
    """The checkout with only the files of `submitters`: what a task parsing them is handed. Prefect walks every
    input of a task several times (on submit and in the worker), at about half a second per 20,000 files: with the
    whole checkout, each part of a round would pay for all of the round's files."""
    mine, suite = set(submitters), checkout.repo.suite
    files = tuple(ref for ref in checkout.files if submitter(suite, ref.path) in mine)
    blobs = {ref.blob for ref in files}
    return replace(checkout, files=files, skipped=tuple(s for s in checkout.skipped if submitter(suite, s.path) in mine),
                   unavailable=checkout.unavailable & blobs, sizes={b: n for b, n in checkout.sizes.items() if b in blobs})


def parse_checkout(checkout: Checkout, submitters: tuple[str, ...], max_bytes: int, cache_dir: Path, reuse: bool,
                   progress: Callable[[int, int], None] = lambda done, total: None) -> ParsedFiles:
    """All parse output of the files of `submitters`; `files`/`bytes` count only what was read and parsed this time.

    `progress(files done, files in all)` is told after each file."""
    suite, round_, commit = checkout.repo.suite, checkout.repo.round, checkout.commit
    mine = set(submitters)
    parsed = ParsedFiles(round=round_, commit=commit)
    files = [ref for ref in checkout.files if submitter(suite, ref.path) in mine]
    by_submitter: dict[str, list] = {}
    for ref in files:
        by_submitter.setdefault(submitter(suite, ref.path), []).append(ref)
    files_read = bytes_read = done = 0
    for name, refs in sorted(by_submitter.items()):
        cache_file = parse_cache.submitter_file(cache_dir, name)
        fragments, read = _parse(checkout, refs, max_bytes, parse_cache.load(cache_file) if reuse else {},
                                 lambda n, before=done: progress(before + n, len(files)))
        done += len(refs)
        # a blob upstream failed to send is asked for again next time, not remembered as parsed
        parse_cache.save(cache_file, {(r.path, r.blob): fragments[(r.path, r.blob)] for r in refs
                                      if r.blob not in checkout.unavailable})
        for fragment in fragments.values():
            parsed.absorb(fragment)
        files_read, bytes_read = files_read + read[0], bytes_read + read[1]
    parsed.files, parsed.bytes = files_read, bytes_read
    for item in checkout.skipped:
        if submitter(suite, item.path) in mine:
            parsed.rejects.append(Source(suite, round_, item.path, commit).reject("discover", item.reason))
    if not checkout.files and not checkout.skipped:  # a layout we do not know (training v0.5 is v0.5.0/<submitter>/...)
        parsed.rejects.append(Source(suite, round_, ".", commit).reject("discover", NO_LAYOUT[suite]))
    return parsed


def _parse(checkout: Checkout, refs: list, max_bytes: int, cached: dict, progress: Callable[[int], None]
           ) -> tuple[dict, tuple[int, int]]:
    """Each file's parse output, from the cache where its blob is there; and the files and bytes read anew."""
    fragments = {(ref.path, ref.blob): cached[(ref.path, ref.blob)] for ref in refs if (ref.path, ref.blob) in cached}
    todo = [ref for ref in refs if (ref.path, ref.blob) not in fragments]
    repo, files, size_read = checkout.repo, 0, 0
    for ref, size, data in read_blobs(checkout.path, todo, max_bytes, checkout.unavailable):
        fragment = parse_file(repo.suite, repo.round, checkout.commit, ref, size, data, max_bytes)
        fragments[(ref.path, ref.blob)] = fragment
        files, size_read = files + fragment.files, size_read + fragment.bytes
        progress(len(fragments))
    return fragments, (files, size_read)
