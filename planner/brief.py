"""The capacity planner's brief of one system, generated: what it is, how fast it trains and serves, how it ranks,
how it scales; every figure with the file and commit it comes from.

Each benchmark is taken from the latest round that measured it on this system (or from `round_` only). A system has
one folder name per suite (Dell's XE9680 is `XE9680x8H100-SXM-80GB` in training, `XE9680_H100_SXM_80GBx8_TRT` in
inference): the other suite's systems of the same submitter, server model (`XE9680`), canonical accelerator and
accelerator count are the same server, and the brief says which it used.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import altair as alt
import duckdb

from transform.common import safe_text
from transform.common.rules import round_key, round_rules, rounds_with_rules
from transform.training.score_rules import benchmark_entry, benchmark_rules
from planner import scaling
from planner.sizing import step as sizing_step
from planner.estimate import link, other_curves

SERVERS = (1, 2, 4, 8)  # the seed's question: what if I buy 2, 4, 8 of these

LATENCIES = [("min", "latency_min_ns"), ("mean", "latency_mean_ns"), ("p50", "latency_p50_ns"),
             ("p90", "latency_p90_ns"), ("p95", "latency_p95_ns"), ("p97", "latency_p97_ns"),
             ("p99", "latency_p99_ns"), ("p99.9", "latency_p999_ns"), ("max", "latency_max_ns"),
             ("query p99 (MultiStream)", "query_latency_p99_ns"),
             ("early-stopping p90 estimate", "early_stopping_latency_ss_ns"),
             ("early-stopping p99 estimate", "early_stopping_latency_ms_ns"),
             ("TTFT mean", "ttft_mean_ns"), ("TTFT p50", "ttft_p50_ns"), ("TTFT p90", "ttft_p90_ns"),
             ("TTFT p99", "ttft_p99_ns"), ("TPOT mean", "tpot_mean_ns"), ("TPOT p50", "tpot_p50_ns"),
             ("TPOT p90", "tpot_p90_ns"), ("TPOT p99", "tpot_p99_ns")]


@dataclass
class Table:
    headers: list[str]
    rows: list[list]


@dataclass
class Source:
    path: str
    repo_url: str | None
    commit: str | None

    def href(self) -> str | None:
        url = link(self.repo_url, self.commit, self.path)
        return url if url.startswith("https://") else None

    def text(self) -> str:
        return f"{self.path} @ {(self.commit or '?')[:10]}"


@dataclass
class Section:
    title: str
    lead: str  # one sentence: what to read from it
    blocks: list = field(default_factory=list)  # str paragraphs, Tables, altair Charts (HTML only)


def _rows(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def _num(x, digits: int = 4) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else f"{x:,.0f}"
    return str(x)


def _identifier(value) -> str:
    """A seed is a name, not a quantity: no thousands separators."""
    return "—" if value is None else str(value)


def _u(value) -> str:
    """Text from a repository inside a sentence of ours: marked, so each output escapes it for itself."""
    return "\x02" + re.sub(r"[\x02\x03]", "", str(value)) + "\x03"


_UNTRUSTED = re.compile(r"\x02(.*?)\x03", re.S)


def _min_s(minutes: float | None) -> str:
    """37.35 -> '37 min 21 s' (the seed's way of writing a time to train)."""
    if minutes is None:
        return "—"
    seconds = round(minutes * 60)
    hours, rest = divmod(seconds, 3600)
    return (f"{hours} h " if hours else "") + f"{rest // 60} min {rest % 60:02d} s"


def _training_words(round_: str, folder: str, name: str) -> tuple[str, str]:
    """(what the benchmark is, what its eval_accuracy measures) from the round's rules file, else from the latest
    rules file that describes a benchmark of that name (a round without its own file still reads right)."""
    for entry in [benchmark_entry(round_, folder)] + [
            benchmark_entry(r, name) for r in reversed(rounds_with_rules("training"))]:
        if entry and entry.get("description"):
            return entry["description"], entry.get("metric", "eval accuracy")
    return f"{name}: no description in any rules file", "eval accuracy"


def _model_rules(round_: str, model: str) -> dict:
    """The model's table of the round's inference rules, else of the latest rules file that describes it."""
    for r in [round_] + list(reversed(rounds_with_rules("inference"))):
        entry = ((round_rules("inference", r) or {}).get("models") or {}).get(model)
        if entry and entry.get("description"):
            return entry
    return {}


def _ms(ns) -> str:
    return _num(ns / 1e6, 3) if ns else "—"


def _latency_verdict(r: dict) -> str:
    """The latency a planner reads for this scenario: Offline has none; Server and Interactive, p99 against the
    bound (TTFT and TPOT for LLMs); SingleStream and MultiStream, the headline percentile (no bound)."""
    scenario = r["scenario"]
    if scenario == "Offline":
        return "no latency bound: Offline is throughput only"
    if scenario in ("Server", "Interactive"):
        pairs = [(label, r[p99], r[limit]) for label, p99, limit in (
            ("TTFT p99", "ttft_p99_ns", "ttft_latency_limit_ns"), ("TPOT p99", "tpot_p99_ns", "tpot_latency_limit_ns"))
            if r[limit]]
        if not pairs and r["target_latency_ns"]:
            pairs = [("p99", r["latency_p99_ns"], r["target_latency_ns"])]
        if not pairs:
            return f"p99 {_ms(r['latency_p99_ns'])} ms (no bound loaded)"
        return "; ".join(f"{label} {_ms(value)} ms of its {_ms(bound)} ms bound"
                         + (f" ({value / bound:.0%})" if value else "") for label, value, bound in pairs)
    if scenario == "MultiStream":
        return f"query p99 {_ms(r['query_latency_p99_ns'])} ms (the headline; no bound)"
    return f"p90 {_ms(r['latency_p90_ns'])} ms (the headline; no bound)"


def _server_model(system: str) -> str | None:
    found = re.search(r"[A-Z]+\d{3,}", system)
    return found.group(0) if found else None


def _systems(con, system: str) -> list[dict]:
    """The system's descriptions, and the same server's in the other suite."""
    named = _rows(con, """
        select h.*, s.raw_json, s.source_path, src.repo_url, src.commit_sha from system_hardware h
        join systems s using (suite, round, submitter, system)
        left join sources src using (suite, round)
        where (h.system = ? or h.system_name = ?) and s.division is not distinct from h.division
        order by h.suite, h.round""", [system, system])
    if not named:
        return []
    first = named[-1]
    model, suites = _server_model(first["system"]), {n["suite"] for n in named}
    same = [] if model is None else [r for r in _rows(con, """
        select h.*, s.raw_json, s.source_path, src.repo_url, src.commit_sha from system_hardware h
        join systems s using (suite, round, submitter, system)
        left join sources src using (suite, round)
        where h.submitter = ? and h.accelerator = ? and h.accelerators_total = ?
          and s.division is not distinct from h.division
        order by h.suite, h.round, h.system""", [first["submitter"], first["accelerator"], first["accelerators_total"]])
        if r["suite"] not in suites and _server_model(r["system"]) == model]
    return named + same


def _latest(rows: list[dict], key, round_: str | None) -> list[dict]:
    """Per key, the rows of the latest round (or of `round_` only)."""
    if round_:
        return [r for r in rows if r["round"] == round_]
    latest: dict = {}
    for r in rows:
        k = key(r)
        if k not in latest or round_key(r["round"]) > round_key(latest[k]):
            latest[k] = r["round"]
    return [r for r in rows if latest[key(r)] == r["round"]]


def _description(systems: list[dict]) -> Section:
    typed = ["suite", "round", "division", "system", "system_name", "accelerator", "accelerator_model_name",
             "number_of_nodes", "accelerators_per_node", "accelerators_total", "host_processor_model_name",
             "host_processors_total", "framework", "availability", "system_type"]
    section = Section("System", "What the server is, as each round's system description says: the typed fields the "
                      "warehouse compares, then every field as written by the submitter.")
    section.blocks.append(Table(["field"] + [f"{s['suite']} {s['round']} {s['system']}" for s in systems],
                                [[f] + [_num(s[f]) for s in systems] for f in typed]
                                + [["source"] + [Source(s["source_path"], s["repo_url"], s["commit_sha"])
                                                 for s in systems]]))
    raw = [json.loads(s["raw_json"]) for s in systems]
    keys = sorted({k for r in raw for k in r})
    section.blocks.append("Raw fields (as written):")
    section.blocks.append(Table(["field"] + [f"{s['suite']} {s['round']}" for s in systems],
                                [[k] + [_num(r.get(k)) if not isinstance(r.get(k), (dict, list)) else json.dumps(r[k])
                                        for r in raw] for k in keys]))
    return section


def _dropped(runs: list[dict], runs_counted: int, round_: str, benchmark: str) -> dict[str, str]:
    """Why each run counts or not, by the scoring rules (docs/scoring.md): failed runs are dropped at the slow end,
    then the fastest `max_dropped` and as many slowest as make `max_dropped` at the slow end."""
    rules = benchmark_rules(round_, benchmark)
    if rules is None:
        return {r["run_label"]: "see training_scores.reason" for r in runs}
    most = rules.max_dropped
    late = [r for r in runs if r["init_within_limit"] is False]
    converged = sorted((r for r in runs if r["reached_target"] and r["status"] == "success" and r not in late),
                       key=lambda r: r["time_to_train_minutes"])
    failed = [r for r in runs if r not in converged and r not in late]
    slow = max(most - len(failed) - len(late), 0)
    why = {r["run_label"]: "dropped: did not reach the target" for r in failed}
    why |= {r["run_label"]: "dropped: initialization over the round's limit" for r in late}
    why |= {r["run_label"]: "dropped: fastest" for r in converged[:most]}
    why |= {r["run_label"]: "dropped: slowest" for r in converged[len(converged) - slow:] if slow}
    counted = [r for r in converged if r["run_label"] not in why]
    if len(counted) != runs_counted:
        return {r["run_label"]: "see training_scores.reason" for r in runs}
    return why | {r["run_label"]: "counted" for r in counted}


def _training(con, systems: list[dict], round_: str | None) -> tuple[list[Section], list[dict]]:
    names = [(s["round"], s["submitter"], s["system"]) for s in systems if s["suite"] == "training"]
    if not names:
        return [], []
    scores = _latest(_rows(con, """
        select sc.*, src.repo_url from training_scores sc left join sources src on src.suite = 'training'
        and src.round = sc.round where list_contains(?, sc.round || '/' || sc.submitter || '/' || sc.system)
        order by sc.benchmark, sc.round""", [["/".join(n) for n in names]]),
        lambda r: r["benchmark_name"], round_)
    sections = []
    for score in scores:
        sections.append(_training_section(con, score, next(s for s in systems if s["suite"] == "training"
                                                          and s["round"] == score["round"]
                                                          and s["system"] == score["system"])))
    return sections, scores


def _training_section(con, score: dict, system: dict) -> Section:
    rnd, bench = score["round"], score["benchmark"]
    name = score["benchmark_name"]
    key = [rnd, score["submitter"], score["system"], bench]
    runs = _rows(con, """select * from training_runs where round = ? and submitter = ? and system = ? and benchmark = ?
                         order by run_index, run_label""", key)
    target = runs[0]["quality_target"] if runs else None
    section = Section(
        f"Training: {_u(name)} ({rnd}, {score['division']})",
        "How long this system takes to reach the quality target, run by run, and the official score the rules make "
        "of those runs.")
    folder = f"`{_u(bench)}`" + (f" (named {_u(name)})" if name != bench else "")
    description, metric = _training_words(rnd, bench, name)
    section.blocks.append(
        f"{description}. Benchmark folder {folder}. Quality target: {target or 'not known for this round'} "
        f"({metric}). Official score: **{_num(score['score_minutes'])} minutes** "
        f"({_min_s(score['score_minutes'])}; {score['runs_counted']} of {score['runs_total']} runs counted, "
        f"{score['runs_failed']} not converged, RCP scaling factor {_num(score['scaling_factor'])}"
        + (f"; {_u(score['reason'])}" if score["reason"] else "") + ").")
    source = lambda path: Source(path, score["repo_url"], score["source_commit"])  # noqa: E731
    section.blocks.append(Table(["score", "minutes", "min s", "source"],
                                [["official score", _num(score["score_minutes"]), _min_s(score["score_minutes"]),
                                  source(score["source_path"])]]))
    why = _dropped(runs, score["runs_counted"], rnd, bench)
    section.blocks.append(Table(
        ["run", "time to train (min)", "min s", "status", "reached target", "final accuracy", "evaluations",
         "in the score", "source"],
        [[r["run_label"], _num(r["time_to_train_minutes"]), _min_s(r["time_to_train_minutes"]), r["status"],
          _num(r["reached_target"]),
          r["final_eval_json"] if r["final_eval_accuracy"] is None else _num(r["final_eval_accuracy"]),
          r["eval_count"], why.get(r["run_label"]), source(r["source_path"])] for r in runs]))
    hyper = ["global_batch_size", "local_batch_size", "optimizer", "base_learning_rate", "warmup_epochs",
             "warmup_steps", "weight_decay", "gradient_accumulation_steps", "train_samples", "eval_samples", "seed"]
    section.blocks.append(Table(["hyperparameter"] + [f"run {r['run_label']}" for r in runs],
                                [[h] + [_num(r[h], 8) if h != "seed" else _identifier(r[h]) for r in runs]
                                 for h in hyper]))
    evals = con.sql("""
        select run_label as run, minutes_since_run_start as minutes, coalesce(accuracy, accuracy_bbox) as accuracy
        from training_evals where round = ? and submitter = ? and system = ? and benchmark = ?
          and coalesce(accuracy, accuracy_bbox) is not null and coalesce(metric, '') <> 'CLIP'
        order by run_label, time_ms""", params=key).pl()
    if evals.height:
        metric = "BBOX mAP" if name == "maskrcnn" else "FID" if name == "stable_diffusion" else metric
        section.blocks.append(
            alt.Chart(evals, title=f"{name}: convergence of each run ({metric} against minutes since run start)")
            .mark_line(point=True)
            .encode(x=alt.X("minutes:Q", title="minutes since run start (min)"),
                    y=alt.Y("accuracy:Q", title=metric, scale=alt.Scale(zero=False)),
                    color=alt.Color("run:N", title="run"), tooltip=["run", "minutes", "accuracy"])
            .properties(width=460, height=220))
    section.blocks += _training_peers(con, score, system, name)
    return section


def _rank(rows: list[dict], me: dict, key) -> tuple[int | str, int]:
    ordered = sorted(rows, key=lambda p: (key(p), p["submitter"], p["system"]))
    found = next((i for i, p in enumerate(ordered, 1) if (p["submitter"], p["system"]) == me), "—")
    return found, len(ordered)


def _training_peers(con, score: dict, system: dict, name: str) -> list:
    """Ranks among systems of the same size (an 8-accelerator server against 8-accelerator servers), then what
    2, 4, 8 of these servers would do."""
    peers = _rows(con, """
        select submitter, system, accelerator, accelerators_total, score_minutes, accelerator_minutes
        from training_accelerator_minutes
        where round = ? and division = ? and benchmark = ? and accelerator_minutes is not null""",
        [score["round"], score["division"], score["benchmark"]])
    me, size, chip = (score["submitter"], score["system"]), system["accelerators_total"], system["accelerator"]
    same_size = [p for p in peers if p["accelerators_total"] == size]
    rank, of = _rank(same_size, me, lambda p: p["score_minutes"])
    rank_chip, of_chip = _rank([p for p in same_size if p["accelerator"] == chip], me, lambda p: p["score_minutes"])
    rank_per, of_per = _rank(peers, me, lambda p: p["accelerator_minutes"])
    blocks = [f"Rank in {score['round']} {score['division']} among systems of {size} accelerators, by time to train: "
              f"**{rank} of {of}** systems of every accelerator; **{rank_chip} of {of_chip}** systems with the "
              f"{_u(chip)}. By accelerator-minutes (time × accelerators, the cost per accelerator): **{rank_per} of "
              f"{of_per}** systems of every size and accelerator."]
    curve = con.execute("""
        select accelerators_total, score_minutes, submitter, system, scaling_efficiency from training_scaling
        where round = ? and division = ? and benchmark = ? and accelerator = ? order by accelerators_total""",
        [score["round"], score["division"], score["benchmark"], chip]).fetchall()
    blocks.append(f"The {_u(chip)} curve of {score['round']} (the best score measured at each size, any submitter):")
    blocks.append(Table(["accelerators", "best score (min)", "min s", "system", "efficiency vs the smallest"],
                        [[n, _num(t), _min_s(t), f"{s}/{sy}", _num(e, 3)] for n, t, s, sy, e in curve]))
    if len(scaling.falling([(n, t) for n, t, *_ in curve])) < 2:
        rnd, older = _latest_curve(con, score, chip, name)
        if older:
            blocks.append(f"This round measured one size of the {_u(chip)} only: the sizes below come from the "
                          f"{rnd} curve of {_u(name)}, the latest with two sizes or more (older software).")
            return blocks + _what_if(con, score, system, name, older, peers, rnd)
    return blocks + _what_if(con, score, system, name, curve, peers, score["round"])


def _latest_curve(con, score: dict, chip: str, name: str) -> tuple[str | None, list]:
    """The latest round's curve of this benchmark (by name, whatever its folder) and accelerator with two sizes
    or more on it."""
    rows = con.execute("""
        select round, accelerators_total, score_minutes, submitter, system, scaling_efficiency
        from training_scaling where division = ? and accelerator = ? and benchmark_name = ?
        order by accelerators_total""", [score["division"], chip, name]).fetchall()
    curves: dict[str, list] = {}
    for rnd, *point in rows:
        curves.setdefault(rnd, []).append(tuple(point))
    for rnd in sorted(curves, key=round_key, reverse=True):
        if len(scaling.falling([(n, t) for n, t, *_ in curves[rnd]])) >= 2:
            return rnd, curves[rnd]
    return None, []


def _what_if(con, score: dict, system: dict, name: str, curve: list, peers: list[dict], curve_round: str) -> list:
    """1, 2, 4, 8 of this server: the submitter's own multi-server result when measured, else the accelerator's
    curve (measured, interpolated between the sizes around, or extrapolated by a fitted law), each labelled."""
    size, chip, model = system["accelerators_total"], system["accelerator"], _server_model(score["system"])
    own = {}
    for p in peers:  # the same submitter's systems built of this server
        if (p["submitter"] == score["submitter"] and p["accelerator"] == chip and model
                and _server_model(p["system"]) == model and p["accelerators_total"] % size == 0):
            k = p["accelerators_total"] // size
            if k not in own or p["score_minutes"] < own[k]["score_minutes"]:
                own[k] = p
    points = scaling.falling([(n, t) for n, t, *_ in curve])
    measured = dict(points)
    chosen = scaling.choose(points) if len(points) >= 2 else None
    rows, notes = [], []
    for k in SERVERS:
        n = k * size
        mine = own.get(k)
        if n in measured:
            value, how = measured[n], "measured (the best system of that size)"
        elif points and points[0][0] < n < points[-1][0]:
            (n1, t1), (n2, t2) = next((lo, hi) for lo, hi in zip(points, points[1:]) if lo[0] < n < hi[0])
            value = t1 * (n / n1) ** (math.log(t2 / t1) / math.log(n2 / n1))
            how = f"interpolated on the curve between {sizing_step(n1, n2)}"
        elif chosen and points and n > points[-1][0]:
            law = chosen[0]
            value, how = law.minutes(n), f"EXTRAPOLATED: {law.form} {law.text()} fitted to the curve"
            notes.append(n)
        else:
            value, how = None, "not measured: no size of the curve around it"
        rows.append([k, n, f"{_num(mine['score_minutes'])} ({_u(mine['system'])})" if mine else "not measured",
                     _num(value, 3) if value else "—", _min_s(mine["score_minutes"] if mine else value), how])
        score.setdefault("what_if", []).append(
            f"{_min_s(mine['score_minutes'])} (this server's own)" if mine else "—" if value is None
            else f"{_min_s(value)} ({'best measured' if n in measured else how.split(' ')[0].rstrip(':').lower()}"
            + (f", {curve_round} curve)" if curve_round != score["round"] else ")"))
    blocks = [f"What if I buy 1, 2, 4, 8 of these ({size} × {_u(chip)} each)? This server's own multi-server results "
              f"where {_u(score['submitter'])} measured them, else the {_u(chip)} curve; \"min s\" is the measured "
              f"time when there is one.",
              Table(["servers", "accelerators", "this server's own result (min)", "the accelerator's curve (min)",
                     "min s", "how"], rows)]
    if notes and chosen:
        law, why = chosen
        curves, which = other_curves(con, name, chip, score["division"])
        band = scaling.band(scaling.error_rates(curves))
        largest = points[-1][0]
        spans = []
        for n in notes:
            distance = math.log(n / largest)
            predicted = law.minutes(n)
            spans.append(f"{n} → {_num(predicted, 3)} min" + (
                f" (band {_num(predicted * math.exp(band[0] * distance - law.rms_log_error), 3)}–"
                f"{_num(predicted * math.exp(band[1] * distance + law.rms_log_error), 3)})" if band else ""))
        blocks.append(f"EXTRAPOLATION (not measured) beyond {largest} accelerators: {law.form} {law.text()} ({why}): "
                      + "; ".join(spans) + (f"; bands from how {which} bent beyond their fits, plus this fit's "
                                            f"residual." if band else "; no band (too few other curves)."))
    return blocks


def _inference(con, systems: list[dict], round_: str | None) -> tuple[list[Section], list[dict]]:
    names = [f"{s['round']}/{s['division']}/{s['submitter']}/{s['system']}"
             for s in systems if s["suite"] == "inference"]
    if not names:
        return [], []
    results = _latest(_rows(con, """
        select r.* replace (m.result as result, m.units as units), r.result as published_result,
               r.units as published_units, src.repo_url, p.average_watts, p.power_result, p.power_units,
               p.performance_per_watt, p.source_path as power_path
        from inference_results r
        -- the value in the unit it measures (the table's number and label kept as published_*)
        join stg_inference_results m
            on m.round = r.round and m.division = r.division and m.submitter = r.submitter and m.system = r.system
            and m.benchmark = r.benchmark and m.scenario = r.scenario
        left join sources src on src.suite = 'inference' and src.round = r.round
        left join inference_power p
            on p.round = r.round and p.division = r.division and p.submitter = r.submitter and p.system = r.system
            and p.benchmark = r.benchmark and p.scenario = r.scenario
        where list_contains(?, r.round || '/' || r.division || '/' || r.submitter || '/' || r.system)
        order by r.model, r.scenario, r.system, r.round""", [names]),
        lambda r: (r["model"], r["scenario"]), round_)
    sections: dict[str, Section] = {}
    for r in results:
        section = sections.setdefault(f"{r['model']} {r['round']}", Section(
            f"Inference: {_u(r['model'])} ({r['round']}, {r['division']})",
            "The headline result of each scenario, the latency distribution behind it, whether the run is valid, its "
            "accuracy against the target and its power, then its rank."))
        section.blocks += _inference_blocks(con, r, next(s for s in systems if s["suite"] == "inference"
                                                         and s["round"] == r["round"] and s["system"] == r["system"]))
    return list(sections.values()), results


def _inference_blocks(con, r: dict, system: dict) -> list:
    source = lambda path: Source(path, r["repo_url"], r["source_commit"])  # noqa: E731
    rules = _model_rules(r["round"], r["model"])
    offline = r["scenario"] == "Offline"
    bound = "" if offline else (
        f"target latency {_num(r['target_latency_ns'] / 1e6)} ms; " if r["target_latency_ns"] else "")
    # the table's own number and label where they are not the value in the unit it measures (v5.1 whisper)
    published = ("" if (r["published_result"], r["published_units"]) == (r["result"], r["units"]) else
                 f" (published: {_num(r['published_result'])} labelled {_u(r['published_units'])})")
    head = (f"**{r['scenario']}** on {_u(r['system'])} (benchmark folder `{_u(r['benchmark'])}`"
            + f": {rules.get('description', 'no description in the rules files')}): **{_num(r['result'])} "
            f"{r['units']}**{published}; {'valid' if r['valid'] else 'INVALID: ' + _u(r['invalid_reason'] or '?')} "
            f"(loadgen: {_u(r['result_validity'] or '—')}; early stopping met: {_num(r['early_stopping_met'])}); "
            + ("" if offline else f"target QPS {_num(r['target_qps'])}, ") + bound
            + f"latency: {_latency_verdict(r)}.")
    # Offline issues one query of every sample: its "latencies" are when each sample completed within that query
    label = "sample completion time" if offline else "latency"
    latency = [[label_, _num(r[column] / 1e6, 3)] for label_, column in LATENCIES if r[column] is not None]
    blocks = [head, Table(["figure", "value", "source"],
                          [["result", f"{_num(r['result'])} {r['units']}", source(r["source_path"])],
                           ["queries", _num(r["query_count"]), source(r["source_path"])]]
                          + [[f"{label} {label_} (ms)", value, source(r["source_path"])]
                             for label_, value in latency])]
    accuracy = con.execute("""
        select metric, value, target, upper_limit, met, source_path from inference_accuracy
        where round = ? and division = ? and submitter = ? and system = ? and benchmark = ? and scenario = ?
        order by metric""", [r["round"], r["division"], r["submitter"], r["system"], r["benchmark"], r["scenario"]]
    ).fetchall()
    if accuracy:
        means = rules.get("accuracy_means", {})
        blocks.append(Table(["accuracy metric", "value", "target", "upper limit", "met", "what the checker means",
                             "source"],
                            [[m, _num(v), _num(t), _num(u), _num(met), means.get(m, "as named"), source(p)]
                             for m, v, t, u, met, p in accuracy]))
    if r["power_result"] is not None:
        blocks.append(Table(["power", "value", "source"],
                            [[f"power ({r['power_units']})", _num(r["power_result"]), source(r["power_path"])],
                             ["average W", _num(r["average_watts"]), source(r["power_path"])],
                             ["performance per W", _num(r["performance_per_watt"]), source(r["power_path"])]]))
    if r["scenario"] in ("Offline", "Server", "Interactive") and r["valid"]:
        peers = _rows(con, """
            select submitter, system, accelerator, accelerators_total, result, result_per_accelerator
            from inference_per_accelerator
            where round = ? and division = ? and model = ? and scenario = ? and units = ?
              and result_per_accelerator is not null""",
            [r["round"], r["division"], r["model"], r["scenario"], r["units"]])
        me, size = (r["submitter"], r["system"]), system["accelerators_total"]
        same_size = [p for p in peers if p["accelerators_total"] == size]
        rank, of = _rank(same_size, me, lambda p: -p["result"])
        rank_chip, of_chip = _rank([p for p in same_size if p["accelerator"] == system["accelerator"]], me,
                                   lambda p: -p["result"])
        rank_per, of_per = _rank(peers, me, lambda p: -p["result_per_accelerator"])
        blocks.append(f"Rank in {r['round']} {r['division']} among systems of {size} accelerators, by {r['units']}: "
                      f"**{rank} of {of}** systems of every accelerator; **{rank_chip} of {of_chip}** systems with "
                      f"the {_u(system['accelerator'])}. By {r['units']} per accelerator: **{rank_per} of {of_per}** "
                      f"systems of every size and accelerator.")
        blocks.append("What if I buy 2, 4, 8 of these? Inference servers serve independently (no scaling loss "
                          "between replicas): " + ", ".join(f"{k} → {_num(k * r['result'])} {r['units']}"
                                                            for k in SERVERS[1:]) + ".")
    return blocks


def brief(db: Path, system: str, round_: str | None = None) -> list[Section] | None:
    """The brief's sections, or None when the warehouse has no system of that name."""
    with duckdb.connect(str(db), read_only=True) as con:
        systems = _systems(con, system)
        if round_:
            systems = [s for s in systems if s["round"] == round_]
        if not systems:
            return None
        training, scores = _training(con, systems, round_)
        inference, results = _inference(con, systems, round_)
    used = sorted({f"{s['suite']} {s['round']} {s['division'] or ''} {s['submitter']}/{s['system']}" for s in systems})
    summary = Section("Summary", "The headline figures, each detailed in its section below.", [
        f"Descriptions used: {_u('; '.join(used))}.",
        Table(["benchmark", "round", "official score (min)", "min s"]
              + [f"{k} server{'s' if k > 1 else ''}: time to train" for k in SERVERS[1:]],
              [[s["benchmark_name"], s["round"], _num(s["score_minutes"]),
                _min_s(s["score_minutes"])] + s.get("what_if", ["—"] * len(SERVERS))[1:] for s in scores]),
        "What if I buy 2, 4, 8 of these: this server's own multi-server result where its submitter measured one, "
        "else the accelerator's curve of that round: the best measured system of that size, interpolated between "
        "two measured sizes, or extrapolated by a fitted law (each training section says which and how). "
        "Inference servers serve independently: 2, 4, 8 of them serve 2, 4, 8 times the result.",
        Table(["model", "scenario", "round", "result", "units", "latency against its bound"],
              [[r["model"], r["scenario"], r["round"], _num(r["result"]), r["units"], _latency_verdict(r)]
               for r in results])])
    return [summary, _description(systems)] + training + inference


def _plain(value) -> str:
    return _UNTRUSTED.sub(r"\1", str(value))


def _md(text: str) -> str:
    """A sentence of ours in Markdown, the repository's text in it escaped."""
    return _UNTRUSTED.sub(lambda m: safe_text.markdown(m.group(1)), text)


def _cell_md(value) -> str:
    if isinstance(value, Source):
        text = safe_text.markdown(value.text())
        return f"[{text}](<{quote(value.href(), safe=':/@')}>)" if value.href() else text
    return safe_text.markdown(_plain(value))


def markdown(system: str, sections: list[Section]) -> str:
    lines = [f"# Brief: {safe_text.markdown(system)}", "",
             f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by mlperf-warehouse."]
    for section in sections:
        lines += ["", f"## {_md(section.title)}", "", section.lead]
        for block in section.blocks:
            if isinstance(block, Table):
                if block.rows:
                    lines += ["", "| " + " | ".join(_cell_md(h) for h in block.headers) + " |",
                              "|" + "---|" * len(block.headers)]
                    lines += ["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in block.rows]
            elif isinstance(block, str):
                lines += ["", _md(block)]
    return "\n".join(lines) + "\n"


def _cell_html(value) -> str:
    if isinstance(value, Source):
        href = value.href()
        return f'<a href="{html.escape(href)}">{html.escape(value.text())}</a>' if href else html.escape(value.text())
    return html.escape(_plain(value))


def _strong(text: str) -> str:
    """A sentence of ours in HTML: **bold** and `code` marks of ours, the repository's text escaped and inert."""
    parts = _UNTRUSTED.split(text)  # ours, theirs, ours, ...
    return "".join(html.escape(part) if i % 2 else
                   re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(part)).replace("`", "")
                   for i, part in enumerate(parts))


def write_html(system: str, sections: list[Section], output: Path) -> None:
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    bundle = import_vl_convert().javascript_bundle(vl_version=vl_version_for_vl_convert())
    body, charts = [], []
    for section in sections:
        body.append(f"<section><h2>{html.escape(_plain(section.title))}</h2>"
                    f"<p class=lead>{html.escape(section.lead)}</p>")
        for block in section.blocks:
            if isinstance(block, Table):
                if block.rows:
                    body.append("<table><tr>" + "".join(f"<th>{_cell_html(h)}</th>" for h in block.headers) + "</tr>"
                                + "".join("<tr>" + "".join(f"<td>{_cell_html(c)}</td>" for c in row) + "</tr>"
                                          for row in block.rows) + "</table>")
            elif isinstance(block, str):
                body.append(f"<p>{_strong(block)}</p>")
            else:
                body.append(f'<div class="chart" id="chart{len(charts)}"></div>')
                charts.append(block.to_dict())
        body.append("</section>")
    specs = safe_text.script_json(charts)  # no data value may close the script or open a comment
    page = f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Brief: {html.escape(system)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto}} table{{border-collapse:collapse;margin:.6em 0;
font-size:13px}} td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}} .lead{{color:#555;font-style:italic}}</style>
<script>{bundle}</script></head>
<body><h1>Brief: {html.escape(system)}</h1><p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by mlperf-warehouse.</p>
{chr(10).join(body)}
<script>const specs = {specs};
specs.forEach((spec, i) => vegaEmbed('#chart' + i, spec, {{actions: false}}).catch(console.error));</script>
</body></html>
"""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page)
