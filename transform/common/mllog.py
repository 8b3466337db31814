"""The MLLOG reader shared by training and inference logs: `:::MLLOG {json}` lines to events.

Logs are third-party files: the reader's work is linear in the bytes and what it keeps is bounded. Only marker
lines cost work; a log with more than MAX_BAD_LINES unusable marker lines is given up (the official parser
refuses a log with a single one, so nothing countable is lost) and only the first LISTED_BAD_LINES are described.

A log is read in batches of consecutive lines (about BATCH_BYTES each), and a parser aggregates a batch with list
operations that run in C (`list.index`, `list.count`, `map`) rather than with a Python step per event: a training
round has millions of events, and per-event Python work cost more than decoding them. A batch in which every
marker line is a JSON object with a string "key" (nearly all of them) is decoded whole; any other batch is read
line by line, to say which lines are unusable and why. Both ways give the same events.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

import orjson

MARKER = b":::MLLOG"
MAX_BAD_LINES = 1000
LISTED_BAD_LINES = 20
# The bytes of a batch: a batch's decoded events are held at once, so the memory a log costs stays a few times this.
BATCH_BYTES = 1 << 18

# the payload of a marker line: everything after its first marker, to the end of the line (a second marker on a
# line is part of the first one's payload)
_PAYLOAD = re.compile(rb":::MLLOG(.*)")  # `.` is any byte but a newline
_KEY = itemgetter("key")
_LAST_BYTE = itemgetter(-1)
_OBJECT_ENDS = frozenset(b"} \t\r")  # `}` and the JSON whitespace that may follow it on a line


@dataclass
class BadLines:
    # (line number, reason) of the first LISTED_BAD_LINES marker lines whose payload is not a usable event
    listed: list[tuple[int, str]] = field(default_factory=list)
    count: int = 0
    # the reader stopped at MAX_BAD_LINES: the rest of the log was not read
    gave_up: bool = False

    def add(self, line_no: int, reason: str) -> None:
        self.count += 1
        if len(self.listed) < LISTED_BAD_LINES:
            self.listed.append((line_no, reason))
        self.gave_up = self.count >= MAX_BAD_LINES

    def summary(self) -> str | None:
        """One sentence for what is not listed line by line."""
        if self.gave_up:
            return (f"{self.count} MLLOG lines could not be used: not read further from line "
                    f"{self.listed[-1][0] if self.listed else 0} on; the first {len(self.listed)} are listed")
        if self.count > len(self.listed):
            return f"{self.count - len(self.listed)} more MLLOG lines could not be used (the first {len(self.listed)} are listed)"
        return None


@dataclass
class Batch:
    """Usable events of consecutive lines of a log, in file order; every event is a dict with a string "key"."""
    events: list[dict]
    keys: list[str]  # events[i]["key"]
    # where the batch is in the log, to number its lines when a parser asks (rarely: only for a reject)
    numbers: _LineNumbers = field(repr=False)
    start: int
    end: int
    lines: list[int] | None = None  # the line number of each event, once known

    @cached_property
    def counts(self) -> Counter:
        """The events of each key, the keys in the order they first appear (one hash per event, in C)."""
        return Counter(self.keys)

    def positions(self, key: str) -> list[int]:
        """The indices of the events of `key`, in order."""
        return indices(self.keys, key, self.counts.get(key, 0))

    def line(self, i: int) -> int:
        """The line number of events[i]. A batch decoded whole has an event per marker line, numbered on demand."""
        if self.lines is None:
            self.lines = _marker_lines(self.numbers.data, self.start, self.end, self.numbers.at(self.start))
        return self.lines[i]


class _LineNumbers:
    """The line numbers of a log's offsets, counted when first asked for and from the last one asked: most logs
    never need one, and counting every batch's newlines would cost a pass over the bytes."""

    def __init__(self, data: bytes) -> None:
        self.data, self.offset, self.line = data, 0, 1

    def at(self, offset: int) -> int:
        """The number of the line data[offset] is on."""
        if offset >= self.offset:
            self.line += self.data.count(b"\n", self.offset, offset)
        else:
            self.line -= self.data.count(b"\n", offset, self.offset)
        self.offset = offset
        return self.line


def indices(items: list, item, count: int) -> list[int]:
    """The indices of the `count` occurrences of `item` in `items`: C scans of the list, one per occurrence (never a
    Python step per element)."""
    found, at = [], -1
    for _ in range(count):
        at = items.index(item, at + 1)
        found.append(at)
    return found


def read_batches(data: bytes, bad: BadLines, unread_lists: tuple[bytes, ...] = ()) -> Iterator[Batch]:
    """The log's events, batch by batch; unusable marker lines go to `bad`, and reading stops when it gives up.

    `unread_lists` names keys whose value the parser never reads: when such a value is a plain list of integers
    (loadgen's `loaded_qsl_set`, most of a detail log's bytes), the event holds [] instead, without building an
    int per element; whether the line is valid JSON is decided exactly as if it were decoded."""
    start, size, numbers = 0, len(data), _LineNumbers(data)
    while not bad.gave_up and (at := data.find(MARKER, start)) >= 0:
        # from the line of the next marker: a stretch without one costs a single search
        start = max(start, data.rfind(b"\n", start, at) + 1)
        end = data.find(b"\n", min(start + BATCH_BYTES, size))
        end = size if end < 0 else end + 1
        payloads = _PAYLOAD.findall(data, start, end)
        for key in unread_lists:
            prefix = b' {"key": "' + key + b'", "value": ['
            if data.find(prefix, start, end) >= 0:
                payloads = [_without_int_list(p, len(prefix)) if p.startswith(prefix) else p for p in payloads]
        decoded = _decoded(payloads)
        if decoded is not None:
            yield Batch(decoded[0], decoded[1], numbers, start, end)
        else:
            lines, events = _line_by_line(data, start, end, numbers.at(start), bad)
            yield Batch(events, [event["key"] for event in events], numbers, start, end, lines)
        start = end


def _decoded(payloads: list[bytes]) -> tuple[list[dict], list[str]] | None:
    """(events, keys) when every payload decodes to a JSON object with a string "key", else None.

    orjson skips the JSON whitespace around an object, so a payload it decodes to a dict is, stripped, one that
    starts with `{` and ends with `}`: the event is the one _line_by_line decodes."""
    try:
        # a payload that cannot end an object (empty, or not `}` then spaces) is not decoded just to fail: a batch
        # of hostile lines (one of 64 MiB) goes to _line_by_line at once
        if not set(map(_LAST_BYTE, payloads)) <= _OBJECT_ENDS:
            return None
        events = list(map(orjson.loads, payloads))
        keys = list(map(_KEY, events))  # TypeError: not an object; KeyError: no "key"
    except (IndexError, orjson.JSONDecodeError, TypeError, KeyError):
        return None
    return (events, keys) if set(map(type, keys)) <= {str} else None


def _line_by_line(data: bytes, start: int, end: int, first_line: int, bad: BadLines) -> tuple[list[int], list[dict]]:
    """(line number, event) of each usable marker line of data[start:end], each unusable one added to `bad` with
    its reason; stops when `bad` gives up."""
    lines, events = [], []
    pos = counted_to = start
    line_no = first_line
    while not bad.gave_up and (at := data.find(MARKER, pos, end)) >= 0:
        line_no += data.count(b"\n", counted_to, at)
        counted_to = at
        eol = data.find(b"\n", at, end)
        eol = end if eol < 0 else eol
        pos = eol + 1
        payload = data[at + len(MARKER):eol].strip()
        # an event is a JSON object: anything else is refused without the cost of a failed decode
        if payload[:1] != b"{":
            bad.add(line_no, "MLLOG payload is not a JSON object: no string 'key'")
            continue
        if payload[-1:] != b"}":
            bad.add(line_no, "MLLOG payload is not valid JSON (the object is not closed)")
            continue
        try:
            event = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            bad.add(line_no, f"MLLOG payload is not valid JSON ({exc.args[0].split(':')[0]})")
            continue
        if not isinstance(event, dict) or not isinstance(event.get("key"), str):
            bad.add(line_no, "MLLOG payload has no string 'key'")
            continue
        lines.append(line_no)
        events.append(event)
    return lines, events


def _marker_lines(data: bytes, start: int, end: int, first_line: int) -> list[int]:
    """The line number of each marker line of data[start:end]."""
    lines = []
    pos = counted_to = start
    line_no = first_line
    while (at := data.find(MARKER, pos, end)) >= 0:
        line_no += data.count(b"\n", counted_to, at)
        counted_to = at
        lines.append(line_no)
        eol = data.find(b"\n", at, end)
        pos = end if eol < 0 else eol + 1
    return lines


# The shape of a list of integers: each digit `d`, a comma itself, any other byte `!`.
_SHAPE = bytes(ord("d") if chr(b) in "0123456789" else ord(",") if chr(b) == "," else ord("!") for b in range(256))
# An integer of fewer digits decodes (as an int, or from 2^64 on as a float); orjson refuses one of 309 or more.
_TOO_LONG = b"d" * 300


def _without_int_list(payload: bytes, at: int) -> bytes:
    """The payload with the list that opens at payload[at - 1] given as `[]`, when it is certainly a JSON list of
    integers (digits and single commas, no leading zero, each under 300 digits); otherwise unchanged. The rest of
    the payload is the same bytes in the same JSON context, so it decodes exactly when the original does."""
    close = payload.find(b"]", at)
    if close <= at:
        return payload
    shape = payload.translate(_SHAPE)  # one pass; the checks below are searches within [at, close)
    if (shape.find(b"!", at, close) >= 0 or shape[at:at + 1] == b"," or shape[close - 1:close] == b","
            or shape.find(b",,", at, close) >= 0 or shape.find(_TOO_LONG, at, close) >= 0
            or _leading_zero(payload, at, close)):
        return payload
    return payload[:at] + payload[close:]


def _leading_zero(payload: bytes, at: int, close: int) -> bool:
    """Whether an integer of the list payload[at:close] (digits and commas) has a leading zero, which JSON forbids."""
    if payload[at:at + 1] == b"0" and at + 1 < close and payload[at + 1:at + 2] != b",":
        return True
    zero = payload.find(b",0", at, close)  # an integer that starts with 0: in a list of distinct ids, at most the 0
    while zero >= 0:
        if zero + 2 < close and payload[zero + 2:zero + 3] != b",":
            return True
        zero = payload.find(b",0", zero + 2, close)
    return False


@dataclass
class MllogRead:
    # (line number, decoded event) in file order; every event is a dict with a string "key".
    events: list[tuple[int, dict]] = field(default_factory=list)
    # (line number, reason) for the first marker lines whose payload is not a usable event.
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def read_mllog(data: bytes) -> MllogRead:
    """Every event of a log at once, with its line number (for tests and small logs; the parsers read batches)."""
    bad = BadLines()
    events = [(batch.line(i), event) for batch in read_batches(data, bad) for i, event in enumerate(batch.events)]
    return MllogRead(events=events, bad_lines=bad.listed)


def bad_line_rejects(bad: BadLines, source) -> list[dict]:
    rejects = [source.reject("parse", f"line {n}: {why}") for n, why in bad.listed]
    if (summary := bad.summary()) is not None:
        rejects.append(source.reject("parse", summary))
    return rejects
