"""Energy of training runs and scores, by the official result summarizer's formula (mlcommons/logging,
mlperf_logging/result_summarizer/result_summarizer.py, `_compute_total_power` and `_index_olympic_average`):

- a run's joules: for each node file, conversion_eff × (∫ W dt over its window) × time to train / window length
  (the node's mean draw over its window, scaled to the run's time to train); for each switch file,
  conversion_eff × interconnect_power_est × time to train; summed node files first, then switch files;
- a score's joules: the runs that count for the score (the same fastest and slowest dropped, sorted by time to
  train) averaged, × the scaling factor of the score.

The official tool stops with an error (no energy, and no score either, for the whole submitter) when a counted
run has a window of zero length, no power_measurement_start or no node file; here that run's row and its score's
energy say so and everything else loads.
"""

from __future__ import annotations

import math

import polars as pl

from transform.common.validate import to_frame

_RUN = ("round", "submitter", "system", "benchmark")


def training_power(files: list[dict], runs: pl.DataFrame, rejects: list[dict]) -> pl.DataFrame:
    """One row per run with a power folder. Power files of a run that is not loaded become rejects."""
    by_result: dict[tuple, list[dict]] = {}
    for file in files:
        by_result.setdefault(tuple(file[k] for k in _RUN) + (file["result"],), []).append(file)
    loaded = {
        tuple(run[k] for k in _RUN) + (run["source_path"].rsplit("/", 1)[1].split(".")[0],): run
        for run in runs.select(*_RUN, "division", "run_label", "run_start_ms", "run_stop_ms", "source_path").iter_rows(named=True)
    }
    rows = []
    for key, parts in by_result.items():
        run = loaded.get(key)
        if run is None:
            rejects.extend({"suite": "training", "round": f["round"], "source_path": f["source_path"],
                            "source_commit": f["source_commit"], "stage": "parse",
                            "reason": f"power log of {key[-1]}, whose result log is not loaded: no time to train to "
                                      "scale its readings to"} for f in parts)
            continue
        rows.append(_run_energy(sorted(parts, key=lambda f: f["source_path"]), run))
    return to_frame("training_power", rows, rejects)


def _run_energy(parts: list[dict], run: dict) -> dict:
    time_to_train_ms = run["run_stop_ms"] - run["run_start_ms"]
    nodes = [f for f in parts if f["part"] == "node"]
    switches = [f for f in parts if f["part"] == "switch"]
    broken = [f for f in parts if f["problem"]]
    notes = [f"{_name(broken[0])}: {broken[0]['problem']}" + (f" (and {len(broken) - 1} more files)" if len(broken) > 1 else "")
             ] if broken else []
    if not nodes:
        notes.append("no node_*.txt: the official summarizer stops with an error on this run")
    total = node_j = switch_j = 0.0
    if not notes:
        for f in nodes:  # the summarizer's order of operations, to the last bit
            joules = f["conversion_eff"] * f["integral_w_ms"] * time_to_train_ms / (f["stop_ms"] - f["start_ms"]) / 1000
            total, node_j = total + joules, node_j + joules
        for f in switches:
            joules = f["conversion_eff"] * (f["interconnect_w"] or 0) * time_to_train_ms / 1000
            total, switch_j = total + joules, switch_j + joules
    valid = not notes
    notes += [f"{_name(f)}: {f['readings']} power_readings and no interconnect_power_est: the official formula counts "
              "0 J for this switch" for f in switches if f["interconnect_w"] is None and f["readings"] and not f["problem"]]
    efficiencies = {f["conversion_eff"] for f in nodes}
    starts = [f["start_ms"] for f in nodes if f["start_ms"] is not None]
    stops = [f["stop_ms"] for f in nodes if f["stop_ms"] is not None]
    return {
        "suite": "training",
        **{k: run[k] for k in (*_RUN, "division", "run_label")},
        "node_files": len(nodes),
        "switch_files": len(switches),
        "node_readings": sum(f["readings"] for f in nodes),
        "conversion_efficiency": efficiencies.pop() if len(efficiencies) == 1 else None,
        "window_start_ms": min(starts, default=None),
        "window_stop_ms": max(stops, default=None),
        "window_seconds": (max(stops) - min(starts)) / 1000 if starts and stops else None,
        "node_energy_j": node_j if valid else None,
        "switch_energy_j": switch_j if valid else None,
        "energy_j": total if valid else None,
        "average_watts": total * 1000 / time_to_train_ms if valid and time_to_train_ms > 0 else None,
        "note": "; ".join(notes) or None,
        "source_path": parts[0]["source_path"].rsplit("/", 1)[0],
        "source_commit": parts[0]["source_commit"],
    }


def _name(file: dict) -> str:
    return file["source_path"].rsplit("/", 1)[1]


def energies_by_folder(power: pl.DataFrame) -> dict[tuple, dict[str, tuple[float | None, str | None]]]:
    """(round, submitter, system, benchmark) → run_label → (joules, note)."""
    out: dict[tuple, dict] = {}
    for row in power.select(*_RUN, "run_label", "energy_j", "note").iter_rows(named=True):
        out.setdefault(tuple(row[k] for k in _RUN), {})[row["run_label"]] = (row["energy_j"], row["note"])
    return out


def score_energy(times: list[float], labels: list[str], failed: int, drop: int, factor: float,
                 energies: dict[str, tuple[float | None, str | None]] | None, scored: bool) -> tuple[float | None, str | None]:
    """(joules of the score, why there are none) for the converged runs' times and labels, in file order; `drop`
    runs at each end as for the score (`scored`: the rules gave it a time)."""
    if energies is None:
        return None, None
    for label in labels:  # the summarizer computes every converged run's energy before it drops any
        joules, note = energies.get(label, (None, "no power folder: the official summarizer stops with an error"))
        if joules is None:
            return None, f"run {label}: {note}"
    if not scored:
        return None, "no score"
    order = sorted(range(len(times)), key=lambda i: times[i])
    counted = [energies[labels[i]][0] for i in order][drop:len(order) - (drop - failed)]
    if not counted:
        return None, "no score"
    joules = sum(counted) * 1.0 / len(counted) * factor
    if not (math.isfinite(joules) and joules > 0):  # a run's joules or the factor beyond any real measurement
        return None, f"{joules:g} J is not a finite positive energy"
    return joules, None
