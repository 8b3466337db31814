"""Training result logs of the two rounds before MLLOG, to the same runs and evals as the MLLOG reader.

- v0.5 (`mlperf_compliance` 0.0.x): `:::MLPv0.5.0 <benchmark> <seconds> (<file>:<line>) <key>[: <value>]`, the value
  JSON when present; eval_accuracy is `{"epoch": N, "value": x}`; run_stop is `{"success": true}` (or "true",
  false, or nothing).
- v0.6: `:::MLL <seconds> <key>: {"value": …, "metadata": {…}}`, some payloads in Python syntax (single quotes,
  None) rather than JSON. MiniGo's time to train is the `eval_result` event's metadata.timestamp (seconds from
  run_start to the model that beat the target): the v0.6 compliance package scores it so
  (mlcommons/logging 5245dbc, compliance_checker/0.6.0/score.yaml, `print('score [sec]:', v['metadata']['timestamp'])`,
  which its minigo.yaml checks against the save_model time of that iteration), and some of its logs have no run_stop.

Each line becomes one MLLOG event (time in ms) and the log is read by transform/training/run_log.py, so both formats
load exactly as an MLLOG log would; the rows keep the real path. time_to_train_minutes is then taken in the rounds'
own arithmetic, (run_stop − run_start seconds) / 60 (MiniGo v0.6: timestamp / 60), not through milliseconds. A
marker line that decodes neither as JSON nor as a Python literal is a reject and counts in mllog_bad_lines.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

import orjson

from transform.common.source import Source
from transform.training.layout import run_folder
from transform.training.run_log import ParsedLog, parse_training_log

V05_MARKER = b":::MLPv0.5.0 "
V06_MARKER = b":::MLL "
# greedy tails (stripped after the match): no backtracking on long lines
_V05 = re.compile(rb":::MLPv0\.5\.0 \S+ ([\d.]+) \(.*?\) ([A-Za-z0-9_]+) ?(?::(.*))?\s*$")
_V06 = re.compile(rb":::MLL ([\d.]+) ([A-Za-z0-9_]+) ?:(.+)$")
_PYTHON_NAMES = {"null": "None", "true": "True", "false": "False"}
# a quoted string (kept as it is) or a bare JSON name
_NAMES = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|\b(null|true|false)\b""")
LISTED_BAD_LINES = 20


def legacy_format(data: bytes) -> bytes | None:
    """The marker of the pre-MLLOG format the log is written in, or None (an MLLOG log, or neither)."""
    if b":::MLLOG" in data:
        return None
    for marker in (V05_MARKER, V06_MARKER):
        if marker in data:
            return marker
    return None


def parse_legacy_log(data: bytes, source: Source, marker: bytes) -> ParsedLog:
    submitter, system, benchmark, name = run_folder(source.path)
    mllog, bad, seconds, stated = (_v05 if marker == V05_MARKER else _v06)(data)
    standard = Source(source.suite, source.round, f"{submitter}/results/{system}/{benchmark}/{name}", source.commit)
    out = parse_training_log(mllog, standard)
    for row in ([out.run] if out.run else []) + out.evals + out.rejects:
        row["source_path"] = source.path
    out.rejects[:0] = [source.reject("parse", f"line {n}: {why}") for n, why in bad[:LISTED_BAD_LINES]]
    if len(bad) > LISTED_BAD_LINES:
        out.rejects.insert(LISTED_BAD_LINES, source.reject("parse", f"{len(bad) - LISTED_BAD_LINES} more log lines could not be decoded"))
    if out.run is not None:
        out.run["mllog_bad_lines"] = len(bad)
        start, stop = seconds.get(out.run["run_start_ms"]), seconds.get(out.run["run_stop_ms"])
        if stated is not None and out.run["run_stop_ms"] == stated[0]:
            out.run["time_to_train_minutes"] = stated[1] / 60
        elif start is not None and stop is not None:
            out.run["time_to_train_minutes"] = (stop - start) / 60
    return out


def _v05(data: bytes) -> tuple[bytes, list[tuple[int, str]], dict[float, float], None]:
    """The log as MLLOG lines, its undecodable lines, and each event's time in seconds by its time_ms."""
    lines, bad, seconds, decode = [], [], {}, _decoder()
    for line_no, line in _marker_lines(data, V05_MARKER):
        m = _V05.match(line, line.find(V05_MARKER))
        if m is None:
            bad.append((line_no, "not a ':::MLPv0.5.0 <benchmark> <seconds> (<file>:<line>) <key>[: <value>]' line"))
            continue
        value, metadata = None, {}
        if m[3] and m[3].strip():
            try:
                value = decode(m[3].strip())
            except ValueError as exc:
                bad.append((line_no, f"value of {m[2].decode()} is neither JSON nor a Python literal ({exc})"))
                continue
        key = m[2].decode()
        if key == "eval_accuracy" and isinstance(value, dict) and "value" in value:
            metadata["epoch_num"], value = value.get("epoch"), value["value"]
        if key == "run_stop":
            success = value.get("success") if isinstance(value, dict) else None
            if success is not None:
                metadata["status"] = "success" if success in (True, "true", "True") else "aborted"
        seconds[float(m[1]) * 1000] = float(m[1])
        lines.append((line_no, _event(key, float(m[1]), value, metadata)))
    return _as_lines(lines, data.count(b"\n") + 1), bad, seconds, None


def _v06(data: bytes) -> tuple[bytes, list[tuple[int, str]], dict[float, float], tuple[float, float] | None]:
    """As _v05, and (time_ms, seconds) of the stop a MiniGo eval_result defines."""
    bad, events, decode = [], [], _decoder()
    for line_no, line in _marker_lines(data, V06_MARKER):
        m = _V06.match(line, line.rfind(V06_MARKER))  # the official 0.6 parser keeps what follows the last marker of a line
        if m is None:
            bad.append((line_no, "not a ':::MLL <seconds> <key>: <value>' line"))
            continue
        try:
            payload = decode(m[3].strip())
        except ValueError as exc:
            bad.append((line_no, f"payload of {m[2].decode()} is neither JSON nor a Python literal ({exc})"))
            continue
        if isinstance(payload, dict) and "value" in payload:
            value, metadata = payload.get("value"), payload.get("metadata")
        else:
            value, metadata = payload, None
        events.append((line_no, m[2].decode(), float(m[1]), value, metadata if isinstance(metadata, dict) else {}))
    stop = _eval_result_stop(events)
    by_line = {}
    for line_no, key, seconds, value, metadata in events:
        if stop is not None and key == "run_stop":
            continue
        if key == "eval_accuracy" and isinstance(value, list) and len(value) == 2:
            value = {"BBOX": value[0], "SEGM": value[1]}  # Mask R-CNN logs [box mAP, mask mAP]
        by_line[line_no] = _event(key, seconds, value, metadata)
        if stop is not None and stop[0] == line_no:
            by_line[line_no] += b"\n" + _event("run_stop", stop[1], None, {"status": stop[2]})
    seconds = {e[2] * 1000: e[2] for e in events}
    return _as_lines(list(by_line.items()), max(by_line, default=0)), bad, seconds, (stop[1] * 1000, stop[3]) if stop else None


def _marker_lines(data: bytes, marker: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of each line that holds `marker` (lines end at a newline byte): the other lines, most of a log, cost
    no Python step."""
    pos = counted_to = 0
    line_no = 1
    while (at := data.find(marker, pos)) >= 0:
        begin = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        line_no += data.count(b"\n", counted_to, begin)
        counted_to = begin
        yield line_no, data[begin:end]
        pos = end + 1


def _as_lines(lines: list[tuple[int, bytes]], count: int) -> bytes:
    """`count` lines joined with newlines: line n is the text given for it in `lines` (in order of n), any other is empty."""
    parts, line_no = [], 1
    for n, text in lines:
        parts += (b"\n" * (n - line_no), text)
        line_no = n
    parts.append(b"\n" * (count - line_no))
    return b"".join(parts)


def _eval_result_stop(events: list[tuple]) -> tuple[int, float, str, float] | None:
    """(line, seconds, status, timestamp) of the stop a MiniGo eval_result defines: run_start + its metadata.timestamp."""
    start = None
    for line_no, key, seconds, value, metadata in events:
        if key == "run_start":
            start = seconds
        timestamp = metadata.get("timestamp")
        if key == "eval_result" and start is not None and isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
            return line_no, start + timestamp, "success" if timestamp > 0 else "aborted", float(timestamp)
    return None


def _event(key: str, seconds: float, value, metadata: dict) -> bytes:
    try:
        return b":::MLLOG " + orjson.dumps({"key": key, "time_ms": seconds * 1000, "value": value, "metadata": metadata})
    except TypeError:  # a Python literal JSON cannot hold (a set, bytes): the value is kept as its text
        return b":::MLLOG " + orjson.dumps({"key": key, "time_ms": seconds * 1000, "value": repr(value), "metadata": metadata})


def _decoder() -> Callable[[bytes], object]:
    """_decode for one log: a log repeats the same few payloads thousands of times (in Python syntax, which costs a
    compile each), so the last distinct ones are kept. The values are only read, never changed, so sharing is safe."""
    return lru_cache(maxsize=256)(_decode)


def _decode(text: bytes):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(_python_names(text.decode("utf-8", "replace")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError(type(exc).__name__) from None


def _python_names(text: str) -> str:
    """JSON's null/true/false as Python names, outside strings (the payloads mix both syntaxes)."""
    return _NAMES.sub(lambda m: m[1] or _PYTHON_NAMES[m[2]], text)
