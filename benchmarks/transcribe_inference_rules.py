"""Write transform/inference/rules/<round>.toml from the round's official submission checker (a dev tool, not
part of ingest). The checker's tables (MODEL_CONFIG[round], RESULT_FIELD*, ACC_PATTERN, LLM_LATENCY_LIMITS, the
units of log_result, the report's filter_scenarios) are read from its source as data; what the checker states in
code only (which scenarios use early stopping, which checks drop a result, which compliance tests a model needs)
is passed in `--code-facts`, a TOML file transcribed by hand from the same commit
(benchmarks/inference_rules_facts/<round>.toml, one per round).

    python -m benchmarks.transcribe_inference_rules --git-dir /work/.mirror/mlcommons+inference/repo \\
        --commit e20506b --round v5.1 --published 2025-09-09 \\
        --code-facts benchmarks/inference_rules_facts/v5.1.toml > transform/inference/rules/v5.1.toml
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import tomllib
from datetime import UTC, datetime

# the modular checker (from v6.0) keeps its tables in constants.py and get_mlperf_model in configuration.py
_CHECKERS = ("tools/submission/submission_checker/constants.py", "tools/submission/submission_checker.py",
             "tools/submission/submission-checker.py")
_CONFIGURATION = ("tools/submission/submission_checker/configuration/configuration.py",)
_REPORTS = ("tools/submission/generate_final_report.py", "tools/submission/generate-final-report.py")
_SCENARIOS = ("Offline", "Server", "SingleStream", "MultiStream", "Interactive")


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True).stdout


def _show(git_dir: str, commit: str, paths: tuple[str, ...]) -> tuple[str, str] | None:
    for path in paths:
        try:
            return path, _git(git_dir, "show", f"{commit}:{path}")
        except subprocess.CalledProcessError:
            continue
    return None


def _value(node: ast.AST):
    return eval(compile(ast.Expression(node), "<checker>", "eval"), {"__builtins__": {}})  # noqa: S307 - upstream's literals


def _assignments(tree: ast.AST) -> dict[str, ast.AST]:
    """name → value node of every assignment anywhere in the module (the last one wins)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
    return out


def _dict_node(node: ast.AST, key: str) -> ast.AST | None:
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    return None


def _bounds(node: ast.AST | None) -> dict[str, list[dict]]:
    """A checker target tuple ("ROUGE1", 44.4312 * 0.99, ...) per model → [{metric, reference, factor}], keeping the
    reference and the factor apart so the code multiplies them as the checker does."""
    out = {}
    if not isinstance(node, ast.Dict):
        return out
    for k, v in zip(node.keys, node.values):
        if isinstance(v, ast.Dict):  # targets per scenario (v6.1 qwen3-vl)
            out[_value(k)] = {s: bounds for s, bounds in _bounds(v).items()}
            continue
        items = v.elts if isinstance(v, ast.Tuple) else []
        bounds = []
        for name, expr in zip(items[::2], items[1::2]):
            if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
                left, right = _value(expr.left), _value(expr.right)
                reference, factor = (right, left) if abs(left) < 2 < abs(right) else (left, right)
            else:
                reference, factor = _value(expr), 1.0
            bounds.append({"metric": _value(name), "reference": float(reference), "factor": float(factor)})
        out[_value(k)] = bounds
    return out


def transcribe(git_dir: str, commit: str, round_: str, published: str, facts: dict) -> dict:
    commit = _git(git_dir, "rev-parse", commit).strip()
    checker_path, checker = _show(git_dir, commit, _CHECKERS)
    report = _show(git_dir, commit, _REPORTS)
    tree = ast.parse(checker)
    configuration = _show(git_dir, commit, _CONFIGURATION) if checker_path.endswith("constants.py") else None
    names = _assignments(tree)
    names |= {k.upper(): v for k, v in names.items() if k in ("unit_dict", "special_unit_dict", "power_unit_dict")}
    config_node = _dict_node(names["MODEL_CONFIG"], round_)
    config = _value(config_node)
    when = datetime.fromtimestamp(int(_git(git_dir, "log", "-1", "--format=%ct", commit)), UTC).date().isoformat()
    rules: dict = {"source": {
        "repo": "mlcommons/inference", "checker": checker_path, "commit": commit, "commit_date": when,
        "published": published, "config_key": round_,
    }}
    if report:
        rules["source"]["report"] = report[0]
    rules["checker"] = facts["checker"]
    seeds = config.get("seeds", {})
    rules["seeds"] = {k: str(v) for k, v in seeds.items()}
    rules["folders"] = dict(config.get("model_mapping", {}))
    rules["guesses"], rules["checker"]["submitter_mapping"] = _guesses(ast.parse(configuration[1]) if configuration else tree)
    rules["accuracy_patterns"] = _value(names["ACC_PATTERN"])

    fields = _value(names["RESULT_FIELD_NEW"]) if "RESULT_FIELD_NEW" in names else {}
    fields = fields if "Offline" in fields else fields.get(round_, {})  # one table, or one per round
    if "MultiStreamLegacy" in fields and facts.get("legacy_multistream"):
        fields["MultiStream"] = fields["MultiStreamLegacy"]
    overwrite = _value(names["RESULT_FIELD_BENCHMARK_OVERWRITE"]) if "RESULT_FIELD_BENCHMARK_OVERWRITE" in names else {}
    # one table per round from v4.1; v4.0's is one table, model → scenario → field
    overwrite = overwrite.get(round_, {}) if any(re.fullmatch(r"v\d+\.\d+", k) for k in overwrite) else overwrite
    units = _value(names["UNIT_DICT"]) if "UNIT_DICT" in names else facts.get("units", {})
    special = _value(names["SPECIAL_UNIT_DICT"]) if "SPECIAL_UNIT_DICT" in names else {}
    power_units = _value(names["POWER_UNIT_DICT"]) if "POWER_UNIT_DICT" in names else facts.get("power_units", {})
    power_units = {k: v for k, v in power_units.items() if k in _SCENARIOS}
    scenarios = [s for s in _SCENARIOS if s in units]
    rules["metric"] = {s: {"field": fields.get(s, facts.get("fields", {}).get(s, "")), "units": units[s]} for s in scenarios}
    for s in scenarios:
        if "latency" in rules["metric"][s]["field"]:
            rules["metric"][s]["divide_by"] = [1_000_000]  # ns → ms (the checker divides by MS_TO_NS)
    rules["power_units"] = power_units
    rules["inferred"] = facts["inferred"]

    targets = _bounds(_dict_node(config_node, "accuracy-target"))
    uppers = _bounds(_dict_node(config_node, "accuracy-upper-limit"))
    latency = config.get("latency-constraint", {})
    llm_limits = facts.get("token_latency") or (_value(names["LLM_LATENCY_LIMITS"]) if "LLM_LATENCY_LIMITS" in names else {})
    spq = _value(names[facts["offline_spq_table"]]) if facts.get("offline_spq_table") in names else {}
    spq_all = _value(names[facts["offline_spq_constant"]]) if facts.get("offline_spq_constant") in names else None
    filters = _report_filters(report[1], round_) if report else {}
    models = {}
    for model in config["models"]:
        # what the model is and what its accuracy metric means, for readers (the brief): written by hand in the facts
        m: dict = {k: facts[k][model] for k in ("description", "accuracy_means") if model in facts.get(k, {})}
        for key, name in (("performance-sample-count", "performance_sample_count"), ("dataset-size", "dataset_size")):
            if model in config.get(key, {}):
                m[name] = config[key][model]
        if model in spq or spq_all:
            m["offline_min_samples_per_query"] = spq.get(model, spq_all)
        if model in config.get("min-queries", {}):
            m["min_queries"] = config["min-queries"][model]
        if "Server" in latency.get(model, {}):
            m["server_latency_ns"] = latency[model]["Server"]
        if set(latency.get(model, {})) - {"Server"}:  # bounds of other scenarios (v6.0+ qwen3-vl Interactive)
            m["latency_ns"] = {s: v for s, v in latency[model].items() if s != "Server"}
        # check_compliance_dir's list: the tests for these models, or for every model but those; from v6.0 in MODEL_CONFIG
        tests = {**facts.get("compliance", {}), **{t: [m for m in config["models"] if m not in ms]
                                                     for t, ms in facts.get("compliance_except", {}).items()}}
        tests |= {k.removeprefix("models_"): v for k, v in config.items() if k.startswith("models_TEST")}
        m["compliance"] = sorted(t for t, ms in tests.items() if model in ms or "*" in ms)
        if isinstance(targets.get(model), dict):
            m["accuracy_by_scenario"] = targets[model]
        else:
            m["accuracy"] = targets.get(model, [])
        if model in uppers:
            m["accuracy_upper"] = uppers[model]
        m["scenarios"] = {}
        for system in ("datacenter", "edge", "datacenter-edge"):
            required = config.get(f"required-scenarios-{system}", {}).get(model)
            optional = config.get(f"optional-scenarios-{system}", {}).get(model, [])
            if required is not None or optional:
                m["scenarios"][system] = {"required": required or [], "optional": optional}
        if filters:
            m["published"] = {suite: f.get(model, []) for suite, f in filters.items()}
        metric = {}
        for s in scenarios:
            over = {}
            if s in overwrite.get(model, {}):
                over["field"] = overwrite[model][s]
            if s in facts.get("fields", {}).get(model, {}):  # what the published table shows the checker used
                over["field"] = facts["fields"][model][s]
            unit = special.get(model, {}).get(s)
            if unit is not None and unit != units[s]:
                over["units"] = unit
            if s in facts.get("divide_by", {}).get(model, {}):
                over["divide_by"] = facts["divide_by"][model][s]
            if over:
                metric[s] = over
        if metric:
            m["metric"] = metric
        if model in facts.get("token_latency_models", []):
            m["use_token_latencies"] = True
        elif model in llm_limits and facts.get("token_latency_models"):
            # bounds in LLM_LATENCY_LIMITS, but not one of get_llm_models: llm_check passes it unchecked (v6.0 gpt-oss-120b)
            m["use_token_latencies"] = False
        if model in facts.get("equal_issue_models", []):
            m["equal_issue"] = True
        if model in llm_limits:
            # v4.1 names its one constraint ("conversational") and applies it to Server
            # v5.0 gives one bound per model, for Server
            limits = {"Server": llm_limits[model]} if "ttft" in llm_limits[model] else llm_limits[model]
            m["token_latency"] = {(s if s in _SCENARIOS else "Server"): {"ttft_p99_ns": v["ttft"], "tpot_p99_ns": v["tpot"]}
                                  for s, v in limits.items()}
        models[model] = m
    rules["models"] = models
    if "RESULT_FIELD_ENDPOINTS" in names and "endpoints" in facts:
        # the endpoints harness's results (v6.1+): which models may use it and the field per scenario, as data;
        # which checks it skips, as the code says
        by_scenario = {s.lower(): s for s in _SCENARIOS}
        fields = _value(names["RESULT_FIELD_ENDPOINTS"]).get(round_, {})
        rules["endpoints"] = {"models": _value(names["ENDPOINTS_ALLOWED_MODELS"]), **facts["endpoints"],
                              "metric": {by_scenario[s]: f for s, f in fields.items()},
                              "audit": _value(names["ENDPOINTS_COMPLIANCE_MAPPING"]),
                              # compliance_endpoints_check's TEST09: mean output tokens within [TEST09_LOW, TEST09_HIGH]
                              "output_length": {"test": "TEST09", "low": _value(names["TEST09_LOW"]),
                                                "high": _value(names["TEST09_HIGH"])}}
    return rules


def _guesses(tree: ast.AST) -> tuple[list[dict], bool]:
    """get_mlperf_model's substring guesses, in order, and whether it takes the submitter's model_mapping.json."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "get_mlperf_model":
            guesses, chain = [], [n for n in node.body if isinstance(n, ast.If) and "in model" in ast.unparse(n.test)]
            branch = chain[-1] if chain else None
            while isinstance(branch, ast.If):
                parts = branch.test.values if isinstance(branch.test, ast.BoolOp) else [branch.test]
                contains = [p.left.value for p in parts if isinstance(p, ast.Compare) and isinstance(p.left, ast.Constant)]
                assigned = [_value(n.value) for n in branch.body if isinstance(n, ast.Assign)]
                if contains and assigned:
                    guesses.append({"contains": contains, "model": assigned[0]})
                branch = branch.orelse[0] if len(branch.orelse) == 1 and isinstance(branch.orelse[0], ast.If) else None
            return guesses, any(a.arg == "extra_model_mapping" for a in node.args.args)
    return [], False


def _report_filters(source: str, round_: str) -> dict:
    """filter_scenarios of the report generator for this round (the version-specific one when it has several)."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = ast.unparse(node.test)
            for branch, body in ((test, node.body), (f"not ({test})", node.orelse)):
                for stmt in body:
                    if isinstance(stmt, ast.Assign) and ast.unparse(stmt.targets[0]) == "filter_scenarios":
                        found.append((branch, _value(stmt.value)))
        elif isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "filter_scenarios":
            found.append(("", _value(node.value)))
    version = round_.removeprefix("v")
    for branch, value in found:
        if f"'{version}'" in branch and not branch.startswith("not"):
            return value
    for branch, value in found:
        if branch.startswith("not") and f"'{version}'" not in branch:
            return value
    return found[-1][1] if found else {}


def to_toml(doc: dict) -> str:
    lines: list[str] = []

    def scalar(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            if "\\" in v or '"' in v:  # a regex: a literal string, as the checker's r"..."
                return "'" + v + "'" if "'" not in v else "'''" + v + "'''"
            return '"' + v + '"'
        if isinstance(v, list):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{key(k)} = {scalar(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    def key(k: str) -> str:
        return k if k.replace("_", "").replace("-", "").isalnum() else '"' + k + '"'

    def table(prefix: str, d: dict) -> None:
        simple = {k: v for k, v in d.items()
                  if not isinstance(v, dict) or (prefix and not any(isinstance(x, dict) for x in v.values()))}
        nested = {k: v for k, v in d.items() if k not in simple}
        if prefix:
            lines.append(f"\n[{prefix}]")
        for k, v in simple.items():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                lines.append(f"{key(k)} = [")
                lines.extend(f"  {scalar(x)}," for x in v)
                lines.append("]")
            else:
                lines.append(f"{key(k)} = {scalar(v)}")
        for k, v in nested.items():
            table(f"{prefix}.{key(k)}" if prefix else key(k), v)

    table("", doc)
    return "\n".join(lines).lstrip("\n") + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--round", required=True)
    parser.add_argument("--published", required=True)
    parser.add_argument("--code-facts", required=True)
    args = parser.parse_args()
    with open(args.code_facts, "rb") as file:
        facts = tomllib.load(file)
    doc = transcribe(args.git_dir, args.commit, args.round, args.published, facts)
    header = f"# MLPerf Inference {args.round}: the rules of the round's submission checker (see transform/inference/rules/README.md).\n"
    text = header + to_toml(doc)
    tomllib.loads(text)  # what is written must read back
    print(text, end="")


if __name__ == "__main__":
    main()
