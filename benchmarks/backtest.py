"""Backtest of the training extrapolation: hold out the largest measured size of every scaling curve of every round,
fit the rest, predict the held-out time, and write the error distribution into docs/estimate.md.

    python -m benchmarks.backtest WAREHOUSE.duckdb [--division closed]

A curve is one (round, division, benchmark, canonical accelerator) of `training_scaling`, reduced to the counts
faster than every smaller count (as the estimator uses it); it is backtested when three counts or more remain, so
that two are left to fit. The band of each held-out point is computed as the estimator computes it, from the other
accelerators' curves only (never the curve's own accelerator), so its coverage is an honest out-of-sample figure.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime
from pathlib import Path
from statistics import median, quantiles

import duckdb

from planner import scaling

DOC = Path(__file__).resolve().parents[1] / "docs" / "estimate.md"
FORMS = ("power law", "Amdahl", None)  # None: the form the estimator chooses


def curves(db: Path, division: str) -> dict[tuple[str, str, str], list[scaling.Point]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            select round, benchmark_name, accelerator, accelerators_total, score_minutes from training_scaling
            where division = ? order by round, benchmark, accelerator, accelerators_total""", [division]).fetchall()
    found: dict[tuple[str, str, str], list[scaling.Point]] = {}
    for rnd, name, accelerator, n, minutes in rows:
        found.setdefault((rnd, name, accelerator), []).append((n, minutes))
    return {k: c for k, c in ((k, scaling.falling(c)) for k, c in found.items()) if len(c) >= 3}


def backtest(all_curves: dict[tuple[str, str, str], list[scaling.Point]]) -> list[dict]:
    rates = {k: held[0] / held[1] for k, c in all_curves.items() if (held := scaling.holdout_error(c))}
    rows = []
    for key, curve in all_curves.items():
        row = {"key": key, "points": len(curve), "distance": curve[-1][0] / curve[-2][0]}
        for form in FORMS:
            held = scaling.holdout_error(curve, form)
            row[form] = None if held is None else math.exp(-held[0]) - 1  # predicted / measured − 1
        chosen = scaling.holdout_error(curve)
        if chosen is not None:
            log_error, distance, law = chosen
            row["law"] = law.form
            # accelerators the fitted law asks for to reach the held-out time, against those measured
            needed = law.accelerators(curve[-1][1])
            row["accelerators"] = None if needed is None else needed / curve[-1][0] - 1
            same = [r for k, r in rates.items() if k[2] != key[2] and k[1] == key[1]]
            others = same if len(same) >= 5 else [r for k, r in rates.items() if k[2] != key[2]]
            bounds = scaling.band(others)
            if bounds:
                slack = law.rms_log_error
                row["covered"] = bounds[0] * distance - slack <= log_error <= bounds[1] * distance + slack
        rows.append(row)
    return rows


def _distribution(errors: list[float]) -> str:
    errors = sorted(errors)
    absolute = [abs(e) for e in errors]
    p10, *_, p90 = quantiles(errors, n=10, method="inclusive")
    within = lambda x: sum(a <= x for a in absolute) / len(absolute)  # noqa: E731
    return (f"| {len(errors)} | {median(errors):+.1%} | {median(absolute):.1%} | {p10:+.1%} | {p90:+.1%} | "
            f"{errors[0]:+.1%} | {errors[-1]:+.1%} | {within(0.10):.0%} | {within(0.25):.0%} |")


def write(db: Path, division: str) -> str:
    rows = backtest(curves(db, division))
    with duckdb.connect(str(db), read_only=True) as con:
        rounds = [r for (r,) in con.execute("select round from sources where suite = 'training' order by round").fetchall()]
    header = ("| fitted with | curves | median error | median absolute error | 10th percentile | 90th percentile | "
              "worst under | worst over | within 10% | within 25% |\n|---|---|---|---|---|---|---|---|---|---|")
    table = [f"| {form or 'the chosen form (estimator)'} " + _distribution([r[form] for r in rows if r[form] is not None])
             for form in FORMS]
    accelerators = [r["accelerators"] for r in rows if r.get("accelerators") is not None]
    covered = [r["covered"] for r in rows if "covered" in r]
    chosen = {form: sum(r.get("law") == form for r in rows) for form in ("power law", "Amdahl")}
    pairs = [r for r in rows if r["points"] == 3 and r["Amdahl"] is not None]
    two = (f"median absolute error {median(abs(r['Amdahl']) for r in pairs):.1%} against "
           f"{median(abs(r['power law']) for r in pairs):.1%} for the power law on the {len(pairs)} curves where both fit")
    worst = sorted((r for r in rows if r[None] is not None), key=lambda r: -abs(r[None]))[:8]
    text = f"""# Training estimates: interpolation, extrapolation and their backtest

`mlperf-warehouse estimate --suite training` answers "how many accelerators of this kind train this benchmark
within T minutes?" from the accelerator's measured scaling curve (`training_scaling`: the best valid official score
at each accelerator count of a round and division, closed by default).

- **Names.** `retinanet` is the training folder `ssd` from v2.0 to v4.1 and `retinanet` from v5.0 (before v2.0,
  `ssd` was SSD-ResNet34, another benchmark: never mixed with it); `resnet50` is `resnet`. Accelerators are
  resolved with the accelerator map, as the system descriptions are: `H100` is the H100 SXM 80GB, `H100 PCIe` the
  card. A name that matches nothing is refused with the valid names (exit 2); a target of zero or below too.
- **Interpolation.** Rounds are searched latest first for a curve whose measured counts bracket the target; the
  answer interpolates the step between them as a power law (the step's own observed efficiency), rounded up to
  whole systems, and says which round answered and why a later one did not. A larger count measured slower than a
  smaller one is not a step of the curve.
- **Below the smallest size.** When the smallest measured system already meets the target and no round brackets
  it, the answer is "at most N accelerators", the smallest measured.
- **Extrapolation** (`--extrapolate`, never without it). Beyond the largest measured count, a scaling law is fitted
  to the latest round's curve of two counts or more, by least squares on log time: a power law `T(n) = a·n^-b` or
  Amdahl's `T(n) = s + p/n` (a serial part that no count removes). With three points or more the form with the
  smaller residual is used; two points fit both exactly, and then Amdahl when its serial part is not negative
  (on two-point fits it has the smaller error below: {two}). The answer is labelled EXTRAPOLATION, names the
  law and why, cites every measured point it used, and gives a band: the 10th to 90th percentile of how other accelerators' curves bent beyond their own fits (log error per
  log of the distance extrapolated, the backtest below, computed on the warehouse at hand), times this
  extrapolation's distance, widened by the fit's own residual.

Inference estimates count replicas of the system with the best throughput per accelerator in the latest round
(closed division by default), in one unit, stated in the answer: the closed division's unit for that model and
scenario. An open result of a mapped model in another metric (a Llama-2-7B run reporting Queries/s as llama2-70b)
is never compared with it: the answer is refused unless `--units` names that metric.

## Backtest

Generated by `python -m benchmarks.backtest {db.name}` on {datetime.now(UTC):%Y-%m-%d} from a warehouse of the
training rounds {', '.join(rounds)} ({division} division). For every curve of three counts or more (after
dropping counts slower than a smaller one), the largest count is held out, the law is fitted on the others, and the
held-out time is predicted: error = predicted / measured − 1 (negative: the law is optimistic, the real system was
slower). The held-out count is a median {median(r['distance'] for r in rows):.1f}× the largest count fitted.

{header}
{chr(10).join(table)}

Read: the power law alone is optimistic (the real largest system was slower than predicted: it would under-provision),
Amdahl alone pessimistic (its serial floor over-predicts the time); choosing by residual, as the estimator does,
centres the error, and the band carries the spread.

With the chosen form, the accelerators the law asks for to reach the held-out time, against those measured
(positive: the law over-provisions): {len(accelerators)} curves, median {median(accelerators):+.1%}, median
absolute {median(abs(a) for a in accelerators):.1%}, 10th–90th percentile
{quantiles(accelerators, n=10, method='inclusive')[0]:+.1%} to {quantiles(accelerators, n=10, method='inclusive')[-1]:+.1%}.

The chosen form was the power law on {chosen['power law']} curves and Amdahl on {chosen['Amdahl']}. The band (from
the other accelerators' curves only) held the measured time on {sum(covered)} of {len(covered)} curves
({sum(covered) / len(covered):.0%}; an 80% band by construction).

Largest errors (chosen form):

| round | benchmark | accelerator | counts | held out / largest fitted | error |
|---|---|---|---|---|---|
""" + "\n".join(f"| {r['key'][0]} | {r['key'][1]} | {r['key'][2]} | {r['points']} | {r['distance']:.1f}× | {r[None]:+.1%} |"
                for r in worst) + "\n"
    DOC.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--division", default="closed")
    args = parser.parse_args()
    print(write(args.db, args.division))


if __name__ == "__main__":
    main()
