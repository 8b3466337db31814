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

import altair as alt
import duckdb

from transform.common.rules import round_key
from transform.training.score_rules import benchmark_rules
from warehouse import scaling
from warehouse.estimate import link, other_curves

# What reaching each training benchmark's quality target means (MLPerf Training rules, closed division).
MEANING = {
    "resnet": "ResNet-50 image classification: top-1 accuracy on ImageNet",
    "retinanet": "RetinaNet object detection: mAP on the MLPerf subset of OpenImages",
    "ssd-resnet34": "SSD-ResNet34 object detection: mAP on COCO 2017",
    "maskrcnn": "Mask R-CNN detection and segmentation on COCO 2017: box mAP (BBOX) and mask mAP (SEGM)",
    "bert": "BERT-large pre-training: masked-language-model accuracy on Wikipedia",
    "dlrm": "DLRM recommendation: AUC on Criteo Terabyte",
    "dlrm_dcnv2": "DLRM-DCNv2 recommendation: AUC on Criteo 4TB multi-hot",
    "unet3d": "3D U-Net medical segmentation: mean DICE on KiTS19",
    "rnnt": "RNN-T speech recognition: word error rate on LibriSpeech (lower is better)",
    "gpt3": "GPT-3 175B pre-training: log perplexity on C4 (lower is better)",
    "llama2_70b_lora": "Llama 2 70B LoRA fine-tuning: evaluation loss on SCROLLS GovReport (lower is better)",
    "stable_diffusion": "Stable Diffusion v2 text-to-image: FID (lower is better) and CLIP score on COCO",
    "minigo": "MiniGo reinforcement learning: win rate against the reference model",
}
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
        f"Training: {name} ({rnd}, {score['division']})",
        "How long this system takes to reach the quality target, run by run, and the official score the rules make "
        "of those runs.")
    folder = f"`{bench}`" + (f" (named {name})" if name != bench else "")
    section.blocks.append(
        f"Benchmark folder {folder}. Quality target: {target or 'not known for this round'} — "
        f"{MEANING.get(name, 'see the MLPerf Training rules')}. Official score: "
        f"**{_num(score['score_minutes'])} minutes** ({score['runs_counted']} of {score['runs_total']} runs counted, "
        f"{score['runs_failed']} not converged, RCP scaling factor {_num(score['scaling_factor'])}"
        + (f"; {score['reason']}" if score["reason"] else "") + ").")
    source = lambda path: Source(path, score["repo_url"], score["source_commit"])  # noqa: E731
    section.blocks.append(Table(["score", "minutes", "source"],
                                [["official score", _num(score["score_minutes"]), source(score["source_path"])]]))
    why = _dropped(runs, score["runs_counted"], rnd, bench)
    section.blocks.append(Table(
        ["run", "time to train (min)", "status", "reached target", "final accuracy", "evaluations", "in the score",
         "source"],
        [[r["run_label"], _num(r["time_to_train_minutes"]), r["status"], _num(r["reached_target"]),
          r["final_eval_json"] if r["final_eval_accuracy"] is None else _num(r["final_eval_accuracy"]),
          r["eval_count"], why.get(r["run_label"]), source(r["source_path"])] for r in runs]))
    hyper = ["global_batch_size", "local_batch_size", "optimizer", "base_learning_rate", "warmup_epochs",
             "warmup_steps", "weight_decay", "gradient_accumulation_steps", "train_samples", "eval_samples", "seed"]
    section.blocks.append(Table(["hyperparameter"] + [f"run {r['run_label']}" for r in runs],
                                [[h] + [_num(r[h], 8) for r in runs] for h in hyper]))
    evals = con.sql("""
        select run_label as run, minutes_since_run_start as minutes, coalesce(accuracy, accuracy_bbox) as accuracy
        from training_evals where round = ? and submitter = ? and system = ? and benchmark = ?
          and coalesce(accuracy, accuracy_bbox) is not null and coalesce(metric, '') <> 'CLIP'
        order by run_label, time_ms""", params=key).pl()
    if evals.height:
        metric = "BBOX mAP" if name == "maskrcnn" else "FID" if name == "stable_diffusion" else "eval accuracy"
        section.blocks.append(
            alt.Chart(evals, title=f"{name}: convergence of each run ({metric} against minutes since run start)")
            .mark_line(point=True)
            .encode(x=alt.X("minutes:Q", title="minutes since run start (min)"),
                    y=alt.Y("accuracy:Q", title=metric, scale=alt.Scale(zero=False)),
                    color=alt.Color("run:N", title="run"), tooltip=["run", "minutes", "accuracy"])
            .properties(width=460, height=220))
    section.blocks += _training_peers(con, score, system, name)
    return section


def _training_peers(con, score: dict, system: dict, name: str) -> list:
    peers = _rows(con, """
        select submitter, system, accelerator, accelerators_total, score_minutes, accelerator_minutes
        from training_accelerator_minutes
        where round = ? and division = ? and benchmark = ? and accelerator_minutes is not null
        order by score_minutes, submitter, system""", [score["round"], score["division"], score["benchmark"]])
    same = [p for p in peers if p["accelerator"] == system["accelerator"]]
    rank = next((i for i, p in enumerate(same, 1) if p["system"] == score["system"]
                 and p["submitter"] == score["submitter"]), "—")
    per = sorted(peers, key=lambda p: (p["accelerator_minutes"], p["submitter"], p["system"]))
    rank_per = next((i for i, p in enumerate(per, 1) if p["system"] == score["system"]
                     and p["submitter"] == score["submitter"]), "—")
    blocks = [f"Rank in {score['round']} {score['division']}: **{rank} of {len(same)}** systems with the "
              f"{system['accelerator']} by time to train; **{rank_per} of {len(per)}** systems of every accelerator "
              f"by accelerator-minutes (time × accelerators, the cost per accelerator)."]
    curve = con.execute("""
        select accelerators_total, score_minutes, submitter, system, scaling_efficiency from training_scaling
        where round = ? and division = ? and benchmark = ? and accelerator = ? order by accelerators_total""",
        [score["round"], score["division"], score["benchmark"], system["accelerator"]]).fetchall()
    blocks.append(Table(["accelerators", "best score (min)", "system", "efficiency vs the smallest"],
                        [[n, _num(t), f"{s}/{sy}", _num(e, 3)] for n, t, s, sy, e in curve]))
    points = scaling.falling([(n, t) for n, t, *_ in curve])
    chosen = scaling.choose(points) if len(points) >= 2 else None
    if chosen:
        law, why = chosen
        largest = points[-1][0]
        n = 2 * largest
        predicted = law.minutes(n)
        curves, which = other_curves(con, name, system["accelerator"], score["division"])
        others = scaling.error_rates(curves)
        band = scaling.band(others)
        spread = (f"; band {_num(predicted * math.exp(band[0] * math.log(2) - law.rms_log_error), 3)}–"
                  f"{_num(predicted * math.exp(band[1] * math.log(2) + law.rms_log_error), 3)} min from how "
                  f"{len(others)} {which} bent beyond their fits, plus this fit's residual"
                  if band else "; no band (too few other curves)")
        blocks.append(
            f"EXTRAPOLATION (not measured): with {n} × {system['accelerator']} (2× the largest measured) the fitted "
            f"{law.form} {law.text()} ({why}) predicts {_num(predicted, 3)} min{spread}. Points used: "
            + ", ".join(f"{a} → {_num(t)} min" for a, t in points) + ".")
    else:
        blocks.append(f"Scaling: only {len(points)} measured size of {system['accelerator']} in this round: nothing "
                      "to fit, no extrapolation.")
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
            f"Inference: {r['model']} ({r['round']}, {r['division']})",
            "The headline result of each scenario, the latency distribution behind it, whether the run is valid, its "
            "accuracy against the target and its power, then its rank."))
        section.blocks += _inference_blocks(con, r, next(s for s in systems if s["suite"] == "inference"
                                                         and s["round"] == r["round"] and s["system"] == r["system"]))
    return list(sections.values()), results


def _inference_blocks(con, r: dict, system: dict) -> list:
    source = lambda path: Source(path, r["repo_url"], r["source_commit"])  # noqa: E731
    published = ("" if (r["published_result"], r["published_units"]) == (r["result"], r["units"]) else
                 f" (published: {_num(r['published_result'])} labelled {r['published_units']})")
    head = (f"**{r['scenario']}** on {r['system']} (benchmark folder `{r['benchmark']}`): **{_num(r['result'])} "
            f"{r['units']}**{published}; {'valid' if r['valid'] else 'INVALID: ' + (r['invalid_reason'] or '?')} "
            f"(loadgen: {r['result_validity'] or '—'}; early stopping met: {_num(r['early_stopping_met'])}); "
            f"target QPS {_num(r['target_qps'])}, target latency "
            f"{_num(r['target_latency_ns'] / 1e6 if r['target_latency_ns'] else None)} ms.")
    latency = [[label, _num(r[column] / 1e6, 3)] for label, column in LATENCIES if r[column] is not None]
    blocks = [head, Table(["figure", "value", "source"],
                          [["result", f"{_num(r['result'])} {r['units']}", source(r["source_path"])],
                           ["queries", _num(r["query_count"]), source(r["source_path"])]]
                          + [[f"latency {label} (ms)", value, source(r["source_path"])] for label, value in latency])]
    accuracy = con.execute("""
        select metric, value, target, upper_limit, met, source_path from inference_accuracy
        where round = ? and division = ? and submitter = ? and system = ? and benchmark = ? and scenario = ?
        order by metric""", [r["round"], r["division"], r["submitter"], r["system"], r["benchmark"], r["scenario"]]
    ).fetchall()
    if accuracy:
        blocks.append(Table(["accuracy metric", "value", "target", "upper limit", "met", "source"],
                            [[m, _num(v), _num(t), _num(u), _num(met), source(p)] for m, v, t, u, met, p in accuracy]))
    if r["power_result"] is not None:
        blocks.append(Table(["power", "value", "source"],
                            [[f"power ({r['power_units']})", _num(r["power_result"]), source(r["power_path"])],
                             ["average W", _num(r["average_watts"]), source(r["power_path"])],
                             ["performance per W", _num(r["performance_per_watt"]), source(r["power_path"])]]))
    if r["scenario"] in ("Offline", "Server", "Interactive") and r["valid"]:
        peers = _rows(con, """
            select submitter, system, accelerator, result, result_per_accelerator from inference_per_accelerator
            where round = ? and division = ? and model = ? and scenario = ? and units = ?
              and result_per_accelerator is not null""",
            [r["round"], r["division"], r["model"], r["scenario"], r["units"]])
        me = lambda p: (p["submitter"], p["system"]) == (r["submitter"], r["system"])  # noqa: E731
        same = sorted((p for p in peers if p["accelerator"] == system["accelerator"]),
                      key=lambda p: (-p["result"], p["submitter"], p["system"]))
        per = sorted(peers, key=lambda p: (-p["result_per_accelerator"], p["submitter"], p["system"]))
        rank = next((i for i, p in enumerate(same, 1) if me(p)), "—")
        rank_per = next((i for i, p in enumerate(per, 1) if me(p)), "—")
        blocks.append(f"Rank in {r['round']} {r['division']}: **{rank} of {len(same)}** systems with the "
                      f"{system['accelerator']} by {r['units']}; **{rank_per} of {len(per)}** systems of every "
                      f"accelerator by {r['units']} per accelerator.")
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
        f"Descriptions used: {'; '.join(used)}.",
        Table(["benchmark", "round", "official score (min)"],
              [[s["benchmark_name"], s["round"], _num(s["score_minutes"])] for s in scores]),
        Table(["model", "scenario", "round", "result", "units", "p99 latency (ms)"],
              [[r["model"], r["scenario"], r["round"], _num(r["result"]), r["units"],
                _num(r["latency_p99_ns"] / 1e6 if r["latency_p99_ns"] else None, 3)] for r in results])])
    return [summary, _description(systems)] + training + inference


def _cell_md(value) -> str:
    if isinstance(value, Source):
        return f"[{value.text()}]({value.href()})" if value.href() else value.text()
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(system: str, sections: list[Section]) -> str:
    lines = [f"# Brief: {system}", "", f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by mlperf-warehouse."]
    for section in sections:
        lines += ["", f"## {section.title}", "", section.lead]
        for block in section.blocks:
            if isinstance(block, Table):
                if block.rows:
                    lines += ["", "| " + " | ".join(block.headers) + " |", "|" + "---|" * len(block.headers)]
                    lines += ["| " + " | ".join(_cell_md(c) for c in row) + " |" for row in block.rows]
            elif isinstance(block, str):
                lines += ["", block]
    return "\n".join(lines) + "\n"


def _cell_html(value) -> str:
    if isinstance(value, Source):
        href = value.href()
        return f'<a href="{html.escape(href)}">{html.escape(value.text())}</a>' if href else html.escape(value.text())
    return html.escape(str(value))


def _strong(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text)).replace("`", "")


def write_html(system: str, sections: list[Section], output: Path) -> None:
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    bundle = import_vl_convert().javascript_bundle(vl_version=vl_version_for_vl_convert())
    body, charts = [], []
    for section in sections:
        body.append(f"<section><h2>{html.escape(section.title)}</h2><p class=lead>{html.escape(section.lead)}</p>")
        for block in section.blocks:
            if isinstance(block, Table):
                if block.rows:
                    body.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block.headers) + "</tr>"
                                + "".join("<tr>" + "".join(f"<td>{_cell_html(c)}</td>" for c in row) + "</tr>"
                                          for row in block.rows) + "</table>")
            elif isinstance(block, str):
                body.append(f"<p>{_strong(block)}</p>")
            else:
                body.append(f'<div class="chart" id="chart{len(charts)}"></div>')
                charts.append(block.to_dict())
        body.append("</section>")
    specs = json.dumps(charts).replace("</", "<\\/")  # no data value may close the script
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
