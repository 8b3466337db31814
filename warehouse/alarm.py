"""The alarm: rounds that load results they cannot judge, or whose official table the warehouse does not reproduce.

Two kinds, per (suite, round):
- "not judged": results or scores not judged by a reviewed rules file of their round (`rules_checked` false: no
  rules file, a model or benchmark its rules do not know, or training rules derived from the installed
  mlperf-logging package that nobody has reviewed yet), counted per reason;
- "not reproduced": official rows (MLCommons' own table: `reconciliation`, `training_reconciliation`) that are
  not equal to ours, less those explained by files upstream could not send (a read reject under the row's folder).
"Rejects: 0" must never be the only word about hundreds of unscored results: the run summary and `status` print
these first, `ingest_runs.alarms` records them, and `status --check` exits non-zero on any.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transform.common.safe_text import printable
from warehouse.reconciliation import AGREEMENT, COUNTS, describe_agreement

EXIT_CODE = 7

_NOT_JUDGED = """
    select 'training' as suite, round, rules_note as note, count(*) as count
    from training_scores where not rules_checked group by all
    union all
    select 'inference', round, rules_note, count(*) from inference_results where not rules_checked group by all
    order by suite, round, note"""

# official rows that disagree with ours, per suite, by the folder their files are in
_DISAGREEING = {
    "inference": """select 'inference' as suite, round, location as folder from reconciliation
                    where verdict <> 'equal' and verdict <> 'only ours'""",
    "training": """select 'training' as suite, round, submitter || '/results/' || system || '/' || benchmark as folder
                   from training_reconciliation where verdict not in ('equal', 'only ours')""",
}
# those of them not reproduced because the files behind them never arrived (a read reject under their folder)
_ABSENT = """
    select suite, round, count(*) as absent from ({disagreeing}) as disagreeing
    where exists (
        select 1 from rejects
        where rejects.suite = disagreeing.suite and rejects.round = disagreeing.round and rejects.stage = 'read'
            and rejects.reason like '%could not be downloaded from upstream%'
            and starts_with(rejects.source_path, disagreeing.folder || '/'))
    group by all"""

_TRAINING_COUNTS = """
    select round,
           count(*) filter (where verdict <> 'only ours') as official,
           count(*) filter (where verdict = 'equal') as reproduced,
           count(*) filter (where verdict = 'different') as different,
           count(*) filter (where verdict = 'ours invalid') as ours_invalid,
           count(*) filter (where verdict = 'only official') as only_official,
           count(*) filter (where verdict = 'only ours') as only_ours,""" + AGREEMENT + """
    from training_reconciliation group by round order by round"""

def training_reproduced(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per round with an official training summary: official scores, reproduced, and the rest by verdict."""
    return con.sql(_TRAINING_COUNTS).pl().to_dicts()


def alarms(con: duckdb.DuckDBPyConnection, suites: tuple[str, ...] = tuple(_DISAGREEING)) -> list[dict]:
    """Every alarm of the warehouse `con` reads, of `suites`: suite, round, kind, count, of, note. (A run that loaded
    one suite's rounds asks of that suite only: the other's reconciliation view costs a tenth of a second, empty.)"""
    out = [{"suite": suite, "round": round_, "kind": "not judged", "count": count, "of": None, "note": note}
           for suite, round_, note, count in con.sql(_NOT_JUDGED).fetchall() if suite in suites]
    if not suites:
        return out
    disagreeing = " union all ".join(_DISAGREEING[suite] for suite in suites)
    absent = {(s, r): n for s, r, n in con.sql(_ABSENT.format(disagreeing=disagreeing)).fetchall()}
    reproduced = {"inference": lambda: con.sql(COUNTS.format(where="")).pl().to_dicts(),
                  "training": lambda: training_reproduced(con)}
    for suite in suites:
        for c in reproduced[suite]():
            missing = c["official"] - c["reproduced"] - absent.get((suite, c["round"]), 0)
            if missing > 0:
                out.append({"suite": suite, "round": c["round"], "kind": "not reproduced", "count": missing,
                            "of": c["official"], "note": _breakdown(c, absent.get((suite, c["round"]), 0))})
    return sorted(out, key=lambda a: (a["suite"], a["round"], a["kind"], a["note"] or ""))


def _breakdown(counts: dict, absent: int) -> str:
    parts = [f"{counts[k]} {k.replace('_', ' ')}" for k in ("different", "ours_invalid", "only_official") if counts.get(k)]
    return (f"official rows reproduced {counts['reproduced']} of {counts['official']}: " + ", ".join(parts)
            + (f" ({absent} of them files absent upstream, not counted)" if absent else ""))


def training_reproduced_in(db: Path, rounds: list[str]) -> list[dict]:
    """training_reproduced() of the published warehouse's `rounds`: with the summaries' past versions it holds."""
    with duckdb.connect(str(db), read_only=True) as con:
        return [counts for counts in training_reproduced(con) if counts["round"] in rounds]


def describe_training(counts: dict) -> list[str]:
    return [f"  {counts['round']}: official training scores reproduced: {counts['reproduced']} of {counts['official']}"
            f" (different {counts['different']}, ours invalid {counts['ours_invalid']}, only official "
            f"{counts['only_official']}, only ours {counts['only_ours']})"] + (
        describe_agreement(counts, "scores") if counts["release_day"] is not None or not counts["different"] else
        # no line per disagreement here: whether they are with today's summary only is said once
        ["    release day unknown (no past versions of the summary loaded: `mlperf-warehouse backfill`)"])


def lines(found: list[dict]) -> list[str]:
    """The alarm as the summary and `status` print it, first."""
    if not found:
        return []
    out = [f"ALARM: {len({(a['suite'], a['round']) for a in found})} round(s) not judged or not reproduced whole "
           f"(`status --check` exits {EXIT_CODE}):"]
    for a in found:
        what = (f"{a['count']} results not judged by a reviewed rules file: {a['note']}" if a["kind"] == "not judged"
                else f"{a['count']} of {a['of']} official rows not reproduced ({a['note']})")
        # folder names reach the notes from third-party repositories
        out.append(printable(f"  {a['suite']} {a['round']}: {what}"))
    return out
