"""The single declaration of every warehouse table: columns, types, checks, meaning and unit.

The DuckDB DDL (warehouse/ddl.py) and the data dictionary (docs/) are generated from these models.
Field metadata: `unit` for the dictionary, `sql` to override the SQL type (JSON columns).
"""

from __future__ import annotations

import polars as pl
import pandera.polars as pa

SUITES = ["training", "inference"]
ROUND = r"^v\d+\.\d+$"
JSON = {"sql": "JSON"}


def _key(description: str, example: str | None = None, **checks) -> pa.Field:
    metadata = checks.pop("metadata", None) or {}
    if example is not None:
        metadata["example"] = example
    return pa.Field(description=description, metadata=metadata or None, **checks)


def _opt(description: str, unit: str | None = None, example: str | None = None, **checks) -> pa.Field:
    metadata = {k: v for k, v in (("unit", unit), ("example", example)) if v is not None}
    return pa.Field(nullable=True, description=description, metadata=metadata or None, **checks)


def _json(description: str, nullable: bool = True) -> pa.Field:
    return pa.Field(nullable=nullable, description=description, metadata=JSON)


def _source_path() -> pa.Field:
    return _key("File the row was read from, relative to the repository root.")


def _source_commit() -> pa.Field:
    return _key("Commit of the repository the file was read at.", str_matches=r"^[0-9a-f]{40}$")


class Sources(pa.DataFrameModel):
    """One row per ingested repository: which commit the warehouse holds."""

    repo_url: str = _key("URL the repository was cloned from.", "https://github.com/mlcommons/training_results_v4.0")
    suite: str = _key("MLPerf suite.", isin=SUITES)
    round: str = _key("MLPerf round, e.g. v4.0.", "v4.0", str_matches=ROUND)
    commit_sha: str = _key("Commit ingested.", str_matches=r"^[0-9a-f]{40}$")
    ingested_at: pl.Datetime("us", "UTC") = _key("When this commit was ingested (UTC).")
    files_parsed: int = _key("Files read and parsed when this commit was ingested (unchanged files are re-used).", ge=0)
    parser_fingerprint: str = _key("Hash of the parsing code: a new parser re-parses every repository.")

    class Config:
        strict = True
        unique = ["suite", "round"]


class Systems(pa.DataFrameModel):
    """One row per system description JSON (`systems/<system>.json`), typed; the JSON kept whole."""

    suite: str = _key("MLPerf suite.", isin=SUITES)
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _opt("closed, open or network (inference: from the path; training: from the JSON).")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("File stem of the JSON; the results folder of this system has the same name.", "XE9680x8H100-SXM-80GB")
    system_name: str = _opt("Marketing name of the system.")
    status: str = _opt("Availability as written by the submitter (onprem, cloud, available, preview, rdi…).")
    availability: str = _opt("Official category derived from status.", isin=["available", "preview", "rdi"])
    system_type: str = _opt("Inference only: datacenter, edge or both.")
    number_of_nodes: int = _opt("Nodes in the system.", "nodes", ge=0)
    accelerators_per_node: int = _opt("Accelerators per node; 0 for CPU-only systems.", "accelerators", ge=0)
    accelerators_total: int = _opt("number_of_nodes × accelerators_per_node.", "accelerators", ge=0)
    accelerator_model_name: str = _opt("Accelerator as written by the submitter.", example="NVIDIA H100-SXM5-80GB")
    accelerator_memory_capacity: str = _opt("Accelerator memory, free text as written (e.g. '80 GB').")
    host_processor_model_name: str = _opt("Host CPU model.")
    host_processors_per_node: int = _opt("CPU sockets per node.", "processors", ge=0)
    host_processor_core_count: int = _opt("Cores per CPU; null when not a plain number ('N/A', '4 (big); 4 (LITTLE)').", "cores", ge=0)
    host_memory_capacity: str = _opt("Host memory, free text as written (e.g. '2.0 TB').")
    framework: str = _opt("Software framework(s).")
    operating_system: str = _opt("Operating system.")
    is_network: bool = _opt("Inference network division: is_network ('True' as written becomes true).")
    network_type: str = _opt("Network division: network type, as written.")
    network_media: str = _opt("Network division: media, as written.")
    network_rate: str = _opt("Network division: link rate, as written (e.g. '200Gbits/sec').")
    network_protocol: str = _opt("Network division: protocol, as written.")
    nic_sut: str = _opt("Network division: NICs of the system under test.")
    nic_loadgen: str = _opt("Network division: NICs of the load generator.")
    number_connections: str = _opt("Network division: connections, as written.")
    raw_json: str = _json("The original system description, whole (a duplicated key keeps its last value).", nullable=False)
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["suite", "round", "submitter", "system", "division"]


class TrainingRuns(pa.DataFrameModel):
    """One row per training result log (`<submitter>/results/<system>/<benchmark>/result_N.txt`)."""

    suite: str = _key("Always training.", isin=["training"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _opt("closed or open: the system JSON's division, else the log's submission_division.")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("Results folder name = systems JSON stem.")
    benchmark: str = _key("Benchmark folder name (resnet, bert, llama2_70b_lora…).", "ssd")
    run_index: int = _opt("N of result_N.txt; null when the file is named otherwise.", ge=0)
    run_label: str = _key("File name between 'result_' and '.txt'; unique per system and benchmark.")
    status: str = _opt("run_stop status: success or aborted.")
    run_start_ms: float = _key("run_start time_ms (Unix epoch).", ge=0)
    run_stop_ms: float = _key("run_stop time_ms (Unix epoch).", ge=0)
    time_to_train_min: float = _key("(run_stop_ms − run_start_ms) / 60000.", "37.4166", ge=0, metadata={"unit": "minutes"})
    final_eval_accuracy: float = _opt("Value of the last eval_accuracy when it is a number.")
    final_eval_json: str = _json("Last eval_accuracy value as JSON (Mask R-CNN {BBOX, SEGM}; stable diffusion {FID, CLIP}).")
    eval_count: int = _key("Number of eval_accuracy events.", ge=0)
    quality_target: str = _opt("Closed-division quality target of this benchmark and round (official compliance rules).")
    reached_target: bool = _opt("True when an eval_accuracy reached quality_target; null when no target is known.")
    global_batch_size: int = _opt("global_batch_size.", "samples", ge=0)
    local_batch_size: int = _opt("local_batch_size (per accelerator).", "samples", ge=0)
    optimizer: str = _opt("opt_name.")
    base_learning_rate: float = _opt("*base_learning_rate (opt_, lars_opt_…).")
    warmup_epochs: float = _opt("*learning_rate_warmup_epochs.", "epochs")
    warmup_steps: float = _opt("*learning_rate_warmup_steps or num_warmup_steps.", "steps")
    weight_decay: float = _opt("*weight_decay or *weight_decay_rate.")
    gradient_accumulation_steps: int = _opt("gradient_accumulation_steps.", ge=0)
    seed: int = _opt("First seed logged (null when it does not fit a signed 64-bit integer).")
    train_samples: int = _opt("train_samples.", "samples", ge=0)
    eval_samples: int = _opt("eval_samples.", "samples", ge=0)
    hyperparameters: str = _json("Every configuration event before run_start (first value of each key).", nullable=False)
    mllog_events: int = _key("MLLOG events decoded from the file.", ge=0)
    mllog_bad_lines: int = _key("MLLOG lines that could not be decoded (each one is in rejects).", ge=0)
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "submitter", "system", "benchmark", "run_label"]

    @pa.dataframe_check(error="run_stop_ms is earlier than run_start_ms")
    def stop_after_start(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("run_stop_ms") >= pl.col("run_start_ms"))


class TrainingEvals(pa.DataFrameModel):
    """One row per eval_accuracy event of a training run."""

    suite: str = _key("Always training.", isin=["training"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    submitter: str = _key("Submitter folder name.")
    system: str = _key("Results folder name.")
    benchmark: str = _key("Benchmark folder name.")
    run_label: str = _key("Run, as in training_runs.run_label.")
    epoch_num: float = _opt("metadata.epoch_num of the event.")
    samples_count: int = _opt("metadata.samples_count of the event.", "samples", ge=0)
    metric: str = _opt("metadata.metric of the event (stable diffusion: FID or CLIP).")
    time_ms: float = _key("Event time_ms (Unix epoch).")
    minutes_since_run_start: float = _key("(time_ms − run_start_ms) / 60000.", metadata={"unit": "minutes"})
    accuracy: float = _opt("The value when it is a number.")
    accuracy_bbox: float = _opt("Mask R-CNN: BBOX mAP.")
    accuracy_segm: float = _opt("Mask R-CNN: SEGM mAP.")
    value_json: str = _json("The value as logged, as JSON.", nullable=False)
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True


class TrainingScores(pa.DataFrameModel):
    """The official score of each (round, division, submitter, system, benchmark), by the round's rules."""

    suite: str = _key("Always training.", isin=["training"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _opt("closed or open.")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("Results folder name.")
    benchmark: str = _key("Benchmark folder name.")
    runs_total: int = _key("Result logs found for this benchmark, including unreadable ones.", ge=0)
    runs_required: int = _opt("Runs the rules require for this benchmark in this round.", ge=1)
    runs_counted: int = _key("Runs averaged into the score after dropping the fastest and slowest.", ge=0)
    runs_failed: int = _key("Runs dropped as not converged (see docs/scoring.md).", ge=0)
    score_min: float = _opt("Official score: mean of the counted runs' time_to_train_min × scaling_factor.", "minutes", "37.4064", ge=0)
    unscaled_score_min: float = _opt("The same mean before the RCP scaling factor.", "minutes", ge=0)
    scaling_factor: float = _key("From scaling.json beside the logs (RCP convergence penalty); 1 when absent.", gt=0)
    fastest_run_min: float = _opt("Fastest successful run.", "minutes", ge=0)
    valid: bool = _key("True when the rules produce a score.")
    reason: str = _opt("Why there is no score (not enough runs, too many failed runs).")
    source_path: str = _key("Results folder of the runs.")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "division", "submitter", "system", "benchmark"]


class InferenceResults(pa.DataFrameModel):
    """One row per inference result: (round, division, submitter, system, benchmark, scenario).
    Latency statistics are kept as logged: a few open-division logs report a negative minimum."""

    suite: str = _key("Always inference.", isin=["inference"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _key("closed, open or network.")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("Results folder name = systems JSON stem.")
    benchmark: str = _key("Benchmark folder name (resnet50, llama2-70b-99, or an open-division name).")
    model: str = _key("Official model key (resnet50 → resnet; open division via model_mapping.json).", "llama2-70b-99")
    scenario: str = _key("Offline, Server, SingleStream, MultiStream or Interactive.", isin=["Offline", "Server", "SingleStream", "MultiStream", "Interactive"])
    scenario_dir: str = _key("Scenario folder as spelled in the repository (may be lower case).")
    result: float = _opt("The published result: the round's headline metric of the detail log, in `units`.", example="21589.2", ge=0)
    units: str = _opt("Units as the official table prints them: Samples/s, Queries/s, Tokens/s, Latency (ms).", example="Tokens/s")
    result_metric: str = _opt("Detail-log figure the result comes from (column of this table), or how it was inferred.")
    inferred: bool = _key("True when the result is inferred from a run of another scenario (e.g. Offline from SingleStream), as the checker does.")
    valid: bool = _key("True when the official checker's rules accept the result (see invalid_reason).")
    invalid_reason: str = _opt("Why a result is not valid.")
    result_validity: str = _opt("loadgen's own verdict (result_validity): VALID or INVALID.")
    samples_per_second: float = _opt("Offline: result_samples_per_second.", "samples/s", ge=0)
    scheduled_samples_per_second: float = _opt("Server: result_scheduled_samples_per_sec.", "samples/s", ge=0)
    completed_samples_per_second: float = _opt("Server: result_completed_samples_per_sec.", "samples/s", ge=0)
    tokens_per_second: float = _opt("LLM Offline: result_tokens_per_second.", "tokens/s", ge=0)
    completed_tokens_per_second: float = _opt("LLM Server: result_completed_tokens_per_second.", "tokens/s", ge=0)
    inferred_tokens_per_second: float = _opt("gptj Offline: result_inferred_tokens_per_second.", "tokens/s", ge=0)
    inferred_completed_tokens_per_second: float = _opt("gptj Server: result_inferred_completed_tokens_per_second.", "tokens/s", ge=0)
    qps_with_loadgen_overhead: float = _opt("SingleStream: result_qps_with_loadgen_overhead.", "queries/s", ge=0)
    qps_without_loadgen_overhead: float = _opt("SingleStream: result_qps_without_loadgen_overhead.", "queries/s", ge=0)
    early_stopping_latency_ss_ns: int = _opt("SingleStream early-stopping 90th percentile estimate.", "ns", ge=0)
    early_stopping_latency_ms_ns: int = _opt("Early-stopping 99th percentile per-query estimate (MultiStream; SingleStream too).", "ns", ge=0)
    early_stopping_met: bool = _opt("early_stopping_met.")
    latency_min_ns: int = _opt("result_min_latency_ns.", "ns")
    latency_mean_ns: int = _opt("result_mean_latency_ns.", "ns")
    latency_max_ns: int = _opt("result_max_latency_ns.", "ns")
    latency_p50_ns: int = _opt("50th percentile latency.", "ns")
    latency_p90_ns: int = _opt("90th percentile latency.", "ns")
    latency_p95_ns: int = _opt("95th percentile latency.", "ns")
    latency_p97_ns: int = _opt("97th percentile latency.", "ns")
    latency_p99_ns: int = _opt("99th percentile latency.", "ns")
    latency_p999_ns: int = _opt("99.9th percentile latency.", "ns")
    query_latency_mean_ns: int = _opt("MultiStream: mean per-query latency.", "ns")
    query_latency_p99_ns: int = _opt("MultiStream: 99th percentile per-query latency.", "ns")
    ttft_mean_ns: int = _opt("LLM: mean time to first token.", "ns")
    ttft_p50_ns: int = _opt("LLM: 50th percentile time to first token.", "ns")
    ttft_p90_ns: int = _opt("LLM: 90th percentile time to first token.", "ns")
    ttft_p99_ns: int = _opt("LLM: 99th percentile time to first token.", "ns")
    tpot_mean_ns: int = _opt("LLM: mean time per output token.", "ns")
    tpot_p50_ns: int = _opt("LLM: 50th percentile time per output token.", "ns")
    tpot_p90_ns: int = _opt("LLM: 90th percentile time per output token.", "ns")
    tpot_p99_ns: int = _opt("LLM: 99th percentile time per output token.", "ns")
    target_qps: float = _opt("effective_target_qps.", "queries/s", ge=0)
    target_latency_ns: int = _opt("effective_target_latency_ns (Server latency bound; 0 = unset).", "ns", ge=0)
    ttft_latency_limit_ns: int = _opt("LLM Server: requested TTFT bound.", "ns")
    tpot_latency_limit_ns: int = _opt("LLM Server: requested TPOT bound.", "ns")
    min_duration_ms: int = _opt("effective_min_duration_ms.", "ms", ge=0)
    min_query_count: int = _opt("effective_min_query_count.", ge=0)
    performance_sample_count: int = _opt("effective_performance_sample_count.", "samples", ge=0)
    samples_per_query: int = _opt("effective_samples_per_query.", "samples", ge=0)
    query_count: int = _opt("result_query_count.", "queries", ge=0)
    qsl_rng_seed: pl.UInt64 = _opt("effective_qsl_rng_seed (unsigned 64-bit).")
    sample_index_rng_seed: pl.UInt64 = _opt("effective_sample_index_rng_seed (unsigned 64-bit).")
    schedule_rng_seed: pl.UInt64 = _opt("effective_schedule_rng_seed (unsigned 64-bit).")
    loadgen_version: str = _opt("loadgen_version, e.g. '4.1 @ a248595cf5'.")
    test_datetime: pl.Datetime("us", "UTC") = _opt("test_datetime of the run (UTC).")
    sut_name: str = _opt("sut_name.")
    error_count: int = _key("MLLOG events flagged is_error.", ge=0)
    warning_count: int = _key("MLLOG events flagged is_warning.", ge=0)
    has_power: bool = _key("A power log (performance/run_1/spl.txt) accompanies the result.")
    accuracy: str = _opt("Accuracy as the official table prints it, e.g. 'mAP: 37.358'.")
    accuracy_met: bool = _opt("Every accuracy target of the model met (null: no accuracy.txt).")
    compliance_passed: bool = _opt("Every compliance test found passed (null: none found).")
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "division", "submitter", "system", "benchmark", "scenario"]


class InferencePower(pa.DataFrameModel):
    """Power of the results measured with a power analyzer, by the official rules."""

    suite: str = _key("Always inference.", isin=["inference"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _key("closed, open or network.")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("Results folder name.")
    benchmark: str = _key("Benchmark folder name.")
    model: str = _key("Official model key.")
    scenario: str = _key("Scenario.")
    samples: int = _key("Power samples inside the run's power_begin..power_end window with W > 0.", ge=0)
    window_s: float = _key("power_end − power_begin of the run.", ge=0, metadata={"unit": "seconds"})
    average_watts: float = _opt("Mean of those samples.", "W", ge=0)
    energy_per_query_mj: float = _opt("SingleStream/MultiStream: average_watts × window_s × 1000 / result_query_count.", "mJ", ge=0)
    power_result: float = _opt("The published power result (Watts, or millijoules per query), rounded to 10 decimals as published.", ge=0)
    power_units: str = _opt("Watts or millijoules.", isin=["Watts", "millijoules"])
    performance_per_watt: float = _opt("Offline/Server: result / average_watts; SingleStream/MultiStream: samples per query × 1000 / mJ (queries per joule × samples).", ge=0)
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True


class InferenceAccuracy(pa.DataFrameModel):
    """One row per accuracy metric found in a result's accuracy.txt, with the round's target."""

    suite: str = _key("Always inference.", isin=["inference"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _key("closed, open or network.")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("Results folder name.")
    benchmark: str = _key("Benchmark folder name.")
    model: str = _key("Official model key (the -99 / -99.9 variant decides the target).")
    scenario: str = _key("Scenario.")
    metric: str = _key("Metric name as the official checker calls it (acc, mAP, F1, AUC, DICE, ROUGE1, FID_SCORE…).", "mAP")
    value: float = _key("The value in accuracy.txt.")
    target: float = _opt("Lower bound the round's rules require for this model (null: not a target metric).")
    upper_limit: float = _opt("Upper bound, where the rules have one (TOKENS_PER_SAMPLE, FID, CLIP…).")
    met: bool = _opt("value ≥ target and ≤ upper_limit (null when neither applies).")
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True


class InferenceCompliance(pa.DataFrameModel):
    """One row per compliance verification file (TEST01/04/05/06 verify_performance.txt / verify_accuracy.txt)."""

    suite: str = _key("Always inference.", isin=["inference"])
    round: str = _key("MLPerf round.", str_matches=ROUND)
    division: str = _key("closed, open or network.")
    submitter: str = _key("Submitter folder name.")
    system: str = _key("System folder name.")
    benchmark: str = _key("Benchmark folder name.")
    scenario: str = _opt("Scenario (canonical case).")
    test: str = _key("Test folder: TEST01, TEST04, TEST04-A, TEST05, TEST06…", "TEST01")
    verify: str = _key("performance or accuracy.", isin=["performance", "accuracy"])
    passed: bool = _opt("TEST PASS → true, TEST FAIL → false (TEST06: all checks True or Skipped).")
    reference_score: float = _opt("Score of the submitted run (TEST04-A score for TEST04-A/B).")
    test_score: float = _opt("Score of the compliance run (TEST04-B score for TEST04-A/B).")
    details: str = _json("The checks and counts printed by the verification, as JSON.", nullable=False)
    source_path: str = _source_path()
    source_commit: str = _source_commit()

    class Config:
        strict = True


class AcceleratorModels(pa.DataFrameModel):
    """How accelerator names, spelled many ways by submitters, map to one canonical chip (first matching pattern)."""

    priority: int = _key("Order of the patterns: the first one that matches a name wins.", ge=0)
    pattern: str = _key("Regular expression, matched case-insensitively against accelerator_model_name.", "h100.*pcie")
    vendor: str = _key("Canonical vendor.")
    family: str = _key("Architecture or product family (Hopper, CDNA3, TPU…).")
    model: str = _key("Canonical chip (H100, MI300X, TPU v5p…).", "H100")
    memory_gb: float = _opt("Memory of one accelerator.", "GB", ge=0)
    form_factor: str = _opt("SXM, PCIe, OAM, Superchip, Module…")

    class Config:
        strict = True
        unique = ["priority"]


class Rejects(pa.DataFrameModel):
    """Every file or row that could not be loaded, with the reason."""

    suite: str = _key("MLPerf suite.", isin=SUITES)
    round: str = _key("MLPerf round.", str_matches=ROUND)
    source_path: str = _key("File (or folder) concerned.")
    source_commit: str = _key("Commit it was read at.")
    stage: str = _key("Where it failed: discover, read, parse, validate.", "parse", isin=["discover", "read", "parse", "validate"])
    reason: str = _key("What is wrong, in words.", "no run_stop event: the run never finished or the log is truncated")

    class Config:
        strict = True


class IngestRuns(pa.DataFrameModel):
    """One row per `ingest` run that published the warehouse, including runs that found nothing new."""

    run_id: str = _key("Unique id of the run.")
    started_at: pl.Datetime("us", "UTC") = _key("Start (UTC).")
    finished_at: pl.Datetime("us", "UTC") = _key("End (UTC).")
    seconds: float = _key("Wall time.", ge=0, metadata={"unit": "seconds"})
    repos: int = _key("Repositories ingested.", ge=0)
    files_parsed: int = _key("Files read and parsed.", ge=0)
    rows_loaded: str = _json("Rows loaded per table, as a JSON object.", nullable=False)
    rejects: int = _key("Rejects recorded in this run.", ge=0)
    failed_repos: str = _json("Repositories that could not be synced, with the error.", nullable=False)
    build_fingerprint: str = _key("Hash of the code that built the warehouse and of the accelerator map: a run with "
                                  "the same hash and unchanged upstream commits has nothing to rebuild.")

    class Config:
        strict = True


# Tables rewritten whole on every run (reference data), rather than per (suite, round) or appended.
WHOLE_TABLES = {"accelerator_models"}

# Load order; every table of the warehouse.
TABLES: dict[str, type[pa.DataFrameModel]] = {
    "sources": Sources,
    "systems": Systems,
    "training_runs": TrainingRuns,
    "training_evals": TrainingEvals,
    "training_scores": TrainingScores,
    "inference_results": InferenceResults,
    "inference_power": InferencePower,
    "inference_accuracy": InferenceAccuracy,
    "inference_compliance": InferenceCompliance,
    "accelerator_models": AcceleratorModels,
    "rejects": Rejects,
    "ingest_runs": IngestRuns,
}
