"""Parse one checkout, re-using the cached output of every file whose blob has not changed."""

from __future__ import annotations

from pathlib import Path

from extract.git_sync import Checkout
from extract.read_blobs import read_blobs
from transform import parse_cache
from transform.parse_files import ParsedFiles, parse_file
from transform.source import Source

NO_LAYOUT = {
    "training": "no <submitter>/systems/*.json or <submitter>/results/<system>/<benchmark>/result_*.txt: "
                "a layout this version does not read, nothing loaded",
    "inference": "no <division>/<submitter>/systems/*.json or results/.../performance/run_1 logs: "
                 "a layout this version does not read, nothing loaded",
}


def parse_checkout(checkout: Checkout, max_bytes: int, cache_path: Path, reuse: bool) -> ParsedFiles:
    """All of the checkout's parse output; `files`/`bytes` count only what was read and parsed this time."""
    suite, round_, commit = checkout.repo.suite, checkout.repo.round, checkout.commit
    files, skipped = checkout.files, checkout.skipped
    cached = parse_cache.load(cache_path) if reuse else {}
    fragments = {}
    todo = []
    for ref in files:
        key = (ref.path, ref.blob)
        if key in cached:
            fragments[key] = cached[key]
        else:
            todo.append(ref)
    fresh = ParsedFiles(round=round_, commit=commit)
    unavailable = {}
    for ref, size, data in read_blobs(checkout.path, todo, max_bytes, checkout.unavailable):
        fragment = parse_file(suite, round_, commit, ref, size, data, max_bytes)
        # a blob upstream failed to send is asked for again next time, not remembered as parsed
        (unavailable if size is None else fragments)[(ref.path, ref.blob)] = fragment
        fresh.files += fragment.files
        fresh.bytes += fragment.bytes
    parse_cache.save(cache_path, fragments)
    fragments |= unavailable

    parsed = ParsedFiles(round=round_, commit=commit)
    for fragment in fragments.values():
        parsed.absorb(fragment)
    parsed.files, parsed.bytes = fresh.files, fresh.bytes
    for item in skipped:
        parsed.rejects.append(Source(suite, round_, item.path, commit).reject("discover", item.reason))
    if not files and not skipped:  # a layout we do not know (training v0.5 is v0.5.0/<submitter>/...): say so
        parsed.rejects.append(Source(suite, round_, ".", commit).reject("discover", NO_LAYOUT[suite]))
    return parsed
