"""The MLLOG reader shared by training and inference logs: `:::MLLOG {json}` lines to events.

Logs are third-party files: the reader's work is linear in the bytes and what it keeps is bounded. Only marker
lines cost Python work; a log with more than MAX_BAD_LINES unusable marker lines is given up (the official parser
refuses a log with a single one, so nothing countable is lost) and only the first LISTED_BAD_LINES are described.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

MARKER = b":::MLLOG"
MAX_BAD_LINES = 1000
LISTED_BAD_LINES = 20


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
class MllogRead:
    # (line number, decoded event) in file order; every event is a dict with a string "key".
    events: list[tuple[int, dict]] = field(default_factory=list)
    # (line number, reason) for the first marker lines whose payload is not a usable event.
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def iter_mllog(data: bytes, bad: BadLines) -> Iterator[tuple[int, dict]]:
    """(line number, event) of every MLLOG line, in file order; unusable lines go to `bad`. The marker may follow a
    rank prefix or a progress bar on the same line; a second marker on a line is part of the first one's payload."""
    pos = counted_to = 0
    line_no = 1
    size = len(data)
    while not bad.gave_up and (at := data.find(MARKER, pos)) >= 0:
        line_no += data.count(b"\n", counted_to, at)
        counted_to = at
        end = data.find(b"\n", at)
        end = size if end < 0 else end
        pos = end + 1
        payload = data[at + len(MARKER):end].strip()
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
        yield line_no, event


def read_mllog(data: bytes) -> MllogRead:
    """Every event of a log at once (for tests and small logs; the parsers stream with iter_mllog)."""
    bad = BadLines()
    events = list(iter_mllog(data, bad))
    return MllogRead(events=events, bad_lines=bad.listed)


def bad_line_rejects(bad: BadLines, source) -> list[dict]:
    rejects = [source.reject("parse", f"line {n}: {why}") for n, why in bad.listed]
    if (summary := bad.summary()) is not None:
        rejects.append(source.reject("parse", summary))
    return rejects
