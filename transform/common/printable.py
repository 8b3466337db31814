"""Text from a repository made safe for a terminal and a log line: upstream files are untrusted, and a `Location`
holding a newline or an escape sequence would otherwise forge lines ("Rejects: 0") or drive the operator's terminal."""

from __future__ import annotations


def printable(text: str | None) -> str:
    """`text` with every character that is not printable (control characters, newlines, escape codes, bidi
    overrides and other format characters, line and paragraph separators) written as its Python escape; the
    rest, and so every ordinary name or path, unchanged."""
    if text is None:
        return ""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
