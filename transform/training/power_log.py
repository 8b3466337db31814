"""One training power log (`<submitter>/results/<system>/<benchmark>/power/<result>/node_N.txt` or `sw_N.txt`) to
what the official result summarizer takes from it, before the run's time to train is known.

The arithmetic is that of mlcommons/logging, mlperf_logging/result_summarizer/result_summarizer.py
(`_compute_power_node`, `_compute_power_sw`), step for step, so that the joules agree to the last bit:
- a node file's events are sorted by time_ms (a stable sort: file order among equal times); from
  power_measurement_start on and until power_measurement_stop, each power_reading adds value × (its time − the
  previous one's) to the integral, in W·ms; the last conversion_eff seen anywhere in the file is kept (1 when none);
  without a stop event the window ends at the latest reading;
- a switch file's events are read in file order up to its first interconnect_power_est (a constant estimate, W);
  the conversion_eff seen before it applies. Switch power_readings are not used by the official formula.
The run's joules follow in transform/training/energy.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from itertools import compress, repeat
from operator import add, methodcaller, mul, ne, sub

from transform.common.mllog import BadLines, bad_line_rejects, read_batches
from transform.common.source import Source
from transform.common.values import all_numbers, is_number

# What the official summarizer does on these files is to stop with an exception: no energy for the whole submitter.
OFFICIAL_STOPS = "the official summarizer stops with an error on this file"


def parse_power_log(data: bytes, source: Source) -> tuple[dict, list[dict]]:
    """The file's part of its run's energy, and rejects for unusable lines (the official parser skips them too)."""
    submitter, _results, system, benchmark, _power, result, name = source.path.split("/")
    bad = BadLines()
    # the events as three columns: (time_ms, key, value) of each, in file order
    times, keys, values = [], [], []
    for batch in read_batches(data, bad):
        times.extend(map(_TIME, batch.events))
        keys.extend(batch.keys)
        values.extend(map(_VALUE, batch.events))
    part = "node" if name.startswith("node_") else "switch"
    row = {
        "round": source.round, "submitter": submitter, "system": system, "benchmark": benchmark,
        "result": result, "part": part, "source_path": source.path, "source_commit": source.commit,
        **(_node(times, keys, values) if part == "node" else _switch(times, keys, values)),
    }
    return row, bad_line_rejects(bad, source)


_TIME, _VALUE = methodcaller("get", "time_ms"), methodcaller("get", "value")


def _node(times: list, keys: list[str], values: list) -> dict:
    # the events with a numeric time in a stable sort by time (file order among equal times), as three columns
    order = sorted(_timed(times), key=times.__getitem__)
    keys, values = list(map(keys.__getitem__, order)), list(map(values.__getitem__, order))
    times = list(map(float, map(times.__getitem__, order)))
    # Nearly every event is a power_reading. The others ("marks": the window's start and stop, conversion_eff,
    # any other key) are few: the file is read mark by mark, and the readings between two marks integrated at once.
    marks = list(compress(range(len(keys)), map(ne, keys, repeat("power_reading"))))
    start = stop = None
    window = _Window()
    efficiency = 1.0
    after = 0  # the first event after the previous mark
    for mark in [*marks, len(keys)]:
        if stop is None and start is not None:
            window.integrate(times[after:mark], values[after:mark])
        key = keys[mark] if mark < len(keys) else None
        if key == "power_measurement_start":
            start = window.previous = times[mark]
        elif key == "power_measurement_stop":
            stop = times[mark]
        elif key == "conversion_eff":
            efficiency = values[mark]
        after = mark + 1
    integral, readings, last, problem = window.integral, window.readings, window.last, window.problem
    if not is_number(efficiency):
        problem = problem or f"conversion_eff is {efficiency!r}, not a number: {OFFICIAL_STOPS}"
    if start is None:
        problem = problem or f"no power_measurement_start: {OFFICIAL_STOPS}"
    elif stop is None and not readings:
        problem = problem or "neither power_measurement_stop nor a power_reading after power_measurement_start"
    elif stop is None:
        stop = last  # as the summarizer: the latest reading ends the window
    if start is not None and stop == start:
        problem = problem or (f"power_measurement_start and the end of the window are at the same time_ms "
                              f"({start:.0f}): the official summarizer divides by zero here and stops")
    return {"conversion_eff": efficiency if is_number(efficiency) else None, "integral_w_ms": float(integral),
            "start_ms": start, "stop_ms": stop, "readings": readings, "interconnect_w": None,
            "ignored_readings": keys.count("power_reading") - readings, "problem": problem}


@dataclass
class _Window:
    """The power readings of a node's window, integrated as the summarizer does it: reading by reading, in time
    order, value × (its time − the previous one's), in W·ms; a reading whose value is not a number is skipped."""
    integral: float = 0
    previous: float = 0.0
    last: float = 0.0
    readings: int = 0
    problem: str | None = None

    def integrate(self, times: list[float], values: list) -> None:
        """Consecutive readings, in time order."""
        if all_numbers(values):
            self._steps(times, values)
            return
        begin = 0  # the runs of numbers between the values that are not
        for at, value in enumerate(values):
            if not is_number(value):
                self.problem = self.problem or f"a power_reading value is {value!r}, not a number: {OFFICIAL_STOPS}"
                self._steps(times[begin:at], values[begin:at])
                begin = at + 1
        self._steps(times[begin:], values[begin:])

    def _steps(self, times: list[float], values: list) -> None:
        """Readings whose values are numbers: the float arithmetic of one step per reading, run in C (map, reduce)."""
        if not times:
            return
        steps = map(sub, times, [self.previous, *times[:-1]])
        self.integral = reduce(add, map(mul, values, steps), self.integral)
        self.previous, self.last = times[-1], max(self.last, max(times))
        self.readings += len(times)


def _timed(times: list) -> Iterable[int]:
    """The indices of the events with a numeric time_ms: in a real log all of them, which C checks at once."""
    if all_numbers(times):
        return range(len(times))
    return [i for i, time_ms in enumerate(times) if is_number(time_ms)]


def _switch(times: list, keys: list[str], values: list) -> dict:
    # the file is read up to its first interconnect_power_est
    end = keys.index("interconnect_power_est") if "interconnect_power_est" in keys else len(keys)
    estimate = values[end] if end < len(keys) else None
    before = keys[:end]
    efficiency = values[end - 1 - before[::-1].index("conversion_eff")] if "conversion_eff" in before else 1.0
    problem = None
    if estimate is not None and not is_number(estimate):
        problem = f"interconnect_power_est is {estimate!r}, not a number: {OFFICIAL_STOPS}"
    elif not is_number(efficiency):
        problem = f"conversion_eff is {efficiency!r}, not a number: {OFFICIAL_STOPS}"
    readings = [float(time_ms) for time_ms, key in zip(times, keys) if key == "power_reading" and is_number(time_ms)]
    return {"conversion_eff": efficiency if is_number(efficiency) else None, "integral_w_ms": None,
            "start_ms": min(readings, default=None), "stop_ms": max(readings, default=None), "readings": len(readings),
            "interconnect_w": float(estimate) if problem is None and estimate is not None else None,
            "ignored_readings": len(readings), "problem": problem}
