"""The official inference rules of a round, read from its file `transform/inference/rules/<round>.toml`.

The file (schema in transform/inference/rules/README.md) is transcribed from the round's submission checker and
report generator; this module applies it the way the checker's code does: which detail-log figure is the result,
the unit label the table prints, inferred results, accuracy as printed, validity. Nothing here depends on the
round's name: a round is what its file says. A round or model without rules loads unchecked (`rules_checked`
false, `rules_note` says why) and judged by loadgen's verdict only.
"""

from __future__ import annotations

import re
import string
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, compress, repeat
from operator import add

from transform.common.rules import round_rules
from transform.inference.detail_log import LOG_KEY_COLUMNS
from transform.inference.endpoints import endpoints_skipped, is_endpoints

SCENARIOS = {s.lower(): s for s in ("Offline", "Server", "SingleStream", "MultiStream", "Interactive")}

# What a detail-log figure measures, whatever label the round's table gives it.
_MEASURES = {
    "result_samples_per_second": "Samples/s",
    "result_scheduled_samples_per_sec": "Queries/s",
    "result_completed_samples_per_sec": "Queries/s",
    "result_tokens_per_second": "Tokens/s",
    "result_completed_tokens_per_second": "Tokens/s",
    "result_inferred_tokens_per_second": "Tokens/s",
    "result_inferred_completed_tokens_per_second": "Tokens/s",
    "result_qps_without_loadgen_overhead": "Samples/s",
    "effective_samples_per_query": "Streams",
}


def canonical_scenario(folder: str) -> str | None:
    return SCENARIOS.get(folder.lower())


def rules_of(round_: str) -> dict | None:
    return round_rules("inference", round_)


def model_key(benchmark: str, mapping: dict[str, str] | None, rules: dict | None) -> str:
    """The official model of a benchmark folder, in the checker's order (get_mlperf_model): an official name, the
    checker's own folder map, the submitter's model_mapping.json (from v3.0), then its substring guesses, mapped
    again. Without rules: the submitter's map, else the folder name."""
    if rules is None:
        return (mapping or {}).get(benchmark, benchmark)
    folders = rules.get("folders", {})
    if benchmark in rules.get("models", {}):
        return benchmark
    if benchmark in folders:
        return folders[benchmark]
    if mapping and benchmark in mapping and rules.get("checker", {}).get("submitter_mapping"):
        return mapping[benchmark]
    guess = next((g["model"] for g in rules.get("guesses", []) if any(part in benchmark for part in g["contains"])), benchmark)
    return folders.get(guess, guess)


def unchecked_reason(rules: dict | None, round_: str, model: str) -> str | None:
    """Why a result cannot be judged by its round's rules (None: it can)."""
    if rules is None:
        return f"no rules file for inference {round_}"
    if model not in rules.get("models", {}):
        return f"model {model!r} is not in the inference {round_} rules"
    return None


@dataclass(frozen=True)
class Published:
    value: float | None
    metric: str | None  # column of the detail row it comes from, or how it was inferred
    inferred: bool
    units: str | None  # as the official table prints it
    measures: str | None  # what the value is, whatever the label says


def _metric(rules: dict, model: str, scenario: str) -> dict:
    default = rules.get("metric", {}).get(scenario, {})
    return {**default, **rules.get("models", {}).get(model, {}).get("metric", {}).get(scenario, {})}


def _endpoints_metric(rules: dict, model: str, scenario: str) -> dict:
    """An endpoints result's field: the round's `[endpoints] metric` of the scenario (RESULT_FIELD_ENDPOINTS) unless
    the model names its own (RESULT_FIELD_BENCHMARK_OVERWRITE); units and divisions as a loadgen result's."""
    own = rules.get("models", {}).get(model, {}).get("metric", {}).get(scenario, {}).get("field")
    return {**_metric(rules, model, scenario), "field": own or rules.get("endpoints", {}).get("metric", {}).get(scenario)}


def _figure(detail: dict, key: str, divide_by: list[int]) -> float | None:
    """A detail-log figure as the checker turns it into the result: float(), then each division in turn
    (ns → ms; wan-2.2's ms → s), which a single multiplication would not reproduce to the last bit."""
    value = detail.get(LOG_KEY_COLUMNS.get(key, key))
    if value is None:
        return None
    value = float(value)
    for divisor in divide_by:
        value /= divisor
    return value


_LATENCY_UNITS = {(1_000_000,): "Latency (ms)", (1_000_000, 1000): "Latency (s)"}


def published_result(detail: dict, rules: dict | None, model: str, benchmark: str, scenario: str) -> Published:
    """The result as the checker computes it (check_performance_dir, get_inferred_result) and its table label
    (log_result). The field follows the scenario the run logged; a folder holding a run of another scenario is
    inferred from it: Offline from SingleStream or MultiStream, MultiStream from SingleStream."""
    if rules is None:
        return Published(None, None, False, None, None)
    logged = canonical_scenario(detail.get("effective_scenario") or "") or scenario
    units_name = model if rules.get("checker", {}).get("units_from", "model") == "model" else benchmark
    units = _metric(rules, units_name, scenario).get("units")
    if logged == scenario or (scenario == "Interactive" and logged == "Server"):
        pick = _endpoints_metric(rules, model, scenario) if is_endpoints(detail) else _metric(rules, model, logged)
        field = pick.get("field")
        if not field:
            return Published(None, None, False, None, None)
        divide_by = pick.get("divide_by", [])
        value = _figure(detail, field, divide_by)
        measures = _MEASURES.get(field) or _LATENCY_UNITS.get(tuple(divide_by))
        return Published(value, LOG_KEY_COLUMNS.get(field, field), False, units if value is not None else None, measures)
    value, how, measures = None, None, None
    inferred = rules.get("inferred", {})
    if scenario == "Offline" and logged == "SingleStream" and inferred.get("offline_from_singlestream"):
        value, how, measures = detail["qps_without_loadgen_overhead"], "qps_without_loadgen_overhead", "Samples/s"
    elif scenario == "Offline" and logged == "MultiStream" and inferred.get("offline_from_multistream"):
        if detail["query_latency_mean_ns"] and detail["samples_per_query"] is not None:
            value = detail["samples_per_query"] * 1000 / (detail["query_latency_mean_ns"] / 1e6)
            how, measures = "samples_per_query / query_latency_mean", "Samples/s"
    elif scenario == "MultiStream" and logged == "SingleStream":
        key = inferred.get("multistream_from_singlestream")
        if key and detail.get(LOG_KEY_COLUMNS.get(key, key)) is not None:
            value = detail[LOG_KEY_COLUMNS.get(key, key)] * 8 / 1e6
            how, measures = f"{LOG_KEY_COLUMNS.get(key, key)} × 8", "Latency (ms)"
    return Published(value, how, True, units if value is not None else None, measures)


def is_published(rules: dict | None, model: str, scenario: str, system_type: str | None) -> bool | None:
    """Whether the round's report publishes this model and scenario for the system's suite (filter_scenarios);
    null when the rules or the system type are unknown."""
    if rules is None or model not in rules.get("models", {}):
        return None
    published = rules["models"][model].get("published")
    if published is None:
        return True
    if not system_type:
        return None
    suites = [s for s in published if s in system_type]
    return any(scenario in published[s] for s in suites)


def accuracy_bounds(rules: dict | None, model: str, scenario: str | None = None
                    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(targets, upper limits) as (metric, bound) in the checker's order; bound = reference × factor, computed
    as the checker writes it. A model with targets per scenario (v6.1 qwen3-vl: get_accuracy_target(model,
    scenario)) takes its scenario's."""
    spec = (rules or {}).get("models", {}).get(model, {})
    targets = spec.get("accuracy_by_scenario", {}).get(scenario, spec.get("accuracy", []))
    return ([(b["metric"], b["reference"] * b["factor"]) for b in targets],
            [(b["metric"], b["reference"] * b["factor"]) for b in spec.get("accuracy_upper", [])])


@cache
def _pattern(regex: str) -> re.Pattern:
    return re.compile(regex)


_HASH = re.compile(r"^hash=([\w\d]+)$")


@dataclass(frozen=True)
class AccuracyRead:
    values: dict[str, str]  # target metric → value as written, in the order the checker first met it
    upper_values: dict[str, str]  # upper-limit metric → value
    met: bool  # every target met and no upper limit exceeded (hash and files aside)
    digest: str | None
    text: str | None  # as the table prints it


def read_accuracy(rules: dict, model: str, lines: list[str], scenario: str | None = None) -> AccuracyRead:
    """accuracy.txt as check_accuracy_dir reads it: each line is matched (re.match) against each target's
    pattern, a later match replacing an earlier one, until every target is met and the hash line seen; upper
    limits likewise. The table prints the checker's dict through json.dumps with its punctuation removed
    (`ROUGE1: 44.6  ROUGE2: 22.1`), or, in rounds that kept one value, that value alone: the last one read
    ("value", one target per model up to v3.0) or the first target metric's (v3.1, v4.0: gptj-99 ROUGE1, not
    GEN_LEN)."""
    patterns = rules.get("accuracy_patterns", {})
    targets, uppers = accuracy_bounds(rules, model, scenario)
    values: dict[str, str] = {}
    upper_values: dict[str, str] = {}
    seen = [False] * len(targets)
    all_met, upper_ok, digest, last = True, True, None, None
    for line in lines:
        line = line + "\n"
        if match := _HASH.match(line):
            digest = match[1]
        for i, (metric, target) in enumerate(targets):
            match = _pattern(patterns[metric]).match(line) if metric in patterns else None
            if match:
                try:
                    met = float(match[1]) >= target
                except ValueError:
                    continue
                seen[i] |= met
                all_met &= met
                values[metric] = last = match[1]
        for metric, limit in uppers:
            match = _pattern(patterns[metric]).match(line) if metric in patterns else None
            if match:
                try:
                    upper_ok &= not float(match[1]) > limit
                except ValueError:
                    continue
                upper_values[metric] = match[1]
        if all(seen) and digest:
            break
    printed = rules.get("checker", {}).get("accuracy_text", "named")
    if printed == "value":
        text = last
    elif printed == "first":
        text = values.get(targets[0][0]) if targets else None
    else:
        text = "  ".join(f"{metric}: {value}" for metric, value in values.items()) or None
    return AccuracyRead(values, upper_values, all_met and all(seen) and upper_ok, digest, text)


def accuracy_lines(round_: str, text: str) -> list[str]:
    """The lines of an accuracy.txt (its text, newlines as Python's text mode gives them) that read_accuracy can
    read under the round's rules, in order: those that the hash regex or one of the round's accuracy patterns
    matches. read_accuracy passes over every other line whatever the model, so it reads the same from these; an
    accuracy.txt may hold a line per sample (50,000), and a step per line and pattern, kept and cached lines cost
    more than the rest of an inference round's parse. A round without rules reads no accuracy (its results load
    unchecked): nothing is kept."""
    rules = rules_of(round_)
    if rules is None:
        return []
    regexes = [_HASH, *map(_pattern, rules.get("accuracy_patterns", {}).values())]
    return [line for line in _candidate_lines(text, regexes) if any(regex.match(line + "\n") for regex in regexes)]


def _candidate_lines(text: str, regexes: list[re.Pattern]) -> list[str]:
    """The lines of `text` that some regex may match (re.match), in order: those that hold a text the regex
    requires (_required_text), found by searching the whole text at once, and those that a regex requiring none
    matches, matched line by line in C."""
    required = {regex: _required_text(regex) for regex in regexes}
    starts = sorted({start for literals, at_start in required.values() for literal in literals
                     for start in (_line_starts if at_start else _lines_holding)(text, literal)})
    free = [regex for regex, (literals, _) in required.items() if not literals]
    if not free:
        return [text[start:end if (end := text.find("\n", start)) >= 0 else len(text)] for start in starts]
    lines = text.split("\n")
    ends = list(accumulate(map(add, map(len, lines), repeat(1))))  # where each line's next one starts
    indices = {bisect_right(ends, start) for start in starts}
    with_newline = list(map(add, lines, repeat("\n")))
    for regex in free:
        indices.update(compress(range(len(lines)), map(regex.match, with_newline)))
    return [lines[i] for i in sorted(indices)]


def _line_starts(text: str, literal: str) -> list[int]:
    """Where each line of `text` that starts with `literal` starts. The literal alone is searched for (a search
    for one character is a memchr; one for a newline and a character is several times slower)."""
    found = []
    at = text.find(literal)
    while at >= 0:
        if at == 0 or text[at - 1] == "\n":
            found.append(at)
        at = text.find(literal, at + 1)
    return found


def _lines_holding(text: str, literal: str) -> list[int]:
    """Where each line of `text` that holds `literal` (no newline in it) starts."""
    found = []
    at = text.find(literal)
    while at >= 0:
        found.append(text.rfind("\n", 0, at) + 1)
        end = text.find("\n", at)
        at = text.find(literal, end + 1) if end >= 0 else -1
    return found


# Characters a regex gives a meaning to: a literal ends at the first one (an escaped punctuation mark is literal,
# and so is a `{` that cannot open a repetition), or at a newline (lines are searched for it in the text they make).
_REGEX_SYNTAX = frozenset(".^$*+?{}[]()|\\\n")
_QUANTIFIERS = frozenset("*?{+")


@cache
def _required_text(regex: re.Pattern) -> tuple[tuple[str, ...], bool]:
    """Texts one of which a line holds wherever re.match of `regex` on it (with its newline) succeeds, and whether
    the line starts with it: the regex's leading literal characters (after a `^`), or those after a leading `.*`,
    which matches within the line (a `.` is no newline, and the texts hold none); a leading group of literal
    alternatives, `(?:A|B)`, gives each. No texts when there are none, or when the regex's flags or an alternation
    elsewhere could make them not required."""
    pattern = regex.pattern
    if regex.flags & (re.IGNORECASE | re.VERBOSE):
        return (), True
    at = 1 if pattern.startswith("^") else 0
    at_start = not pattern.startswith(".*", at)
    at += 0 if at_start else 2
    if not pattern.startswith("(?:", at):
        literal, _ = _literal(pattern, at)
        return ((literal,) if literal and "|" not in pattern else ()), at_start
    literals, end = [], at + 2
    while pattern[end:end + 1] in (":", "|"):  # each alternative must be a literal, up to the next `|` or `)`
        literal, end = _literal(pattern, end + 1)
        literals.append(literal)
    if (pattern[end:end + 1] != ")" or pattern[end + 1:end + 2] in _QUANTIFIERS or not all(literals)
            or "|" in pattern[end:]):
        return (), True
    return tuple(literals), at_start


def _literal(pattern: str, at: int) -> tuple[str, int]:
    """The literal characters of `pattern` from `at` on, each one required (not repeated), and where they end."""
    literal = []
    while at < len(pattern):
        char, width = pattern[at], 1
        if char == "\\":
            char, width = pattern[at + 1:at + 2], 2
            if not char or char not in string.punctuation:  # \d, \b, \1, …: not a literal character
                break
        elif char == "{":
            if pattern[at + 1:at + 2] in ("", *"0123456789,}"):  # {2}, {,3}, … would repeat; `{"` is literal
                break
        elif char in _REGEX_SYNTAX:
            break
        if pattern[at + width:at + width + 1] in _QUANTIFIERS:  # repeated (maybe zero times): not required as is
            break
        literal.append(char)
        at += width
    return "".join(literal), at


def endpoints_accuracy(row: dict, rules: dict, rows: list[dict]) -> tuple[list[dict], bool]:
    """An endpoints result's accuracy as the v6.1 checker's accuracy_check judges it: a score is enough, except
    for the models `[endpoints] accuracy_checked` names, whose score must reach their first target of the
    scenario outside the open division."""
    targets, _ = accuracy_bounds(rules, row["model"], row["scenario"])
    if row["model"] not in rules.get("endpoints", {}).get("accuracy_checked", []) or not targets or row["division"] == "open":
        return rows, True
    met = rows[0]["value"] >= targets[0][1]
    return [{**rows[0], "target": targets[0][1], "met": met}, *rows[1:]], met


def positive_watts_only(rules: dict | None) -> bool:
    return (rules or {}).get("checker", {}).get("positive_watts_only", True)


def power_sum(rules: dict | None) -> str:
    """How the table summed the power samples: "plain" (Python before 3.12) or "compensated" (Python 3.12's sum)."""
    return (rules or {}).get("checker", {}).get("power_sum", "plain")


def power_units(rules: dict | None, scenario: str) -> str:
    """The table's power unit (power_unit_dict); Interactive is a Server run."""
    default = "Watts" if scenario in ("Offline", "Server", "Interactive") else "millijoules"
    return (rules or {}).get("power_units", {}).get(scenario, default)


# Which verify_*.txt decides a test, as the checkers read them: verify_performance for TEST01/04/05 (a TEST01
# verify_accuracy FAIL is settled with baseline and compliance accuracy files, which are not read here),
# verify_accuracy for TEST06. A file may name more (from v6.0: TEST07 and TEST08 verify_accuracy, TEST09
# verify_output_len); a required test without one is not judged here.
_VERDICT_FILES = {"TEST01": "performance", "TEST04": "performance", "TEST04-A": "performance", "TEST05": "performance",
                  "TEST06": "accuracy"}


def compliance_place(rules: dict | None) -> str:
    """Where the round's checker looks for a result's compliance tests (COMPLIANCE_PATH): "submitter"
    (`<division>/<submitter>/compliance/<system>/<benchmark>/<scenario>/TEST0x/`, up to v5.1) or "scenario"
    (`<division>/<submitter>/results/<system>/<benchmark>/<scenario>/TEST0x/`, from v6.0)."""
    return (rules or {}).get("checker", {}).get("compliance_in", "submitter")


def compliance_place_of(path: str) -> str:
    return "submitter" if path.split("/")[2] == "compliance" else "scenario"


def compliance_verdict_files(rules: dict | None) -> dict[str, str]:
    """test → the verify_<kind>.txt whose TEST PASS decides it."""
    return {**_VERDICT_FILES, **(rules or {}).get("checker", {}).get("compliance_verdicts", {})}


def required_compliance_tests(rules: dict | None, model: str, scenario: str) -> list[str]:
    """The tests the checker requires for the model (check_compliance_dir), less those it skips for the scenario."""
    skipped = (rules or {}).get("checker", {}).get("compliance_skipped", {}).get(scenario, [])
    return [t for t in (rules or {}).get("models", {}).get(model, {}).get("compliance", []) if t not in skipped]


def validity_problems(row: dict, rules: dict | None) -> list[str]:
    """Why the round's official checker drops this result (empty: valid). Without rules for the round or model,
    loadgen's verdict and the error events only."""
    problems = []
    model, scenario = row["model"], row["scenario"]
    spec = (rules or {}).get("models", {}).get(model) if row.get("rules_checked") else None
    checker = (rules or {}).get("checker", {})
    token_check = spec is not None and spec.get("use_token_latencies", "token_latency" in spec)
    if not row.get("rules_checked"):
        problems.append(f"not checked: {row['rules_note']}")
    elif row.get("result") is None:
        problems.append("no headline metric in the detail log")
    if row["result_validity"] != "VALID" and not (token_check and checker.get("token_latency_replaces_validity")):
        problems.append(f"loadgen result_validity is {row['result_validity']}")
    if row["error_count"]:
        problems.append(f"{row['error_count']} error events in the detail log")
    if spec is None:
        return problems
    skipped = endpoints_skipped(row, rules)
    required = spec.get("performance_sample_count")
    if required and "performance_sample_count" not in skipped and (row["performance_sample_count"] or 0) < required:
        problems.append(f"performance_sample_count {row['performance_sample_count']} < {required}")
    logged = canonical_scenario(row.get("effective_scenario") or "") or scenario
    if token_check:
        # the bounds of the folder's scenario, or (v6.0+ llm_check) of the scenario the run logged: an Interactive
        # folder's loadgen run logs Server and is held to Server's bounds
        bounds_of = logged if checker.get("token_latency_scenario") == "logged" else scenario
        limits = spec.get("token_latency", {}).get(bounds_of)
        if not row["use_token_latencies"]:
            problems.append("use_token_latencies is not enabled for an LLM")
        elif limits and bounds_of in ("Server", "Interactive"):
            ttft, tpot = limits["ttft_p99_ns"], limits["tpot_p99_ns"]
            if not ((row["ttft_p99_ns"] or 0) < ttft and (row["tpot_p99_ns"] or 0) < tpot):
                problems.append(f"TTFT p99 {row['ttft_p99_ns']} / TPOT p99 {row['tpot_p99_ns']} ns not below {ttft} / {tpot}")
    if scenario == "Interactive" and row["inferred"]:
        problems.append("an Interactive result must be a Server run")
    if spec.get("equal_issue") and row["division"] in checker.get("equal_issue_divisions", []) and row["equal_issue"] is not True:
        problems.append("equal issue mode (sample_concatenate_permutation) is required and not used")
    enforced = set(checker.get("enforced", []))
    names = [n for n in ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed") if n not in skipped]
    official = rules.get("seeds", {})
    if "seeds" in enforced and [row[n] for n in names] != [official.get(n) for n in names]:
        problems.append("RNG seeds differ from the round's official seeds")
    minimum_ms = checker.get("min_duration_ms", 0)
    if "min_duration" in enforced and (row["min_duration_ms"] or 0) < minimum_ms:
        problems.append(f"min_duration_ms {row['min_duration_ms']} < {minimum_ms}")
    early = logged in checker.get("early_stopping", [])
    bound = spec.get("server_latency_ns") if logged == "Server" else None
    if "server_latency" in enforced and bound and early and (row["target_latency_ns"] or 0) > bound:
        problems.append(f"target latency {row['target_latency_ns']} ns above the {bound} ns bound")
    if is_endpoints(row) and not token_check and rules.get("endpoints", {}).get("latency_bound") == "p99":
        # no early stopping in the endpoints harness: its p99 latency against the bound of the scenario folder
        bound = spec.get("latency_ns", {}).get(scenario) or (spec.get("server_latency_ns") if scenario == "Server" else None)
        if bound and (row["latency_p99_ns"] or 0) > bound:
            problems.append(f"p99 latency {row['latency_p99_ns']} ns above the {bound} ns bound")
    queries = spec.get("min_queries", {}).get(logged)
    if "min_queries" in enforced and "min_queries" not in skipped and queries and not early and (row["min_query_count"] or 0) < queries:
        problems.append(f"min_query_count {row['min_query_count']} < {queries}")
    minimum = spec.get("offline_min_samples_per_query") if logged == "Offline" else None
    if "offline_samples_per_query" in enforced and "offline_samples_per_query" not in skipped and minimum and (row["samples_per_query"] or 0) < minimum:
        problems.append(f"Offline samples_per_query {row['samples_per_query']} < {minimum}")
    if row["division"] in ("closed", "network"):
        if row.get("accuracy_met") is not True:
            problems.append("accuracy target not met" if row.get("accuracy_met") is False else "no accuracy.txt")
        if row.get("compliance_passed") is False and checker.get("compliance_drops", True):
            problems.append("a required compliance test is missing or failed")
    return problems
