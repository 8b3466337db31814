"""Scaling laws fitted to a measured curve (time to train against accelerator count), for extrapolation.

Two forms, each two parameters, fitted by least squares on log time (errors are relative: 10% at 500 minutes and
at 5 minutes count the same):
  power law  T(n) = a · n^-b   (a straight line in log-log; b = 1 is linear scaling)
  Amdahl     T(n) = s + p / n  (a serial part s no accelerator count removes: the curve flattens)
With three or more points the form with the smaller residual is used; two points fit both forms exactly, and then
Amdahl is used when its serial part is not negative, the form with the smaller error on two-point fits in the
backtest (docs/estimate.md).

The band comes from how the curves of other accelerators bend: for each of them, its largest size is held out, the
same form is fitted on the rest and the log error of the prediction is divided by the log distance extrapolated;
the 10th to 90th percentiles of those errors per unit of distance, times this extrapolation's distance, plus the
fit's own residual, bound the prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import quantiles

Point = tuple[float, float]  # (accelerators, minutes)


def measured(points: list[Point]) -> list[Point]:
    """The points a law can be fitted to: positive, finite counts and minutes (a log of 0 or a division by 0 is no
    fit; such a point is no measurement either)."""
    return [(n, t) for n, t in points if n is not None and t is not None and 0 < n < math.inf and 0 < t < math.inf]


def falling(points: list[Point]) -> list[Point]:
    """The points faster than every smaller count: a larger system measured slower is not a step of the curve."""
    kept: list[Point] = []
    for point in sorted(measured(points)):
        if not kept or point[1] < kept[-1][1]:
            kept.append(point)
    return kept


@dataclass(frozen=True)
class Law:
    form: str
    a: float
    b: float
    rms_log_error: float  # of the fit on its own points (0 for two points)

    def minutes(self, n: float) -> float:
        return self.a * n ** -self.b if self.form == "power law" else self.a + self.b / n

    def accelerators(self, minutes: float) -> float | None:
        """The count the law needs for `minutes`; None when it never gets there (Amdahl: at or below s)."""
        if self.form == "power law":
            return (self.a / minutes) ** (1 / self.b)
        return self.b / (minutes - self.a) if minutes > self.a else None

    def text(self) -> str:
        if self.form == "power law":
            return f"T(n) = {self.a:.4g} · n^-{self.b:.3f} min"
        return f"T(n) = {self.a:.4g} + {self.b:.4g} / n min"


def _least_squares(rows: list[tuple[float, float]], ys: list[float]) -> tuple[float, float] | None:
    """(x, z) minimising Σ (x·r0 + z·r1 − y)², by the 2×2 normal equations."""
    s00 = sum(r0 * r0 for r0, _ in rows)
    s01 = sum(r0 * r1 for r0, r1 in rows)
    s11 = sum(r1 * r1 for _, r1 in rows)
    y0 = sum(r0 * y for (r0, _), y in zip(rows, ys))
    y1 = sum(r1 * y for (_, r1), y in zip(rows, ys))
    det = s00 * s11 - s01 * s01
    if abs(det) < 1e-12 * max(s00 * s11, 1e-300):
        return None
    return (y0 * s11 - y1 * s01) / det, (s00 * y1 - s01 * y0) / det


def fit(points: list[Point], form: str) -> Law | None:
    """The law of that form through the points, or None when it has no meaningful parameters (a curve that does not
    fall, or a negative serial time)."""
    points = measured(points)
    if len(points) < 2:
        return None
    if form == "power law":
        solved = _least_squares([(1.0, -math.log(n)) for n, _ in points], [math.log(t) for _, t in points])
        if solved is None or solved[1] <= 0:
            return None
        a, b = math.exp(solved[0]), solved[1]
    else:
        # divided by T: least squares on relative errors, the linear approximation of errors on log time
        solved = _least_squares([(1 / t, 1 / (n * t)) for n, t in points], [1.0] * len(points))
        if solved is None or solved[0] < 0 or solved[1] <= 0:
            return None
        a, b = solved
    law = Law(form, a, b, 0.0)
    if len(points) == 2:
        return law
    residuals = [math.log(t / law.minutes(n)) for n, t in points]
    return Law(form, a, b, math.sqrt(sum(r * r for r in residuals) / (len(points) - 2)))


def choose(points: list[Point]) -> tuple[Law, str] | None:
    """The law for this curve and why it was chosen; None when neither form fits."""
    points = measured(points)
    laws = {form: fit(points, form) for form in ("power law", "Amdahl")}
    fitted = {form: law for form, law in laws.items() if law is not None}
    if not fitted:
        return None
    if len(points) == 2 or len(fitted) == 1:
        law = fitted.get("Amdahl") or fitted["power law"]
        if len(fitted) == 1:
            return law, f"the only form with meaningful parameters on these points ({law.form})"
        return law, ("two points fit both forms exactly: Amdahl, whose backtest error is the smaller on two-point fits "
                     "(docs/estimate.md)")
    law = min(fitted.values(), key=lambda law: law.rms_log_error)
    other = next(o for o in fitted.values() if o is not law)
    return law, (f"{law.form} fits the {len(points)} points better: rms error {law.rms_log_error:.1%} against "
                 f"{other.rms_log_error:.1%} for {other.form}")


def holdout_error(points: list[Point], form: str | None = None) -> tuple[float, float, Law] | None:
    """Hold out the largest size, fit the rest: (log(measured / predicted), log distance extrapolated, the law).
    `form` None: the form `choose` picks."""
    points = sorted(measured(points))
    rest, held = points[:-1], points[-1]
    if len(rest) < 2:
        return None
    law = (choose(rest) or (None,))[0] if form is None else fit(rest, form)
    if law is None:
        return None
    return math.log(held[1] / law.minutes(held[0])), math.log(held[0] / rest[-1][0]), law


def error_rates(curves: list[list[Point]]) -> list[float]:
    """Log error per unit of log distance, of each curve's held-out largest size."""
    rates = []
    for curve in curves:
        held = holdout_error(curve)
        if held is not None:
            rates.append(held[0] / held[1])
    return rates


def band(rates: list[float]) -> tuple[float, float] | None:
    """10th and 90th percentiles of the error rates (None for fewer than 5 curves: too few to say)."""
    if len(rates) < 5:
        return None
    deciles = quantiles(rates, n=10, method="inclusive")
    return deciles[0], deciles[-1]


def accelerators_within(law: Law, target: float, measured_max: float, rate: float = 0.0,
                        offset: float = 0.0) -> float | None:
    """The count at which the law, bent by `rate` (log error per log distance beyond measured_max) and shifted by
    `offset` (log), meets the target: by bisection on log n (the bent law stays monotone for the rates measured).
    None when it never does within 100,000 times the largest measured size."""
    def minutes(log_n: float) -> float:
        return law.minutes(math.exp(log_n)) * math.exp(rate * (log_n - math.log(measured_max)) + offset)

    low, high = math.log(measured_max), math.log(measured_max) + math.log(1e5)
    if minutes(high) > target:
        return None
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if minutes(middle) > target else (low, middle)
    return math.exp(high)
