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

from transform.common.mllog import BadLines, bad_line_rejects, iter_mllog
from transform.common.source import Source
from transform.common.values import is_number

# What the official summarizer does on these files is to stop with an exception: no energy for the whole submitter.
OFFICIAL_STOPS = "the official summarizer stops with an error on this file"


def parse_power_log(data: bytes, source: Source) -> tuple[dict, list[dict]]:
    """The file's part of its run's energy, and rejects for unusable lines (the official parser skips them too)."""
    submitter, _results, system, benchmark, _power, result, name = source.path.split("/")
    bad = BadLines()
    events = [(event.get("time_ms"), event["key"], event.get("value")) for _, event in iter_mllog(data, bad)]
    part = "node" if name.startswith("node_") else "switch"
    row = {
        "round": source.round, "submitter": submitter, "system": system, "benchmark": benchmark,
        "result": result, "part": part, "source_path": source.path, "source_commit": source.commit,
        **(_node(events) if part == "node" else _switch(events)),
    }
    return row, bad_line_rejects(bad, source)


def _node(events: list[tuple]) -> dict:
    timed = [e for e in events if is_number(e[0])]
    timed.sort(key=lambda e: e[0])
    start = stop = None
    previous = last = 0.0
    integral, efficiency, readings, problem = 0, 1.0, 0, None
    for time_ms, key, value in timed:
        if key == "power_measurement_start":
            start = previous = float(time_ms)
        if key == "power_reading" and stop is None and start is not None:
            if not is_number(value):
                problem = problem or f"a power_reading value is {value!r}, not a number: {OFFICIAL_STOPS}"
                continue
            integral += value * (float(time_ms) - previous)
            previous = float(time_ms)
            last = max(last, float(time_ms))
            readings += 1
        if key == "power_measurement_stop":
            stop = float(time_ms)
        if key == "conversion_eff":
            efficiency = value
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
            "ignored_readings": sum(1 for e in events if e[1] == "power_reading") - readings, "problem": problem}


def _switch(events: list[tuple]) -> dict:
    efficiency, estimate, problem = 1.0, None, None
    for _time, key, value in events:
        if key == "conversion_eff":
            efficiency = value
        if key == "interconnect_power_est":
            estimate = value
            break
    if estimate is not None and not is_number(estimate):
        problem = f"interconnect_power_est is {estimate!r}, not a number: {OFFICIAL_STOPS}"
    elif not is_number(efficiency):
        problem = f"conversion_eff is {efficiency!r}, not a number: {OFFICIAL_STOPS}"
    times = [float(t) for t, key, _ in events if key == "power_reading" and is_number(t)]
    return {"conversion_eff": efficiency if is_number(efficiency) else None, "integral_w_ms": None,
            "start_ms": min(times, default=None), "stop_ms": max(times, default=None), "readings": len(times),
            "interconnect_w": float(estimate) if problem is None and estimate is not None else None,
            "ignored_readings": len(times), "problem": problem}
