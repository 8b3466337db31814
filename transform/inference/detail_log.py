"""One loadgen detail log (`.../<scenario>/performance/run_1/mlperf_log_detail.txt`) to the facts of a result.

The official checker reads its numbers from this file (not the summary), taking the first occurrence of each key.
Which of these facts is the headline for a round, model and scenario is decided later (transform/inference/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import methodcaller

from transform.common.mllog import BadLines, bad_line_rejects, read_batches
from transform.common.source import Source
from transform.common.values import flag, integer, number, seed, text

_PERCENTILES = {"50.00": "p50", "90.00": "p90", "95.00": "p95", "97.00": "p97", "99.00": "p99", "99.90": "p999"}

# column → detail-log key, for numeric facts copied as they are
_NUMBERS = {
    "samples_per_second": "result_samples_per_second",
    "scheduled_samples_per_second": "result_scheduled_samples_per_sec",
    "completed_samples_per_second": "result_completed_samples_per_sec",
    "tokens_per_second": "result_tokens_per_second",
    "completed_tokens_per_second": "result_completed_tokens_per_second",
    "inferred_tokens_per_second": "result_inferred_tokens_per_second",
    "inferred_completed_tokens_per_second": "result_inferred_completed_tokens_per_second",
    "qps_with_loadgen_overhead": "result_qps_with_loadgen_overhead",
    "qps_without_loadgen_overhead": "result_qps_without_loadgen_overhead",
    "target_qps": "effective_target_qps",
    "target_latency_percentile": "effective_target_latency_percentile",
}
_INTEGERS = {
    "early_stopping_latency_ss_ns": "early_stopping_latency_ss",
    "early_stopping_latency_ms_ns": "early_stopping_latency_ms",
    "target_latency_ns": "effective_target_latency_ns",
    "ttft_latency_limit_ns": "requested_server_ttft_latency",
    "tpot_latency_limit_ns": "requested_server_tpot_latency",
    "min_duration_ms": "effective_min_duration_ms",
    "min_query_count": "effective_min_query_count",
    "performance_sample_count": "effective_performance_sample_count",
    "samples_per_query": "effective_samples_per_query",
    "query_count": "result_query_count",
    "overlatency_query_count": "result_overlatency_query_count",
    "latency_min_ns": "result_min_latency_ns",
    "latency_max_ns": "result_max_latency_ns",
    "latency_mean_ns": "result_mean_latency_ns",
    "query_latency_min_ns": "result_min_query_latency_ns",
    "query_latency_max_ns": "result_max_query_latency_ns",
    "query_latency_mean_ns": "result_mean_query_latency_ns",
    "ttft_min_ns": "result_first_token_min_latency_ns",
    "ttft_max_ns": "result_first_token_max_latency_ns",
    "ttft_mean_ns": "result_first_token_mean_latency_ns",
    "tpot_min_ns": "result_time_to_output_token_min",
    "tpot_max_ns": "result_time_to_output_token_max",
    "tpot_mean_ns": "result_time_to_output_token_mean",
    **{f"latency_{n}_ns": f"result_{p}_percentile_latency_ns" for p, n in _PERCENTILES.items()},
    **{f"query_latency_{n}_ns": f"result_{p}_percentile_per_query_latency_ns" for p, n in _PERCENTILES.items()},
    **{f"ttft_{n}_ns": f"result_first_token_{p}_percentile_latency_ns" for p, n in _PERCENTILES.items()},
    **{f"tpot_{n}_ns": f"result_time_per_output_token_{p}_percentile_ns" for p, n in _PERCENTILES.items()},
}
_SEEDS = {
    "qsl_rng_seed": "effective_qsl_rng_seed",
    "sample_index_rng_seed": "effective_sample_index_rng_seed",
    "schedule_rng_seed": "effective_schedule_rng_seed",
}
_TEXTS = {
    "effective_scenario": "effective_scenario",
    "test_mode": "effective_test_mode",
    "result_validity": "result_validity",
    "loadgen_version": "loadgen_version",
    "sut_name": "sut_name",
    "power_begin": "power_begin",
    "power_end": "power_end",
}
_FLAGS = {
    "perf_constraints_met": "result_perf_constraints_met",
    "min_duration_met": "result_min_duration_met",
    "min_queries_met": "result_min_queries_met",
    "early_stopping_met": "early_stopping_met",
    "use_token_latencies": "requested_use_token_latencies",
    "equal_issue": "effective_sample_concatenate_permutation",
}


# detail-log key → column of the parsed row, for the rules files, which name the checker's log keys
LOG_KEY_COLUMNS = {key: column for table in (_NUMBERS, _INTEGERS) for column, key in table.items()}

_READ = frozenset({*_NUMBERS.values(), *_INTEGERS.values(), *_SEEDS.values(), *_TEXTS.values(), *_FLAGS.values(), "test_datetime"})
# keys no column reads whose values are long lists of sample indices (most of a detail log's bytes): not decoded
_UNREAD = (b"loaded_qsl_set",)
_METADATA = methodcaller("get", "metadata")


@dataclass
class ParsedDetail:
    row: dict | None = None
    rejects: list[dict] = field(default_factory=list)


def parse_inference_detail(data: bytes, source: Source) -> ParsedDetail:
    out = ParsedDetail()
    division, submitter, _results, system, benchmark, scenario_dir, *_ = source.path.split("/")
    bad = BadLines()
    first: dict[str, object] = {}
    events = errors = warnings = 0
    for batch in read_batches(data, bad, unread_lists=_UNREAD):
        events += len(batch.events)
        # only what a column reads: a log may hold any number of other keys
        for key in _READ.intersection(batch.counts).difference(first):
            first[key] = batch.events[batch.keys.index(key)].get("value")
        for meta in map(_METADATA, batch.events):
            if isinstance(meta, dict):
                errors += meta.get("is_error") is True
                warnings += meta.get("is_warning") is True
    out.rejects.extend(bad_line_rejects(bad, source))
    if bad.gave_up:
        out.rejects.append(source.reject("parse", "too many MLLOG lines could not be used: not a usable detail log"))
        return out
    if not events:
        out.rejects.append(source.reject("parse", "no MLLOG events: not a loadgen detail log (or an empty file)"))
        return out
    out.row = {
        "suite": source.suite,
        "round": source.round,
        "division": division,
        "submitter": submitter,
        "system": system,
        "benchmark": benchmark,
        "scenario_dir": scenario_dir,
        **{col: number(first.get(key)) for col, key in _NUMBERS.items()},
        **{col: integer(first.get(key)) for col, key in _INTEGERS.items()},
        **{col: seed(first.get(key)) for col, key in _SEEDS.items()},
        **{col: text(first.get(key)) for col, key in _TEXTS.items()},
        **{col: flag(first.get(key)) for col, key in _FLAGS.items()},
        "test_datetime": _timestamp(first.get("test_datetime")),
        "error_count": errors,
        "warning_count": warnings,
        "source_path": source.path,
        "source_commit": source.commit,
    }
    return out


def _timestamp(value) -> datetime | None:
    """An ISO time in UTC; null when it is not one, or when its offset moves it out of years 1–9999."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
