"""One MLPerf Training result log (`<submitter>/results/<system>/<benchmark>/result_N.txt`) to a run and its evals."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from operator import methodcaller

import orjson

from transform.common.mllog import BadLines, Batch, bad_line_rejects, read_batches
from transform.training.quality_targets import SCALAR, quality_target, target_key
from transform.training.score_rules import init_within_limit
from transform.common.source import Source
from transform.common.values import all_numbers, integer, is_number, number, text

_RUN_INDEX = re.compile(r"result_(\d+)\.txt")
# time_ms is milliseconds since the Unix epoch: anything outside [1970, 10000) is not a time a run was logged at.
_MAX_TIME_MS = 253_402_300_800_000
# A run evaluates once per epoch or so (hundreds at most); beyond this the log is not a real run's.
MAX_EVALS = 10_000
# A log configures a few hundred keys; the hyperparameters JSON keeps at most this many.
MAX_CONFIG_KEYS = 10_000

# Events that mark the run's progress or measure it (per step, eval, layer or rank): not its configuration.
NOT_CONFIGURATION = {
    "weights_initialization", "tracked_stats", "block_start", "block_stop", "epoch_start", "epoch_stop",
    "eval_start", "eval_stop", "init_start", "init_stop", "run_start", "run_stop", "cache_clear", "status",
    "eval_accuracy", "eval_loss", "train_loss", "throughput", "current_lr", "tflops_per_sec_per_gpu",
    "trained_samples", "checkpoint",
}


@dataclass
class ParsedLog:
    run: dict | None = None
    evals: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)


def parse_training_log(data: bytes, source: Source) -> ParsedLog:
    out = ParsedLog()
    submitter, _results, system, benchmark, name = source.path.split("/")
    bad = BadLines()
    log = _LogFacts(open_key=target_key(source.round, benchmark, "open"))
    for batch in read_batches(data, bad):
        log.add(batch)
    run_start, run_stop, evals, config = log.run_start, log.run_stop, log.evals, log.config
    events, ignored_keys, open_key, open_values = log.events, log.ignored_keys, log.open_key, log.open_values
    init_start_ms, init_stop_ms = log.init_start_ms, log.init_stop_ms
    out.rejects.extend(bad_line_rejects(bad, source))
    if ignored_keys:
        out.rejects.append(source.reject("parse", f"more than {MAX_CONFIG_KEYS} configuration keys: {ignored_keys} events of "
                                                  "further keys are not in hyperparameters"))

    problem = _missing_boundary(events, bad, run_start, run_stop)
    if problem:
        out.rejects.append(source.reject("parse", problem))
        return out
    start_ms, stop_ms = run_start["time_ms"], run_stop["time_ms"]
    status = _metadata(run_stop).get("status")

    unusable_evals = log.unusable_eval_lines
    out.evals = _eval_rows(evals[:MAX_EVALS], start_ms, source)
    out.rejects.extend(source.reject("parse", f"line {n}: eval_accuracy without a usable time_ms") for n in unusable_evals[:20])
    if len(unusable_evals) > 20:
        out.rejects.append(source.reject("parse", f"{len(unusable_evals) - 20} more eval_accuracy events without a usable time_ms"))
    if len(evals) > MAX_EVALS:
        out.rejects.append(source.reject("parse", f"{len(evals)} eval_accuracy events: only the first {MAX_EVALS} are loaded"))
    values = _eval_values(evals)
    final = values[-1] if values else None
    log_division = text(config.get("submission_division"))
    # the compliance checker judges a log by the configs of the division it states
    target = quality_target(source.round, benchmark, log_division)
    checked = open_values if log_division == "open" and open_key != SCALAR else values
    init_ms = init_stop_ms - init_start_ms if init_start_ms is not None and init_stop_ms is not None else None
    index = _RUN_INDEX.fullmatch(name)
    out.run = {
        "suite": source.suite,
        "round": source.round,
        "log_division": log_division,
        "submitter": submitter,
        "system": system,
        "benchmark": benchmark,
        "run_index": integer(int(index[1])) if index else None,
        "run_label": name.removeprefix("result_").removesuffix(".txt"),
        "status": status if isinstance(status, str) else None,
        "run_start_ms": start_ms,
        "run_stop_ms": stop_ms,
        "time_to_train_minutes": (stop_ms - start_ms) / 60 / 1000,  # the summarizer's order of operations, to the last bit
        "final_eval_accuracy": number(final),
        "final_eval_json": orjson.dumps(final).decode() if values else None,
        "eval_count": len(evals),
        "quality_target": target.text() if target else None,
        "reached_target": any(target.reached(v) for v in checked) if target else None,
        "init_minutes": init_ms / 60000 if init_ms is not None else None,
        "init_within_limit": init_within_limit(init_ms, source.round, benchmark, log_division),
        "global_batch_size": integer(config.get("global_batch_size")),
        "local_batch_size": integer(config.get("local_batch_size")),
        "optimizer": text(_first(config, ("opt_name",))),
        "base_learning_rate": number(_first_suffix(config, ("base_learning_rate",))),
        "warmup_epochs": number(_first_suffix(config, ("learning_rate_warmup_epochs",))),
        "warmup_steps": number(_first_suffix(config, ("learning_rate_warmup_steps", "num_warmup_steps"))),
        "weight_decay": number(_first_suffix(config, ("weight_decay", "weight_decay_rate"))),
        "gradient_accumulation_steps": integer(config.get("gradient_accumulation_steps")),
        "seed": integer(config.get("seed")),
        "train_samples": integer(config.get("train_samples")),
        "eval_samples": integer(config.get("eval_samples")),
        "hyperparameters": orjson.dumps(config).decode(),
        "mllog_events": events,
        "mllog_bad_lines": bad.count,
        "source_path": source.path,
        "source_commit": source.commit,
    }
    return out


@dataclass
class _LogFacts:
    """What a result log states, gathered batch by batch (transform/common/mllog.py): each fact is found with list
    operations over the batch's keys, in the order of the events, as a loop over every event would find it."""
    # the key an open run's target is checked on, where its ruleset names another than eval_accuracy
    open_key: str
    open_values: list = field(default_factory=list)
    events: int = 0
    # As the official summarizer: the latest run_start and run_stop until both have been seen.
    run_start: dict | None = None
    run_stop: dict | None = None
    evals: list[dict] = field(default_factory=list)
    # lines of the loaded evals (the first MAX_EVALS) without a usable time_ms
    unusable_eval_lines: list[int] = field(default_factory=list)
    # as the compliance checker: the earliest init_start before the (first) init_stop
    init_start_ms: float | None = None
    init_stop_ms: float | None = None
    # configuration is logged before run_start or after it: every key, first value wins
    config: dict[str, object] = field(default_factory=dict)
    ignored_keys: int = 0  # events of keys beyond MAX_CONFIG_KEYS
    # keys known not to be configuration (checked once per key, not per event)
    not_config: set[str] = field(default_factory=lambda: set(NOT_CONFIGURATION))

    def add(self, batch: Batch) -> None:
        events = batch.events
        self.events += len(events)
        if self.open_key != SCALAR:
            self.open_values.extend(events[i].get("value") for i in batch.positions(self.open_key))
        self._boundaries(batch)
        for i in batch.positions("eval_accuracy"):
            if len(self.evals) < MAX_EVALS and not is_number(events[i].get("time_ms")):
                self.unusable_eval_lines.append(batch.line(i))
            self.evals.append(events[i])
        self._init(batch)
        self._config(batch)

    def _boundaries(self, batch: Batch) -> None:
        for i in sorted(batch.positions("run_start") + batch.positions("run_stop")):
            if self.run_start is not None and self.run_stop is not None:
                return
            if batch.keys[i] == "run_start":
                self.run_start = batch.events[i]
            else:
                self.run_stop = batch.events[i]

    def _init(self, batch: Batch) -> None:
        if self.init_stop_ms is not None:
            return
        stops = [i for i in batch.positions("init_stop") if is_number(batch.events[i].get("time_ms"))]
        if stops:
            self.init_stop_ms = batch.events[stops[0]]["time_ms"]
        # a log may have an init_start per process: their times are taken at once, up to the first init_stop
        starts = batch.positions("init_start")
        starts = starts[:bisect_left(starts, stops[0])] if stops else starts
        times = list(map(_TIME, map(batch.events.__getitem__, starts)))
        times = times if all_numbers(times) else [time_ms for time_ms in times if is_number(time_ms)]
        if times:
            earliest = min(times)
            self.init_start_ms = earliest if self.init_start_ms is None else min(self.init_start_ms, earliest)

    def _config(self, batch: Batch) -> None:
        config, first = self.config, None
        for key in batch.counts:  # each key once, in the order of its first event
            if key in config or key in self.not_config:
                continue
            if key.strip() in NOT_CONFIGURATION:
                self.not_config.add(key)
            elif len(config) < MAX_CONFIG_KEYS:
                first = first or _first_indices(batch.keys)
                config[key] = batch.events[first[key]].get("value")
            else:
                self.ignored_keys += batch.counts[key]


_TIME = methodcaller("get", "time_ms")


def _first_indices(keys: list[str]) -> dict[str, int]:
    """Each key's first index: built from the end, so that the earliest index is the one written last (in C)."""
    return dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))


def _eval_values(events: list[dict]) -> list:
    """eval_accuracy values in order; events tagged with metadata.metric (FID, CLIP) are merged per samples_count."""
    values: list = []
    merged: dict[object, dict] = {}
    for event in events:
        metric = _metadata(event).get("metric")
        if not isinstance(metric, str):
            values.append(event.get("value"))
            continue
        samples = _metadata(event).get("samples_count")
        if samples not in merged:
            merged[samples] = {}
            values.append(merged[samples])
        merged[samples][metric] = event.get("value")
    return values


def _missing_boundary(events: int, bad: BadLines, run_start, run_stop) -> str | None:
    if bad.gave_up:
        return "too many MLLOG lines could not be used: not a usable result log"
    if not events:
        return "no MLLOG events: not an MLLOG result log (or an empty file)"
    for name, event in (("run_start", run_start), ("run_stop", run_stop)):
        if event is None:
            return f"no {name} event: the run never {'started' if name == 'run_start' else 'finished'} or the log is truncated"
        if not is_number(event.get("time_ms")):
            return f"{name} event has no numeric time_ms"
        if not 0 <= event["time_ms"] < _MAX_TIME_MS:
            return f"{name} time_ms {event['time_ms']!r} is not a time since 1970 (before year 10000)"
    if run_stop["time_ms"] < run_start["time_ms"]:
        return "run_stop is earlier than run_start"
    return None


def _eval_rows(evals: list[dict], start_ms: float, source: Source) -> list[dict]:
    """A row per eval with a usable time_ms."""
    submitter, _results, system, benchmark, name = source.path.split("/")
    run = {"suite": source.suite, "round": source.round, "submitter": submitter, "system": system,
           "benchmark": benchmark, "run_label": name.removeprefix("result_").removesuffix(".txt")}
    where = {"source_path": source.path, "source_commit": source.commit}
    return [{**run, **facts, **where} for event in evals if (facts := _eval_facts(event, start_ms)) is not None]


def _eval_facts(event: dict, start_ms: float) -> dict | None:
    time_ms = event.get("time_ms")
    if not is_number(time_ms):
        return None
    meta = _metadata(event)
    value = event.get("value")
    parts = value if isinstance(value, dict) else None  # Mask R-CNN's {"BBOX": …, "SEGM": …}
    return {
        "epoch_num": number(meta.get("epoch_num")),
        "samples_count": integer(meta.get("samples_count")),
        "metric": text(meta.get("metric")),
        "time_ms": time_ms,
        "minutes_since_run_start": (time_ms - start_ms) / 60000,
        "accuracy": number(value),
        "accuracy_bbox": number(parts.get("BBOX")) if parts else None,
        "accuracy_segm": number(parts.get("SEGM")) if parts else None,
        "value_json": orjson.dumps(value).decode(),
    }


def _metadata(event: dict) -> dict:
    meta = event.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _first(config: dict, keys) -> object:
    return next((config[k] for k in keys if k in config), None)


def _first_suffix(config: dict, suffixes) -> object:
    return next((v for k, v in config.items() if k.endswith(suffixes)), None)


