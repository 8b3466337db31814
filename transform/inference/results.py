"""Parsed inference files to the inference tables: one result per detail log, with its accuracy, power, compliance."""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from transform.inference.endpoints import endpoints_compliance_passed, is_endpoints
from transform.inference.formats import with_other_formats
from transform.inference.small_files import parse_power_time
from transform.inference.rules import (
    accuracy_bounds,
    canonical_scenario,
    compliance_place,
    compliance_place_of,
    compliance_verdict_files,
    endpoints_accuracy,
    is_published,
    model_key,
    positive_watts_only,
    power_sum,
    power_units,
    published_result,
    read_accuracy,
    required_compliance_tests,
    rules_of,
    unchecked_reason,
    validity_problems,
)
from transform.common.parse_files import ParsedFiles
from transform.common.validate import polars_schema, to_frame, validate

_RESULT_COLUMNS = list(polars_schema("inference_results"))
_RESULT_KEY = ["round", "division", "submitter", "system", "benchmark", "scenario"]


def build_inference(parsed: list[ParsedFiles]) -> tuple[dict[str, pl.DataFrame], list[dict]]:
    """The inference tables; a child row (power, accuracy, compliance) is loaded only with its loaded result."""
    results, power, accuracy, compliance = [], [], [], []
    parsed, rejects = with_other_formats(parsed)  # pre-MLLOG and endpoints folders, as detail rows
    for files in parsed:
        compliance_found = _compliance_tests(files, compliance)
        system_types = {(s["division"], s["submitter"], s["system"]): s["system_type"] for s in files.systems}
        duplicates = _duplicate_folders(files.inference_details)
        for detail in files.inference_details:
            if id(detail) in duplicates:
                rejects.extend(_result_rejects(files, detail, duplicates[id(detail)]))
                continue
            try:
                built = _result(files, detail, compliance_found, system_types)
            except Exception as exc:  # an input no rule foresaw: this result is lost, not the run
                built = f"the result could not be computed ({type(exc).__name__}: {str(exc)[:200]})"
            if isinstance(built, str):
                rejects.extend(_result_rejects(files, detail, built))
                continue
            row, acc_rows, power_row = built
            results.append(row)
            rejects.extend(_unread_accuracy(files, detail, row, acc_rows))
            accuracy.extend(acc_rows)
            if power_row is not None:
                power.append(power_row)
        rejects.extend(_orphans(files))
    loaded, failed = validate("inference_results", to_frame("inference_results", results, rejects))
    rejects.extend(failed)
    tables = {"inference_results": loaded}
    present = _results_present(parsed, rejects)
    for table, rows in (("inference_power", power), ("inference_accuracy", accuracy), ("inference_compliance", compliance)):
        tables[table], orphans = _with_result(table, to_frame(table, rows, rejects), loaded, present)
        rejects.extend(orphans)
    return tables, rejects


def _unread_accuracy(files: ParsedFiles, detail: dict, row: dict, acc_rows: list[dict]) -> list[dict]:
    """An accuracy.txt in which the round's checker finds no metric is said, not passed over (its result loads,
    with its accuracy not met)."""
    found = files.inference_accuracy.get((detail["division"], detail["submitter"], detail["system"], detail["benchmark"],
                                          detail["scenario_dir"]))
    if found is None or acc_rows or not row["rules_checked"]:
        return []
    return [_reject(detail, f"accuracy.txt holds no metric the {row['round']} checker reads for {row['model']}: "
                            "the result's accuracy is not met", found[-1])]


def _results_present(parsed: list[ParsedFiles], rejects: list[dict]) -> pl.DataFrame:
    """The result keys of every detail log in the repository, loaded or rejected."""
    keys = [(d["round"], d["division"], d["submitter"], d["system"], d["benchmark"], canonical_scenario(d["scenario_dir"]))
            for files in parsed for d in files.inference_details]
    for reject in rejects:
        parts = reject["source_path"].split("/")
        if len(parts) == 9 and parts[2] == "results" and parts[6:] == ["performance", "run_1", "mlperf_log_detail.txt"]:
            keys.append((reject["round"], parts[0], parts[1], parts[3], parts[4], canonical_scenario(parts[5])))
    return pl.DataFrame(keys, schema={c: pl.String for c in _RESULT_KEY}, orient="row")


def _result(files: ParsedFiles, detail: dict, compliance_found: dict, system_types: dict
            ) -> tuple[dict, list[dict], dict | None] | str:
    """The result row of a detail log with its accuracy rows and power row; or why there is none."""
    key = (detail["division"], detail["submitter"], detail["system"], detail["benchmark"], detail["scenario_dir"])
    scenario = canonical_scenario(detail["scenario_dir"])
    if scenario is None:
        return f"scenario folder {detail['scenario_dir']!r} is not a known scenario"
    rules = rules_of(detail["round"])
    mapping = files.model_mappings.get((detail["division"], detail["submitter"]))
    model = model_key(detail["benchmark"], mapping, rules)
    row = {**detail, "scenario": scenario, "model": model}
    row["rules_note"] = unchecked_reason(rules, detail["round"], model)
    row["rules_checked"] = row["rules_note"] is None

    published = published_result(detail, rules if row["rules_checked"] else None, model, detail["benchmark"], scenario)
    row["result"], row["result_metric"], row["inferred"] = published.value, published.metric, published.inferred
    row["units"], row["result_measures"] = published.units, published.measures
    row["published"] = is_published(rules, model, scenario, system_types.get(key[:3]))

    # a format that carries its accuracy (endpoints) brings its rows
    acc_rows = [{**r, "model": model, "scenario": scenario} for r in detail.get("accuracy_rows") or ()]
    if acc_rows and row["rules_checked"]:
        acc_rows, row["accuracy_met"] = endpoints_accuracy(row, rules, acc_rows)
    found = files.inference_accuracy.get(key)
    if found is not None:
        acc_rows, row["accuracy_text"], row["accuracy_met"] = _accuracy(row, rules if row["rules_checked"] else None, *found)

    samples = files.inference_power.get(key)
    row["has_power"] = samples is not None
    power_row = _power(row, *samples, rules) if samples is not None else None

    row["compliance_passed"] = _compliance_passed(row, rules, compliance_found.get(key[:4] + (scenario,), {}))
    problems = validity_problems(row, rules)
    row["valid"] = not problems
    row["invalid_reason"] = "; ".join(problems) or None
    return {c: row.get(c) for c in _RESULT_COLUMNS}, acc_rows, power_row


def _duplicate_folders(details: list[dict]) -> dict[int, str]:
    """Scenario folders spelled two ways (`Offline` and `offline`) are one result: the folder spelled as the
    scenario is kept (else the first in path order); id of each other detail → why it is not loaded."""
    by_result: dict[tuple, list[dict]] = defaultdict(list)
    for d in details:
        scenario = canonical_scenario(d["scenario_dir"])
        if scenario is not None:
            by_result[(d["division"], d["submitter"], d["system"], d["benchmark"], scenario)].append(d)
    dropped = {}
    for key, same in by_result.items():
        kept = min(same, key=lambda d: (d["scenario_dir"] != key[4], d["source_path"]))
        for d in same:
            if d is not kept:
                dropped[id(d)] = (f"scenario folder {d['scenario_dir']!r} is the same scenario as {kept['scenario_dir']!r} "
                                  f"beside it: {kept['scenario_dir']!r} is loaded")
    return dropped


def _result_rejects(files: ParsedFiles, detail: dict, reason: str) -> list[dict]:
    """The detail log's reject, and one for each accuracy or power file of its folder, which go with it."""
    key = (detail["division"], detail["submitter"], detail["system"], detail["benchmark"], detail["scenario_dir"])
    paths = [detail["source_path"]] + [found[key][-1] for found in (files.inference_accuracy, files.inference_power) if key in found]
    return [_reject(detail, reason if n == 0 else f"not loaded with its result: {reason}", path) for n, path in enumerate(paths)]


def _with_result(table: str, rows: pl.DataFrame, results: pl.DataFrame, present: pl.DataFrame
                 ) -> tuple[pl.DataFrame, list[dict]]:
    """Rows of a child table without their result: a reject per file when the result was in the repository but
    not loaded. A compliance verdict for a result the repository does not hold at all is kept (it says what was
    verified)."""
    keys = results.select(_RESULT_KEY).unique()
    orphans = (rows.join(keys, on=_RESULT_KEY, how="anti").join(present, on=_RESULT_KEY, how="semi")
               .unique("source_path", keep="first", maintain_order=True))
    rejects = [{
        "suite": r["suite"], "round": r["round"], "source_path": r["source_path"], "source_commit": r["source_commit"],
        "stage": "validate",
        "reason": f"{table}: no loaded result for {r['division']}/{r['submitter']}/{r['system']}/{r['benchmark']}/"
                  f"{r['scenario']} (the result was rejected)",
    } for r in orphans.iter_rows(named=True)]
    return rows.join(orphans.select("source_path"), on="source_path", how="anti", maintain_order="left"), rejects


def _accuracy(row: dict, rules: dict | None, lines: list[str], path: str) -> tuple[list[dict], str | None, bool | None]:
    """Rows per metric the round's checker reads (targets, then upper limits), the table's Accuracy text and
    whether the accuracy run passes (targets met, upper limits kept, a hash= line). Without rules: nothing
    can be read, the file is only known to exist."""
    if rules is None:
        return [], None, None
    read = read_accuracy(rules, row["model"], lines, row["scenario"])
    targets, uppers = (dict(bounds) for bounds in accuracy_bounds(rules, row["model"], row["scenario"]))
    rows = []
    for metric in dict.fromkeys([*read.values, *read.upper_values]):
        text = read.values.get(metric, read.upper_values.get(metric))
        value = float(text)
        target, upper = targets.get(metric), uppers.get(metric)
        rows.append({
            **{k: row[k] for k in ("suite", "round", "division", "submitter", "system", "benchmark", "model", "scenario")},
            "metric": metric, "value": value, "target": target, "upper_limit": upper,
            "met": (target is None or value >= target) and (upper is None or value <= upper),
            "source_path": path, "source_commit": row["source_commit"],
        })
    hashed = read.digest is not None or not rules.get("checker", {}).get("accuracy_hash_required", True)
    return rows, read.text, read.met and hashed


def _power(row: dict, samples: pl.DataFrame, path: str, rules: dict | None) -> dict:
    """The official power metric: mean of the analyzer's samples strictly inside the run's power window."""
    begin, end = parse_power_time(row["power_begin"] or ""), parse_power_time(row["power_end"] or "")
    out = {
        **{k: row[k] for k in ("suite", "round", "division", "submitter", "system", "benchmark", "model", "scenario")},
        "samples": 0, "window_s": 0.0, "source_path": path, "source_commit": row["source_commit"],
    }
    if begin is None or end is None:
        return out
    # Series operations, not a frame's filter expression: each of those is a query plan run (most of the cost of a
    # power result), for the same comparisons
    times, watts = samples["time"], samples["watts"]
    inside = (times > begin) & (times < end)
    if positive_watts_only(rules):
        inside &= watts > 0
    watts = watts.filter(inside).to_list()  # summed in file order, as the checker does
    out["samples"], out["window_s"] = len(watts), (end - begin).total_seconds()
    if not watts:
        return out
    total = _compensated_sum(watts) if power_sum(rules) == "compensated" else _plain_sum(watts)
    average = total / len(watts)
    out["average_watts"] = average
    units = power_units(rules, row["scenario"])
    if row["scenario"] in ("SingleStream", "MultiStream"):
        queries = _power_queries(row, rules, out["window_s"])
        if queries:
            # the energy per query: in J before v3.0, in mJ since (the table's unit says which)
            scale = 1000 if units == "millijoules" else 1
            if row["scenario"] == "MultiStream" and row["inferred"]:
                # inferred from a SingleStream run: 8 logged queries make one MultiStream query (checker's order)
                samples_per_query = 8
                energy = average * out["window_s"] * samples_per_query * scale / queries
            else:
                samples_per_query = row["samples_per_query"] or 1
                energy = average * out["window_s"] * scale / queries
            out["energy_per_query_mj"] = energy * 1000 / scale
            out["power_result"], out["power_units"] = round(energy, 10), units
            # no energy measured (samples of 0 W): no efficiency, rather than an infinite one
            out["performance_per_watt"] = samples_per_query * scale / energy if energy else None
    else:
        out["power_result"], out["power_units"] = round(average, 10), units
        if row.get("result") is not None and average:
            out["performance_per_watt"] = row["result"] / average
    return out


def _power_queries(row: dict, rules: dict | None, window_s: float) -> float | None:
    """Queries the energy is divided by: loadgen's result_query_count; before v2.0 loadgen did not log it and the
    checker estimated SingleStream's from the QPS with loadgen overhead × the power window (MultiStream's from
    generated counts, which are not read here)."""
    if (rules or {}).get("checker", {}).get("power_query_count", "logged") == "logged":
        return row["query_count"]
    if row["scenario"] == "SingleStream" and row["qps_with_loadgen_overhead"]:
        return row["qps_with_loadgen_overhead"] * window_s
    return None


def _plain_sum(values: list[float]) -> float:
    """Python's sum() of floats before 3.12: left to right, rounding at each step."""
    total = 0.0
    for value in values:
        total += value
    return total


def _compensated_sum(values: list[float]) -> float:
    """Python's sum() of floats from 3.12 (Neumaier's compensated summation), whatever Python runs this."""
    total = compensation = 0.0
    for value in values:
        step = total + value
        compensation += (total - step) + value if abs(total) >= abs(value) else (value - step) + total
        total = step
    return total + compensation


def _compliance_tests(files: ParsedFiles, out: list[dict]) -> dict[tuple, dict[tuple[str, str], list]]:
    """Add the compliance rows to `out`; return (test, verify) → verdicts per (division, submitter, system,
    benchmark, scenario)."""
    found: dict[tuple, dict[tuple[str, str], list]] = defaultdict(lambda: defaultdict(list))
    place = compliance_place(rules_of(files.round))
    for row in files.inference_compliance:
        scenario = canonical_scenario(row["scenario_dir"])
        out.append({**row, "scenario": scenario})
        if compliance_place_of(row["source_path"]) != place:  # loaded, but not where the round's checker looks
            continue
        found[(row["division"], row["submitter"], row["system"], row["benchmark"], scenario)][(row["test"], row["verify"])].append(row["passed"])
    return found


def _compliance_passed(row: dict, rules: dict | None, found: dict[tuple[str, str], list]) -> bool | None:
    """Closed/network: every test the round requires for the model is there and its decisive verification passed
    (compliance_verdict_files; an endpoints result's audit files). Elsewhere: the decisive verifications found."""
    decisive = compliance_verdict_files(rules)
    required = required_compliance_tests(rules, row["model"], row["scenario"]) if row["division"] in ("closed", "network") else []
    if is_endpoints(row):
        return endpoints_compliance_passed(row, rules, required, found)
    tests = [(t, decisive[t]) for t in required if t in decisive] if required else [k for k in found if decisive.get(k[0]) == k[1]]
    if not tests:
        return None
    return all(test in found and all(v is True for v in found[test]) for test in tests)


def _orphans(files: ParsedFiles) -> list[dict]:
    """Accuracy or power files of a scenario folder that has no performance/run_1 detail log: not a result."""
    results = {(d["division"], d["submitter"], d["system"], d["benchmark"], d["scenario_dir"]) for d in files.inference_details}
    out = []
    for found in (files.inference_accuracy, files.inference_power):
        for key, (*_, path) in found.items():
            if key not in results:
                round_, commit = files.round, files.commit
                out.append({
                    "suite": "inference", "round": round_, "source_path": path, "source_commit": commit, "stage": "parse",
                    "reason": "scenario folder has no readable performance/run_1/mlperf_log_detail.txt: not a result",
                })
    return out


def _reject(row: dict, reason: str, path: str) -> dict:
    return {
        "suite": row["suite"], "round": row["round"], "source_path": path,
        "source_commit": row["source_commit"], "stage": "parse", "reason": reason,
    }
