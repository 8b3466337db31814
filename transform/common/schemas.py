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
SHA = "c557e10925d4062f5480eee3ab130e6b350fadbe"


def _key(description: str, example: str | None = None, unit: str | None = None, **checks) -> pa.Field:
    metadata = checks.pop("metadata", None) or {}
    metadata |= {k: v for k, v in (("unit", unit), ("example", example)) if v is not None}
    return pa.Field(description=description, metadata=metadata or None, **checks)


def _opt(description: str, unit: str | None = None, example: str | None = None, **checks) -> pa.Field:
    metadata = {k: v for k, v in (("unit", unit), ("example", example)) if v is not None}
    return pa.Field(nullable=True, description=description, metadata=metadata or None, **checks)


def _json(description: str, example: str, nullable: bool = True) -> pa.Field:
    return pa.Field(nullable=nullable, description=description, metadata=JSON | {"example": example})


def _source_path(example: str) -> pa.Field:
    return _key("File the row was read from, relative to the repository root.", example)


def _source_commit() -> pa.Field:
    return _key("Commit of the repository ingested: the file as it is at that commit (also when its parse output was re-used from an earlier one).", SHA, str_matches=r"^[0-9a-f]{40}$")


class Sources(pa.DataFrameModel):
    """One row per ingested repository: which commit the warehouse holds."""

    repo_url: str = _key("URL the repository was cloned from.", "https://github.com/mlcommons/training_results_v4.0")
    suite: str = _key("MLPerf suite.", isin=SUITES, example="training")
    round: str = _key("MLPerf round, e.g. v4.0.", "v4.0", str_matches=ROUND)
    commit_sha: str = _key("Commit ingested.", str_matches=r"^[0-9a-f]{40}$", example="c557e10925d4062f5480eee3ab130e6b350fadbe")
    ingested_at: pl.Datetime("us", "UTC") = _key("When this commit was ingested (UTC).", unit="UTC", example="2026-12-01 02:00:14+00")
    files_parsed: int = _key("Files read and parsed when this commit was ingested (unchanged files are re-used).", ge=0, unit="files", example="248")
    parser_fingerprint: str = _key("Hash of the parsing code: a new parser re-parses every repository.", example="f43b0278e1dc…")
    official_commit: str = _opt("Commit of the repository's `results_branch` whose MLCommons summary was read with it "
                                "(training from v6.0); null where there is none. A new summary alone re-ingests the round.",
                                str_matches=r"^[0-9a-f]{40}$", example="9d1e0c57a3b2f4e6d8c0a1b3c5d7e9f0a2b4c6d8")

    class Config:
        strict = True
        unique = ["suite", "round"]


class Systems(pa.DataFrameModel):
    """One row per system description JSON (`systems/<system>.json`), typed; the JSON kept whole."""

    suite: str = _key("MLPerf suite.", isin=SUITES, example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.0")
    division: str = _opt("closed, open or network (inference: from the path; training: from the JSON).", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("File stem of the JSON; the results folder of this system has the same name.", "XE9680x8H100-SXM-80GB")
    system_name: str = _opt("Marketing name of the system.", example="XE9680x8H100-SXM-80GB")
    status: str = _opt("Availability as written by the submitter (onprem, cloud, available, preview, rdi…).", example="available")
    availability: str = _opt("Official category derived from status.", isin=["available", "preview", "rdi"], example="available")
    system_type: str = _opt("Inference only: datacenter, edge or both.", example="datacenter")
    number_of_nodes: int = _opt("Nodes in the system.", "nodes", ge=0, example="1")
    accelerators_per_node: int = _opt("Accelerators per node; 0 for CPU-only systems.", "accelerators", ge=0, example="8")
    accelerators_total: int = _opt("number_of_nodes × accelerators_per_node.", "accelerators", ge=0, example="8")
    accelerator_model_name: str = _opt("Accelerator as written by the submitter.", example="NVIDIA H100-SXM5-80GB")
    accelerator_memory_capacity: str = _opt("Accelerator memory, free text as written (e.g. '80 GB').", example="80 GB")
    host_processor_model_name: str = _opt("Host CPU model.", example="Intel(R) Xeon(R) Platinum 8480+")
    host_processors_per_node: int = _opt("CPU sockets per node.", "processors", ge=0, example="2")
    host_processor_core_count: int = _opt("Cores per CPU; null when not a plain number ('N/A', '4 (big); 4 (LITTLE)').", "cores", ge=0, example="56")
    host_memory_capacity: str = _opt("Host memory, free text as written (e.g. '2.0 TB').", example="2.0 TB")
    framework: str = _opt("Software framework(s).", example="NGC MXNet 23.09, NGC PyTorch 23.09, NGC HugeCTR 23.09")
    operating_system: str = _opt("Operating system.", example="Red Hat Enterprise Linux 9.1")
    is_network: bool = _opt("Inference network division: is_network ('True' as written becomes true).", example="true")
    network_type: str = _opt("Network division: network type, as written.", example="Ethernet")
    network_media: str = _opt("Network division: media, as written.", example="Fiber")
    network_rate: str = _opt("Network division: link rate, as written (e.g. '200Gbits/sec').", example="200Gbits/sec")
    network_protocol: str = _opt("Network division: protocol, as written.", example="TCP")
    nic_sut: str = _opt("Network division: NICs of the system under test.")
    nic_loadgen: str = _opt("Network division: NICs of the load generator.")
    number_connections: str = _opt("Network division: connections, as written.", example="1")
    raw_json: str = _json("The original system description, whole (a duplicated key keeps its last value).", '{"submitter": "Dell", "division": "closed", …}', nullable=False)
    source_path: str = _source_path("Dell/systems/XE9680x8H100-SXM-80GB.json")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["suite", "round", "submitter", "system", "division"]


class TrainingRuns(pa.DataFrameModel):
    """One row per training result log (`<submitter>/results/<system>/<benchmark>/result_N.txt`)."""

    suite: str = _key("Always training.", isin=["training"], example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.0")
    division: str = _opt("closed or open: the system JSON's division, else the log's submission_division.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name = systems JSON stem.", example="XE9680x8H100-SXM-80GB")
    benchmark: str = _key("Benchmark folder name (resnet, bert, llama2_70b_lora…).", "ssd")
    run_index: int = _opt("N of result_N.txt; null when the file is named otherwise or N does not fit 64 bits.", ge=0, example="0")
    run_label: str = _key("File name between 'result_' and '.txt'; unique per system and benchmark.", example="0")
    status: str = _opt("run_stop status: success or aborted.", example="success")
    run_start_ms: float = _key("run_start time_ms (Unix epoch).", ge=0, unit="ms since Unix epoch", example="1695099787815")
    run_stop_ms: float = _key("run_stop time_ms (Unix epoch).", ge=0, unit="ms since Unix epoch", example="1695101968586")
    time_to_train_minutes: float = _key("(run_stop_ms − run_start_ms) / 60000.", "37.4166", ge=0, metadata={"unit": "minutes"})
    final_eval_accuracy: float = _opt("Value of the last eval_accuracy when it is a number.", unit="the benchmark's quality metric", example="0.3449")
    final_eval_json: str = _json("Last eval_accuracy value as JSON (Mask R-CNN {BBOX, SEGM}; stable diffusion {FID, CLIP}).", '{"FID": 83.257, "CLIP": 0.1749}')
    eval_count: int = _key("Number of eval_accuracy events.", ge=0, unit="events", example="4")
    quality_target: str = _opt("Quality target of this benchmark and round in the division the log states (the official compliance checker's closed or open check).", example="eval_accuracy >= 0.34 and eval_accuracy < 1")
    reached_target: bool = _opt("True when an eval_accuracy reached quality_target; null when no target is known.", example="true")
    init_minutes: float = _opt("Initialization: init_stop − the first init_start before it, in minutes; null without both.", "minutes", ge=0, example="26.645")
    init_within_limit: bool = _opt("The compliance checker's init-time check (init_stop − first init_start strictly below the round's limit for the log's division); false: the official tools drop the run; null when the round has no limit or the log lacks init events or its division.", example="true")
    duplicate_of: str = _opt("source_path of an earlier log (in path order) of the same submitter, round and benchmark with the same run_start_ms and run_stop_ms: the same run committed twice; the official summarizer counts both.", example="smc-ac-power/results/1xSMC-H100-SXM-80GB/dlrm_dcnv2/result_4952-240509201759124491233_06.txt")
    global_batch_size: int = _opt("global_batch_size.", "samples", ge=0, example="256")
    local_batch_size: int = _opt("local_batch_size (per accelerator).", "samples", ge=0, example="32")
    optimizer: str = _opt("opt_name.", example="adam")
    base_learning_rate: float = _opt("*base_learning_rate (opt_, lars_opt_…).", example="8.5e-05")
    warmup_epochs: float = _opt("*learning_rate_warmup_epochs.", "epochs", example="0.0")
    warmup_steps: float = _opt("*learning_rate_warmup_steps or num_warmup_steps.", "steps", example="0")
    weight_decay: float = _opt("*weight_decay or *weight_decay_rate.", example="0.0001")
    gradient_accumulation_steps: int = _opt("gradient_accumulation_steps.", ge=0, unit="steps", example="1")
    seed: int = _opt("First seed logged (null when it does not fit a signed 64-bit integer).", example="2558892819")
    train_samples: int = _opt("train_samples.", "samples", ge=0, example="1170301")
    eval_samples: int = _opt("eval_samples.", "samples", ge=0, example="24781")
    hyperparameters: str = _json("Every configuration event, logged before or after run_start (first value of each key).", '{"opt_name": "adam", "global_batch_size": 256, …}', nullable=False)
    mllog_events: int = _key("MLLOG events decoded from the file.", ge=0, unit="events", example="154")
    mllog_bad_lines: int = _key("MLLOG lines that could not be decoded (each one is in rejects).", ge=0, unit="lines", example="0")
    source_path: str = _source_path("Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "submitter", "system", "benchmark", "run_label"]

    @pa.dataframe_check(error="run_stop_ms is earlier than run_start_ms")
    def stop_after_start(cls, data) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("run_stop_ms") >= pl.col("run_start_ms"))


class TrainingEvals(pa.DataFrameModel):
    """One row per eval_accuracy event of a training run."""

    suite: str = _key("Always training.", isin=["training"], example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.0")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name.", example="XE9680x8H100-SXM-80GB")
    benchmark: str = _key("Benchmark folder name.", example="ssd")
    run_label: str = _key("Run, as in training_runs.run_label.", example="0")
    epoch_num: float = _opt("metadata.epoch_num of the event.", unit="epochs", example="4.0")
    samples_count: int = _opt("metadata.samples_count of the event.", "samples", ge=0, example="1170301")
    metric: str = _opt("metadata.metric of the event (stable diffusion: FID or CLIP).", example="FID")
    time_ms: float = _key("Event time_ms (Unix epoch).", unit="ms since Unix epoch", example="1695101968500")
    minutes_since_run_start: float = _key("(time_ms − run_start_ms) / 60000.", metadata={"unit": "minutes"}, example="36.34")
    accuracy: float = _opt("The value when it is a number.", unit="the benchmark's quality metric", example="0.3449")
    accuracy_bbox: float = _opt("Mask R-CNN: BBOX mAP.", unit="mAP", example="0.377")
    accuracy_segm: float = _opt("Mask R-CNN: SEGM mAP.", unit="mAP", example="0.339")
    value_json: str = _json("The value as logged, as JSON.", '0.3449', nullable=False)
    source_path: str = _source_path("Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt")
    source_commit: str = _source_commit()

    class Config:
        strict = True


class TrainingScores(pa.DataFrameModel):
    """The official score of each (round, division, submitter, system, benchmark), by the round's rules."""

    suite: str = _key("Always training.", isin=["training"], example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.0")
    division: str = _opt("closed or open.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name.", example="XE9680x8H100-SXM-80GB")
    benchmark: str = _key("Benchmark folder name.", example="ssd")
    benchmark_name: str = _key("The benchmark by one name across rounds, from the round's rules file (`ssd` is ssd-resnet34 until v1.1 and retinanet from v2.0, the folder `retinanet` from v5.0); what views compare rounds on.", example="retinanet")
    runs_total: int = _key("Result logs found for this benchmark, including unreadable ones.", ge=0, unit="runs", example="5")
    runs_required: int = _opt("Runs the rules require for this benchmark in this round.", ge=1, unit="runs", example="5")
    runs_counted: int = _key("Runs averaged into the score after dropping the fastest and slowest.", ge=0, unit="runs", example="3")
    runs_failed: int = _key("Runs dropped as not converged (see docs/scoring.md).", ge=0, unit="runs", example="0")
    score_minutes: float = _opt("Official score: mean of the counted runs' time_to_train_minutes × scaling_factor.", "minutes", "37.4064", ge=0)
    unscaled_score_minutes: float = _opt("The same mean before the RCP scaling factor.", "minutes", ge=0, example="37.4064")
    scaling_factor: float = _key("From scaling.json beside the logs (RCP convergence penalty); 1 when absent.", gt=0, unit="ratio", example="1.0")
    fastest_run_minutes: float = _opt("Fastest successful run.", "minutes", ge=0, example="36.2393")
    valid: bool = _key("True when the rules produce a score.", example="true")
    rules_checked: bool = _key("True when a reviewed rules file of the round (transform/training/rules/<round>.toml) names this benchmark; false: judged by rules derived from the installed mlperf-logging package and not yet reviewed, or not judged at all (rules_note says which).", example="true")
    rules_note: str = _opt("Why the score is not judged by a reviewed rules file.", example="no rules file for training v6.1 (transform/training/rules/v6.1.toml) and no ruleset for it in an installed mlperf-logging: not judged")
    reason: str = _opt("Why there is no score (not enough runs, too many failed runs, no rules for the benchmark), and what else the rules say about the runs (dropped for initialization time, duplicate runs), in sentences separated by '; '.", example="5 runs required, 3 found")
    energy_j: float = _opt("Energy of the score, where the runs have power logs: the counted runs' training_power.energy_j averaged (the same runs dropped as for score_minutes) × scaling_factor, as the official result summarizer.", "J", "16384267.95")
    energy_reason: str = _opt("Why a folder with power logs has no energy_j (a counted run the official summarizer stops on, or no score).", example="run 3: node_0.txt: power_measurement_start and the end of the window are at the same time_ms …")
    source_path: str = _key("Results folder of the runs.", example="Dell/results/XE9680x8H100-SXM-80GB/ssd")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "division", "submitter", "system", "benchmark"]


class TrainingPower(pa.DataFrameModel):
    """One row per training run with power logs (`<benchmark>/power/<result>/node_N.txt`, `sw_N.txt`): its energy by the
    official result summarizer's formula (docs/scoring.md)."""

    suite: str = _key("Always training.", isin=["training"], example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.1")
    division: str = _opt("closed or open, as the run's.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name.", example="8xXE9680x8H100-SXM-80GB-POWER")
    benchmark: str = _key("Benchmark folder name.", example="llama2_70b_lora")
    run_label: str = _key("Run, as in training_runs.run_label (the power folder is named after the result log).", example="0")
    node_files: int = _key("node_*.txt files of the run.", ge=0, unit="files", example="8")
    switch_files: int = _key("sw_*.txt files of the run.", ge=0, unit="files", example="1")
    node_readings: int = _key("Node power_reading events inside their windows (the ones integrated).", ge=0, unit="readings", example="2289")
    conversion_efficiency: float = _opt("conversion_eff of the node files (1 when not logged); null when they differ.", unit="ratio", example="0.96")
    window_start_ms: float = _opt("Earliest power_measurement_start of the node files.", unit="ms since Unix epoch", example="1728509259000")
    window_stop_ms: float = _opt("Latest end of the node windows (power_measurement_stop, else the last reading).", unit="ms since Unix epoch", example="1728509569000")
    window_seconds: float = _opt("window_stop_ms − window_start_ms, in seconds.", "seconds", "310.0")
    node_energy_j: float = _opt("Σ over node files of conversion_eff × ∫ W dt over its window × time to train / window length.", "J", "16143281.64")
    switch_energy_j: float = _opt("Σ over switch files of conversion_eff × interconnect_power_est × time to train (0 for a switch that logs readings only).", "J", "0.0")
    energy_j: float = _opt("node_energy_j + switch_energy_j, summed in the official tool's order; null when the official tool stops on this run (note says why).", "J", "16143281.64")
    average_watts: float = _opt("energy_j / time to train.", "W", "54922.76")
    note: str = _opt("Why energy_j is null, or what the official formula leaves out (switch readings without an estimate).", example="sw_0.txt: 310 power_readings and no interconnect_power_est: the official formula counts 0 J for this switch")
    source_path: str = _source_path("Dell/results/8xXE9680x8H100-SXM-80GB-POWER/llama2_70b_lora/power/result_0")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "submitter", "system", "benchmark", "run_label"]


class InferenceResults(pa.DataFrameModel):
    """One row per inference result: (round, division, submitter, system, benchmark, scenario).
    Latency statistics are kept as logged: a few open-division logs report a negative minimum."""

    suite: str = _key("Always inference.", isin=["inference"], example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.1")
    division: str = _key("closed, open or network.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name = systems JSON stem.", example="XE9680_H100_SXM_80GBx8_TRT")
    benchmark: str = _key("Benchmark folder name (resnet50, llama2-70b-99, or an open-division name).", example="resnet50")
    model: str = _key("Official model key (resnet50 → resnet; open division via model_mapping.json).", "llama2-70b-99")
    scenario: str = _key("Offline, Server, SingleStream, MultiStream or Interactive.", isin=["Offline", "Server", "SingleStream", "MultiStream", "Interactive"], example="Offline")
    scenario_dir: str = _key("Scenario folder as spelled in the repository (may be lower case).", example="Offline")
    result: float = _opt("The published result: the round's headline metric of the detail log, in `units`.", example="21589.2", ge=0, unit="see `units`")
    units: str = _opt("Units as the official table prints them: Samples/s, Queries/s, Tokens/s, Latency (ms).", example="Tokens/s")
    result_metric: str = _opt("Detail-log figure the result comes from (column of this table), or how it was inferred.", example="samples_per_second")
    inferred: bool = _key("True when the result is inferred from a run of another scenario (e.g. Offline from SingleStream), as the checker does.", example="false")
    valid: bool = _key("True when the official checker's rules accept the result (see invalid_reason).", example="true")
    invalid_reason: str = _opt("Why a result is not valid.", example="accuracy target not met")
    result_validity: str = _opt("loadgen's own verdict (result_validity): VALID or INVALID.", example="VALID")
    samples_per_second: float = _opt("Offline: result_samples_per_second.", "samples/s", ge=0, example="709849")
    scheduled_samples_per_second: float = _opt("Server: result_scheduled_samples_per_sec.", "samples/s", ge=0, example="584210")
    completed_samples_per_second: float = _opt("Server: result_completed_samples_per_sec.", "samples/s", ge=0, example="584207")
    tokens_per_second: float = _opt("LLM Offline: result_tokens_per_second.", "tokens/s", ge=0, example="24109.8")
    completed_tokens_per_second: float = _opt("LLM Server: result_completed_tokens_per_second.", "tokens/s", ge=0, example="21589.2")
    inferred_tokens_per_second: float = _opt("gptj Offline: result_inferred_tokens_per_second.", "tokens/s", ge=0, example="2579.51")
    inferred_completed_tokens_per_second: float = _opt("gptj Server: result_inferred_completed_tokens_per_second.", "tokens/s", ge=0, example="2405.86")
    qps_with_loadgen_overhead: float = _opt("SingleStream: result_qps_with_loadgen_overhead.", "queries/s", ge=0, example="4174.2")
    qps_without_loadgen_overhead: float = _opt("SingleStream: result_qps_without_loadgen_overhead.", "queries/s", ge=0, example="4187.1")
    early_stopping_latency_ss_ns: int = _opt("SingleStream early-stopping 90th percentile estimate.", "ns", ge=0, example="238835")
    early_stopping_latency_ms_ns: int = _opt("Early-stopping 99th percentile per-query estimate (MultiStream; SingleStream too).", "ns", ge=0, example="2187731")
    early_stopping_met: bool = _opt("early_stopping_met.", example="true")
    latency_min_ns: int = _opt("result_min_latency_ns.", "ns", example="201583")
    latency_mean_ns: int = _opt("result_mean_latency_ns.", "ns", example="239012")
    latency_max_ns: int = _opt("result_max_latency_ns.", "ns", example="1480322")
    latency_p50_ns: int = _opt("50th percentile latency.", "ns", example="237610")
    latency_p90_ns: int = _opt("90th percentile latency.", "ns", example="238829")
    latency_p95_ns: int = _opt("95th percentile latency.", "ns", example="240311")
    latency_p97_ns: int = _opt("97th percentile latency.", "ns", example="242020")
    latency_p99_ns: int = _opt("99th percentile latency.", "ns", example="13502330")
    latency_p999_ns: int = _opt("99.9th percentile latency.", "ns", example="18440117")
    query_latency_mean_ns: int = _opt("MultiStream: mean per-query latency.", "ns", example="2101544")
    query_latency_p99_ns: int = _opt("MultiStream: 99th percentile per-query latency.", "ns", example="2187731")
    ttft_mean_ns: int = _opt("LLM: mean time to first token.", "ns", example="404134838")
    ttft_p50_ns: int = _opt("LLM: 50th percentile time to first token.", "ns", example="390211002")
    ttft_p90_ns: int = _opt("LLM: 90th percentile time to first token.", "ns", example="430046581")
    ttft_p99_ns: int = _opt("LLM: 99th percentile time to first token.", "ns", example="473977293")
    tpot_mean_ns: int = _opt("LLM: mean time per output token.", "ns", example="143074787")
    tpot_p50_ns: int = _opt("LLM: 50th percentile time per output token.", "ns", example="146864683")
    tpot_p90_ns: int = _opt("LLM: 90th percentile time per output token.", "ns", example="172358166")
    tpot_p99_ns: int = _opt("LLM: 99th percentile time per output token.", "ns", example="179798757")
    target_qps: float = _opt("effective_target_qps.", "queries/s", ge=0, example="585000")
    target_latency_ns: int = _opt("effective_target_latency_ns (Server latency bound; 0 = unset).", "ns", ge=0, example="15000000")
    ttft_latency_limit_ns: int = _opt("LLM Server: requested TTFT bound.", "ns", example="2000000000")
    tpot_latency_limit_ns: int = _opt("LLM Server: requested TPOT bound.", "ns", example="200000000")
    min_duration_ms: int = _opt("effective_min_duration_ms.", "ms", ge=0, example="600000")
    min_query_count: int = _opt("effective_min_query_count.", ge=0, unit="queries", example="100")
    performance_sample_count: int = _opt("effective_performance_sample_count.", "samples", ge=0, example="2048")
    samples_per_query: int = _opt("effective_samples_per_query.", "samples", ge=0, example="1")
    query_count: int = _opt("result_query_count.", "queries", ge=0, example="1439041")
    qsl_rng_seed: str = _opt("effective_qsl_rng_seed: an unsigned 64-bit integer as exact decimal text (BI drivers fail on integers from 2^63).", example="3066443479025735752")
    sample_index_rng_seed: str = _opt("effective_sample_index_rng_seed: an unsigned 64-bit integer as exact decimal text (BI drivers fail on integers from 2^63).", example="10688027786191513374")
    schedule_rng_seed: str = _opt("effective_schedule_rng_seed: an unsigned 64-bit integer as exact decimal text (BI drivers fail on integers from 2^63).", example="14962580496156340209")
    loadgen_version: str = _opt("loadgen_version, e.g. '4.1 @ a248595cf5'.", example="4.1 @ a248595cf5")
    test_datetime: pl.Datetime("us", "UTC") = _opt("test_datetime of the run (UTC); null when it is not an ISO time or its offset moves it out of years 1–9999.", unit="UTC", example="2024-07-26 14:55:17+00")
    sut_name: str = _opt("sut_name.", example="PySUT")
    error_count: int = _key("MLLOG events flagged is_error.", ge=0, unit="events", example="0")
    warning_count: int = _key("MLLOG events flagged is_warning.", ge=0, unit="events", example="0")
    has_power: bool = _key("A power log (performance/run_1/spl.txt) accompanies the result.", example="false")
    accuracy_text: str = _opt("Accuracy as the official table prints it (the numbers are in inference_accuracy).", example="mAP: 37.358")
    accuracy_met: bool = _opt("Every accuracy target of the model met (null: no accuracy.txt).", example="true")
    compliance_passed: bool = _opt("Every compliance test found passed (null: none found).", example="true")
    # issue 10: rules as data, one file per round (transform/inference/rules/<round>.toml)
    rules_checked: bool = _key("True when the round's rules file covers this model: result, units, accuracy and validity are the round checker's; false: judged by loadgen's verdict only (rules_note says why).", example="true")
    rules_note: str = _opt("Why the result is not checked by its round's rules (no rules file for the round, or the model is not in it).", example="no rules file for inference v6.1")
    result_measures: str = _opt("What `result` really measures (Samples/s, Queries/s, Tokens/s, Latency (ms), Streams); it differs from `units` where the official label is odd (v5.1 whisper Offline: units Samples/s, measures Tokens/s).", example="Tokens/s")
    published: bool = _opt("Whether the round's report publishes this model and scenario for the system's suite (the report generator's filter_scenarios); null when unknown.", example="true")
    source_path: str = _source_path("closed/Dell/results/XE9680_H100_SXM_80GBx8_TRT/resnet50/Offline/performance/run_1/mlperf_log_detail.txt")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "division", "submitter", "system", "benchmark", "scenario"]


class InferencePower(pa.DataFrameModel):
    """Power of the results measured with a power analyzer, by the official rules."""

    suite: str = _key("Always inference.", isin=["inference"], example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.1")
    division: str = _key("closed, open or network.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name.", example="XE9680_H100_SXM_80GBx8_TRT")
    benchmark: str = _key("Benchmark folder name.", example="resnet50")
    model: str = _key("Official model key.", example="resnet")
    scenario: str = _key("Scenario.", example="Offline")
    samples: int = _key("Power samples inside the run's power_begin..power_end window with W > 0.", ge=0, unit="samples", example="653")
    window_s: float = _key("power_end − power_begin of the run.", ge=0, metadata={"unit": "seconds"}, example="600.4")
    average_watts: float = _opt("Mean of those samples.", "W", ge=0, example="516.56")
    energy_per_query_mj: float = _opt("SingleStream/MultiStream: average_watts × window_s × 1000 / result_query_count (before v2.0 the checker's estimate of the query count).", "mJ", ge=0, example="61.32")
    power_result: float = _opt("The published power result (Watts, or millijoules per query), rounded to 10 decimals as published.", ge=0, unit="see power_units (W or mJ)", example="516.559")
    power_units: str = _opt("Watts, or per query millijoules (Joules before v3.0; Joules/Stream for v1.1 MultiStream), as the round's table prints it.", isin=["Watts", "millijoules", "Joules", "Joules/Stream"], example="Watts")
    performance_per_watt: float = _opt("Offline/Server: result / average_watts; SingleStream/MultiStream: samples per query × 1000 / mJ (queries per joule × samples).", ge=0, unit="result units per W (or samples per J)", example="205.6")
    source_path: str = _source_path("closed/Dell/results/XE9680_H100_SXM_80GBx8_TRT/resnet50/Offline/performance/run_1/spl.txt")
    source_commit: str = _source_commit()

    class Config:
        strict = True


class InferenceAccuracy(pa.DataFrameModel):
    """One row per accuracy metric found in a result's accuracy.txt, with the round's target."""

    suite: str = _key("Always inference.", isin=["inference"], example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.1")
    division: str = _key("closed, open or network.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("Results folder name.", example="XE9680_H100_SXM_80GBx8_TRT")
    benchmark: str = _key("Benchmark folder name.", example="resnet50")
    model: str = _key("Official model key (the -99 / -99.9 variant decides the target).", example="resnet")
    scenario: str = _key("Scenario.", example="Offline")
    metric: str = _key("Metric name as the official checker calls it (acc, mAP, F1, AUC, DICE, ROUGE1, FID_SCORE…).", "mAP")
    value: float = _key("The value in accuracy.txt.", unit="the metric's own (%, mAP, ROUGE…)", example="76.078")
    target: float = _opt("Lower bound the round's rules require for this model (null: not a target metric).", unit="as value", example="75.6954")
    upper_limit: float = _opt("Upper bound, where the rules have one (TOKENS_PER_SAMPLE, FID, CLIP…).", unit="as value", example="323.895")
    met: bool = _opt("value ≥ target and ≤ upper_limit (null when neither applies).", example="true")
    source_path: str = _source_path("closed/Dell/results/XE9680_H100_SXM_80GBx8_TRT/resnet50/Offline/accuracy/accuracy.txt")
    source_commit: str = _source_commit()

    class Config:
        strict = True


class InferenceCompliance(pa.DataFrameModel):
    """One row per compliance verification file (TEST01/04/05/06/07/08/09 verify_performance.txt /
    verify_accuracy.txt / verify_output_len.txt, an endpoints result's audit/audit_<test>.json), under
    <division>/<submitter>/compliance/ or, from v6.0, in the result's scenario folder."""

    suite: str = _key("Always inference.", isin=["inference"], example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.1")
    division: str = _key("closed, open or network.", example="closed")
    submitter: str = _key("Submitter folder name.", example="Dell")
    system: str = _key("System folder name.", example="XE9680_H100_SXM_80GBx8_TRT")
    benchmark: str = _key("Benchmark folder name.", example="resnet50")
    scenario: str = _opt("Scenario (canonical case).", example="Offline")
    test: str = _key("Test folder: TEST01, TEST04, TEST04-A, TEST05, TEST06…", "TEST01")
    verify: str = _key("performance, accuracy, output_len (TEST09, from v6.0) or audit (an endpoints result's "
                       "audit/audit_<test>.json, v6.1).", isin=["performance", "accuracy", "output_len", "audit"])
    passed: bool = _opt("TEST PASS → true, TEST FAIL → false (TEST06: all checks True or Skipped).", example="true")
    reference_score: float = _opt("Score of the submitted run (TEST04-A score for TEST04-A/B).", unit="the result's units", example="51.8056")
    test_score: float = _opt("Score of the compliance run (TEST04-B score for TEST04-A/B).", unit="the result's units", example="51.7962")
    details: str = _json("The checks and counts printed by the verification, as JSON.", '{"num_acc_log_entries": 330067, "num_acc_log_duplicate_keys": 0, …}', nullable=False)
    source_path: str = _source_path("closed/Dell/compliance/XE9680_H100_SXM_80GBx8_TRT/resnet50/Offline/TEST01/verify_performance.txt")
    source_commit: str = _source_commit()

    class Config:
        strict = True


class OfficialResults(pa.DataFrameModel):
    """One row per result of an official MLCommons results table found in a repository, as published: the round's
    table at the root (inference v5.1 `summary_results.json`, v6.1 `summary.json`) or the submission checker's
    `summary.csv` a submitter committed. Compared with ours in the `reconciliation` view."""

    suite: str = _key("MLPerf suite of the table.", isin=SUITES, example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v5.1")
    table_scope: str = _key("round: the round's table at the repository root; submitter: a checker csv in one submitter's folder.", isin=["round", "submitter"], example="round")
    location: str = _key("The result's folder as the table names it (`./` and `/performance/run_1` taken off); inference: <division>/<submitter>/results/<system>/<model folder>/<scenario folder>.", "closed/AMD/results/8xMI300X_2xEPYC_9575F/llama2-70b-99/Interactive")
    division: str = _opt("From the location (inference).", example="closed")
    submitter: str = _key("Submitter folder, from the location.", example="AMD")
    system: str = _key("System folder, from the location.", example="8xMI300X_2xEPYC_9575F")
    benchmark: str = _key("Model folder, from the location.", example="llama2-70b-99")
    scenario_dir: str = _opt("Inference: scenario folder, from the location (may be lower case).", example="Interactive")
    row_id: str = _key("The row's ID in the table (v5.1 `ID`; v6.1 the row's key; csv: the line number).", example="5.1-0001")
    model: str = _opt("Official model as the table prints it (v5.1 `Model`, checker csv `MlperfModel`).", example="llama2-70b-99")
    scenario: str = _opt("Scenario as the table prints it.", example="Interactive")
    result: float = _key("The published result, in `units`.", unit="see `units`", example="8840.42")
    units: str = _opt("Units as published (null in tables before v2.0, which print none).", example="Tokens/s")
    accuracy_text: str = _opt("Accuracy as published.", example="ROUGE1: 44.4542  ROUGE2: 22.0419  ROUGEL: 28.6112  TOKENS_PER_SAMPLE: 301.1")
    power_result: float = _opt("Published power result (v5.1 `Power_Result`; checker csv: its power row).", unit="see power_units", example="9514.4024077047")
    power_units: str = _opt("Watts or millijoules.", example="Watts")
    inferred: bool = _opt("The table's `inferred` flag.", example="false")
    row_json: str = _json("The published row whole.", '{"ID": "5.1-0001", "Submitter": "AMD", …}', nullable=False)
    source_path: str = _source_path("summary_results.json")
    source_commit: str = _source_commit()

    class Config:
        strict = True
        unique = ["round", "source_path", "location"]


class AcceleratorModels(pa.DataFrameModel):
    """How accelerator names, spelled many ways by submitters, map to one canonical chip (first matching pattern)."""

    priority: int = _key("Order of the patterns: the first one that matches a name wins.", ge=0, example="0")
    pattern: str = _key("Regular expression, matched case-insensitively against accelerator_model_name.", "h100.*pcie")
    vendor: str = _key("Canonical vendor.", example="NVIDIA")
    family: str = _key("Architecture or product family (Hopper, CDNA3, TPU…).", example="Hopper")
    chip: str = _key("Canonical chip (H100, MI300X, TPU v5p…).", "H100")
    memory_gb: float = _opt("Memory of one accelerator.", "GB", ge=0, example="80")
    form_factor: str = _opt("SXM, PCIe, OAM, Superchip, Module…", example="SXM")
    reason: str = _opt("Why a name maps to no single chip (chip 'mixed', 'CPU only' or 'unknown'); a note otherwise.",
                       example="16 MI325X + 8 MI300X in one system")

    class Config:
        strict = True
        unique = ["priority"]


# The rejects of `mlperf-warehouse backfill`: replaced by the next backfill of their round, kept by ingests.
BACKFILL_STAGE = "backfill"
# The tables only a backfill loads.
BACKFILL_TABLES = {"official_result_versions", "official_training_score_versions"}


class Rejects(pa.DataFrameModel):
    """Every file or row that could not be loaded, with the reason."""

    suite: str = _key("MLPerf suite.", isin=SUITES, example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v4.0")
    source_path: str = _key("File (or folder) concerned.", example="Broken/results/sys/ssd/result_2.txt")
    source_commit: str = _key("Commit it was read at.", example="c557e10925d4062f5480eee3ab130e6b350fadbe")
    stage: str = _key("Where it failed: discover, read, parse, validate; history: a change that could not be recorded (the current rows are loaded all the same); backfill: a past version of an official table that `mlperf-warehouse backfill` could not load (source_commit is that version's; the reason starts with the step that failed; the other versions are loaded).", "parse", isin=["discover", "read", "parse", "validate", "history", BACKFILL_STAGE])
    reason: str = _key("What is wrong, in words.", "no run_stop event: the run never finished or the log is truncated")

    class Config:
        strict = True


class OfficialTrainingScores(pa.DataFrameModel):
    """One row per score of MLCommons' own training summary (the result summarizer's `summary.csv`, committed to the
    repository's `results_branch` from v6.0): one per system row and benchmark column with a value. Compared with
    training_scores in the `training_reconciliation` view."""

    suite: str = _key("Always training.", isin=["training"], example="training")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v6.0")
    division: str = _key("closed or open, as the summary's `division`.", example="closed")
    submitter: str = _key("The summary's `submitter`: the system description's name, not always the folder's (`Krai` in `krai/`; the training_reconciliation view maps it).", example="AMD")
    system: str = _key("System folder: the name of the system description its `details_url` links to.", example="MI350X_EPYC_9575F_primus")
    benchmark: str = _key("The summary's benchmark column.", example="llama2_70b_lora")
    score_minutes: float = _key("The published score.", "minutes", "10.217058333333332")
    system_name: str = _opt("The summary's `system` (the description's system_name).", example="smci350-rck-g03-b18-40 (AS -8126GS-TNMR)")
    row_json: str = _json("The published row whole.", '{"division": "closed", "submitter": "AMD", …}', nullable=False)
    source_path: str = _source_path("results_branch:summary.csv")
    source_commit: str = _key("Commit of `results_branch` the summary was read at.", SHA, str_matches=r"^[0-9a-f]{40}$")

    class Config:
        strict = True
        unique = ["round", "division", "submitter", "system", "benchmark"]


def _version_commit() -> pa.Field:
    return _key("Commit of this version of the table (the commit that wrote it).", SHA, str_matches=r"^[0-9a-f]{40}$")


def _committed_at() -> pa.Field:
    return _key("When this version was committed (committer date, UTC): the table as of a date D is the version with "
                "committed_at <= D and (superseded_at is null or superseded_at > D).", unit="UTC", example="2026-04-01 17:02:11+00")


def _superseded_at() -> pa.Field:
    return _opt("When the next version of the same file was committed, or the file deleted (null: the current version).",
                unit="UTC", example="2026-04-03 09:40:52+00")


class OfficialResultVersions(OfficialResults):
    """Every version of each official inference table in a repository's history (`mlperf-warehouse backfill`): the
    rows of official_results as each commit that touched the file left them, with that commit and its date."""

    source_commit: str = _version_commit()
    committed_at: pl.Datetime("us", "UTC") = _committed_at()
    superseded_at: pl.Datetime("us", "UTC") = _superseded_at()

    class Config:
        strict = True
        unique = ["round", "source_path", "location", "source_commit"]


class OfficialTrainingScoreVersions(OfficialTrainingScores):
    """Every version of MLCommons' training summary on `results_branch` (`mlperf-warehouse backfill`): the rows of
    official_training_scores as each commit of the branch left them, with that commit and its date."""

    source_commit: str = _version_commit()
    committed_at: pl.Datetime("us", "UTC") = _committed_at()
    superseded_at: pl.Datetime("us", "UTC") = _superseded_at()

    class Config:
        strict = True
        unique = ["round", "division", "submitter", "system", "benchmark", "source_commit"]


CHANGE_KINDS = ["added", "removed", "changed"]
CAUSES = ["first seen", "upstream", "parser", "upstream and parser"]


class RoundVersions(pa.DataFrameModel):
    """One row per commit of a round the warehouse loaded (appended, never replaced): which commit it held before,
    why the rows were rebuilt, the upstream commits in between, and how many rows changed (the rows are in
    `changes`). A round's first load is one 'first seen' row, not a row per result: its first state is the current
    tables with every later change undone."""

    run_id: str = _opt("ingest_runs.run_id of the run that loaded it (null: loaded by a tool outside `ingest`).", example="feebe32f-808a-4c48-b5ed-0c02d0dba80a")
    suite: str = _key("MLPerf suite.", isin=SUITES, example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v6.0")
    commit_sha: str = _key("Commit loaded.", SHA, str_matches=r"^[0-9a-f]{40}$")
    previous_commit: str = _opt("Commit the warehouse held before (null: first seen).", SHA, str_matches=r"^[0-9a-f]{40}$")
    cause: str = _key("first seen; upstream (a new commit, or a new MLCommons summary on results_branch); parser (the same commit parsed by other code: its changes are ours, not MLCommons'); upstream and parser.", isin=CAUSES, example="upstream")
    seen_at: pl.Datetime("us", "UTC") = _key("When the run loaded it (UTC): the retrieval date to cite.", unit="UTC", example="2026-12-01 02:00:14+00")
    upstream_commits: int = _opt("Commits from previous_commit to commit_sha upstream (null: first seen, or previous_commit is no longer in upstream's history).", ge=0, unit="commits", example="3")
    upstream_messages: str = _json("Those commits, newest first, at most 50: [{commit, date, subject}] (subjects as written upstream: untrusted text).", '[{"commit": "4d3916ac9cf4…", "date": "2026-04-02T10:11:12+00:00", "subject": "Fix logs"}]')
    rows_added: int = _key("Rows of the round's tables in `changes` as added.", ge=0, unit="rows", example="2")
    rows_removed: int = _key("Rows in `changes` as removed.", ge=0, unit="rows", example="1")
    rows_changed: int = _key("Rows in `changes` as changed.", ge=0, unit="rows", example="14")

    class Config:
        strict = True


class Changes(pa.DataFrameModel):
    """One row per row of a round's table added, removed or changed between the commit the warehouse held and the
    commit it loaded (appended, never replaced; the current tables hold the new state). Rows are matched by the
    table's key (HISTORY_KEYS); source_commit is not compared (it is the commit itself)."""

    run_id: str = _opt("ingest_runs.run_id of the run that saw it.", example="feebe32f-808a-4c48-b5ed-0c02d0dba80a")
    suite: str = _key("MLPerf suite.", isin=SUITES, example="inference")
    round: str = _key("MLPerf round.", str_matches=ROUND, example="v6.0")
    table_name: str = _key("The table the row is in.", example="inference_results")
    change: str = _key("added, removed or changed.", isin=CHANGE_KINDS, example="changed")
    row_key: str = _json("The row's key columns and values, as a JSON object in key order.", '{"round": "v6.0", "division": "closed", "submitter": "AMD", …}', nullable=False)
    columns_changed: str = _opt("Changed: the columns whose value differs, comma-separated (null otherwise).", example="result,result_metric")
    old_values: str = _json("Changed: those columns' old values; removed: the whole old row (JSON object; null when added).", '{"result": 8840.42}')
    new_values: str = _json("Changed: those columns' new values; added: the whole new row (JSON object; null when removed).", '{"result": 8911.0}')
    old_commit: str = _key("Commit the warehouse held before.", SHA, str_matches=r"^[0-9a-f]{40}$")
    new_commit: str = _key("Commit loaded.", SHA, str_matches=r"^[0-9a-f]{40}$")
    seen_at: pl.Datetime("us", "UTC") = _key("When the run loaded the new commit (UTC).", unit="UTC", example="2026-12-01 02:00:14+00")

    class Config:
        strict = True


class IngestRuns(pa.DataFrameModel):
    """One row per `ingest` run that published the warehouse, including runs that found nothing new."""

    run_id: str = _key("Unique id of the run.", example="feebe32f-808a-4c48-b5ed-0c02d0dba80a")
    started_at: pl.Datetime("us", "UTC") = _key("Start (UTC).", unit="UTC", example="2026-12-01 02:00:00+00")
    finished_at: pl.Datetime("us", "UTC") = _key("End (UTC).", unit="UTC", example="2026-12-01 02:00:58+00")
    seconds: float = _key("Wall time.", ge=0, metadata={"unit": "seconds"}, example="58.2")
    repos: int = _key("Repositories ingested.", ge=0, unit="repositories", example="3")
    files_parsed: int = _key("Files read and parsed.", ge=0, unit="files", example="1057")
    rows_loaded: str = _json("Rows loaded per table, as a JSON object.", '{"systems": 120, "training_runs": 461, …}', nullable=False)
    rejects: int = _key("Rejects recorded in this run.", ge=0, unit="rejects", example="0")
    failed_repos: str = _json("Repositories that could not be synced, with the error.", '[]', nullable=False)
    alarms: str = _json("Rounds of this run that load results they cannot judge (no rules file, a benchmark or model "
                        "unknown to its rules) or whose official table is not reproduced whole (files absent upstream "
                        "aside), with their counts, as a JSON list; `[]` when none. `status --check` exits 7 on any.",
                        '[{"suite": "training", "round": "v6.1", "kind": "not judged", "count": 12, …}]', nullable=True)
    build_fingerprint: str = _key("Hash of the code that built the warehouse and of the accelerator map: a run with "
                                  "the same hash and unchanged upstream commits has nothing to rebuild.",
                                  example="9f2c…")
    timeline: str = _json("Where the run's seconds went: its stages in order, as a JSON list of {stage, start (seconds "
                          "after the run began), seconds}; they follow one another, so they add up to no more than "
                          "`seconds`. imports: the command loading its code; preflight: it asks upstream for its heads "
                          "before Prefect starts; "
                          "prefect start: importing Prefect, a temporary server or a served run being picked up; "
                          "discover: which repositories (a probe for new rounds); sync: fetch, file discovery and "
                          "blobs, with one part per repository; parse: what remains of the parse once every "
                          "repository is synced, with one part per parse task (files parsed and files whose parse "
                          "was re-used); validate; copy, history, load, views, compaction: publishing the file; "
                          "changes, reconcile: the run summary's reads. Parts ran at the same time and may overlap. "
                          "Null for runs before this column existed.",
                          '[{"stage": "sync", "start": 0.41, "seconds": 1.2, "parts": [{"part": "training_results_v5.0", …}]}, …]')

    class Config:
        strict = True


# How the tables join, for the data dictionary: the shared columns that identify the same thing.
RESULT_KEY = "round, division, submitter, system, benchmark, scenario"
JOINS: dict[str, list[str]] = {
    "sources": ["every table with suite and round: on (suite, round)"],
    "systems": ["training_runs, training_scores: on (round, submitter, system) with suite = 'training'",
                "inference_results and the other inference tables: on (round, division, submitter, system) with suite = 'inference'",
                "accelerator_models: accelerator_model_name matches pattern (system_hardware does it)"],
    "training_runs": ["training_evals: on (round, submitter, system, benchmark, run_label)",
                      "training_scores: on (round, division, submitter, system, benchmark)",
                      "training_power: on (round, submitter, system, benchmark, run_label)"],
    "training_evals": ["training_runs: on (round, submitter, system, benchmark, run_label)"],
    "training_scores": ["training_runs: on (round, division, submitter, system, benchmark)"],
    "training_power": ["training_runs: on (round, submitter, system, benchmark, run_label)",
                       "training_scores: on (round, division, submitter, system, benchmark)"],
    "inference_results": [f"inference_power, inference_accuracy, inference_compliance: on ({RESULT_KEY})"],
    "inference_power": [f"inference_results: on ({RESULT_KEY})"],
    "inference_accuracy": [f"inference_results: on ({RESULT_KEY})"],
    "inference_compliance": [f"inference_results: on ({RESULT_KEY})"],
    "official_results": [f"inference_results: location = division/submitter/'results'/system/benchmark/scenario_dir, same round (the reconciliation view)"],
    "official_training_scores": ["training_scores: on (round, division, submitter, system, benchmark) (the training_reconciliation view)"],
    "accelerator_models": ["systems: pattern matches lower(accelerator_model_name), first priority wins (see system_hardware)"],
    "rejects": ["sources: on (suite, round)"],
    "round_versions": ["changes: on (run_id, suite, round)", "ingest_runs: on run_id", "sources: on (suite, round, commit_sha)"],
    "official_result_versions": ["official_results: on (round, source_path, location); the version of a date D: committed_at <= D and (superseded_at is null or superseded_at > D)"],
    "official_training_score_versions": ["official_training_scores: on (round, division, submitter, system, benchmark); the version of a date D as for official_result_versions"],
    "changes": ["round_versions: on (run_id, suite, round)", "the table named by table_name: on its key columns (row_key)"],
}

# The key each table's history matches rows by (a table's unique key, else the columns that identify its row).
# training_evals has none (a run's events may repeat): a corrected log shows as its training_runs row changing.
HISTORY_KEYS: dict[str, list[str]] = {
    "systems": ["division", "submitter", "system"],
    "training_runs": ["submitter", "system", "benchmark", "run_label"],
    "training_scores": ["division", "submitter", "system", "benchmark"],
    "training_power": ["submitter", "system", "benchmark", "run_label"],
    "inference_results": ["division", "submitter", "system", "benchmark", "scenario"],
    "inference_power": ["division", "submitter", "system", "benchmark", "scenario"],
    "inference_accuracy": ["division", "submitter", "system", "benchmark", "scenario", "metric"],
    "inference_compliance": ["division", "submitter", "system", "benchmark", "scenario", "test", "verify"],
    "official_results": ["source_path", "location"],
    "official_training_scores": ["division", "submitter", "system", "benchmark"],
}

# Tables rewritten whole on every run (reference data), rather than per (suite, round) or appended.
WHOLE_TABLES = {"accelerator_models"}
# Tables only ever appended to: the warehouse's history.
HISTORY_TABLES = {"round_versions", "changes"}

# Load order; every table of the warehouse.
TABLES: dict[str, type[pa.DataFrameModel]] = {
    "sources": Sources,
    "systems": Systems,
    "training_runs": TrainingRuns,
    "training_evals": TrainingEvals,
    "training_scores": TrainingScores,
    "training_power": TrainingPower,
    "inference_results": InferenceResults,
    "inference_power": InferencePower,
    "inference_accuracy": InferenceAccuracy,
    "inference_compliance": InferenceCompliance,
    "official_results": OfficialResults,
    "official_training_scores": OfficialTrainingScores,
    "accelerator_models": AcceleratorModels,
    "rejects": Rejects,
    "ingest_runs": IngestRuns,
    "round_versions": RoundVersions,
    "changes": Changes,
    "official_result_versions": OfficialResultVersions,
    "official_training_score_versions": OfficialTrainingScoreVersions,
}
