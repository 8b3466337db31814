"""Where each second of a run goes: its stages, one after another, each with its start and its duration.

A stage runs until the next one starts, so the stages of a run never overlap and add up to no more than the run.
What ran at the same time inside a stage (a sync per repository on threads, a parse per part on workers) is listed
under it as its `parts`, which may overlap one another. Times are wall-clock epoch seconds, the one clock a served
run's scheduled start, the flow and the parse workers share; figures are floored to the millisecond, so that
rounding never makes the stages add up to more than the run.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass
class Timeline:
    origin: float  # when the run began (epoch seconds): the command's start, or a served run's scheduled start
    stages: list[dict] = field(default_factory=list)  # {"stage", "start" (after origin), "seconds", "parts"?, facts}


def _ms(seconds: float) -> float:
    return math.floor(max(seconds, 0.0) * 1000) / 1000


def stage(timeline: Timeline, name: str, **facts) -> dict:
    """End the current stage and begin `name` now; returns it, for facts and parts learnt while it runs."""
    now = time.time()
    end(timeline, now)
    timeline.stages.append({"stage": name, "start": _ms(now - timeline.origin), "seconds": None, **facts})
    return timeline.stages[-1]


def end(timeline: Timeline, now: float | None = None) -> None:
    """End the current stage (the run's last one, or the one before a wait that belongs to no stage)."""
    if timeline.stages and timeline.stages[-1]["seconds"] is None:
        current = timeline.stages[-1]
        current["seconds"] = _ms((now or time.time()) - timeline.origin - current["start"])


def since(timeline: Timeline, name: str, began: float, **facts) -> None:
    """Record `name` as the stage from `began` (epoch seconds) until now: a span that started outside this process's
    view, such as Prefect's own start before the flow's first line."""
    end(timeline, began)
    timeline.stages.append({"stage": name, "start": _ms(began - timeline.origin), "seconds": None, **facts})
    end(timeline)


def part(current: dict, name: str, began: float, ended: float, origin: float, **facts) -> None:
    """Add to the stage `current` a part that ran from `began` to `ended` (epoch seconds)."""
    current.setdefault("parts", []).append({"part": name, "start": _ms(began - origin), "seconds": _ms(ended - began),
                                            **facts})


def seconds(timeline: Timeline) -> float:
    return time.time() - timeline.origin
