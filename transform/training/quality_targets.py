"""Closed-division quality targets: a run converged when one eval_accuracy reaches its benchmark's target.

Transcribed from the `ATLEAST_ONE_CHECK` of eval_accuracy in mlcommons/logging
(mlperf_logging/compliance_checker/training_<round>/closed_<benchmark>.yaml), which is what the official
result summarizer uses to decide whether a run counts. Bounds are (low, low inclusive, high, high inclusive).
"""

from __future__ import annotations

from dataclasses import dataclass

_ROUNDS = ("v0.7", "v1.0", "v1.1", "v2.0", "v2.1", "v3.0", "v3.1", "v4.0", "v4.1", "v5.0", "v5.1")


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


def at_least(low: float, high: float = 1.0, high_inclusive: bool = False) -> Bound:
    return Bound(low, True, high, high_inclusive)


def at_most(high: float, low: float = 0.0) -> Bound:
    return Bound(low, False, high, True)


@dataclass(frozen=True)
class Target:
    # value bound for a scalar eval_accuracy, or one bound per component of a dict value (Mask R-CNN)
    bounds: dict[str | None, Bound]

    def reached(self, value) -> bool:
        if None in self.bounds:
            return self.bounds[None].holds(value)
        return isinstance(value, dict) and all(b.holds(value.get(k)) for k, b in self.bounds.items())

    def text(self) -> str:
        return " and ".join(b.text("eval_accuracy" if k is None else k) for k, b in self.bounds.items())


def _since(first: str, target: Target, until: str = _ROUNDS[-1]) -> dict[str, Target]:
    rounds = _ROUNDS[_ROUNDS.index(first): _ROUNDS.index(until) + 1]
    return {r: target for r in rounds}


_TARGETS: dict[str, dict[str, Target]] = {
    "resnet": _since("v0.7", Target({None: at_least(0.759)})),
    "ssd": {**_since("v0.7", Target({None: at_least(0.230)}), "v1.1"), **_since("v2.0", Target({None: at_least(0.340)}))},
    "retinanet": _since("v5.0", Target({None: at_least(0.340)})),
    "maskrcnn": _since("v0.7", Target({"BBOX": at_least(0.377), "SEGM": at_least(0.339)})),
    "bert": _since("v1.0", Target({None: at_least(0.720)})),
    "dlrm": _since("v0.7", Target({None: at_least(0.8025)})),
    "dlrm_dcnv2": _since("v3.0", Target({None: at_least(0.80275, high_inclusive=True)})),
    "rnnt": _since("v1.0", Target({None: at_most(0.058)})),
    "unet3d": _since("v1.0", Target({None: Bound(0.908, True, None, False)})),
    "minigo": _since("v0.7", Target({None: at_least(0.5)})),
    "gnmt": _since("v0.7", Target({None: at_least(0.240)}), "v0.7"),
    "transformer": _since("v0.7", Target({None: at_least(0.250)}), "v0.7"),
    "gpt3": _since("v3.0", Target({None: at_most(2.69, low=2.6)})),
    "gnn": _since("v4.0", Target({None: at_least(0.72)})),
    "rgat": _since("v5.0", Target({None: at_least(0.72)})),
    "llama2_70b_lora": _since("v4.0", Target({None: at_most(0.925)})),
    "llama31_405b": _since("v5.0", Target({None: at_most(5.6)})),
    "llama31_8b": _since("v5.1", Target({None: at_most(3.3)})),
    "flux1": _since("v5.1", Target({None: at_most(0.586)})),
    # FID and CLIP arrive as separate events; they are checked together per samples_count.
    "stable_diffusion": _since("v3.1", Target({"FID": Bound(0.0, True, 90.0, True), "CLIP": Bound(0.15, True, 1.0, True)}), "v5.0"),
}


def quality_target(round_: str, benchmark: str) -> Target | None:
    """The closed-division target, or None where the rules use another form (v0.7 bert depends on the batch size)."""
    return _TARGETS.get(benchmark, {}).get(round_)
