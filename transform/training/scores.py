"""The official MLPerf Training score per (round, division, submitter, system, benchmark).

Rules implemented (mlcommons/logging, mlperf_logging/result_summarizer/result_summarizer.py, the same since v1.0;
v0.7 is the special case max_dropped = 1; docs/scoring.md says more):
- a run's time is (run_stop − run_start) / 60000 minutes;
- a run that did not converge is dropped and counts as a slowest run. Converged means: in the closed division,
  an eval_accuracy reached the quality target (transform/training/quality_targets.py, the compliance checker's rule);
  elsewhere, or where no target is known, run_stop status success. A log with an MLLOG line that does not
  decode, or without run_start/run_stop, never counts (the official parser rejects it);
- at most `max_dropped` runs may be dropped (4 for unet3d, else 1), otherwise there is no score;
- the converged times are sorted; the `max_dropped` fastest are removed, and as many of the slowest as are needed to
  make `max_dropped` removed from the slow end together with the non-converged ones;
- the score is the arithmetic mean of the rest, multiplied by the RCP `scaling_factor` of scaling.json (default 1).
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from transform.common.rules import round_rules
from transform.common.validate import to_frame
from transform.training.energy import energies_by_folder, score_energy

# Runs the rules ask for per benchmark (mlcommons/training_policies, "Benchmark results").
RUNS_REQUIRED = {
    "resnet": 5, "ssd": 5, "maskrcnn": 5, "retinanet": 5,
    "bert": 10, "dlrm": 5, "dlrm_dcnv2": 10, "rnnt": 10, "minigo": 10, "gnmt": 10, "transformer": 10,
    "unet3d": 40, "gpt3": 3, "stable_diffusion": 10, "llama2_70b_lora": 10, "gnn": 10,
}


def max_dropped(benchmark: str) -> int:
    return 4 if benchmark == "unet3d" else 1


def olympic_score(times_min: list[float], failed: int, benchmark: str) -> tuple[float | None, int, str | None]:
    """(unscaled score, runs counted, reason when there is no score) for the converged run times."""
    drop = max_dropped(benchmark)
    if failed > drop:
        return None, 0, f"{failed} runs did not converge; at most {drop} may be dropped for {benchmark}"
    ordered = sorted(times_min)
    counted = ordered[drop:len(ordered) - (drop - failed)]
    if not counted:
        return None, 0, f"{len(ordered)} converged runs are too few to drop {drop} fastest and {drop} slowest"
    return sum(counted) / len(counted), len(counted), None


def _converged(lenient: list[str]) -> pl.Expr:
    by_target = (pl.col("division") == "closed") & pl.col("reached_target").is_not_null()
    converged = pl.when(by_target).then(pl.col("reached_target")).otherwise(pl.col("status") == "success")
    return converged & ((pl.col("mllog_bad_lines") == 0) | pl.col("round").is_in(lenient))


def training_scores(runs: pl.DataFrame, scaling: dict[tuple, float], unusable_logs: Counter, power: pl.DataFrame
                    ) -> pl.DataFrame:
    keys = ["suite", "round", "division", "submitter", "system", "benchmark"]
    # rounds whose rules let a run with undecodable log lines count (bad_lines_void_run = false)
    lenient = [r for r in runs["round"].unique().to_list()
               if ((round_rules("training", r) or {}).get("score") or {}).get("bad_lines_void_run", True) is False]
    groups = (
        runs.group_by(keys, maintain_order=True)
        .agg(
            times=pl.col("time_to_train_minutes").filter(_converged(lenient)),
            labels=pl.col("run_label").filter(_converged(lenient)),
            runs_total=pl.len(),
            folder=pl.col("source_path").first().str.replace(r"/[^/]*$", ""),
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
        unscaled, counted, reason = olympic_score(g["times"], failed, g["benchmark"])
        required = RUNS_REQUIRED.get(g["benchmark"])
        if reason is None and required is not None and g["runs_total"] < required:
            reason = f"only {g['runs_total']} of the {required} runs the rules require"
        factor = scaling.get((g["round"], g["submitter"], g["system"], g["benchmark"]), 1.0)
        folder = (g["round"], g["submitter"], g["system"], g["benchmark"])
        energy_j, energy_reason = score_energy(g["times"], g["labels"], failed, max_dropped(g["benchmark"]), factor,
                                               energies.get(folder), scored=unscaled is not None)
        rows.append({
            **{k: g[k] for k in keys},
            "runs_total": g["runs_total"],
            "runs_required": required,
            "runs_counted": counted,
            "runs_failed": failed,
            "score_minutes": unscaled * factor if unscaled is not None else None,
            "unscaled_score_minutes": unscaled,
            "scaling_factor": factor,
            "fastest_run_minutes": min(g["times"]) if g["times"] else None,
            "valid": reason is None,
            "reason": reason,
            "energy_j": energy_j,
            "energy_reason": energy_reason,
            "source_path": g["folder"],
            "source_commit": g["source_commit"],
        })
    return to_frame("training_scores", rows)
