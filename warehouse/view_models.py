"""The declaration of every view's columns (meaning, unit, example), as pandera models like the tables'.

A view's SQL is `warehouse/views/<name>.sql` and its header comment is the view's description; its columns are
declared here once, and the database COMMENTs and the data dictionary are generated from both. A column taken
as is from a table says so with `same(...)`, which copies the table column's declaration. A test checks that each
view returns exactly the declared columns, with the declared types.
"""

from __future__ import annotations

from importlib import resources

import pandera.polars as pa
import polars as pl

from transform.common.schemas import (
    AcceleratorModels as _Chips,
    Changes as _Changes,
    InferencePower as _Power,
    InferenceResults as _Results,
    OfficialResults as _Official,
    OfficialTrainingScores as _OfficialTraining,
    Systems as _Systems,
    TrainingScores as _Scores,
)
from warehouse.ddl import allowed_values, sql_type


def same(model: type[pa.DataFrameModel], column: str, description: str | None = None) -> pa.Field:
    """The declaration of a table's column, for a view that shows it unchanged (views hold nulls: outer joins)."""
    declared = model.to_schema().columns[column]
    allowed = allowed_values(declared)
    return pa.Field(nullable=True, description=description or declared.description,
                    metadata=declared.metadata, **({"isin": allowed} if allowed else {}))


def new(description: str, unit: str | None = None, example: str | None = None) -> pa.Field:
    metadata = {k: v for k, v in (("unit", unit), ("example", example)) if v is not None}
    return pa.Field(nullable=True, description=description, metadata=metadata or None)


def _accelerator() -> pa.Field:
    return new("Canonical accelerator: chip, form factor and memory (the unit the views compare); null when unmapped.",
               example="H100 SXM 80GB")


def _vendor() -> pa.Field:
    return same(_Chips, "vendor", "Canonical vendor of the accelerator (accelerator_models.vendor).")


def _host_processors_total() -> pa.Field:
    return new("number_of_nodes × host_processors_per_node (CPU sockets in the system).", "processors", "2")


def _measured() -> pa.Field:
    return new("The value in the unit it measures, in the unit the official label intends: the log's own figure "
               "where the published number is in another unit than its label (v5.1 whisper Offline: 709.5 samples/s "
               "where the table publishes 45,024 tokens/s labelled Samples/s), else the published result.",
               "see `units`", "709.5")


def _measured_units() -> pa.Field:
    return new("Units of `result` (Samples/s, Queries/s, Tokens/s, Latency (ms), Streams).", example="Samples/s")


def _published_result() -> pa.Field:
    return new("The result as MLCommons publishes it (inference_results.result), in published_units.", example="45024.4")


def _published_units() -> pa.Field:
    return new("The official table's label of published_result (inference_results.units); it may name another unit "
               "than the number is in.", example="Samples/s")


def _submitter_name() -> pa.Field:
    return new("The submitter by one name across rounds and suites: folder spellings that differ only in case are one "
               "submitter, named as in its latest round (stg_submitters).", example="NVIDIA")


def _benchmark_name() -> pa.Field:
    return same(_Scores, "benchmark_name")


def _availability() -> pa.Field:
    return same(_Systems, "availability")


class SystemHardware(pa.DataFrameModel):
    suite: str = same(_Systems, "suite")
    round: str = same(_Systems, "round")
    division: str = same(_Systems, "division")
    submitter: str = same(_Systems, "submitter")
    system: str = same(_Systems, "system")
    system_name: str = same(_Systems, "system_name")
    system_type: str = same(_Systems, "system_type")
    availability: str = same(_Systems, "availability")
    number_of_nodes: int = same(_Systems, "number_of_nodes")
    accelerators_per_node: int = same(_Systems, "accelerators_per_node")
    accelerators_total: int = same(_Systems, "accelerators_total")
    host_processors_total: int = _host_processors_total()
    cpu_only: bool = new("True when the system has no accelerator (accelerators_total 0 or unknown).")
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    accelerator_vendor: str = _vendor()
    accelerator_family: str = same(_Chips, "family")
    accelerator_chip: str = same(_Chips, "chip")
    accelerator: str = _accelerator()
    accelerator_memory_gb: float = same(_Chips, "memory_gb")
    accelerator_form_factor: str = same(_Chips, "form_factor")
    accelerator_reason: str = same(_Chips, "reason")
    host_processor_model_name: str = same(_Systems, "host_processor_model_name")
    framework: str = same(_Systems, "framework")


class StgSubmitters(pa.DataFrameModel):
    submitter: str = new("Submitter folder name as spelled in some round.", example="nvidia")
    submitter_name: str = _submitter_name()


class StgInferenceResults(pa.DataFrameModel):
    round: str = same(_Results, "round")
    division: str = same(_Results, "division")
    model: str = same(_Results, "model")
    scenario: str = same(_Results, "scenario")
    submitter: str = same(_Results, "submitter")
    submitter_name: str = _submitter_name()
    system: str = same(_Results, "system")
    benchmark: str = same(_Results, "benchmark")
    scenario_dir: str = same(_Results, "scenario_dir")
    valid: bool = same(_Results, "valid")
    invalid_reason: str = same(_Results, "invalid_reason")
    published: bool = same(_Results, "published")
    system_name: str = same(_Systems, "system_name")
    system_type: str = same(_Systems, "system_type")
    availability: str = _availability()
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    accelerator_chip: str = same(_Chips, "chip")
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    number_of_nodes: int = same(_Systems, "number_of_nodes")
    accelerators_total: int = same(_Systems, "accelerators_total")
    sockets_total: int = new("CPU sockets in the system (system_hardware.host_processors_total).", "processors")
    result: float = _measured()
    units: str = _measured_units()
    published_result: float = _published_result()
    published_units: str = _published_units()
    throughput_samples_per_second: float = new("Offline, Server, Interactive: the log's samples/s (Offline "
                                               "samples_per_second, else completed_samples_per_second).", "samples/s")
    throughput_tokens_per_second: float = new("LLM Offline, Server, Interactive: the log's tokens/s (tokens_per_second, "
                                              "else completed, else inferred).", "tokens/s")
    target_latency_ns: int = same(_Results, "target_latency_ns")
    latency_p99_ns: int = same(_Results, "latency_p99_ns")
    power_result: float = same(_Power, "power_result")
    power_units: str = same(_Power, "power_units")
    average_watts: float = same(_Power, "average_watts")
    performance_per_watt: float = same(_Power, "performance_per_watt")
    accuracy_text: str = same(_Results, "accuracy_text")
    source_path: str = same(_Results, "source_path")


class StgTrainingScores(pa.DataFrameModel):
    round: str = same(_Scores, "round")
    division: str = same(_Scores, "division")
    benchmark: str = same(_Scores, "benchmark")
    benchmark_name: str = _benchmark_name()
    submitter: str = same(_Scores, "submitter")
    submitter_name: str = _submitter_name()
    system: str = same(_Scores, "system")
    valid: bool = same(_Scores, "valid")
    system_name: str = same(_Systems, "system_name")
    availability: str = _availability()
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    number_of_nodes: int = same(_Systems, "number_of_nodes")
    accelerators_per_node: int = same(_Systems, "accelerators_per_node")
    accelerators_total: int = same(_Systems, "accelerators_total")
    host_processors_total: int = _host_processors_total()
    score_minutes: float = same(_Scores, "score_minutes")
    runs_counted: int = same(_Scores, "runs_counted")
    scaling_factor: float = same(_Scores, "scaling_factor")
    source_path: str = same(_Scores, "source_path")


class UnmappedAccelerators(pa.DataFrameModel):
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    systems: int = new("System descriptions that use this name.", "systems")
    first_round: str = new("Earliest round with this name.", example="v3.0")
    last_round: str = new("Latest round with this name.", example="v4.1")


class SystemCatalogue(SystemHardware):
    benchmarks: str = new("Every benchmark with a result, comma-separated (training: benchmark; inference: "
                          "model/scenario); null when none.", example="bert, resnet, ssd")
    benchmark_count: int = new("Number of entries in benchmarks.", "benchmarks")


class TrainingFastest(pa.DataFrameModel):
    round: str = same(_Scores, "round")
    division: str = same(_Scores, "division")
    benchmark: str = same(_Scores, "benchmark")
    rank: int = new("1 = fastest score in (round, division, benchmark); ties share a rank.", example="1")
    submitter: str = same(_Scores, "submitter")
    system: str = same(_Scores, "system")
    system_name: str = same(_Systems, "system_name")
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    number_of_nodes: int = same(_Systems, "number_of_nodes")
    accelerators_total: int = same(_Systems, "accelerators_total")
    score_minutes: float = same(_Scores, "score_minutes")
    runs_counted: int = same(_Scores, "runs_counted")
    scaling_factor: float = same(_Scores, "scaling_factor")
    source_path: str = same(_Scores, "source_path")
    benchmark_name: str = _benchmark_name()
    submitter_name: str = _submitter_name()
    availability: str = _availability()


class TrainingAcceleratorMinutes(pa.DataFrameModel):
    round: str = same(_Scores, "round")
    division: str = same(_Scores, "division")
    benchmark: str = same(_Scores, "benchmark")
    submitter: str = same(_Scores, "submitter")
    system: str = same(_Scores, "system")
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    number_of_nodes: int = same(_Systems, "number_of_nodes")
    accelerators_per_node: int = same(_Systems, "accelerators_per_node")
    accelerators_total: int = same(_Systems, "accelerators_total")
    host_processors_total: int = _host_processors_total()
    score_minutes: float = same(_Scores, "score_minutes")
    accelerator_minutes: float = new("score_minutes × accelerators_total; null for CPU-only systems.",
                                     "accelerator-minutes", "299.25")
    processor_minutes: float = new("score_minutes × host_processors_total (what CPU-only systems are compared by).",
                                   "processor-minutes")
    benchmark_name: str = _benchmark_name()
    availability: str = _availability()


class TrainingBestByAccelerator(pa.DataFrameModel):
    benchmark: str = same(_Scores, "benchmark")
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    accelerators_total: int = same(_Systems, "accelerators_total")
    best_score_minutes: float = new("Fastest valid official score with this accelerator and count, any round or division.",
                                    "minutes", "37.4064")
    accelerator_minutes: float = new("best_score_minutes × accelerators_total.", "accelerator-minutes")
    round: str = new("Round of the best score.", example="v4.0")
    division: str = new("Division of the best score.", example="closed")
    submitter: str = new("Submitter of the best score.", example="Dell")
    system: str = new("System of the best score.", example="XE9680x8H100-SXM-80GB")
    availability: str = new("Availability of that system (available, preview, rdi).", example="available")


class TrainingScaling(pa.DataFrameModel):
    round: str = same(_Scores, "round")
    division: str = same(_Scores, "division")
    benchmark: str = same(_Scores, "benchmark")
    benchmark_name: str = _benchmark_name()
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    accelerators_total: int = same(_Systems, "accelerators_total")
    score_minutes: float = new("Best valid score at this accelerator count.", "minutes")
    submitter: str = new("Submitter of that score.")
    system: str = new("System of that score (ties: the first submitter and system by name).")
    availability: str = new("Availability of that system (available, preview, rdi).", example="available")
    curve_points: int = new("Accelerator counts measured on this curve (round, division, benchmark, accelerator).",
                            "counts", "3")
    baseline_accelerators: int = new("Smallest accelerator count measured for this round, benchmark and accelerator.",
                                     "accelerators", "8")
    baseline_score_minutes: float = new("Best score at the baseline count.", "minutes")
    speedup: float = new("baseline_score_minutes / score_minutes; null on a curve of one point.", "ratio", "1.9")
    ideal_speedup: float = new("accelerators_total / baseline_accelerators (perfectly linear scaling); null on a curve "
                               "of one point.", "ratio", "2.0")
    scaling_efficiency: float = new("speedup / ideal_speedup: 1.0 is perfectly linear; null on a curve of one point.",
                                    "ratio", "0.95")


class TrainingRoundOverRound(pa.DataFrameModel):
    benchmark: str = same(_Scores, "benchmark")
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    round: str = same(_Scores, "round")
    best_accelerator_minutes: float = new("Lowest accelerator_minutes of this accelerator on this benchmark in this round.",
                                          "accelerator-minutes")
    system: str = new("System of that best.")
    submitter: str = new("Submitter of that best.")
    availability: str = new("Availability of that system (available, preview, rdi).", example="preview")
    speedup_vs_previous_round: float = new("Previous round's best / this round's best (above 1: faster); null for the "
                                           "first round.", "ratio", "1.2")


class InferenceLeaderboard(pa.DataFrameModel):
    round: str = same(_Results, "round")
    division: str = same(_Results, "division")
    model: str = same(_Results, "model")
    scenario: str = same(_Results, "scenario")
    submitter: str = same(_Results, "submitter")
    system: str = same(_Results, "system")
    system_name: str = same(_Systems, "system_name")
    system_type: str = same(_Systems, "system_type")
    availability: str = same(_Systems, "availability")
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    accelerators_total: int = same(_Systems, "accelerators_total")
    benchmark: str = same(_Results, "benchmark")
    result: float = _measured()
    units: str = _measured_units()
    power_result: float = same(_Power, "power_result")
    power_units: str = same(_Power, "power_units")
    accuracy_text: str = same(_Results, "accuracy_text")
    source_path: str = same(_Results, "source_path")
    rank: int = new("1 = best in (round, division, model, scenario): highest throughput, or lowest latency when "
                    "units is 'Latency (ms)'.", example="1")
    published_result: float = _published_result()
    published_units: str = _published_units()
    submitter_name: str = _submitter_name()


class InferencePerAccelerator(pa.DataFrameModel):
    round: str = same(_Results, "round")
    division: str = same(_Results, "division")
    model: str = same(_Results, "model")
    scenario: str = same(_Results, "scenario")
    submitter: str = same(_Results, "submitter")
    system: str = same(_Results, "system")
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    accelerator_model_name: str = same(_Systems, "accelerator_model_name")
    number_of_nodes: int = same(_Systems, "number_of_nodes")
    accelerators_total: int = same(_Systems, "accelerators_total")
    sockets_total: int = new("CPU sockets in the system (system_hardware.host_processors_total).", "processors")
    result: float = _measured()
    units: str = _measured_units()
    target_latency_ns: int = same(_Results, "target_latency_ns")
    source_path: str = same(_Results, "source_path")
    result_per_accelerator: float = new("result / accelerators_total; null for CPU-only systems.", "units per accelerator",
                                        "73025.9")
    result_per_socket: float = new("CPU-only systems: result / sockets_total.", "units per socket")
    published_result: float = _published_result()
    published_units: str = _published_units()
    samples_per_second_per_accelerator: float = new("throughput_samples_per_second / accelerators_total.",
                                                    "samples/s per accelerator", "88.7")
    tokens_per_second_per_accelerator: float = new("LLMs: throughput_tokens_per_second / accelerators_total.",
                                                   "tokens/s per accelerator", "5628.0")
    availability: str = _availability()
    submitter_name: str = _submitter_name()


class InferencePerfPerWatt(pa.DataFrameModel):
    round: str = same(_Results, "round")
    division: str = same(_Results, "division")
    model: str = same(_Results, "model")
    scenario: str = same(_Results, "scenario")
    submitter: str = same(_Results, "submitter")
    system: str = same(_Results, "system")
    accelerator: str = _accelerator()
    accelerators_total: int = same(_Systems, "accelerators_total")
    result: float = _measured()
    units: str = _measured_units()
    average_watts: float = same(_Power, "average_watts")
    power_result: float = same(_Power, "power_result")
    power_units: str = same(_Power, "power_units")
    performance_per_watt: float = same(_Power, "performance_per_watt")
    published_result: float = _published_result()
    published_units: str = _published_units()
    availability: str = _availability()


class InferenceServerVsOffline(pa.DataFrameModel):
    round: str = same(_Results, "round")
    division: str = same(_Results, "division")
    model: str = same(_Results, "model")
    submitter: str = same(_Results, "submitter")
    system: str = same(_Results, "system")
    offline_result: float = new("Offline result of the same system and benchmark.", "Samples/s or Tokens/s")
    server_result: float = new("Server result.", "Queries/s or Tokens/s")
    server_units: str = new("Units of server_result.", example="Queries/s")
    server_to_offline: float = new("server_result / offline_result: the throughput kept under the latency bound.",
                                   "ratio", "0.92")
    latency_bound_ms: float = new("Server target latency (target_latency_ns / 1e6).", "ms", "15.0")
    server_p99_latency_ms: float = new("99th percentile latency of the Server run (latency_p99_ns / 1e6).", "ms")
    offline_units: str = new("Units of offline_result.", example="Samples/s")
    availability: str = _availability()


class InferenceRoundOverRound(pa.DataFrameModel):
    model: str = same(_Results, "model")
    scenario: str = same(_Results, "scenario")
    accelerator_vendor: str = _vendor()
    accelerator: str = _accelerator()
    round: str = same(_Results, "round")
    best_result_per_accelerator: float = new("Highest result_per_accelerator of this accelerator, model and scenario "
                                             "in this round.", "units per accelerator")
    units: str = same(_Results, "units")
    system: str = new("System of that best.")
    submitter: str = new("Submitter of that best.")
    availability: str = new("Availability of that system (available, preview, rdi).", example="preview")
    gain_vs_previous_round: float = new("This round's best / the previous round's best (above 1: more); null for the "
                                        "first round.", "ratio", "1.3")


def _official(column: str) -> pa.Field:
    declared = _Official.to_schema().columns[column]
    return same(_Official, column, f"The official table's {column}: {declared.description}")


EDITIONS = ["today", "release day"]
AGREES_WITH = ["both", "today", "release day", "neither", "release day unknown"]


def _edition() -> pa.Field:
    return pa.Field(nullable=True, isin=EDITIONS, metadata={"example": "release day"},
                    description="today: the official table at the commit ingested; release day: the first version of "
                                "that table in the repository's history (only rounds `mlperf-warehouse backfill` "
                                "loaded have one).")


def _release_day_committed_at() -> pa.Field:
    return new("When that first version was committed (UTC): the release day (null: no such row, or the round's "
               "past is not loaded).", "UTC", "2025-09-02 17:02:11+00")


def _release_day_equal(compared: str) -> pa.Field:
    return new(f"Our {compared} equals the release day's (within a relative 1e-9; false: another value, or the release "
               "day's table has no such row); null when the round's past is not loaded (`mlperf-warehouse backfill`) "
               "or there is no value of ours.", example="true")


def _agrees_with(compared: str) -> pa.Field:
    return pa.Field(nullable=True, isin=AGREES_WITH, metadata={"example": "both"},
                    description=f"Which official tables our {compared} equals: both (today's and the release day's), "
                                "today (a table corrected since release day, or ours differs from the first edition), "
                                "release day (the table was edited after release day and ours is the release day's), "
                                "neither; release day unknown: the round's past is not loaded (`mlperf-warehouse "
                                "backfill`), so only today's table is compared (see verdict). Null: no value of ours.")


class StgOfficialResults(pa.DataFrameModel):
    edition: str = _edition()
    suite: str = same(_Official, "suite")
    round: str = same(_Official, "round")
    table_scope: str = same(_Official, "table_scope")
    location: str = same(_Official, "location")
    division: str = same(_Official, "division")
    submitter: str = same(_Official, "submitter")
    system: str = same(_Official, "system")
    benchmark: str = same(_Official, "benchmark")
    scenario_dir: str = same(_Official, "scenario_dir")
    row_id: str = same(_Official, "row_id")
    model: str = same(_Official, "model")
    scenario: str = same(_Official, "scenario")
    result: float = same(_Official, "result")
    units: str = same(_Official, "units")
    accuracy_text: str = same(_Official, "accuracy_text")
    power_result: float = same(_Official, "power_result")
    power_units: str = same(_Official, "power_units")
    inferred: bool = same(_Official, "inferred")
    row_json: str = same(_Official, "row_json")
    source_path: str = same(_Official, "source_path")
    source_commit: str = same(_Official, "source_commit", "Commit the row was read at (release day: the commit that "
                                                          "wrote that first version).")
    committed_at: pl.Datetime("us", "UTC") = new("Release day: when its version was committed (UTC); null today.",
                                                 "UTC", "2025-09-02 17:02:11+00")

    class Config:
        coerce = True  # DuckDB hands a TIMESTAMPTZ to polars in the session's zone: the same instants


class Reconciliation(pa.DataFrameModel):
    round: str = same(_Official, "round")
    location: str = same(_Official, "location")
    division: str = same(_Official, "division")
    submitter: str = same(_Official, "submitter")
    system: str = same(_Official, "system")
    benchmark: str = same(_Official, "benchmark")
    scenario_dir: str = same(_Official, "scenario_dir")
    official_model: str = _official("model")
    model: str = same(_Results, "model")
    official_scenario: str = _official("scenario")
    scenario: str = same(_Results, "scenario")
    official_result: float = _official("result")
    result: float = same(_Results, "result")
    official_units: str = _official("units")
    units: str = same(_Results, "units")
    official_accuracy_text: str = _official("accuracy_text")
    accuracy_text: str = same(_Results, "accuracy_text")
    official_power_result: float = _official("power_result")
    power_result: float = same(_Power, "power_result")
    official_power_units: str = _official("power_units")
    power_units: str = same(_Power, "power_units")
    valid: bool = same(_Results, "valid")
    invalid_reason: str = same(_Results, "invalid_reason")
    official_row_id: str = _official("row_id")
    official_source_path: str = _official("source_path")
    source_path: str = same(_Results, "source_path", "File our result was read from (null: only official).")
    release_day_result: float = new("The result the release day's table publishes for this folder (the first version "
                                    "of the reference table, official_result_versions; null: no such row, or the "
                                    "round's past is not loaded).", "see `release_day_units`", "8840.42")
    release_day_units: str = new("Units the release day's table prints.", example="Tokens/s")
    release_day_commit: str = new("Commit that wrote the release day's table.", example="4d3916ac9cf4e2e0d1c8f6b1a3e5d7c9b2a4f6e8")
    release_day_committed_at: pl.Datetime("us", "UTC") = _release_day_committed_at()
    verdict: str = pa.Field(nullable=True, isin=["equal", "different", "only official", "only ours", "ours invalid"],
                            description="different (another value beyond a relative 1e-9, other units where the table "
                                        "prints units, or no value of ours: whatever our validity verdict), ours "
                                        "invalid (same value and units, but our checker rules drop a result the table "
                                        "publishes), equal, only official (no result of ours in that folder), only ours "
                                        "(a valid result of ours the table does not list).",
                            metadata={"example": "equal"})
    ours_invalid: bool = new("On an official row with a result of ours: our checker rules drop that result (a row can be "
                             "different and ours invalid at once); null otherwise.", example="false")
    accuracy_equal: bool = new("The accuracy text as the table prints it, on every official row with a result of ours "
                               "(a bare number, as older checkers' csv files print the first metric's value (v4.1 "
                               "submitters'), against our first metric's value; null: the table prints none, or no "
                               "result of ours).",
                               example="true")
    power_equal: bool = new("The power result and its units as the table prints them, within a relative 1e-9, on every "
                            "official row with a result of ours (null: neither has a power result).", example="true")
    release_day_equal: bool = _release_day_equal("result and units")
    agrees_with: str = _agrees_with("result")

    class Config:
        coerce = True  # DuckDB hands a TIMESTAMPTZ to polars in the session's zone: the same instants


class StgOfficialTrainingScores(pa.DataFrameModel):
    edition: str = _edition()
    suite: str = same(_OfficialTraining, "suite")
    round: str = same(_OfficialTraining, "round")
    division: str = same(_OfficialTraining, "division")
    submitter: str = same(_OfficialTraining, "submitter")
    system: str = same(_OfficialTraining, "system")
    benchmark: str = same(_OfficialTraining, "benchmark")
    score_minutes: float = same(_OfficialTraining, "score_minutes")
    system_name: str = same(_OfficialTraining, "system_name")
    row_json: str = same(_OfficialTraining, "row_json")
    source_path: str = same(_OfficialTraining, "source_path")
    source_commit: str = same(_OfficialTraining, "source_commit", "Commit of results_branch the summary was read at "
                                                                  "(release day: the commit that wrote its first version).")
    committed_at: pl.Datetime("us", "UTC") = new("Release day: when its version was committed (UTC); null today.",
                                                 "UTC", "2025-06-03 17:02:11+00")
    folder: str = same(_Scores, "submitter", "The submitter folder of the system description the row names (the "
                                             "summary's submitter when no description matches).")

    class Config:
        coerce = True  # DuckDB hands a TIMESTAMPTZ to polars in the session's zone: the same instants


class TrainingReconciliation(pa.DataFrameModel):
    round: str = same(_Scores, "round")
    division: str = same(_Scores, "division")
    submitter: str = same(_Scores, "submitter")
    official_submitter: str = same(_OfficialTraining, "submitter")
    system: str = same(_Scores, "system")
    benchmark: str = same(_Scores, "benchmark")
    official_score_minutes: float = same(_OfficialTraining, "score_minutes", "The score MLCommons' summary publishes.")
    score_minutes: float = same(_Scores, "score_minutes")
    valid: bool = same(_Scores, "valid")
    reason: str = same(_Scores, "reason")
    rules_checked: bool = same(_Scores, "rules_checked")
    official_source_path: str = same(_OfficialTraining, "source_path", "The official summary file (null: only ours).")
    official_source_commit: str = same(_OfficialTraining, "source_commit", "Commit of results_branch it was read at.")
    source_path: str = same(_Scores, "source_path", "Results folder of our score (null: only official).")
    release_day_score_minutes: float = new("The score the release day's summary publishes (its first version on "
                                           "results_branch, official_training_score_versions; null: no such score, or "
                                           "the round's past is not loaded).", "minutes", "10.217058333333332")
    release_day_commit: str = new("Commit of results_branch that wrote the release day's summary.",
                                  example="4d3916ac9cf4e2e0d1c8f6b1a3e5d7c9b2a4f6e8")
    release_day_committed_at: pl.Datetime("us", "UTC") = _release_day_committed_at()
    verdict: str = pa.Field(nullable=True, isin=["equal", "different", "only official", "only ours", "ours invalid"],
                            description="equal (within a relative 1e-9), different, only official (no score row of "
                                        "ours), ours invalid (our rules give no score where the summary has one), only "
                                        "ours (a valid score of ours the summary does not list).",
                            metadata={"example": "equal"})
    release_day_equal: bool = _release_day_equal("score")
    agrees_with: str = _agrees_with("score")

    class Config:
        coerce = True  # DuckDB hands a TIMESTAMPTZ to polars in the session's zone: the same instants


class WithdrawnResults(pa.DataFrameModel):
    suite: str = same(_Changes, "suite")
    round: str = same(_Changes, "round")
    table_name: str = same(_Changes, "table_name", "inference_results or training_scores.")
    division: str = same(_Results, "division")
    submitter: str = same(_Results, "submitter")
    system: str = same(_Results, "system")
    benchmark: str = same(_Results, "benchmark")
    scenario: str = same(_Results, "scenario", "Scenario (null: a training score).")
    row_key: str = same(_Changes, "row_key")
    old_values: str = same(_Changes, "old_values", "The whole row as it was last loaded (JSON object).")
    last_commit_with_it: str = same(_Changes, "old_commit", "The last commit loaded that had it.")
    withdrawn_in_commit: str = same(_Changes, "new_commit", "The first commit loaded without it.")
    withdrawn_seen_at: pl.Datetime("us", "UTC") = same(_Changes, "seen_at", "When the warehouse loaded that commit (UTC).")

    class Config:
        coerce = True  # DuckDB hands a TIMESTAMPTZ to polars in the session's zone ('Etc/UTC' here): the same instants


# Every view, by name (= its file name in warehouse/views/).
VIEWS: dict[str, type[pa.DataFrameModel]] = {
    "stg_submitters": StgSubmitters,
    "stg_inference_results": StgInferenceResults,
    "stg_training_scores": StgTrainingScores,
    "system_hardware": SystemHardware,
    "unmapped_accelerators": UnmappedAccelerators,
    "system_catalogue": SystemCatalogue,
    "training_fastest": TrainingFastest,
    "training_accelerator_minutes": TrainingAcceleratorMinutes,
    "training_best_by_accelerator": TrainingBestByAccelerator,
    "training_scaling": TrainingScaling,
    "training_round_over_round": TrainingRoundOverRound,
    "inference_leaderboard": InferenceLeaderboard,
    "inference_per_accelerator": InferencePerAccelerator,
    "inference_perf_per_watt": InferencePerfPerWatt,
    "inference_server_vs_offline": InferenceServerVsOffline,
    "inference_round_over_round": InferenceRoundOverRound,
    "stg_official_results": StgOfficialResults,
    "reconciliation": Reconciliation,
    "stg_official_training_scores": StgOfficialTrainingScores,
    "training_reconciliation": TrainingReconciliation,
    "withdrawn_results": WithdrawnResults,
}


def view_sql() -> dict[str, str]:
    """The SQL of every views/*.sql, by view name."""
    return {
        f.name.removesuffix(".sql"): f.read_text().strip().rstrip(";")
        for f in sorted((resources.files("warehouse") / "views").iterdir(), key=lambda f: f.name)
        if f.name.endswith(".sql")
    }


def view_description(sql: str) -> str:
    """The view's header comment (the `--` lines before the SQL), as one paragraph."""
    header = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        header.append(line.removeprefix("--").strip())
    return " ".join(header)


def undeclared_columns(con) -> list[str]:
    """Every difference between the columns the views return and their declarations here (empty: all declared)."""
    problems = []
    for view, model in VIEWS.items():
        returned = dict(con.execute(
            "select column_name, data_type from information_schema.columns where table_name = ?", [view]).fetchall())
        declared = {name: sql_type(col.dtype.type, col.metadata) for name, col in model.to_schema().columns.items()}
        for name in sorted(returned.keys() | declared.keys()):
            if name not in declared:
                problems.append(f"{view}.{name}: returned, not declared")
            elif name not in returned:
                problems.append(f"{view}.{name}: declared, not returned")
            elif returned[name] != declared[name]:
                problems.append(f"{view}.{name}: {declared[name]} declared, {returned[name]} returned")
    return problems
