"""Quality targets: a run converged when one eval_accuracy reaches its benchmark's target in its division.

Read from the round's rules file (transform/training/rules/<round>.toml, `[benchmarks.<name>.target]`, and
`open_target` for a log that says it is open), transcribed from the `ATLEAST_ONE_CHECK` in mlcommons/logging
(mlperf_logging/compliance_checker/training_<round>/closed_<benchmark>.yaml, open_<benchmark>.yaml): the
compliance checker the official result summarizer runs on every log, with the configs of the division the log
states; a run that never passes it fails the check and is dropped. An open check may name another key than
eval_accuracy (`open_key`; open_flux1.yaml: averaged_validation_loss). Bounds are (low, low inclusive, high, high
inclusive).
"""

from __future__ import annotations

from dataclasses import dataclass

from transform.training.score_rules import benchmark_entry

# the key of a target on the scalar value; other keys name components of a dict value (BBOX, SEGM; FID, CLIP)
SCALAR = "eval_accuracy"


@dataclass(frozen=True)
class Bound:
    low: float | None
    low_inclusive: bool
    high: float | None
    high_inclusive: bool

    def holds(self, value) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)):
            return False
        return True

    def text(self, name: str) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{name} {'>=' if self.low_inclusive else '>'} {self.low:g}")
        if self.high is not None:
            parts.append(f"{name} {'<=' if self.high_inclusive else '<'} {self.high:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Target:
    # value bound for a scalar eval_accuracy, or one bound per component of a dict value (Mask R-CNN)
    bounds: dict[str | None, Bound]

    def reached(self, value) -> bool:
        if None in self.bounds:
            return self.bounds[None].holds(value)
        return isinstance(value, dict) and all(b.holds(value.get(k)) for k, b in self.bounds.items())

    def text(self) -> str:
        return " and ".join(b.text(SCALAR if k is None else k) for k, b in self.bounds.items())


def target_from_table(table: dict) -> Target:
    return Target({None if key == SCALAR else key: Bound(b.get("low"), b.get("low_inclusive", False),
                                                        b.get("high"), b.get("high_inclusive", False))
                   for key, b in table.items()})


def quality_target(round_: str, benchmark: str, division: str | None = "closed") -> Target | None:
    """The target of the division (`open`: the open check; any other: the closed one); None where the rules have
    none for the benchmark and division."""
    table = (benchmark_entry(round_, benchmark) or {}).get("open_target" if division == "open" else "target")
    return target_from_table(table) if table else None


def target_key(round_: str, benchmark: str, division: str | None) -> str:
    """The MLLOG key whose values the division's target is checked on."""
    return ((benchmark_entry(round_, benchmark) or {}).get("open_key", SCALAR) if division == "open" else SCALAR)
