"""The loadgen logs of v0.5 and v0.7, before MLLOG: the result is read from `mlperf_log_summary.txt`, as those
rounds' checkers read it, and `mlperf_log_detail.txt` is only searched for ERROR lines.

Each file gives one fragment of a run (`performance/run_N/`, or `performance/` itself in a few v0.5 folders);
`pre_mllog_details` then picks, per scenario folder, the run whose figures the round's checker publishes and
turns it into the same detail row as transform/inference/detail_log.py fills, so results build unchanged.
Which runs the checker reads is in the round's rules file (`[result_logs]`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from transform.common.source import Source

# The v0.7 checker's reading of a summary line (tools/submission/submission-checker.py, check_performance_dir):
# a key of words, spaces, dots, parentheses and slashes, a colon, a value; a later line overwrites an earlier one.
_LINE = re.compile(r"^\s*([\w\s.\(\)\/]+)\s*\:\s*([\w\+\.][\w\+\.\s]*)")

_FLOATS = {
    "Samples per second": "samples_per_second",
    "Scheduled samples per second": "scheduled_samples_per_second",
    "Completed samples per second": "completed_samples_per_second",
    "QPS w/ loadgen overhead": "qps_with_loadgen_overhead",
    "QPS w/o loadgen overhead": "qps_without_loadgen_overhead",
    "target_qps": "target_qps",
}
_INTEGERS = {
    "Min latency (ns)": "latency_min_ns",
    "Max latency (ns)": "latency_max_ns",
    "Mean latency (ns)": "latency_mean_ns",
    "target_latency (ns)": "target_latency_ns",
    "min_duration (ms)": "min_duration_ms",
    "min_query_count": "min_query_count",
    "performance_sample_count": "performance_sample_count",
    "samples_per_query": "samples_per_query",
}
_PERCENTILES = {"50.00": "p50", "90.00": "p90", "95.00": "p95", "97.00": "p97", "99.00": "p99", "99.90": "p999"}
_SEEDS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
_TEXTS = {"SUT name": "sut_name", "Mode": "test_mode", "Result is": "result_validity"}
_FLAGS = {
    "Performance constraints satisfied": "perf_constraints_met",
    "Min duration satisfied": "min_duration_met",
    "Min queries satisfied": "min_queries_met",
}
_DETAIL_VERSION = re.compile(rb': version : ([^\r\n]*)')
_DETAIL_DATE = re.compile(rb': Date \+ time of test: (\S+)')


def parse_summary_log(data: bytes) -> dict | None:
    """The figures of one pre-MLLOG `mlperf_log_summary.txt`, named as the detail-row columns; None when the file
    has no `Scenario :` line (not a loadgen summary)."""
    found: dict[str, str] = {}
    per_query: dict[str, str] = {}  # MultiStream prints a per-query block of percentiles, then a per-sample one
    block = found
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith(("Per-query latency", "Per-sample latency")):
            block = per_query if line.startswith("Per-query") else found
        elif match := _LINE.match(line):
            key, value = match[1].strip(), match[2].strip()
            (block if "percentile latency" in key else found)[key] = value
    scenario = found.get("Scenario", "").replace(" ", "")
    if not scenario:
        return None
    facts: dict = {"effective_scenario": scenario}
    facts |= {col: _float(found.get(key)) for key, col in _FLOATS.items()}
    facts |= {col: _int(found.get(key)) for key, col in _INTEGERS.items()}
    for printed, name in _PERCENTILES.items():
        facts[f"latency_{name}_ns"] = _int(found.get(f"{printed} percentile latency (ns)"))
        facts[f"query_latency_{name}_ns"] = _int(per_query.get(f"{printed} percentile latency (ns)"))
    if scenario == "MultiStream" and "Samples per query" in found:  # MultiStream's result: the streams it sustained
        facts["samples_per_query"] = _int(found["Samples per query"])
    if facts.get("latency_p90_ns") is None:
        facts["latency_p90_ns"] = _int(found.get("90th percentile latency (ns)"))
    facts |= {name: _seed(found.get(name)) for name in _SEEDS}
    facts |= {col: found.get(key) for key, col in _TEXTS.items()}
    facts |= {col: {"Yes": True, "No": False}.get(found.get(key, "")) for key, col in _FLAGS.items()}
    return facts


def parse_text_detail(data: bytes, ignored_errors: list[str]) -> dict:
    """What the checker reads in a pre-MLLOG `mlperf_log_detail.txt`: its ERROR lines (those it ignores are counted
    apart), plus the loadgen version and the test's date."""
    errors = ignored = 0
    if b"ERROR" in data:
        for line in data.decode("utf-8", "replace").splitlines():
            if "ERROR" in line:
                if any(pattern in line for pattern in ignored_errors):
                    ignored += 1
                else:
                    errors += 1
    version = _DETAIL_VERSION.search(data)
    date = _DETAIL_DATE.search(data)
    return {
        "error_count": errors,
        "ignored_error_count": ignored,
        "loadgen_version": version[1].decode("utf-8", "replace").strip() if version else None,
        "test_datetime": _timestamp(date[1].decode("ascii", "replace")) if date else None,
    }


def run_of(path: str) -> tuple[tuple[str, str, str, str, str], str]:
    """(division, submitter, system, benchmark, scenario folder) and the run folder of a performance log
    ('.' when the log sits in performance/ itself)."""
    division, submitter, _results, system, benchmark, scenario, _performance, *rest = path.split("/")
    return (division, submitter, system, benchmark, scenario), rest[0] if len(rest) == 2 else "."


def runs_read(present: set[str], scenario: str, rules: dict) -> list[str]:
    """The run folders the round's checker reads for a scenario folder, in its order: `count` runs of the first
    spelling whose first run exists ('.' = the logs in performance/ itself)."""
    # both checkers test the folder's own spelling: a lower-case `server` folder has one run read, not five
    count = rules["server_runs"] if scenario == "Server" else rules["runs"]
    for spelling in rules["run_folders"]:
        if spelling == ".":
            return ["."]
        if spelling.format(n=1) in present:
            return [spelling.format(n=n) for n in range(1, count + 1)]
    return []


def pre_mllog_details(fragments: list[dict], rules: dict, base_row: dict) -> tuple[list[dict], list[dict]]:
    """One detail row per scenario folder, from the run whose summary the checker publishes (the last run it
    reads that exists: a Server folder has five), with that run's detail-log facts; and a reject per folder
    where the checker finds no run."""
    by_folder: dict[tuple, dict[str, dict]] = {}
    for fragment in fragments:
        by_folder.setdefault(fragment["key"], {}).setdefault(fragment["run"], {})[fragment["log"]] = fragment
    details, rejects = [], []
    for key, runs in sorted(by_folder.items()):
        wanted = runs_read(set(runs), key[4], rules)
        read = [run for run in wanted if "summary" in runs.get(run, {})]
        any_fragment = next(iter(next(iter(runs.values())).values()))
        if not read:
            found = ", ".join(sorted(runs))
            reason = (f"no run the round's checker reads ({', '.join(wanted) or 'run_1'}) has a mlperf_log_summary.txt"
                      f" (found: {found}): not a result")
            rejects.append({**_where(any_fragment), "stage": "parse", "reason": reason})
            continue
        summary = runs[read[-1]]["summary"]
        detail = runs[read[-1]].get("detail", {}).get("facts", {})
        division, submitter, system, benchmark, scenario_dir = key
        row = {**base_row, **summary["facts"], "suite": summary["suite"], "round": summary["round"],
               "division": division, "submitter": submitter, "system": system, "benchmark": benchmark,
               "scenario_dir": scenario_dir, "error_count": 0, "warning_count": 0,
               "source_path": summary["source_path"], "source_commit": summary["source_commit"]}
        if detail:
            # errors the checker holds against the run; those it ignores (every one in v0.5) are only warnings
            errors = detail["error_count"] if rules["detail_errors_invalidate"] else 0
            row |= {"error_count": errors, "warning_count": detail["error_count"] + detail["ignored_error_count"] - errors,
                    "loadgen_version": detail["loadgen_version"], "test_datetime": detail["test_datetime"]}
        details.append(row)
    return details, rejects


def fragment(source: Source, log: str, facts: dict) -> dict:
    key, run = run_of(source.path)
    return {"key": key, "run": run, "log": log, "facts": facts, "suite": source.suite, "round": source.round,
            "source_path": source.path, "source_commit": source.commit}


def _where(fragment: dict) -> dict:
    return {k: fragment[k] for k in ("suite", "round", "source_path", "source_commit")}


def _float(value: str | None) -> float | None:
    try:
        parsed = float(value) if value is not None else None
    except ValueError:
        return None
    return parsed if parsed is not None and math.isfinite(parsed) else None


def _int(value: str | None) -> int | None:
    number = _float(value)
    if number is None or number != int(number) or not -2**63 <= number < 2**63:
        return None
    return int(number)


def _seed(value: str | None) -> str | None:
    return value if value is not None and value.isdigit() and int(value) < 2**64 else None


def _timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
