"""The official inference rules as data: scenario names, model keys, the headline metric per round.

From the MLCommons submission checker (mlcommons/inference, tools/submission) of each round; docs/scoring.md
says which rule comes from where.
"""

from __future__ import annotations

from dataclasses import dataclass

SCENARIOS = {s.lower(): s for s in ("Offline", "Server", "SingleStream", "MultiStream", "Interactive")}

# Folder names the checker maps itself (its per-round "model_mapping"), before the submitter's model_mapping.json.
_FOLDER_TO_MODEL = {"resnet50": "resnet", "mobilenet": "resnet", "ssd-resnet34": "retinanet"}

LLM_TOKEN_MODELS = ("llama2-70b", "mixtral-8x7b", "llama3.1-405b", "llama3.1-8b", "deepseek-r1")


def canonical_scenario(folder: str) -> str | None:
    return SCENARIOS.get(folder.lower())


def model_key(benchmark: str, mapping: dict[str, str] | None) -> str:
    """The official model key of a benchmark folder, in the checker's order: the checker's own map, the
    submitter's model_mapping.json (open division), then its substring guesses."""
    if benchmark in _FOLDER_TO_MODEL:
        return _FOLDER_TO_MODEL[benchmark]
    if mapping and benchmark in mapping:
        return mapping[benchmark]
    if any(part in benchmark for part in ("mobilenet", "efficientnet", "resnet50")):
        return "resnet"
    for variant in ("bert-99.9", "bert-99"):
        if variant in benchmark:
            return variant
    return benchmark


@dataclass(frozen=True)
class Headline:
    column: str  # column of the parsed detail log
    units: str
    divisor: float = 1.0  # ns → ms for latencies


def published_result(detail: dict, model: str, scenario: str) -> tuple[float | None, str | None, bool]:
    """(result, what it comes from, inferred) as the checker computes it. A scenario folder may hold a run of
    another scenario: the checker then infers Offline from SingleStream or MultiStream, MultiStream from SingleStream."""
    logged = canonical_scenario(detail.get("effective_scenario") or "") or scenario
    if logged == "Server" and scenario == "Interactive":
        logged = scenario
    if logged == scenario:
        pick = headline(detail["round"], model, scenario)
        if pick is None or detail[pick.column] is None:
            return None, None, False
        value = detail[pick.column]
        return (value / pick.divisor if pick.divisor != 1 else float(value)), pick.column, False
    if scenario == "Offline" and logged == "SingleStream":
        return detail["qps_without_loadgen_overhead"], "qps_without_loadgen_overhead", True
    if scenario == "Offline" and logged == "MultiStream" and detail["query_latency_mean_ns"] and detail["samples_per_query"]:
        return detail["samples_per_query"] * 1000 / (detail["query_latency_mean_ns"] / 1e6), "samples_per_query / query_latency_mean", True
    if scenario == "MultiStream" and logged == "SingleStream":
        early = _version(detail["round"]) >= (2, 0)
        latency = detail["early_stopping_latency_ms_ns"] if early else detail["latency_p99_ns"]
        if latency is not None:
            return latency * 8 / 1e6, ("early_stopping_latency_ms_ns" if early else "latency_p99_ns") + " × 8", True
    return None, None, True


def _version(round_: str) -> tuple[int, int]:
    major, minor = round_.removeprefix("v").split(".")
    return int(major), int(minor)


def headline(round_: str, model: str, scenario: str) -> Headline | None:
    """Which detail-log figure is the published result, in which units (INFERENCE_FORMAT §4.1)."""
    version = _version(round_)
    llm = model.startswith(LLM_TOKEN_MODELS)
    if model.startswith("gptj") and version >= (4, 1):
        if scenario == "Offline":
            return Headline("inferred_tokens_per_second", "Tokens/s")
        if scenario == "Server":
            return Headline("inferred_completed_tokens_per_second", "Tokens/s")
    if scenario == "Offline":
        if llm or (model.startswith("whisper") and version >= (5, 1)):
            return Headline("tokens_per_second", "Tokens/s")
        return Headline("samples_per_second", "Samples/s")
    if scenario in ("Server", "Interactive"):
        if llm and version >= (4, 1):
            return Headline("completed_tokens_per_second", "Tokens/s")
        if version >= (4, 1):
            return Headline("completed_samples_per_second", "Queries/s")
        return Headline("scheduled_samples_per_second", "Queries/s")
    if version < (2, 0):
        if scenario == "SingleStream":
            return Headline("latency_p90_ns", "Latency (ms)", 1e6)
        return None  # legacy MultiStream reported a stream count, not a latency
    if model == "llama3.1-8b-edge" and scenario == "SingleStream":
        return Headline("latency_p90_ns", "Latency (ms)", 1e6)
    if scenario == "SingleStream":
        return Headline("early_stopping_latency_ss_ns", "Latency (ms)", 1e6)
    if scenario == "MultiStream":
        return Headline("early_stopping_latency_ms_ns", "Latency (ms)", 1e6)
    return None


@dataclass(frozen=True)
class RoundRules:
    """What the round's submission checker requires (tools/submission/submission_checker.py at the round's tag)."""

    # model → ((metric, lower bound), ...) in the checker's order; upper limits likewise
    accuracy_targets: dict[str, tuple[tuple[str, float], ...]]
    accuracy_upper_limits: dict[str, tuple[tuple[str, float], ...]]
    performance_sample_count: dict[str, int]
    seeds: tuple[int, int, int]  # qsl, sample index, schedule
    server_latency_ns: dict[str, int]
    offline_min_samples_per_query: dict[str, int]
    llm_latency_limits_ns: dict[str, tuple[int, int]]  # model → (TTFT p99, TPOT p99), Server only
    # compliance tests required in the closed and network divisions: test → models
    compliance_tests: dict[str, tuple[str, ...]]
    # v3.0's checker only logs wrong seeds, short min duration and latency bounds; v4.1 drops the row
    strict: bool
    # v4.1 ignores power samples of 0 W or less; v3.0 averages every sample in the window
    positive_watts_only: bool
    min_duration_ms: int = 600_000


def _variants(base: str, metrics: tuple[tuple[str, float], ...], keep_last: int = 0) -> dict:
    """-99 and -99.9 targets: every metric × 0.99 / × 0.999, except the last `keep_last` (fixed bounds)."""
    out = {}
    for suffix, factor in (("-99", 0.99), ("-99.9", 0.999)):
        scaled = tuple((m, v * factor) for m, v in metrics[: len(metrics) - keep_last])
        out[base + suffix] = scaled + metrics[len(metrics) - keep_last:]
    return out


_V30_MODELS = ("resnet", "retinanet", "rnnt", "bert-99", "bert-99.9", "dlrm-99", "dlrm-99.9", "3d-unet-99", "3d-unet-99.9")

ROUND_RULES = {
    "v3.0": RoundRules(
        accuracy_targets={
            "resnet": (("acc", 76.46 * 0.99),),
            "retinanet": (("mAP", 37.55 * 0.99),),
            "rnnt": (("WER", (100 - 7.452) * 0.99),),
            **_variants("bert", (("F1", 90.874),)),
            **_variants("dlrm", (("AUC", 80.25),)),
            **_variants("3d-unet", (("DICE", 0.86170),)),
        },
        accuracy_upper_limits={},
        performance_sample_count={
            "resnet": 1024, "retinanet": 64, "rnnt": 2513, "bert-99": 10833, "bert-99.9": 10833,
            "dlrm-99": 204800, "dlrm-99.9": 204800, "3d-unet-99": 43, "3d-unet-99.9": 43,
        },
        seeds=(10003631887983097364, 17183018601990103738, 12134888396634371638),
        server_latency_ns={
            "resnet": 15_000_000, "retinanet": 100_000_000, "rnnt": 1_000_000_000, "bert-99": 130_000_000,
            "bert-99.9": 130_000_000, "dlrm-99": 30_000_000, "dlrm-99.9": 30_000_000,
        },
        offline_min_samples_per_query={},
        llm_latency_limits_ns={},
        compliance_tests={
            "TEST01": _V30_MODELS,
            "TEST04": ("resnet",),
            "TEST05": _V30_MODELS,
        },
        strict=False,
        positive_watts_only=False,
    ),
    "v4.1": RoundRules(
        accuracy_targets={
            "resnet": (("acc", 76.46 * 0.99),),
            "retinanet": (("mAP", 37.55 * 0.99),),
            **_variants("bert", (("F1", 90.874),)),
            **_variants("dlrm-v2", (("AUC", 80.31),)),
            **_variants("3d-unet", (("DICE", 0.86170),)),
            **_variants("gptj", (("ROUGE1", 42.9865), ("ROUGE2", 20.1235), ("ROUGEL", 29.9881), ("GEN_LEN", 4016878 * 0.9)), keep_last=1),
            **_variants("llama2-70b", (("ROUGE1", 44.4312), ("ROUGE2", 22.0352), ("ROUGEL", 28.6162), ("TOKENS_PER_SAMPLE", 294.45 * 0.9)), keep_last=1),
            "stable-diffusion-xl": (("CLIP_SCORE", 31.68631873), ("FID_SCORE", 23.01085758)),
            "mixtral-8x7b": (
                ("ROUGE1", 45.4911 * 0.99), ("ROUGE2", 23.2829 * 0.99), ("ROUGEL", 30.3615 * 0.99),
                ("TOKENS_PER_SAMPLE", 145.9 * 0.9), ("gsm8k_accuracy", 73.78 * 0.99), ("mbxp_accuracy", 60.12 * 0.99),
            ),
        },
        accuracy_upper_limits={
            "stable-diffusion-xl": (("CLIP_SCORE", 31.81331801), ("FID_SCORE", 23.95007626)),
            "llama2-70b-99": (("TOKENS_PER_SAMPLE", 294.45 * 1.1),),
            "llama2-70b-99.9": (("TOKENS_PER_SAMPLE", 294.45 * 1.1),),
            "mixtral-8x7b": (("TOKENS_PER_SAMPLE", 145.9 * 1.1),),
        },
        performance_sample_count={
            "resnet": 1024, "retinanet": 64, "bert-99": 10833, "bert-99.9": 10833, "dlrm-v2-99": 204800,
            "dlrm-v2-99.9": 204800, "3d-unet-99": 43, "3d-unet-99.9": 43, "gptj-99": 13368, "gptj-99.9": 13368,
            "llama2-70b-99": 24576, "llama2-70b-99.9": 24576, "stable-diffusion-xl": 5000, "mixtral-8x7b": 15000,
        },
        seeds=(3066443479025735752, 10688027786191513374, 14962580496156340209),
        server_latency_ns={
            "resnet": 15_000_000, "retinanet": 100_000_000, "bert-99": 130_000_000, "bert-99.9": 130_000_000,
            "dlrm-v2-99": 60_000_000, "dlrm-v2-99.9": 60_000_000, "gptj-99": 20_000_000_000,
            "gptj-99.9": 20_000_000_000, "llama2-70b-99": 20_000_000_000, "llama2-70b-99.9": 20_000_000_000,
            "stable-diffusion-xl": 20_000_000_000,
        },
        offline_min_samples_per_query={
            "resnet": 24576, "retinanet": 24576, "bert-99": 10833, "bert-99.9": 10833, "dlrm-v2-99": 24576,
            "dlrm-v2-99.9": 24576, "3d-unet-99": 43, "3d-unet-99.9": 43, "gptj-99": 13368, "gptj-99.9": 13368,
            "llama2-70b-99": 24576, "llama2-70b-99.9": 24576, "stable-diffusion-xl": 5000, "mixtral-8x7b": 15000,
        },
        llm_latency_limits_ns={m: (2_000_000_000, 200_000_000) for m in ("llama2-70b-99", "llama2-70b-99.9", "mixtral-8x7b")},
        compliance_tests={
            "TEST01": ("resnet", "retinanet", "bert-99", "bert-99.9", "dlrm-v2-99", "dlrm-v2-99.9", "3d-unet-99", "3d-unet-99.9", "stable-diffusion-xl"),
            "TEST04": ("resnet", "stable-diffusion-xl"),
            "TEST05": ("resnet", "retinanet", "bert-99", "bert-99.9", "dlrm-v2-99", "dlrm-v2-99.9", "3d-unet-99", "3d-unet-99.9"),
            "TEST06": ("llama2-70b-99", "llama2-70b-99.9", "mixtral-8x7b"),
        },
        strict=True,
        positive_watts_only=True,
    ),
}


def accuracy_targets(round_: str, model: str) -> dict[str, tuple[float | None, float | None]]:
    """metric → (lower bound, upper limit), in the checker's order; empty when the round's rules are not encoded."""
    rules = ROUND_RULES.get(round_)
    if rules is None:
        return {}
    out: dict[str, tuple[float | None, float | None]] = {m: (v, None) for m, v in rules.accuracy_targets.get(model, ())}
    for metric, limit in rules.accuracy_upper_limits.get(model, ()):
        out[metric] = (out.get(metric, (None, None))[0], limit)
    return out


def positive_watts_only(round_: str) -> bool:
    rules = ROUND_RULES.get(round_)
    return rules.positive_watts_only if rules else True


def required_compliance_tests(round_: str, model: str) -> list[str]:
    rules = ROUND_RULES.get(round_)
    return [t for t, models in rules.compliance_tests.items() if model in models] if rules else []


def validity_problems(row: dict) -> list[str]:
    """Why the round's official checker drops this result (empty: valid). Rounds whose rules are not encoded
    here are judged by loadgen's verdict and the error events only."""
    problems = []
    rules = ROUND_RULES.get(row["round"])
    model, scenario = row["model"], row["scenario"]
    llm_rule = rules is not None and model in rules.llm_latency_limits_ns
    if row.get("result") is None:
        problems.append("no headline metric in the detail log")
    if row["result_validity"] != "VALID" and not llm_rule:  # the checker's LLM check replaces this one
        problems.append(f"loadgen result_validity is {row['result_validity']}")
    if row["error_count"]:
        problems.append(f"{row['error_count']} error events in the detail log")
    if rules is None:
        return problems
    required = rules.performance_sample_count.get(model)
    if required and (row["performance_sample_count"] or 0) < required:
        problems.append(f"performance_sample_count {row['performance_sample_count']} < {required}")
    if llm_rule:
        if not row["use_token_latencies"]:
            problems.append("use_token_latencies is not enabled for an LLM")
        elif scenario != "Offline":
            ttft, tpot = rules.llm_latency_limits_ns[model]
            if not ((row["ttft_p99_ns"] or 0) < ttft and (row["tpot_p99_ns"] or 0) < tpot):
                problems.append(f"TTFT p99 {row['ttft_p99_ns']} / TPOT p99 {row['tpot_p99_ns']} ns not below {ttft} / {tpot}")
    if rules.strict:
        seeds = (row["qsl_rng_seed"], row["sample_index_rng_seed"], row["schedule_rng_seed"])
        if seeds != tuple(map(str, rules.seeds)):
            problems.append("RNG seeds differ from the round's official seeds")
        if (row["min_duration_ms"] or 0) < rules.min_duration_ms:
            problems.append(f"min_duration_ms {row['min_duration_ms']} < {rules.min_duration_ms}")
        bound = rules.server_latency_ns.get(model) if scenario == "Server" else None
        if bound and (row["target_latency_ns"] or 0) > bound:
            problems.append(f"target latency {row['target_latency_ns']} ns above the {bound} ns bound")
        minimum = rules.offline_min_samples_per_query.get(model) if scenario == "Offline" else None
        if minimum and (row["samples_per_query"] or 0) < minimum:
            problems.append(f"Offline samples_per_query {row['samples_per_query']} < {minimum}")
    if row["division"] in ("closed", "network"):
        if row.get("accuracy_met") is not True:
            problems.append("accuracy target not met" if row.get("accuracy_met") is False else "no accuracy.txt")
        if row.get("compliance_passed") is False:
            problems.append("a required compliance test is missing or failed")
    return problems
