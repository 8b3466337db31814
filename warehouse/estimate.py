"""Answer a capacity planner's question from measured results only, citing the rows it uses.

Training: how many accelerators of a kind train a benchmark within a target time? The answer comes from the observed
scaling curve of that accelerator (the `training_scaling` view): between the two measured accelerator counts that
bracket the target, time-to-train is interpolated as a power law (a straight line in log-log), i.e. with the scaling
efficiency actually observed over that step. Nothing is extrapolated beyond the measured range.

Inference: how many accelerators serve a target throughput? Inference systems serve independently, so the answer
is a number of replicas of the measured system with the best throughput per accelerator: ceil(target / its result).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass
class Estimate:
    answer: str
    accelerators: int | None = None
    systems: int | None = None
    assumed_efficiency: float | None = None
    cited: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.answer]
        if self.cited:
            lines.append("Measured results used:")
            lines += [f"  {c}" for c in self.cited]
        return "\n".join(lines)


def _link(repo_url: str | None, commit: str | None, path: str) -> str:
    if repo_url and repo_url.startswith("https://github.com/") and commit:
        return f"{repo_url}/tree/{commit}/{path}"
    return f"{repo_url or ''} {path} @ {commit[:10] if commit else '?'}".strip()


def estimate_training(db: Path, benchmark: str, accelerator: str, target_minutes: float, round_: str | None = None) -> Estimate:
    with duckdb.connect(str(db), read_only=True) as con:
        points = con.execute("""
            select s.round, s.accelerator, s.accelerators_total, s.score_minutes, s.submitter, s.system,
                   h.accelerators_per_node, src.repo_url, src.commit_sha
            from training_scaling s
            join system_hardware h
                on h.suite = 'training' and h.round = s.round and h.submitter = s.submitter and h.system = s.system
            left join sources src on src.suite = 'training' and src.round = s.round
            where s.benchmark = ? and (s.accelerator ilike '%' || ? || '%') and (? is null or s.round = ?)
            order by s.round desc, s.accelerator, s.accelerators_total""",
            [benchmark, accelerator, round_, round_]).fetchall()
    if not points:
        return Estimate(f"No valid {benchmark} score on an accelerator matching {accelerator!r}"
                        + (f" in {round_}" if round_ else "") + ": the data cannot answer this.")
    curves: dict[tuple[str, str], list] = {}
    for p in points:
        curves.setdefault((p[0], p[1]), []).append(p)
    for (rnd, chip), curve in curves.items():  # latest round first
        fastest = min(p[3] for p in curve)
        if fastest > target_minutes:
            continue
        return _from_curve(benchmark, rnd, chip, sorted(curve, key=lambda p: p[2]), target_minutes)
    best = min(points, key=lambda p: p[3])
    return Estimate(
        f"No measured {benchmark} result on {accelerator!r} is as fast as {target_minutes:g} min (fastest: "
        f"{best[3]:.2f} min with {best[2]} × {best[1]}, {best[0]}); extrapolating beyond measured sizes is not supported.",
        cited=[_cite(best)],
    )


def _cite(p) -> str:
    return f"{p[0]} {p[4]}/{p[5]}: {p[2]} × {p[1]}, {p[3]:.3f} min  {_link(p[7], p[8], f'{p[4]}/results/{p[5]}')}"


def _from_curve(benchmark: str, round_: str, chip: str, curve: list, target: float) -> Estimate:
    smallest = curve[0]
    if smallest[3] <= target:
        n = smallest[2]
        return Estimate(
            f"{benchmark} on {chip}: the smallest measured system, {n} accelerators, already trains in "
            f"{smallest[3]:.2f} min ≤ {target:g} min ({round_}); fewer accelerators were not measured.",
            accelerators=n, systems=1, cited=[_cite(smallest)],
        )
    for low, high in zip(curve, curve[1:]):
        if low[3] > target >= high[3]:
            n1, t1, n2, t2 = low[2], low[3], high[2], high[3]
            exponent = math.log(n2 / n1) / math.log(t1 / t2)  # n grows as (t1/t)^exponent along this step
            needed = math.ceil(n1 * (t1 / target) ** exponent)
            per_node = high[6] or low[6] or 1
            accelerators = math.ceil(needed / per_node) * per_node
            efficiency = (t1 * n1) / (t2 * n2)
            return Estimate(
                f"{benchmark} on {chip} within {target:g} min: about {accelerators} accelerators "
                f"({accelerators // per_node} nodes of {per_node}); interpolated on the {round_} scaling curve between "
                f"{n1} accelerators ({t1:.2f} min) and {n2} ({t2:.2f} min), whose observed scaling efficiency over that "
                f"step is {efficiency:.0%} of linear.",
                accelerators=accelerators, systems=accelerators // per_node, assumed_efficiency=efficiency,
                cited=[_cite(low), _cite(high)],
            )
    raise AssertionError("a curve whose fastest point meets the target brackets it")


def estimate_inference(db: Path, model: str, scenario: str, target: float, accelerator: str | None = None,
                       round_: str | None = None) -> Estimate:
    with duckdb.connect(str(db), read_only=True) as con:
        best = con.execute("""
            select p.round, p.accelerator, p.accelerators_total, p.result, p.units, p.submitter, p.system,
                   p.result_per_accelerator, src.repo_url, src.commit_sha, p.source_path
            from inference_per_accelerator p
            left join sources src on src.suite = 'inference' and src.round = p.round
            where p.model = ? and p.scenario = ? and p.accelerator is not null
              and (? is null or p.accelerator ilike '%' || ? || '%') and (? is null or p.round = ?)
            order by p.round desc, p.result_per_accelerator desc
            limit 1""", [model, scenario, accelerator, accelerator, round_, round_]).fetchall()
    if not best:
        return Estimate(f"No valid {model} {scenario} result" + (f" on {accelerator!r}" if accelerator else "")
                        + (f" in {round_}" if round_ else "") + ": the data cannot answer this.")
    rnd, chip, per_system, result, units, submitter, system, per_accelerator, repo_url, commit, path = best[0]
    systems = math.ceil(target / result)
    return Estimate(
        f"{model} {scenario} at {target:g} {units}: {systems} replicas of {submitter}/{system} ({per_system} × {chip}, "
        f"{result:g} {units} each, {per_accelerator:g} per accelerator, {rnd}) = {systems * per_system} accelerators. "
        f"Replicas serve independently, so no cross-system scaling loss is assumed (efficiency 100%).",
        accelerators=systems * per_system, systems=systems, assumed_efficiency=1.0,
        cited=[f"{rnd} {submitter}/{system}: {result:g} {units}  {_link(repo_url, commit, path)}"],
    )
