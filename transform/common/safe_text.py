"""Text from a results repository, escaped for where it goes: a line of a log or terminal, a terminal page, a CSV
cell, Markdown, a script's JSON. One function per destination, in one module (transform's rejects and the
warehouse's outputs both use it; transform imports nothing of the warehouse).

Every field a submitter wrote (system names, framework, run labels, raw JSON, a `Location` of an official table) is
untrusted. Each output escapes it for its own reader:
- A line (a log line, a reject reason, one field of a terminal line): every character that is not printable
  (control characters, newlines, escape codes, bidi overrides and other format characters, line and paragraph
  separators) written as its Python escape, so nothing forges a line ("Rejects: 0") or drives the terminal.
- A terminal page (an answer of several lines): each line as above, the line breaks kept.
- CSV: a text cell a spreadsheet would evaluate (starting with = + - @ tab or carriage return) gets a leading
  apostrophe, as OWASP recommends (https://owasp.org/www-community/attacks/CSV_Injection); a cell that is a plain
  number (-5, +1.5e3) is left alone, it is not a formula, and numeric columns are never touched.
- Markdown: every character that could start HTML, an entity, a link, code, emphasis or a table cell is
  backslash-escaped, and "://" and "www." get an entity so that no renderer makes a link of them.
- JSON inside a <script>: <, >, & and the line separators are \\u escapes, so no value can close the script or open
  an HTML comment (`<!--<script>` would otherwise stop the chart from drawing).
"""

from __future__ import annotations

import json
import re

import polars as pl

_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def csv_cell(text: str) -> str:
    if _FORMULA.match(text) and not re.match(_PLAIN_NUMBER, text):
        return "'" + text
    return text


def csv_cell_sql(column: str) -> str:
    """A DuckDB expression of `column` (a quoted identifier of a text column) with csv_cell applied."""
    return (f"case when regexp_matches({column}, '^[=+\\-@\\t\\r]') and not regexp_matches({column}, "
            f"'{_PLAIN_NUMBER}') then '''' || {column} else {column} end")


def csv_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with csv_cell applied to every text column."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]") & ~pl.col(c).str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in text)


_MARKDOWN = re.compile(r"([\\`*\[\]<>&|~!])")


def markdown(text: str) -> str:
    """Text that renders as itself in Markdown (CommonMark and GFM), inline: no HTML, entity, link, image, code,
    emphasis by `*` or table cell border; digits, dots and dashes stay as they are, so numbers read unchanged."""
    text = _MARKDOWN.sub(r"\\\1", " ".join(str(text).splitlines()))
    text = re.sub(r"(?i)(www)\.", r"\1&#46;", text)  # no autolink: to the linker an entity is not a dot
    text = text.replace("://", "&#58;//")
    return "\\" + text if re.match(r"([#+=-]|\d+[.)])(\s|$)", text) else text  # not a heading or list item


def script_json(value) -> str:
    """JSON to inline in a <script>: nothing in it can end the script or open a comment."""
    return (json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def printable(text: str | None) -> str:
    """`text` for one line: every character that is not printable written as its Python escape; the rest, and so
    every ordinary name or path, unchanged."""
    if text is None:
        return ""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def terminal(text: str) -> str:
    """Text of several lines safe to print: each line printable(), the line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))
