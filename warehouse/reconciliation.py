"""How much of MLCommons' own tables the warehouse reproduces, per round (from the `reconciliation` view)."""

from __future__ import annotations

from pathlib import Path

import duckdb

COUNTS = """
    select round,
           count(*) filter (where verdict <> 'only ours') as official,
           count(*) filter (where verdict = 'equal') as reproduced,
           count(*) filter (where verdict = 'different') as different,
           count(*) filter (where verdict = 'ours invalid') as ours_invalid,
           count(*) filter (where verdict = 'only official') as only_official,
           count(*) filter (where verdict = 'only ours') as only_ours,
           count(*) filter (where verdict = 'equal' and not accuracy_equal) as accuracy_different,
           count(*) filter (where verdict = 'equal' and not power_equal) as power_different
    from reconciliation {where} group by round order by round"""

# A value or validity that differs says more than a folder we lack, which says more than a row the table lacks.
DISAGREEMENTS = """
    select round, verdict, location, official_result, official_units, result, units, invalid_reason
    from reconciliation where verdict <> 'equal' {also}
    qualify row_number() over (
        partition by round
        order by case verdict when 'different' then 0 when 'ours invalid' then 1 when 'only official' then 2 else 3 end,
                 location) <= {limit}
    order by round, case verdict when 'different' then 0 when 'ours invalid' then 1 when 'only official' then 2 else 3 end,
             location"""


def has_view(con: duckdb.DuckDBPyConnection) -> bool:
    """Warehouses built before the view existed have none."""
    return bool(con.execute("select count(*) from duckdb_views() where view_name = 'reconciliation'").fetchall()[0][0])


def reproduced(db: Path, rounds: list[str], first: int = 3) -> list[dict]:
    """Per round of `rounds` with an official table: its counts by verdict and its first disagreements."""
    with duckdb.connect(str(db), read_only=True) as con:
        if not has_view(con):
            return []
        # the rounds asked for only: the filter reaches the view's scans
        counts = [dict(zip(("round", "official", "reproduced", "different", "ours_invalid", "only_official", "only_ours",
                            "accuracy_different", "power_different"), row))
                  for row in con.execute(COUNTS.format(where="where list_contains($rounds, round)"), {"rounds": rounds}).fetchall()]
        columns = ("round", "verdict", "location", "official_result", "official_units", "result", "units", "invalid_reason")
        disagreements = [dict(zip(columns, row)) for row in con.execute(
            DISAGREEMENTS.format(limit=int(first), also="and list_contains($rounds, round)"), {"rounds": rounds}).fetchall()]
    for entry in counts:
        entry["first_disagreements"] = [d for d in disagreements if d["round"] == entry["round"]]
    return counts


def describe(entry: dict) -> list[str]:
    """Lines for people: 'official results reproduced: N of M' and the first disagreements."""
    lines = [f"  {entry['round']}: official results reproduced: {entry['reproduced']} of {entry['official']}"
             f" (different {entry['different']}, ours invalid {entry['ours_invalid']}, only official "
             f"{entry['only_official']}, only ours {entry['only_ours']})"
             + "".join(f"; of those reproduced, {n} with another {what}" for what, n in
                       (("accuracy text", entry["accuracy_different"]), ("power result", entry["power_different"])) if n)]
    for d in entry["first_disagreements"]:
        official = "—" if d["official_result"] is None else f"{d['official_result']:g} {d['official_units'] or ''}".strip()
        ours = "—" if d["result"] is None else f"{d['result']:g} {d['units'] or ''}".strip()
        why = f" ({d['invalid_reason']})" if d["verdict"] == "ours invalid" and d["invalid_reason"] else ""
        lines.append(f"    {d['verdict']}: {d['location']}: official {official}, ours {ours}{why}")
    return lines
