"""Answer a capacity planner's question from measured results, citing the rows it uses.

Training: how many accelerators of a kind train a benchmark within a target time? From the accelerator's observed
scaling curve (`training_scaling`, one division, closed by default): between the two measured counts that bracket
the target, time to train is interpolated as a power law (a straight line in log-log), i.e. with the scaling
efficiency actually observed over that step. Rounds are searched latest first for a curve that brackets the target.
A larger count measured slower than a smaller one is left out of the curve (nobody would buy it).
Beyond the largest measured count the answer is refused, unless `extrapolate` is asked: then a scaling law is
fitted to the curve (planner/scaling.py) and the answer is labelled as an extrapolation, with its band.

Inference: how many accelerators serve a target throughput? Inference systems serve independently, so the answer
is whole replicas of one measured system of the latest round: of every candidate system (one server, a rack, a
cluster), the one needing the fewest accelerators, with the best of each other size named (planner/sizing.py).
Only results in one unit are compared, and the unit is said.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from transform.common.rules import round_key
from planner import scaling, sizing


class BadTarget(ValueError):
    """A target no answer can have (zero, negative, not a number)."""


class UnknownName(ValueError):
    """A name the warehouse does not hold; the message lists the valid ones."""


class NotMeasured(LookupError):
    """A name the accelerator map knows, with no measured result for the question."""


# What a planner types, resolved to the names the warehouse holds. Benchmarks are compared by their name across
# rounds (training_scores.benchmark_name, from the rules files: RetinaNet is the folder `ssd` from v2.0 to v4.1);
# these are only the spellings people type for them.
def _key(name: str) -> str:
    # `mask-rcnn`, `Mask_RCNN` and `maskrcnn` are one name; dots stay (bert-99 is not bert-99.9)
    return re.sub(r"[^a-z0-9.]", "", name.lower())


_TRAINING_ALIASES = {"resnet50": "resnet", "ssd": "retinanet", "gpt": "gpt3", "dlrmdcnv2": "dlrm_dcnv2",
                     "unet": "unet3d", "3dunet": "unet3d", "gnn": "rgat"}
_INFERENCE_ALIASES = {"resnet50": "resnet", "3dunet": "3d-unet-99", "llama270b": "llama2-70b-99",
                      "gptj": "gptj-99", "bert": "bert-99", "dlrm": "dlrm-v2-99", "dlrmv2": "dlrm-v2-99"}


def resolve_benchmark(name: str, names: list[str]) -> str:
    """The training benchmark name (benchmark_name) `name` means; UnknownName on a miss."""
    keys = {_key(n): n for n in names}
    wanted = _key(_TRAINING_ALIASES.get(_key(name), name))
    if wanted in keys:
        return keys[wanted]
    raise UnknownName(f"no training benchmark {name!r}; valid names: {', '.join(sorted(names))} "
                      "(resnet50 = resnet; retinanet is the folder `ssd` from v2.0 to v4.1, rgat the folder `gnn` in "
                      "v4.0 and v4.1)")


def resolve_model(name: str, models: list[str]) -> str:
    """The inference model key `name` means (resnet50 → resnet); UnknownName on a miss."""
    keys = {_key(m): m for m in models}
    wanted = _key(_INFERENCE_ALIASES.get(_key(name), name))
    if wanted in keys:
        return keys[wanted]
    raise UnknownName(f"no inference model {name!r}; valid names: {', '.join(sorted(models))}")


def resolve_accelerator(name: str, patterns: list[tuple[str, str]], measured: list[str]) -> str:
    """The canonical accelerator (e.g. 'H100 SXM 80GB') for a spelling, by the first matching pattern of the map
    (the map's own order: 'H100' is the SXM part, 'GB200' not 'B200'), else the one measured name containing it.
    `patterns` are (regex, canonical) in priority order; a pattern of no single chip ('mixed'…) canonical None."""
    lowered = name.lower()
    valid = ", ".join(sorted(set(measured)))
    hit = next(((p, c) for p, c in patterns if re.search(p, lowered)), None)
    canonical = hit[1] if hit else None
    if canonical in measured:
        return canonical
    if canonical is not None:
        raise NotMeasured(f"{name!r} is the {canonical}, which has no measured result here (measured: {valid})")
    containing = sorted({m for m in measured if lowered in m.lower()})
    if len(containing) == 1:
        return containing[0]
    raise UnknownName(f"no measured accelerator {name!r} here; valid names: {valid}")


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
        select pattern, case when chip not in ('mixed', 'CPU only', 'unknown')
                            then concat_ws(' ', chip, form_factor, cast(memory_gb as integer) || 'GB') end
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
    # One read of the view for the names and the curve (each read matches every system against the accelerator map)
    every = con.execute("""
        select s.round, s.accelerators_total, s.score_minutes, s.submitter, s.system, h.accelerators_per_node,
               src.repo_url, src.commit_sha, s.accelerator, s.benchmark_name
        from training_scaling s
        join system_hardware h
            on h.suite = 'training' and h.round = s.round and h.submitter = s.submitter and h.system = s.system
        left join sources src on src.suite = 'training' and src.round = s.round
        where s.division = ?
        order by s.round, s.accelerators_total""", [division]).fetchall()
    name = resolve_benchmark(benchmark, sorted({r[9] for r in every}))
    measured = sorted({r[8] for r in every if r[9] == name})
    chip = resolve_accelerator(accelerator, _accelerator_patterns(con), measured)
    rows = [r for r in every if r[8] == chip and r[9] == name]
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
        select round, benchmark_name, accelerator, accelerators_total, score_minutes from training_scaling
        where division = ? and curve_points >= 3 order by round, benchmark, accelerator, accelerators_total""",
        [division]).fetchall()
    curves: dict[tuple, list] = {}
    for rnd, name, accelerator, n, minutes in rows:
        curves.setdefault((name, accelerator, rnd), []).append((n, minutes))
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


def _official_unit(held: list[tuple], model: str, scenario: str, rows: list) -> str:
    """The unit to compare in: the closed division's latest for this model and scenario, in the unit its value
    measures (open results of a mapped model may come in another, which is then not compared), else the most
    frequent among the rows."""
    closed = [r for r in held if r[:3] == ("closed", model, scenario) and r[7] is not None]
    if closed:
        latest = max((r[3] for r in closed), key=round_key)
        return next(r[7] for r in closed if r[3] == latest)
    found = [r[4] for r in rows]
    return max(sorted(set(found)), key=found.count)


# Every result of the view, each division and model, with its source: (division, model, scenario) and then the row
# the estimate compares (round, accelerator, count, result, units, submitter, system, per accelerator, repository,
# commit, path, samples/s and tokens/s per accelerator, the published number and label).
_INFERENCE_ROWS = """
    select p.division, p.model, p.scenario,
           p.round, p.accelerator, p.accelerators_total, p.result, p.units, p.submitter, p.system,
           p.result_per_accelerator, src.repo_url, src.commit_sha, p.source_path,
           p.samples_per_second_per_accelerator, p.tokens_per_second_per_accelerator,
           p.published_result, p.published_units
    from inference_per_accelerator p
    left join sources src on src.suite = 'inference' and src.round = p.round"""


# Units a throughput can be asked in besides its own (the log has both for LLMs); queries/s of Server and
# Interactive are completed samples/s (one sample per query).
_SAMPLES, _TOKENS = "Samples/s", "Tokens/s"


def _in_units(row: tuple, unit: str) -> tuple | None:
    """The row (round, accelerator, count, result, units, …, per accelerator, …) with its result in `unit`, when the
    warehouse holds the value in that unit; None otherwise."""
    result, units, samples, tokens = row[3], row[4], row[11], row[12]
    if units.lower() == unit.lower():
        return row
    other = {_SAMPLES.lower(): samples, _TOKENS.lower(): tokens}.get(unit.lower())
    if other is None or not row[2]:
        return None
    label = _SAMPLES if unit.lower() == _SAMPLES.lower() else _TOKENS
    return (*row[:3], other * row[2], label, *row[5:7], other, *row[8:])


def estimate_inference(db: Path, model: str, scenario: str, target: float, accelerator: str | None = None,
                       round_: str | None = None, division: str = "closed", units: str | None = None) -> Estimate:
    _check_target(target, "the target throughput")
    with duckdb.connect(str(db), read_only=True) as con:
        # The view is read once and every question below asked of its rows: each read of it matches every system
        # against the accelerator map (system_hardware), a cost paid whatever the filter, so one read per question
        # (models, accelerators, results, the official unit) made an estimate four times as slow.
        every = con.execute(_INFERENCE_ROWS).fetchall()
        in_division = [r for r in every if r[0] == division]
        model = resolve_model(model, sorted({r[1] for r in in_division}))
        measured = sorted({r[4] for r in in_division if r[1] == model and r[4] is not None})
        try:
            chip = resolve_accelerator(accelerator, _accelerator_patterns(con), measured) if accelerator else None
        except NotMeasured as missing:
            return Estimate(f"{missing} for {model} {scenario} ({division} division): the data cannot answer this"
                            f"{_other_divisions(con, division, model, accelerator)}.")
    # `result` in the unit it measures (the view's `published_result` is the table's number and label)
    rows = sorted((r[3:] for r in in_division
                   if r[1:3] == (model, scenario) and r[10] is not None and (chip is None or r[4] == chip)
                   and (round_ is None or r[3] == round_)),
                  key=lambda r: (-r[7], r[5], r[6]))
    held = sorted({r[4] for r in rows} | {u for r in rows for u, v in ((_SAMPLES, r[11]), (_TOKENS, r[12])) if v})
    if units and rows:
        asked = [converted for r in rows if (converted := _in_units(r, units))]
        if not asked:
            return Estimate(f"No valid {model} {scenario} ({division} division) result in {units}: the warehouse "
                            f"holds it in {', '.join(held)} (--units one of them).")
        rows = sorted(asked, key=lambda r: (-r[7], r[5], r[6]))
        units = rows[0][4]  # as the warehouse spells it
    where = (f"{model} {scenario} ({division} division" + (f", {chip}" if chip else "")
             + (f", {round_}" if round_ else "") + (f", in {units}" if units else "") + ")")
    if not rows:
        return Estimate(f"No valid {where} result: the data cannot answer this.")
    unit = units or _official_unit(every, model, scenario, rows)
    other_units = sorted({r[4] for r in rows} - {unit})
    if not any(r[4] == unit for r in rows):
        return Estimate(f"No valid {where} result in {unit}, the unit of {model} {scenario} in the closed division: "
                        f"the data cannot answer this in that unit. Results in {', '.join(other_units)} exist (another "
                        f"metric, not convertible): --units {other_units[0]} to plan in it.")
    rows = [r for r in rows if r[4] == unit]
    latest = max((r[0] for r in rows), key=round_key)
    candidates = []
    for (rnd, chip_, per_system, result, _, submitter, system, _, repo_url, commit, path, _, _, published,
         label) in rows:
        if rnd == latest:  # the latest round's software
            cite = (f"{rnd} {submitter}/{system}: {result:g} {unit}{_published(result, unit, published, label)}  "
                    f"{link(repo_url, commit, path)}")
            candidates.append(sizing.Candidate(rnd, submitter, system, chip_, per_system, result, cite))
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


def _published(result: float, unit: str, published: float | None, label: str | None) -> str:
    """The table's own number where it is not this value in this unit (v5.1 whisper: 45,024 labelled Samples/s)."""
    if published is None or (label == unit and abs(published - result) <= 1e-9 * abs(result)):
        return ""
    return f" (published: {_number(published)} labelled {label})"


def _plan(p: sizing.Plan, unit: str) -> str:
    c = p.candidate
    return (f"{sizing.plural(p.systems, 'system')} of {c.submitter}/{c.system} ({c.accelerators} × {c.accelerator}, "
            f"{_number(c.result)} {unit} each, {_number(c.per_accelerator)} per accelerator) = "
            f"{sizing.plural(p.accelerators, 'accelerator')}")
