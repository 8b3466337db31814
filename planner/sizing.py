"""Whole systems for an inference target: the pure sizing rule, apart from how units and names are looked up.

Inference systems serve independently, so a target is met by whole replicas of one measured system. Each candidate
(a measured system of the accelerator: one server, a rack, a cluster) needs ceil(target / its result) replicas; the
answer is the candidate needing the fewest accelerators (ties: fewer systems, then the higher result per
accelerator), and the best candidate of each other size is named as an alternative. No scaling loss is assumed
across replicas: they do not talk to each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """One measured system: its result in the unit compared, and how many accelerators it holds."""
    round: str
    submitter: str
    system: str
    accelerator: str
    accelerators: int
    result: float
    cite: str = ""

    @property
    def per_accelerator(self) -> float:
        return self.result / self.accelerators


@dataclass(frozen=True)
class Plan:
    candidate: Candidate
    systems: int

    @property
    def accelerators(self) -> int:
        return self.systems * self.candidate.accelerators

    @property
    def served(self) -> float:
        return self.systems * self.candidate.result


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 system', '2 systems' (the count with thousands separators)."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def plan(candidate: Candidate, target: float) -> Plan:
    return Plan(candidate, max(math.ceil(target / candidate.result), 1))


def _order(p: Plan) -> tuple:
    return p.accelerators, p.systems, -p.candidate.per_accelerator, p.candidate.submitter, p.candidate.system


def size(candidates: list[Candidate], target: float) -> tuple[Plan, list[Plan]]:
    """The plan needing the fewest accelerators, and the best plan of each other system size, fewest first."""
    plans = sorted((plan(c, target) for c in candidates if c.result > 0 and c.accelerators > 0), key=_order)
    if not plans:
        raise ValueError("no candidate with a positive result and accelerator count")
    best, by_size = plans[0], {}
    for p in plans[1:]:
        if p.candidate.accelerators != best.candidate.accelerators:
            by_size.setdefault(p.candidate.accelerators, p)
    return best, sorted(by_size.values(), key=_order)


def step(low: int, high: int) -> str:
    """How wide a step between two measured sizes is, in words: '64 → 2,528 accelerators, a 40× step'."""
    return f"{low:,} → {high:,} accelerators, a {high / low:.3g}× step"
