"""How much of MLCommons' own tables the warehouse reproduces, per round (from the `reconciliation` view).

Every official row is compared whatever our validity verdict: a wrong value on a result we judge invalid counts as
different (and as ours invalid), so "different 0" means no official number differs from ours.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transform.common.safe_text import printable

# Whether our values equal today's official table, the release day's (its first version, loaded by `backfill`), both
# or neither; shared by the inference and training counts. release_day: the first version's commit date.
AGREEMENT = """
           count(*) filter (where agrees_with = 'both') as agrees_both,
           count(*) filter (where agrees_with = 'today') as agrees_today_only,
           count(*) filter (where agrees_with = 'release day') as agrees_release_day_only,
           count(*) filter (where agrees_with = 'neither') as agrees_neither,
           count(*) filter (where agrees_with = 'release day unknown') as release_day_unknown,
           min(release_day_committed_at) as release_day"""

COUNTS = """
    select round,
           count(*) filter (where verdict <> 'only ours') as official,
           count(*) filter (where verdict = 'equal') as reproduced,
           count(*) filter (where verdict = 'different') as different,
           count(*) filter (where ours_invalid) as ours_invalid,
           count(*) filter (where not accuracy_equal) as accuracy_different,
           count(*) filter (where not power_equal) as power_different,
           count(*) filter (where verdict = 'only official') as only_official,
           count(*) filter (where verdict = 'only ours') as only_ours,""" + AGREEMENT + """
    from reconciliation {where} group by round order by round"""

# Disagreements first: a value or units that differ, then a result we drop, then another accuracy text or power
# (on a row whose value is equal), then a folder we lack, then a row the table lacks.
_RANK = """case when verdict = 'different' then 0 when verdict = 'ours invalid' then 1
                when verdict = 'equal' then 2 when verdict = 'only official' then 3 else 4 end"""
_RANKED = f"""
    select round, verdict, location, official_result, official_units, result, units, ours_invalid, invalid_reason,
           accuracy_equal, official_accuracy_text, accuracy_text, power_equal, official_power_result,
           official_power_units, power_result, power_units, agrees_with, release_day_result, release_day_units,
           release_day_committed_at
    from reconciliation
    where (verdict <> 'equal' or not accuracy_equal or not power_equal) {{also}}
    qualify row_number() over (partition by round order by {_RANK}, location) <= {{limit}}
    order by round, {_RANK}, location"""
# the columns that fit a terminal (`status`)
DISAGREEMENTS = """
    select round, verdict, ours_invalid, location, official_result, official_units, result, units, accuracy_equal,
           power_equal, agrees_with, release_day_result
    from (""" + _RANKED + ")"

_COUNT_COLUMNS = ("round", "official", "reproduced", "different", "ours_invalid", "accuracy_different", "power_different",
                  "only_official", "only_ours", "agrees_both", "agrees_today_only", "agrees_release_day_only",
                  "agrees_neither", "release_day_unknown", "release_day")
_DISAGREEMENT_COLUMNS = ("round", "verdict", "location", "official_result", "official_units", "result", "units",
                         "ours_invalid", "invalid_reason", "accuracy_equal", "official_accuracy_text", "accuracy_text",
                         "power_equal", "official_power_result", "official_power_units", "power_result", "power_units",
                         "agrees_with", "release_day_result", "release_day_units", "release_day_committed_at")


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
    if not rounds or not has_view(con):  # none asked (a run of training rounds only): the view costs 0.03 s, empty
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
    lines += describe_agreement(entry, "results")
    for d in entry["first_disagreements"]:
        lines.append(f"    {_kind(d)}: {printable(d['location'])}: {_compared(d)}{_against_release_day(d)}")
    return lines


def describe_agreement(entry: dict, what: str) -> list[str]:
    """Where the round's past is loaded: how many of our values equal today's table, the release day's, both or
    neither (nothing otherwise: each disagreement says "release day unknown")."""
    if entry["release_day"] is None:
        return []
    return [f"    against the table of release day ({entry['release_day']:%Y-%m-%d}): our {what} equal both "
            f"{entry['agrees_both']}, today's table only {entry['agrees_today_only']}, release day's only "
            f"{entry['agrees_release_day_only']}, neither {entry['agrees_neither']}"]


def _against_release_day(d: dict) -> str:
    """Whether the disagreement is with today's table only (ours is what was published on release day), or with
    both; never a guess where the round's past is not loaded."""
    agrees = d["agrees_with"]
    if agrees is None or agrees == "both":
        return ""
    if agrees == "release day unknown":
        return "; release day unknown (no past versions loaded: `mlperf-warehouse backfill`)"
    day = f"release day's table ({d['release_day_committed_at']:%Y-%m-%d})" if d["release_day_committed_at"] else \
        "release day's table"
    if agrees == "release day":
        return f"; ours equals the {day}: the disagreement is with today's table only"
    if agrees == "today":
        return f"; ours equals today's table, not the {day}: {_figure(d['release_day_result'], d['release_day_units'])}"
    return f"; the {day} differs too: {_figure(d['release_day_result'], d['release_day_units'])}" \
        if d["release_day_result"] is not None else f"; the {day} has no such row either"


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
