"""Parsers of the small inference files: accuracy.txt, spl.txt (power samples), compliance verify_*.txt, model_mapping.json."""

from __future__ import annotations

import re
from datetime import datetime

import orjson
import polars as pl

from transform.common.source import Source
from transform.common.values import number
from transform.inference.rules import accuracy_lines

_NUMBER = r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"


def parse_accuracy(data: bytes, round_: str) -> list[str]:
    """The lines of an accuracy.txt that the round's checker can read (those its accuracy patterns or the hash
    regex match, transform/inference/rules.py): which of them hold which metric is the round's rule for the
    result's model, applied when the result is built."""
    # the lines Python's text mode gives the checker (universal newlines), without their ends
    return accuracy_lines(round_, data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n"))


# "MM-DD-YYYY HH:MM:SS.fff", the format of power_begin/power_end and spl.txt; strptime is 10× slower and a
# power log has a line per second.
_POWER_TIME = re.compile(r"\s*(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\s*")


def parse_power_time(value: str) -> datetime | None:
    match = _POWER_TIME.fullmatch(value)
    if match is None:
        return None
    month, day, year, hour, minute, second, fraction = match.groups()
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                        int((fraction or "0").ljust(6, "0")))
    except ValueError:
        return None


# The query of a power log, built once: a power log is a query plan run (thousands per round), whose steps cost
# most of the parse of the file; each step and expression built per file cost a tenth more.
# field_0 … field_3 of each line, null where a line has fewer
_SPL_FIELDS = pl.col("line").str.split_exact(",", 3).struct.unnest()
# a `Time,<time>,Watts,<W>,...` line: field_0 is "Time" exactly when the line starts with "Time," or is "Time" (and
# then its field_2 is null, not "Watts")
_SPL_LINE = (pl.col("field_0") == "Time") & (pl.col("field_2") == "Watts")
# no cache of converted values: the times of a power log are all different (a hash map of them is pure cost)
_SPL_TIME = pl.col("field_1").str.strip_chars().str.strptime(pl.Datetime("us"), "%m-%d-%Y %H:%M:%S%.f", strict=False,
                                                              cache=False)
_SPL_WATTS = pl.col("field_3").cast(pl.Float64, strict=False)
# a time and a finite number of watts (a null is neither)
_SPL_SAMPLE = pl.col("time").is_not_null() & pl.col("watts").is_finite()


def parse_spl(data: bytes) -> pl.DataFrame:
    """(time, watts) of each `Time,<MM-DD-YYYY HH:MM:SS.fff>,Watts,<W>,...` line of a power log; vectorised,
    as a power log has a line per second of the run. Only the first four fields of a line are split out (a line
    has thirty): a list per line costs more than all the rest."""
    return (
        pl.LazyFrame({"line": data.decode("utf-8", "replace").splitlines()}, schema={"line": pl.String})
        .select(_SPL_FIELDS)
        .filter(_SPL_LINE)
        .select(time=_SPL_TIME, watts=_SPL_WATTS)
        .filter(_SPL_SAMPLE)
        .collect()
    )


_SCORE = re.compile(rf"^(reference score|test score|TEST04-A score|TEST04-B score)\s*=\s*{_NUMBER}", re.MULTILINE)
_CHECK = re.compile(r"^(First token check pass|EOS check pass|Sample length check pass):\s*(\w+)", re.MULTILINE)
_COUNT = re.compile(r"^(num_\w+)\s*=\s*(\d+)", re.MULTILINE)


def parse_compliance(data: bytes, source: Source) -> dict:
    """One verify_performance.txt or verify_accuracy.txt: TEST PASS/FAIL and the figures it compared."""
    text = data.decode("utf-8", "replace")
    parts = source.path.split("/")
    division, submitter, _compliance, system, benchmark = parts[:5]
    test, kind = parts[-2], parts[-1].removeprefix("verify_").removesuffix(".txt")
    scores = {name: number(float(value)) for name, value in _SCORE.findall(text)}
    checks = dict(_CHECK.findall(text))
    if "TEST PASS" in text:
        passed = True
    elif "TEST FAIL" in text:
        passed = False
    elif checks:  # TEST06 prints its checks and no PASS/FAIL line
        passed = all(v in ("True", "Skipped") for v in checks.values())
    else:
        passed = None
    return {
        "suite": source.suite,
        "round": source.round,
        "division": division,
        "submitter": submitter,
        "system": system,
        "benchmark": benchmark,
        "scenario_dir": parts[-3],
        "test": test,
        "verify": kind,
        "passed": passed,
        "reference_score": scores.get("reference score", scores.get("TEST04-A score")),
        "test_score": scores.get("test score", scores.get("TEST04-B score")),
        "details": orjson.dumps({**checks, **{k: _count(v) for k, v in _COUNT.findall(text)}}).decode(),
        "source_path": source.path,
        "source_commit": source.commit,
    }


def _count(digits: str) -> int | str:
    """A printed count as a JSON number when it fits a signed 64-bit integer (what JSON readers and DuckDB take),
    otherwise as its exact text."""
    return int(digits) if len(digits) <= 18 or (len(digits) == 19 and int(digits) < 2**63) else digits


def parse_model_mapping(data: bytes) -> dict[str, str] | None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in doc.items()):
        return None
    return doc
