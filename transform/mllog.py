"""The MLLOG reader shared by training and inference logs: `:::MLLOG {json}` lines to events."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

MARKER = b":::MLLOG"


@dataclass
class MllogRead:
    # (line number, decoded event) in file order; every event is a dict with a string "key".
    events: list[tuple[int, dict]] = field(default_factory=list)
    # (line number, reason) for marker lines whose payload is not a usable event.
    bad_lines: list[tuple[int, str]] = field(default_factory=list)


def read_mllog(data: bytes) -> MllogRead:
    """Decode every MLLOG event of a log. The marker may follow a rank prefix or a progress bar on the same line."""
    out = MllogRead()
    marked = [(n, line) for n, line in enumerate(data.split(b"\n"), start=1) if MARKER in line]
    for line_no, line in marked:
        payload = line[line.find(MARKER) + len(MARKER):].strip()
        try:
            event = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            out.bad_lines.append((line_no, f"MLLOG payload is not valid JSON ({exc.args[0].split(':')[0]})"))
            continue
        if not isinstance(event, dict) or not isinstance(event.get("key"), str):
            out.bad_lines.append((line_no, "MLLOG payload has no string 'key'"))
            continue
        out.events.append((line_no, event))
    return out
