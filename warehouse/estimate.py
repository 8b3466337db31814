"""Answer a capacity planner's question from measured results, citing the rows it uses.

Training: how many accelerators of a kind train a benchmark within a target time? From the accelerator's observed
scaling curve (`training_scaling`, one division, closed by default): between the two measured counts that bracket
the target, time to train is interpolated as a power law (a straight line in log-log), i.e. with the scaling
efficiency actually observed over that step. Rounds are searched latest first for a curve that brackets the target.
A larger count measured slower than a smaller one is left out of the curve (nobody would buy it).
Beyond the largest measured count the answer is refused, unless `extrapolate` is asked: then a scaling law is
fitted to the curve (warehouse/scaling.py) and the answer is labelled as an extrapolation, with its band.

Inference: how many accelerators serve a target throughput? Inference systems serve independently, so the answer
is whole replicas of one measured system of the latest round: of every candidate system (one server, a rack, a
cluster), the one needing the fewest accelerators, with the best of each other size named (warehouse/sizing.py).
Only results in one unit are compared, and the unit is said.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from warehouse import scaling, sizing
from warehouse.names import (NotMeasured, resolve_accelerator, resolve_model, resolve_training, round_key,
                             training_benchmark)


class BadTarget(ValueError):
    """A target no answer can have (zero, negative, not a number)."""


@dataclass
class Estimate:
    answer: str
    accelerators: int | None = None
    systems: int | None = None
    units: str | None = None
    round: str | None = None
    assumed_efficiency: float | None = None
    extrapolated: bool = False
    band: tuple[int, int | None] | None = None  # accelerators; None above: no bound
    cited: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.answer]
        if self.accelerators is not None:
            total = (f"Total: {sizing.plural(self.accelerators, 'accelerator')} "
                     f"({sizing.plural(self.systems, 'system')})")
            if self.extrapolated:
                total += ", EXTRAPOLATED beyond the measured sizes"
            if self.band:
                total += f"; band {self.band[0]}–{self.band[1] if self.band[1] else 'unbounded'} accelerators"
            lines.append(total + ".")
        if self.cited:
            lines.append("Measured results used:")
            lines += [f"  {c}" for c in self.cited]
        return "\n".join(lines)


def link(repo_url: str | None, commit: str | None, path: str) -> str:
    if repo_url and repo_url.startswith("https://github.com/") and commit:
        return f"{repo_url}/tree/{commit}/{path}"
    return f"{repo_url or ''} {path} @ {commit[:10] if commit else '?'}".strip()


def _number(x: float) -> str:
    return f"{x:,.0f}" if x == int(x) else f"{x:,.6g}"


def _check_target(value: float, name: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise BadTarget(f"{name} must be a positive number, not {value:g}")


def _other_divisions(con, division: str, model: str, accelerator: str) -> str:
    """Where the other divisions could answer, said so that nobody mixes them silently."""
    counts = con.execute("""
        select division, count(*) from inference_per_accelerator
        where division <> ? and model = ? and accelerator_model_name ilike '%' || ? || '%'
        group by division order by division""", [division, model, accelerator]).fetchall()
    return "".join(f"; the {d} division has {n} such results (--division {d}; not comparable with {division})"
                   for d, n in counts)


def _accelerator_patterns(con) -> list[tuple[str, str]]:
    return con.execute("""
        select pattern, concat_ws(' ', chip, form_factor, cast(memory_gb as integer) || 'GB')
        from accelerator_models order by priority""").fetchall()


@dataclass(frozen=True)
class _Point:
    round: str
    accelerators: int
    minutes: float
    submitter: str
    system: str
    per_node: int
    repo_url: str | None
    commit: str | None

    def cite(self, chip: str) -> str:
        return (f"{self.round} {self.submitter}/{self.system}: {self.accelerators} × {chip}, {self.minutes:.3f} min  "
                f"{link(self.repo_url, self.commit, f'{self.submitter}/results/{self.system}')}")


def training_curves(con, benchmark: str, accelerator: str, division: str = "closed"
                    ) -> tuple[str, str, dict[str, list[_Point]]]:
    """(benchmark name, canonical accelerator, {round: the curve, by count, each count faster than the smaller ones})
    of one division. UnknownName when the benchmark or accelerator is not measured."""
    folders = resolve_training(benchmark, con.execute(
        "select distinct round, benchmark from training_scaling where division = ?", [division]).fetchall())
    name = training_benchmark(*next(iter(folders.items())))
    keys = [f"{r}/{f}" for r, f in folders.items()]
    measured = [a for (a,) in con.execute(
        "select distinct accelerator from training_scaling where division = ? "
        "and list_contains(?, round || '/' || benchmark)", [division, keys]).fetchall()]
    chip = resolve_accelerator(accelerator, _accelerator_patterns(con), measured)
    rows = con.execute("""
        select s.round, s.accelerators_total, s.score_minutes, s.submitter, s.system, h.accelerators_per_node,
               src.repo_url, src.commit_sha, s.accelerator
        from training_scaling s
        join system_hardware h
            on h.suite = 'training' and h.round = s.round and h.submitter = s.submitter and h.system = s.system
        left join sources src on src.suite = 'training' and src.round = s.round
        where s.division = ? and s.accelerator = ? and list_contains(?, s.round || '/' || s.benchmark)
        order by s.round, s.accelerators_total""", [division, chip, keys]).fetchall()
    curves: dict[str, list[_Point]] = {}
    for r in rows:
        curve = curves.setdefault(r[0], [])
        if not curve or r[2] < curve[-1].minutes:
            curve.append(_Point(r[0], r[1], r[2], r[3], r[4], r[5] or 1, r[6], r[7]))
    return name, chip, dict(sorted(curves.items(), key=lambda c: round_key(c[0]), reverse=True))


def estimate_training(db: Path, benchmark: str, accelerator: str, target_minutes: float, round_: str | None = None,
                      division: str = "closed", extrapolate: bool = False) -> Estimate:
    _check_target(target_minutes, "the target time")
    with duckdb.connect(str(db), read_only=True) as con:
        try:
            name, chip, curves = training_curves(con, benchmark, accelerator, division)
        except NotMeasured as missing:
            return Estimate(f"{missing}: the data cannot answer this.")
    if round_:
        curves = {r: c for r, c in curves.items() if r == round_}
    where = f"{name} on {chip} ({division} division{', ' + round_ if round_ else ''})"
    if not curves:
        return Estimate(f"No valid {where} score: the data cannot answer this.")
    for rnd, curve in curves.items():  # latest first
        for low, high in zip(curve, curve[1:]):
            if low.minutes > target_minutes >= high.minutes:
                return _interpolated(name, chip, low, high, target_minutes, latest=next(iter(curves)))
    fast_enough = [c[0] for c in curves.values() if c[0].minutes <= target_minutes]
    if fast_enough:
        smallest = min(fast_enough, key=lambda p: p.accelerators)  # the latest round of those: first
        return Estimate(
            f"{name} within {target_minutes:g} min on {chip}: at most {smallest.accelerators} accelerators — the "
            f"smallest measured system ({smallest.round}) already trains in {smallest.minutes:.2f} min; no round "
            f"measured fewer accelerators, so no round brackets the target.",
            accelerators=smallest.accelerators, systems=smallest.accelerators // smallest.per_node, units="minutes",
            round=smallest.round, cited=[smallest.cite(chip)])
    fastest = min((p for c in curves.values() for p in c), key=lambda p: p.minutes)
    if not extrapolate:
        return Estimate(
            f"No measured {where} result is as fast as {target_minutes:g} min (fastest: {fastest.minutes:.2f} min with "
            f"{fastest.accelerators} accelerators, {fastest.round}); answering would extrapolate beyond the measured "
            f"sizes: ask for it with --extrapolate.", cited=[fastest.cite(chip)])
    with duckdb.connect(str(db), read_only=True) as con:
        others = other_curves(con, name, chip, division)
    return _extrapolated(name, chip, curves, target_minutes, others)


def _interpolated(name: str, chip: str, low: _Point, high: _Point, target: float, latest: str) -> Estimate:
    n1, t1, n2, t2 = low.accelerators, low.minutes, high.accelerators, high.minutes
    exponent = math.log(n2 / n1) / math.log(t1 / t2)  # n grows as (t1/t)^exponent along this step
    needed = n1 * (t1 / target) ** exponent
    per_node = high.per_node
    accelerators = math.ceil(needed / per_node) * per_node
    efficiency = (t1 * n1) / (t2 * n2)
    which = (f"{low.round}, the latest round" if low.round == latest
             else f"{low.round}, the latest round whose measurements bracket the target ({latest} does not)")
    return Estimate(
        f"{name} on {chip} within {target:g} min: about {sizing.plural(accelerators, 'accelerator')} "
        f"({sizing.plural(accelerators // per_node, 'system')} of {per_node}); interpolated on the {which}, between "
        f"{n1} accelerators ({t1:.2f} min) and {n2} ({t2:.2f} min), whose observed scaling efficiency over that step "
        f"is {efficiency:.0%} of linear. The measured sizes are {sizing.step(n1, n2)}"
        + (": nothing was measured in between, so the answer is only as good as the straight line across it."
           if n2 / n1 > 4 else "."),
        accelerators=accelerators, systems=accelerators // per_node, units="minutes", round=low.round,
        assumed_efficiency=efficiency, cited=[low.cite(chip), high.cite(chip)])


def other_curves(con, benchmark: str, chip: str, division: str) -> tuple[list[list[scaling.Point]], str]:
    """The measured curves (three counts or more) of the other accelerators, every round, for the band: this
    benchmark's when there are enough of them, else every benchmark's (and which, said in words)."""
    rows = con.execute("""
        select round, benchmark, accelerator, accelerators_total, score_minutes from training_scaling
        where division = ? and curve_points >= 3 order by round, benchmark, accelerator, accelerators_total""",
        [division]).fetchall()
    curves: dict[tuple, list] = {}
    for rnd, folder, accelerator, n, minutes in rows:
        curves.setdefault((training_benchmark(rnd, folder), accelerator, rnd), []).append((n, minutes))
    others = {k: scaling.falling(c) for k, c in curves.items() if k[1] != chip}
    same = [c for k, c in others.items() if k[0] == benchmark]
    if len(scaling.error_rates(same)) >= 5:
        return same, f"other accelerators' {benchmark} curves"
    return list(others.values()), "other accelerators' curves of every benchmark"


def _extrapolated(name: str, chip: str, curves: dict[str, list[_Point]], target: float,
                  others: tuple[list[list[scaling.Point]], str]) -> Estimate:
    rnd, curve = next(((r, c) for r, c in curves.items() if len(c) >= 2), (None, None))
    if curve is None:
        only = next(iter(curves.values()))
        return Estimate(f"{name} on {chip}: no round measured two sizes or more, so no scaling law can be fitted.",
                        cited=[p.cite(chip) for p in only])
    points = [(p.accelerators, p.minutes) for p in curve]
    chosen = scaling.choose(points)
    cited = [p.cite(chip) for p in curve]
    if chosen is None:
        return Estimate(f"{name} on {chip}: the {rnd} curve does not fall with more accelerators; no law fits it.",
                        cited=cited)
    law, why = chosen
    largest, per_node = curve[-1].accelerators, curve[-1].per_node
    needed = scaling.accelerators_within(law, target, largest)
    label = (f"EXTRAPOLATION beyond the measured sizes: {name} on {chip} within {target:g} min, from the {rnd} curve "
             f"({', '.join(f'{n} → {t:.2f} min' for n, t in points)}); {law.form} {law.text()} ({why})")
    if needed is None:
        return Estimate(f"{label}: by this law no number of accelerators reaches {target:g} min.", cited=cited)
    accelerators = math.ceil(needed / per_node) * per_node
    errors = scaling.error_rates(others[0])
    rates = scaling.band(errors)
    band, band_text = None, "no band: fewer than 5 other curves of 3 sizes or more to measure how curves bend"
    if rates:
        low = scaling.accelerators_within(law, target, largest, rates[0], -law.rms_log_error)
        high = scaling.accelerators_within(law, target, largest, rates[1], law.rms_log_error)
        band = (math.ceil(low / per_node) * per_node, math.ceil(high / per_node) * per_node if high else None)
        band_text = (f"band {band[0]}–{band[1] or 'unbounded'} accelerators: the 10th–90th percentile of how "
                     f"{len(errors)} {others[1]} bent beyond their fits "
                     f"({rates[0]:+.2f} to {rates[1]:+.2f} log error per log size), plus this fit's "
                     f"{law.rms_log_error:.1%} residual")
    return Estimate(
        f"{label}: about {sizing.plural(accelerators, 'accelerator')} "
        f"({sizing.plural(accelerators // per_node, 'system')} of {per_node}), "
        f"{accelerators / largest:.1f}× the largest measured; {band_text}.",
        accelerators=accelerators, systems=accelerators // per_node, units="minutes", round=rnd, extrapolated=True,
        band=band, cited=cited)


def _official_unit(db: Path, model: str, scenario: str, rows: list) -> str:
    """The unit to compare in: the closed division's latest for this model and scenario (open results of a mapped
    model may come in another, which is then not compared), else the most frequent among the rows."""
    with duckdb.connect(str(db), read_only=True) as con:
        closed = con.execute("""
            select units from inference_results where division = 'closed' and model = ? and scenario = ?
              and units is not null
            order by round desc limit 1""", [model, scenario]).fetchall()
    if closed:
        return closed[0][0]
    found = [r[4] for r in rows]
    return max(sorted(set(found)), key=found.count)


def estimate_inference(db: Path, model: str, scenario: str, target: float, accelerator: str | None = None,
                       round_: str | None = None, division: str = "closed", units: str | None = None) -> Estimate:
    _check_target(target, "the target throughput")
    with duckdb.connect(str(db), read_only=True) as con:
        models = [m for (m,) in con.execute(
            "select distinct model from inference_per_accelerator where division = ?", [division]).fetchall()]
        model = resolve_model(model, models)
        measured = [a for (a,) in con.execute(
            "select distinct accelerator from inference_per_accelerator where division = ? and model = ? "
            "and accelerator is not null", [division, model]).fetchall()]
        try:
            chip = resolve_accelerator(accelerator, _accelerator_patterns(con), measured) if accelerator else None
        except NotMeasured as missing:
            return Estimate(f"{missing} for {model} {scenario} ({division} division): the data cannot answer this"
                            f"{_other_divisions(con, division, model, accelerator)}.")
        rows = con.execute("""
            select p.round, p.accelerator, p.accelerators_total, p.result, p.units, p.submitter, p.system,
                   p.result_per_accelerator, src.repo_url, src.commit_sha, p.source_path
            from inference_per_accelerator p
            left join sources src on src.suite = 'inference' and src.round = p.round
            where p.division = ? and p.model = ? and p.scenario = ? and p.result_per_accelerator is not null
              and (? is null or p.accelerator = ?) and (? is null or p.round = ?) and (? is null or p.units = ?)
            order by p.result_per_accelerator desc, p.submitter, p.system""",
            [division, model, scenario, chip, chip, round_, round_, units, units]).fetchall()
    where = (f"{model} {scenario} ({division} division" + (f", {chip}" if chip else "")
             + (f", {round_}" if round_ else "") + (f", in {units}" if units else "") + ")")
    if not rows:
        return Estimate(f"No valid {where} result: the data cannot answer this.")
    unit = units or _official_unit(db, model, scenario, rows)
    other_units = sorted({r[4] for r in rows} - {unit})
    if not any(r[4] == unit for r in rows):
        return Estimate(f"No valid {where} result in {unit}, the unit of {model} {scenario} in the closed division: "
                        f"the data cannot answer this in that unit. Results in {', '.join(other_units)} exist (another "
                        f"metric, not convertible): --units {other_units[0]} to plan in it.")
    rows = [r for r in rows if r[4] == unit]
    latest = max((r[0] for r in rows), key=round_key)
    candidates = [sizing.Candidate(rnd, submitter, system, chip_, per_system, result,
                                   f"{rnd} {submitter}/{system}: {result:g} {unit}  {link(repo_url, commit, path)}")
                  for rnd, chip_, per_system, result, _, submitter, system, _, repo_url, commit, path in rows
                  if rnd == latest]  # the latest round's software
    best, alternatives = sizing.size(candidates, target)
    return Estimate(
        f"{model} {scenario} at {_number(target)} {unit} ({division} division): {_plan(best, unit)}, serving "
        f"{_number(best.served)} {unit}; the fewest accelerators of the {len(candidates)} {latest} "
        f"{'system' if len(candidates) == 1 else 'systems'} measured"
        + (f" with the {chip}" if chip else "") + ". "
        + (f"Other sizes: {'; '.join(_plan(p, unit) for p in alternatives[:4])}. " if alternatives else "")
        + "Replicas serve independently, so no cross-system scaling loss is assumed (efficiency 100%)."
        + (f" Results in {', '.join(other_units)} were not compared." if other_units else ""),
        accelerators=best.accelerators, systems=best.systems, units=unit, round=latest, assumed_efficiency=1.0,
        cited=[best.candidate.cite] + [p.candidate.cite for p in alternatives[:4]],
    )


def _plan(p: sizing.Plan, unit: str) -> str:
    c = p.candidate
    return (f"{sizing.plural(p.systems, 'system')} of {c.submitter}/{c.system} ({c.accelerators} × {c.accelerator}, "
            f"{_number(c.result)} {unit} each, {_number(c.per_accelerator)} per accelerator) = "
            f"{sizing.plural(p.accelerators, 'accelerator')}")
