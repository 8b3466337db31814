"""Dispatch each discovered file to its parser; collect rows per table and rejects."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
import polars as pl

from extract.discover import FileRef, Kind
from transform.common.official_results import parse_official_table
from transform.common.rules import result_logs
from transform.inference import endpoints, pre_mllog
from transform.inference.detail_log import parse_inference_detail
from transform.inference.small_files import parse_accuracy, parse_compliance, parse_model_mapping, parse_spl
from transform.common.source import Source
from transform.common.system_json import parse_system
from transform.training.entry_json import parse_early_system, parse_entry
from transform.training.layout import run_folder, system_of_entry
from transform.training.legacy_log import legacy_format, parse_legacy_log
from transform.training.power_log import parse_power_log
from transform.training.run_log import parse_training_log


@dataclass
class ParsedFiles:
    round: str
    commit: str
    systems: list[dict] = field(default_factory=list)
    training_runs: list[dict] = field(default_factory=list)
    training_evals: list[dict] = field(default_factory=list)
    # one row per power log: its part of the run's energy (transform/training/power_log.py)
    training_power_files: list[dict] = field(default_factory=list)
    # (round, submitter, system, benchmark) → RCP scaling factor
    scaling: dict[tuple[str, str, str, str], float] = field(default_factory=dict)
    # (round, submitter, system, benchmark) → result logs with no usable run (they count as failed runs)
    unusable_logs: Counter = field(default_factory=Counter)
    inference_details: list[dict] = field(default_factory=list)
    # (division, submitter, system, benchmark, scenario folder) → parsed file and its path
    # the lines of accuracy.txt its round's checker can read
    inference_accuracy: dict[tuple, tuple[list[str], str]] = field(default_factory=dict)
    inference_power: dict[tuple, tuple[pl.DataFrame, str]] = field(default_factory=dict)
    inference_compliance: list[dict] = field(default_factory=list)
    # (division, submitter) → open-division folder name → official model
    model_mappings: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    # one run file of a pre-MLLOG folder, or one endpoints file: a result is assembled from its folder's fragments
    inference_fragments: list[dict] = field(default_factory=list)
    official_results: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    files: int = 0
    bytes: int = 0


    def absorb(self, other: ParsedFiles) -> None:
        """Add another file's (or repo's) parse output to this one."""
        for name in ("systems", "training_runs", "training_evals", "training_power_files", "inference_details",
                     "inference_compliance", "inference_fragments", "official_results", "rejects"):
            getattr(self, name).extend(getattr(other, name))
        for name in ("scaling", "inference_accuracy", "inference_power", "model_mappings"):
            getattr(self, name).update(getattr(other, name))
        self.unusable_logs.update(other.unusable_logs)
        self.files += other.files
        self.bytes += other.bytes


def parse_files(suite: str, round_: str, commit: str, blobs: Iterable[tuple[FileRef, int | None, bytes | None]], max_bytes: int) -> ParsedFiles:
    out = ParsedFiles(round=round_, commit=commit)
    for ref, size, data in blobs:
        out.absorb(parse_file(suite, round_, commit, ref, size, data, max_bytes))
    return out


# Rejects kept per file, the last one summing up the rest: a hostile file must not flood the rejects table.
MAX_REJECTS_PER_FILE = 25


def parse_file(suite: str, round_: str, commit: str, ref: FileRef, size: int | None, data: bytes | None,
               max_bytes: int) -> ParsedFiles:
    """Everything one file contributes; a pure function of its bytes and its place in the repository. Whatever
    the bytes, the outcome is rows or rejects of this file only, never an exception."""
    source = Source(suite=suite, round=round_, path=ref.path, commit=commit)
    try:
        out = _parse_file(source, ref, size, data, max_bytes)
    except Exception as exc:  # an input no parser rule foresaw: this file is lost, not the run
        out = ParsedFiles(round=round_, commit=commit, files=1 if data is not None else 0, bytes=len(data or b""))
        out.rejects.append(source.reject("parse", f"the file could not be parsed ({type(exc).__name__}: {str(exc)[:200]})"))
        if ref.kind is Kind.TRAINING_LOG:
            _unusable_log(out, ref.path)
    if len(out.rejects) > MAX_REJECTS_PER_FILE:
        more = len(out.rejects) - MAX_REJECTS_PER_FILE + 1
        out.rejects[MAX_REJECTS_PER_FILE - 1:] = [source.reject("parse", f"{more} more rejects of this file are not listed")]
    return out


def _parse_file(source: Source, ref: FileRef, size: int | None, data: bytes | None, max_bytes: int) -> ParsedFiles:
    round_, commit = source.round, source.commit
    out = ParsedFiles(round=round_, commit=commit)
    if size is None:
        out.rejects.append(source.reject("read", f"blob {ref.blob} could not be downloaded from upstream: not read"))
        return out
    if data is None:
        out.rejects.append(source.reject("read", f"file is {size} bytes, above the {max_bytes}-byte limit: not read"))
        return out
    out.files = 1
    out.bytes = len(data)
    if ref.kind is Kind.SYSTEM:
        early = parse_early_system(data, source) if source.suite == "training" else None
        row, rejects = early if early is not None else parse_system(data, source)
        out.rejects.extend(rejects)
        if row is not None:
            out.systems.append(row)
    elif ref.kind is Kind.TRAINING_ENTRY:
        row, rejects = parse_entry(data, source, *system_of_entry(ref.path))
        out.rejects.extend(rejects)
        if row is not None:
            out.systems.append(row)
    elif ref.kind is Kind.TRAINING_LOG:
        marker = legacy_format(data)
        log = parse_legacy_log(data, source, marker) if marker else parse_training_log(data, source)
        out.rejects.extend(log.rejects)
        if log.run is not None:
            out.training_runs.append(log.run)
            out.training_evals.extend(log.evals)
        else:
            _unusable_log(out, ref.path)
    elif ref.kind is Kind.INFERENCE_DETAIL:
        detail = parse_inference_detail(data, source)
        out.rejects.extend(detail.rejects)
        if detail.row is not None:
            out.inference_details.append(detail.row)
    elif ref.kind is Kind.INFERENCE_ACCURACY:
        out.inference_accuracy[_scenario_key(ref.path)] = (parse_accuracy(data, round_), ref.path)
    elif ref.kind is Kind.INFERENCE_POWER:
        out.inference_power[_scenario_key(ref.path)] = (parse_spl(data), ref.path)
    elif ref.kind is Kind.INFERENCE_COMPLIANCE:
        parse = endpoints.parse_audit if ref.path.endswith(".json") else parse_compliance
        out.inference_compliance.append(parse(data, source))
    elif ref.kind is Kind.MODEL_MAPPING:
        mapping = parse_model_mapping(data)
        if mapping is None:
            out.rejects.append(source.reject("parse", "model_mapping.json is not a JSON object of strings"))
        else:
            division, submitter, _name = ref.path.split("/")
            out.model_mappings[(division, submitter)] = mapping
    elif ref.kind is Kind.TRAINING_POWER:
        row, rejects = parse_power_log(data, source)
        out.training_power_files.append(row)
        out.rejects.extend(rejects)
    elif ref.kind is Kind.INFERENCE_TEXT_LOG:
        if ref.path.endswith("summary.txt"):
            facts = pre_mllog.parse_summary_log(data)
            if facts is None:
                out.rejects.append(source.reject("parse", "no 'Scenario :' line: not a loadgen summary log"))
            else:
                out.inference_fragments.append(pre_mllog.fragment(source, "summary", facts))
        else:
            facts = pre_mllog.parse_text_detail(data, result_logs(round_).get("ignored_errors", []))
            out.inference_fragments.append(pre_mllog.fragment(source, "detail", facts))
    elif ref.kind is Kind.INFERENCE_ENDPOINTS:
        _key, log = endpoints.folder_of(ref.path)
        if log == "config":
            facts = endpoints.parse_config(data)
        elif log == "performance":
            facts = endpoints.parse_result_summary(data)
        else:
            facts = endpoints.parse_accuracy_results(data)
        if facts is None:
            out.rejects.append(source.reject("parse", f"{ref.path.rsplit('/', 1)[-1]} is not the endpoints harness's "
                                                      f"JSON object (no duration or no accuracy score)"))
        else:
            out.inference_fragments.append(endpoints.fragment(source, facts))
    elif ref.kind is Kind.OFFICIAL_TABLE:
        rows, rejects = parse_official_table(data, source)
        out.official_results.extend(rows)
        out.rejects.extend(rejects)
    elif ref.kind is Kind.TRAINING_SCALING:
        factor = _scaling_factor(data)
        if factor is None:
            out.rejects.append(source.reject("parse", "scaling.json has no finite positive numeric scaling_factor"))
        else:
            submitter, _results, system, benchmark, _name = ref.path.split("/")
            out.scaling[(round_, submitter, system, benchmark)] = factor
    return out


def _unusable_log(out: ParsedFiles, path: str) -> None:
    submitter, system, benchmark, _name = run_folder(path)
    out.unusable_logs[(out.round, submitter, system, benchmark)] += 1


def _scenario_key(path: str) -> tuple[str, str, str, str, str]:
    division, submitter, _results, system, benchmark, scenario, *_ = path.split("/")
    return division, submitter, system, benchmark, scenario


def _scaling_factor(data: bytes) -> float | None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    value = doc.get("scaling_factor") if isinstance(doc, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf:
        return float(value)
    return None
