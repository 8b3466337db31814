"""The "endpoints" result format (v6.1+): no loadgen logs; per scenario folder `performance/result_summary.json`,
`accuracy/accuracy_results.json` and `config.yaml`, written by the MLCommons endpoints harness.

Read as the round's checker reads them (mlcommons/inference tools/submission/submission_checker/parsers/
endpoints_parser.py, ENDPOINTS_MAPPINGS in constants.py): each field becomes the loadgen key it stands for, so
the folder yields the same detail row as transform/inference/detail_log.py fills and results build unchanged.
Times are nanoseconds, as loadgen's.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import orjson

from transform.common.rules import round_rules
from transform.common.source import Source
from transform.common.values import is_number, seed

_PERCENTILES = {"50.0": "p50", "90.0": "p90", "95.0": "p95", "97.0": "p97", "99.0": "p99", "99.9": "p999"}
# config.yaml keys the checker takes from settings.runtime (ENDPOINTS_YAML_FIELD_MAP); read line by line rather
# than by a YAML loader, which would expand a hostile file's aliases without bound.
_CONFIG = {"min_duration_ms": "min_duration_ms", "n_samples_to_issue": "min_query_count"}
_CONFIG_LINE = re.compile(rb"^\s+(min_duration_ms|n_samples_to_issue):\s*(\d+)\s*$", re.MULTILINE)

FILES = {"performance/result_summary.json": "performance", "accuracy/accuracy_results.json": "accuracy",
         "config.yaml": "config"}


def folder_of(path: str) -> tuple[tuple[str, str, str, str, str], str]:
    """(division, submitter, system, benchmark, scenario folder) of an endpoints file, and which file it is."""
    division, submitter, _results, system, benchmark, scenario, *rest = path.split("/")
    return (division, submitter, system, benchmark, scenario), FILES["/".join(rest)]


def parse_result_summary(data: bytes) -> dict | None:
    """The detail-row figures of a `result_summary.json`; None when it is not a JSON object with a duration."""
    doc = _object(data)
    if doc is None or not is_number(doc.get("duration_ns")) or doc["duration_ns"] <= 0:
        return None
    run_config = _dict(doc.get("run_config"))
    load = _dict(run_config.get("load_pattern"))
    issued, completed = _whole(doc.get("n_samples_issued")), _whole(doc.get("n_samples_completed"))
    failed = _whole(doc.get("n_samples_failed"))
    tps = _float(doc.get("tps"))
    facts = {
        # the checker infers Offline's samples/s from the count issued and the duration
        "samples_per_second": issued / (doc["duration_ns"] / 1e9) if issued is not None else None,
        "completed_samples_per_second": _float(doc.get("qps")),
        # `tps` is result_completed_tokens_per_second; the official table prints it for Offline's tokens/s too
        "tokens_per_second": tps,
        "completed_tokens_per_second": tps,
        "target_qps": _float(load.get("target_qps")),
        "query_count": completed,
        "sample_index_rng_seed": seed(run_config.get("dataloader_random_seed")),
        "schedule_rng_seed": seed(run_config.get("scheduler_random_seed")),
        # the harness's own verdict: every sample issued completed, none failed
        "result_validity": "VALID" if doc.get("complete") is True and doc.get("state") == "complete" and failed == 0 else "INVALID",
        "error_count": failed or 0,
        "use_token_latencies": True,  # the checker takes endpoints token latencies as requested
        "loadgen_version": f"endpoints {doc['version']}" if isinstance(doc.get("version"), str) else None,
        "test_datetime": _epoch_ns(doc.get("test_started_at")),
        # output_sequence_lengths.avg → mean_output_tokens, which TEST09 bounds
        "mean_output_tokens": _float(_dict(doc.get("output_sequence_lengths")).get("avg")),
    }
    for stat, prefix in (("latency", "latency"), ("ttft", "ttft"), ("tpot", "tpot")):
        block = _dict(doc.get(stat))
        facts[f"{prefix}_min_ns"] = _ns(block.get("min"))
        facts[f"{prefix}_max_ns"] = _ns(block.get("max"))
        facts[f"{prefix}_mean_ns"] = _ns(block.get("avg"))
        # the checker's percentiles are the early-stopping ones
        early = _dict(block.get("early_stopping_percentiles"))
        for printed, name in _PERCENTILES.items():
            facts[f"{prefix}_{name}_ns"] = _ns(early.get(printed))
    return facts


def parse_accuracy_results(data: bytes) -> dict | None:
    """The score the checker takes from `accuracy_results.json` (the first of accuracy_scores), as the table
    prints it; None when there is none."""
    doc = _object(data)
    scores = doc.get("accuracy_scores") if doc else None
    if not isinstance(scores, list):
        return None
    for entry in scores:
        if isinstance(entry, dict) and is_number(entry.get("score")):
            return {"accuracy_score": float(entry["score"]), "accuracy_text": repr(float(entry["score"]))}
    return None


def parse_config(data: bytes) -> dict:
    return {_CONFIG[key.decode()]: int(value) for key, value in _CONFIG_LINE.findall(data)
            if int(value) < 2**63}


def endpoints_details(fragments: list[dict], base_row: dict, loadgen_folders: set[tuple]) -> tuple[list[dict], list[dict]]:
    """One detail row per endpoints scenario folder (with its accuracy rows); a reject per folder whose
    result_summary.json is missing (unless loadgen logs make it a result)."""
    by_folder: dict[tuple, dict[str, dict]] = {}
    for fragment in fragments:
        by_folder.setdefault(fragment["key"], {})[fragment["log"]] = fragment
    details, rejects = [], []
    for key, files in sorted(by_folder.items()):
        performance = files.get("performance")
        if performance is None:
            if key not in loadgen_folders:
                for fragment in files.values():
                    rejects.append({**_where(fragment), "stage": "parse", "reason": "endpoints folder has no readable "
                                    "performance/result_summary.json (nor loadgen logs): not a result"})
            continue
        division, submitter, system, benchmark, scenario_dir = key
        row = {**base_row, **performance["facts"], **files.get("config", {}).get("facts", {}),
               "suite": performance["suite"], "round": performance["round"], "division": division,
               "submitter": submitter, "system": system, "benchmark": benchmark, "scenario_dir": scenario_dir,
               "warning_count": 0, "source_path": performance["source_path"],
               "source_commit": performance["source_commit"], "accuracy_rows": []}
        accuracy = files.get("accuracy")
        if accuracy is not None:
            score = accuracy["facts"]
            row["accuracy_text"], row["accuracy_met"] = score["accuracy_text"], True
            row["accuracy_rows"] = [{
                "suite": accuracy["suite"], "round": accuracy["round"], "division": division, "submitter": submitter,
                "system": system, "benchmark": benchmark, "metric": "accuracy_score", "value": score["accuracy_score"],
                "target": None, "upper_limit": None, "met": None,
                "source_path": accuracy["source_path"], "source_commit": accuracy["source_commit"],
            }]
        details.append(row)
    return details, rejects


def fragment(source: Source, facts: dict) -> dict:
    key, log = folder_of(source.path)
    return {"key": key, "run": None, "log": log, "facts": facts, "suite": source.suite, "round": source.round,
            "source_path": source.path, "source_commit": source.commit}


def _where(fragment: dict) -> dict:
    return {k: fragment[k] for k in ("suite", "round", "source_path", "source_commit")}


def _object(data: bytes) -> dict | None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _float(value) -> float | None:
    return float(value) if is_number(value) else None


def _whole(value) -> int | None:
    return int(value) if is_number(value) and value == int(value) and 0 <= value < 2**63 else None


def _ns(value) -> int | None:
    """Nanoseconds to the nearest one (the harness prints fractions of a nanosecond; loadgen prints integers)."""
    return round(value) if is_number(value) and math.isfinite(value) and abs(value) < 2**63 else None


def _epoch_ns(value) -> datetime | None:
    """test_started_at in ns since the epoch; 0 (not recorded) is null."""
    if not is_number(value) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1e9, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def is_endpoints(row: dict) -> bool:
    return row["source_path"].endswith("/performance/result_summary.json")


def endpoints_skipped(row: dict, rules: dict | None) -> set[str]:
    """Checks the round's checker does not make of an endpoints result (its `[endpoints] skipped_checks`): the
    harness has no loadgen performance sample count, minimum query count or QSL seed."""
    return set((rules or {}).get("endpoints", {}).get("skipped_checks", [])) if is_endpoints(row) else set()


def endpoints_compliance_passed(row: dict, rules: dict | None, tests: list[str], found: dict[tuple[str, str], list]
                                ) -> bool | None:
    """compliance_endpoints_check: for each required test that has an audit name (`[endpoints] audit`), its
    `audit/audit_<name>.json` must be there where `[endpoints] compliance` requires the file, and must pass where
    it is there; the output-length test (`[endpoints] output_length`, TEST09) bounds the run's mean output tokens.
    None when no required test is judged so."""
    spec = (rules or {}).get("endpoints", {})
    audited = [t for t in tests if t in spec.get("audit", {})]
    length = spec.get("output_length", {})
    if length.get("test") in tests:
        mean = row.get("mean_output_tokens")
        if mean is None or not length["low"] <= mean <= length["high"]:
            return False
    elif not audited:
        return None
    for test in audited:
        verdicts = found.get((test, "audit"))
        if verdicts is None and test in spec.get("compliance", []):
            return False
        if verdicts is not None and not all(v is True for v in verdicts):
            return False
    return True


def parse_audit(data: bytes, source: Source) -> dict:
    """One `<scenario>/audit/audit_<name>.json` as compliance_endpoints_check reads it: it passes when it is a JSON
    object whose `test` is its name and whose `passed` is true; its test is the TEST0x the round's `[endpoints]
    audit` maps to that name (the name itself when none does)."""
    division, submitter, _results, system, benchmark, scenario_dir, _audit, file = source.path.split("/")
    name = file.removeprefix("audit_").removesuffix(".json")
    tests = {audit: test for test, audit in ((round_rules("inference", source.round) or {}).get("endpoints", {})
                                             .get("audit", {}).items())}
    doc = _object(data)
    checked = {"test": doc.get("test"), "passed": doc.get("passed")} if doc is not None else {"error": "not a JSON object"}
    return {
        "suite": source.suite, "round": source.round, "division": division, "submitter": submitter, "system": system,
        "benchmark": benchmark, "scenario_dir": scenario_dir, "test": tests.get(name, name), "verify": "audit",
        "passed": doc is not None and doc.get("test") == name and doc.get("passed") is True,
        "reference_score": None, "test_score": None, "details": orjson.dumps(checked).decode(),
        "source_path": source.path, "source_commit": source.commit,
    }
