"""MLCommons' own training summary, loaded as published, to check our scores against (`training_reconciliation`).

From v6.0 a workflow of each training results repository runs the result summarizer on every push and commits its
`summary.csv` to the branch `results_branch`. Its columns (result_summarizer.py, `_get_column_schema`): the system's
division, availability, submitter, system name, nodes, processors, accelerators, framework, notes, private_id, one
column per benchmark of the round (the score in minutes, empty where the system has none), then `details_url`
(`…/<submitter>/systems/<system>.json`: the system folder our rows are keyed by) and `code_url`.
"""

from __future__ import annotations

import csv
import io
import math
import re

import orjson

from extract.git_sync import RESULTS_BRANCH
from extract.read_blobs import read_blobs
from transform.common.source import Source

# the summarizer's columns that are not benchmarks
_SPEC_COLUMNS = {"division", "availability", "submitter", "system", "number_of_nodes", "host_processor_model_name",
                 "host_processors_count", "accelerator_model_name", "accelerators_count", "framework", "notes",
                 "private_id", "details_url", "code_url"}
_REQUIRED = {"division", "submitter", "system", "details_url"}
_SYSTEM_JSON = re.compile(r"/([^/]+)/systems/([^/]+)\.json$")


def parse_official_summary(data: bytes, source: Source) -> tuple[list[dict], list[dict]]:
    """One row per (system row, benchmark with a score); a table that does not parse is one reject, a row that
    names no system description or holds a score that is not a positive number one reject each."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        header = set(reader.fieldnames or ())
        if not _REQUIRED <= header:
            return [], [source.reject("parse", "official training summary does not have the result summarizer's columns "
                                               f"(missing {', '.join(sorted(_REQUIRED - header))})")]
        records = list(enumerate(reader, 2))  # numbered by file line
    except (UnicodeDecodeError, csv.Error) as exc:
        return [], [source.reject("parse", f"official training summary does not parse: {str(exc)[:200]}")]
    benchmarks = [c for c in reader.fieldnames if c not in _SPEC_COLUMNS]
    rows, rejects, seen = [], [], set()
    for line, record in records:
        if None in record:  # more fields than the header: the row is not the summarizer's
            rejects.append(source.reject("parse", f"official training summary, line {line}: more fields than columns"))
            continue
        found = _SYSTEM_JSON.search((record.get("details_url") or "").strip())
        if not found:
            rejects.append(source.reject("parse", f"official training summary, line {line}: details_url "
                                                  f"{str(record.get('details_url'))[:100]!r} names no systems/<system>.json"))
            continue
        for benchmark in benchmarks:
            text = (record.get(benchmark) or "").strip()
            if not text:
                continue
            try:
                score = float(text)
            except ValueError:
                score = math.nan
            if not math.isfinite(score) or score <= 0:
                rejects.append(source.reject("parse", f"official training summary, line {line}: {benchmark} "
                                                      f"{text[:50]!r} is not a positive number of minutes"))
                continue
            key = (record["division"], record["submitter"], found[2], benchmark)
            if key in seen:
                rejects.append(source.reject("parse", f"official training summary, line {line}: a second {benchmark} "
                                                      f"score for {found[2]} (the first is loaded)"))
                continue
            seen.add(key)
            rows.append({
                "suite": "training", "round": source.round, "division": record["division"],
                "submitter": record["submitter"], "system": found[2], "benchmark": benchmark, "score_minutes": score,
                "system_name": record.get("system") or None, "row_json": orjson.dumps(record).decode(),
                "source_path": source.path, "source_commit": source.commit,
            })
    return rows, rejects


def official_summaries(checkouts: list, max_bytes: int) -> tuple[list[dict], list[dict]]:
    """The rows and rejects of the summary files the checkouts found on `results_branch` (none before v6.0)."""
    rows, rejects = [], []
    for checkout in checkouts:
        found, failed = _official_summary(checkout, max_bytes)
        rows += found
        rejects += failed
    return rows, rejects


def _official_summary(checkout, max_bytes: int) -> tuple[list[dict], list[dict]]:
    rows, rejects = [], []
    for ref, size, data in read_blobs(checkout.path, checkout.official_files, max_bytes, checkout.unavailable):
        source = Source("training", checkout.repo.round, f"{RESULTS_BRANCH}:{ref.path}", checkout.official_commit)
        if data is None:
            why = "could not be downloaded from upstream" if size is None else f"is {size} bytes, above the limit"
            rejects.append(source.reject("read", f"official training summary {why}: not read"))
            continue
        found, failed = parse_official_summary(data, source)
        rows += found
        rejects += failed
    return rows, rejects
