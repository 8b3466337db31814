"""How much of MLCommons' own tables the warehouse reproduces, per round (from the `reconciliation` view).

Every official row is compared whatever our validity verdict: a wrong value on a result we judge invalid counts as
different (and as ours invalid), so "different 0" means no official number differs from ours.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transform.common.safe_text import printable

COUNTS = """
    select round,
           count(*) filter (where verdict <> 'only ours') as official,
           count(*) filter (where verdict = 'equal') as reproduced,
           count(*) filter (where verdict = 'different') as different,
           count(*) filter (where ours_invalid) as ours_invalid,
           count(*) filter (where not accuracy_equal) as accuracy_different,
           count(*) filter (where not power_equal) as power_different,
           count(*) filter (where verdict = 'only official') as only_official,
           count(*) filter (where verdict = 'only ours') as only_ours
    from reconciliation {where} group by round order by round"""

# Disagreements first: a value or units that differ, then a result we drop, then another accuracy text or power
# (on a row whose value is equal), then a folder we lack, then a row the table lacks.
_RANK = """case when verdict = 'different' then 0 when verdict = 'ours invalid' then 1
                when verdict = 'equal' then 2 when verdict = 'only official' then 3 else 4 end"""
_RANKED = f"""
    select round, verdict, location, official_result, official_units, result, units, ours_invalid, invalid_reason,
           accuracy_equal, official_accuracy_text, accuracy_text, power_equal, official_power_result,
           official_power_units, power_result, power_units
    from reconciliation
    where (verdict <> 'equal' or not accuracy_equal or not power_equal) {{also}}
    qualify row_number() over (partition by round order by {_RANK}, location) <= {{limit}}
    order by round, {_RANK}, location"""
# the columns that fit a terminal (`status`)
DISAGREEMENTS = """
    select round, verdict, ours_invalid, location, official_result, official_units, result, units, accuracy_equal,
           power_equal
    from (""" + _RANKED + ")"

_COUNT_COLUMNS = ("round", "official", "reproduced", "different", "ours_invalid", "accuracy_different", "power_different",
                  "only_official", "only_ours")
_DISAGREEMENT_COLUMNS = ("round", "verdict", "location", "official_result", "official_units", "result", "units",
                         "ours_invalid", "invalid_reason", "accuracy_equal", "official_accuracy_text", "accuracy_text",
                         "power_equal", "official_power_result", "official_power_units", "power_result", "power_units")


def has_view(con: duckdb.DuckDBPyConnection) -> bool:
    """Warehouses built before the view existed have none."""
    return bool(con.execute("select count(*) from duckdb_views() where view_name = 'reconciliation'").fetchall()[0][0])


def reproduced(db: Path, rounds: list[str], first: int = 3) -> list[dict]:
    """Per round of `rounds` with an official table: its counts (a row may count as different and as ours
    invalid) and its first disagreements, most serious first."""
    with duckdb.connect(str(db), read_only=True) as con:
        return reproduced_in(con, rounds, first)


def reproduced_in(con: duckdb.DuckDBPyConnection, rounds: list[str], first: int = 3) -> list[dict]:
    """`reproduced` on an open warehouse (a run reads the file it is about to publish)."""
    if not has_view(con):
        return []
    # the rounds asked for only: the filter reaches the view's scans
    counts = [dict(zip(_COUNT_COLUMNS, row)) for row in con.execute(
        COUNTS.format(where="where list_contains($rounds, round)"), {"rounds": rounds}).fetchall()]
    disagreements = [dict(zip(_DISAGREEMENT_COLUMNS, row)) for row in con.execute(
        _RANKED.format(limit=int(first), also="and list_contains($rounds, round)"), {"rounds": rounds}).fetchall()]
    for entry in counts:
        entry["first_disagreements"] = [d for d in disagreements if d["round"] == entry["round"]]
    return counts


def describe(entry: dict) -> list[str]:
    """Lines for people: 'official results reproduced: N of M', what disagrees (first), and the first
    disagreements. Every text from a repository is escaped (a Location may hold a newline or escape codes)."""
    lines = [f"  {entry['round']}: official results reproduced: {entry['reproduced']} of {entry['official']}"
             f" (different {entry['different']}, ours invalid {entry['ours_invalid']}, accuracy text different "
             f"{entry['accuracy_different']}, power different {entry['power_different']}, only official "
             f"{entry['only_official']}, only ours {entry['only_ours']})"]
    for d in entry["first_disagreements"]:
        lines.append(f"    {_kind(d)}: {printable(d['location'])}: {_compared(d)}")
    return lines


def _kind(d: dict) -> str:
    if d["verdict"] == "different" and d["ours_invalid"]:
        return "different and ours invalid"
    if d["verdict"] == "equal":
        return "accuracy text different" if d["accuracy_equal"] is False else "power different"
    return d["verdict"]


def _compared(d: dict) -> str:
    if d["verdict"] == "equal" and d["accuracy_equal"] is False:
        return f"official {printable(d['official_accuracy_text'])!r}, ours {printable(d['accuracy_text'] or '')!r}"
    if d["verdict"] == "equal":
        return f"official power {_figure(d['official_power_result'], d['official_power_units'])}, ours " \
               f"{_figure(d['power_result'], d['power_units'])}"
    why = f" ({printable(d['invalid_reason'])})" if d["ours_invalid"] and d["invalid_reason"] else ""
    return f"official {_figure(d['official_result'], d['official_units'])}, ours {_figure(d['result'], d['units'])}{why}"


def _figure(value: float | None, units: str | None) -> str:
    return "—" if value is None else f"{value:g} {printable(units or '')}".strip()
