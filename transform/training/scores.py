"""The official MLPerf Training score per (round, division, submitter, system, benchmark).

Rules implemented (mlcommons/logging, mlperf_logging/result_summarizer/result_summarizer.py; the values per round and
benchmark are in transform/training/rules/<round>.toml, docs/scoring.md says more):
- a run's time is (run_stop − run_start) / 60000 minutes;
- a run that did not converge is dropped and counts as a slowest run. Converged means: an eval_accuracy reached the
  quality target of the division the log states (transform/training/quality_targets.py, the compliance checker's
  rule; open runs have their own, looser check); where no target is known, run_stop status success (v0.6: always
  the latter). A log with an MLLOG
  line that does not decode, or without run_start/run_stop, never counts (the official parser rejects it), nor does a
  run whose initialization took longer than the round's limit (the compliance checker fails it);
- at most `max_failed` runs may fail (the summarizer's max_dropped: 4 for unet3d, else 1), otherwise there is no score;
- the converged times are sorted; the `max_dropped` fastest are removed, and as many of the slowest as are needed to
  make `max_dropped` removed from the slow end together with the non-converged ones;
- the score is the arithmetic mean of the rest, multiplied by the RCP `scaling_factor` of scaling.json (default 1);
- v0.5 NCF scores only the first 50 runs that converged (`first_converged`), in run order.
Beyond the summarizer, which would rank them: a score is a finite positive number made of plausible parts, or it is
invalid with a reason (a converged run that took no time, a scaling factor that makes the score overflow).
A benchmark the round's rules file does not name has no score (the reason says so).
"""

from __future__ import annotations

import math
from collections import Counter

import polars as pl

from transform.common.validate import to_frame
from transform.training.energy import energies_by_folder, score_energy
from transform.training.score_rules import (BenchmarkRules, bad_lines_void_run, benchmark_name, benchmark_rules,
                                            converged_by_run_stop, unchecked_note)


def olympic_score(times_min: list[float], failed: int, rules: BenchmarkRules, benchmark: str) -> tuple[float | None, int, str | None]:
    """(unscaled score, runs counted, reason when there is no score) for the converged run times."""
    drop = rules.max_dropped
    if failed > rules.max_failed:
        return None, 0, f"{failed} runs did not converge; at most {rules.max_failed} may be dropped for {benchmark}"
    ordered = sorted(times_min)
    counted = ordered[drop:len(ordered) - (drop - failed)]
    if not counted:
        return None, 0, f"{len(ordered)} converged runs are too few to drop {drop} fastest and {drop} slowest"
    return sum(counted) / len(counted), len(counted), None


def _converged(by_status: list[str], lenient: list[str]) -> pl.Expr:
    by_target = pl.col("reached_target").is_not_null() & ~pl.col("round").is_in(by_status)
    converged = pl.when(by_target).then(pl.col("reached_target")).otherwise(pl.col("status") == "success")
    decoded = (pl.col("mllog_bad_lines") == 0) | pl.col("round").is_in(lenient)
    return converged & decoded & pl.col("init_within_limit").fill_null(True)


def _note() -> pl.Expr:
    """What the score's reason says about a run: dropped for its initialization time, or a duplicate."""
    name = pl.col("source_path").str.split("/").list.last()
    init = pl.when(pl.col("init_within_limit") == False).then(  # noqa: E712 (a polars expression)
        pl.format("{} dropped: initialization took {} minutes, over the round's limit", name, pl.col("init_minutes").round(3)))
    duplicate = pl.when(pl.col("duplicate_of").is_not_null()).then(
        pl.format("{} is the same run as {} (same run_start and run_stop); the official summarizer counts both", name,
                  pl.col("duplicate_of")))
    return pl.concat_str([init, duplicate], separator="; ", ignore_nulls=True)


# An RCP scaling factor is a penalty, the reference convergence's mean epochs over the submission's when the
# submission converged faster (1.0003 to 1.19 in the published rounds): below 1 or a hundredfold is no measurement.
MAX_SCALING_FACTOR = 100.0


def _implausible(times: list[float], labels: list[str], unscaled: float | None, factor: float) -> str | None:
    """Why a score cannot stand although the rules give one: a part of it no real run produces."""
    instant = [f"{label} ({time:g} minutes)" for time, label in zip(times, labels) if not time > 0]
    if instant:
        return f"run_stop at or before run_start in run {', '.join(instant)}: not a time to train"
    if not 1 <= factor <= MAX_SCALING_FACTOR:
        return (f"scaling factor {factor:g} in scaling.json: an RCP penalty is a ratio of epochs from 1 to "
                f"{MAX_SCALING_FACTOR:g}")
    if unscaled is not None and not (math.isfinite(unscaled * factor) and unscaled * factor > 0):
        return f"{unscaled:g} minutes × scaling factor {factor:g} is not a finite positive score"
    return None


def training_scores(runs: pl.DataFrame, scaling: dict[tuple, float], unusable_logs: Counter, power: pl.DataFrame
                    ) -> pl.DataFrame:
    keys = ["suite", "round", "division", "submitter", "system", "benchmark"]
    rounds = runs["round"].unique().to_list()
    by_status = [r for r in rounds if converged_by_run_stop(r)]
    lenient = [r for r in rounds if not bad_lines_void_run(r)]
    converged = _converged(by_status, lenient)
    groups = (
        runs.sort("run_index", "source_path", nulls_last=True)
        .group_by(keys, maintain_order=True)
        .agg(
            times=pl.col("time_to_train_minutes").filter(converged),
            labels=pl.col("run_label").filter(converged),
            runs_total=pl.len(),
            folder=pl.col("source_path").first().str.replace(r"/[^/]*$", ""),
            notes=_note().filter(_note() != ""),
            source_commit=pl.col("source_commit").first(),
        )
        .sort(keys, nulls_last=True)
    )
    energies = energies_by_folder(power)
    rows = []
    for g in groups.iter_rows(named=True):
        unusable = unusable_logs.get((g["round"], g["submitter"], g["system"], g["benchmark"]), 0)
        g["runs_total"] += unusable
        failed = g["runs_total"] - len(g["times"])
        rules = benchmark_rules(g["round"], g["benchmark"])
        if rules is None:
            unscaled, counted, reason = None, 0, (f"no rules for {g['benchmark']} in {g['round']} "
                                                  f"(transform/training/rules/{g['round']}.toml): not scored")
        elif rules.first_converged:
            # the other runs are not part of the score, converged or not
            first = g["times"][:rules.first_converged]
            unscaled, counted, reason = olympic_score(first, 0, rules, g["benchmark"])
            if len(first) < rules.first_converged:
                unscaled, counted, reason = None, 0, (f"{len(first)} runs converged; the rules score the first "
                                                      f"{rules.first_converged} that converge")
        else:
            unscaled, counted, reason = olympic_score(g["times"], failed, rules, g["benchmark"])
        required = rules.runs_required if rules else None
        if reason is None and required is not None and g["runs_total"] < required:
            reason = f"only {g['runs_total']} of the {required} runs the rules require"
        folder = (g["round"], g["submitter"], g["system"], g["benchmark"])
        factor = scaling.get(folder, 1.0)
        implausible = _implausible(g["times"], g["labels"], unscaled, factor)
        if implausible:
            reason, unscaled = "; ".join(filter(None, [reason, implausible])), None
        energy_j, energy_reason = score_energy(g["times"], g["labels"], failed, rules.max_dropped if rules else 0, factor,
                                               energies.get(folder), scored=unscaled is not None)
        rows.append({
            **{k: g[k] for k in keys},
            "benchmark_name": benchmark_name(g["round"], g["benchmark"]),
            "runs_total": g["runs_total"],
            "runs_required": required,
            "runs_counted": counted,
            "runs_failed": failed,
            "score_minutes": unscaled * factor if unscaled is not None else None,
            "unscaled_score_minutes": unscaled,
            "scaling_factor": factor,
            "fastest_run_minutes": min(g["times"]) if g["times"] else None,
            "valid": reason is None,
            "rules_checked": (note := unchecked_note(g["round"], g["benchmark"])) is None,
            "rules_note": note,
            "reason": "; ".join(([reason] if reason else []) + g["notes"]) or None,
            "energy_j": energy_j,
            "energy_reason": energy_reason,
            "source_path": g["folder"],
            "source_commit": g["source_commit"],
        })
    return to_frame("training_scores", rows)
