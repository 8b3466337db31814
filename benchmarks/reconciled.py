"""MLCommons' own inference tables against the warehouse, round by round, with every row not reproduced explained.

    python -m benchmarks.reconciled /work/org/inference_results_v6.0 /work/org/inference_results_v5.1 ... [--out docs/scoring.md]

Ingests the given repositories (local git repositories, as `file://` URLs) through the real flow into a fresh
cache and warehouse, then writes, between `<!-- reconciled:start -->` and `<!-- reconciled:end -->` of the output
(default docs/scoring.md), per round the `reconciliation` view's counts and each official row whose value and units
we do not reproduce, with why: our result against the table's, the reason we judge it invalid, or the rejects that
name the files of a folder we could not read. Nothing in the block is typed by hand.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from flows.settings import Settings
from transform.common.safe_text import printable
from warehouse.reconciliation import reproduced

DOC = Path(__file__).resolve().parents[1] / "docs" / "scoring.md"
BLOCK = re.compile(r"(<!-- reconciled:start -->\n).*?(<!-- reconciled:end -->)", re.DOTALL)
COLUMNS = ("round", "official", "reproduced", "different", "ours_invalid", "accuracy_different", "power_different",
           "only_official", "only_ours")

# every official row not reproduced in value and units, the table it comes from, and the rejects under its folder
# (the files we could not read first: the other rejects there follow from them)
NOT_REPRODUCED = """
    select r.round, r.verdict, r.location, r.official_result, r.official_units, r.result, r.units, r.ours_invalid,
           r.invalid_reason, r.official_source_path,
           (select string_agg(j.reason || ' (' || j.source_path || ')', '; '
                              order by j.stage <> 'read', j.source_path)
            from rejects j
            where j.suite = 'inference' and j.round = r.round and starts_with(j.source_path, r.location || '/')
                and j.reason not like 'not loaded with its result%') as rejects
    from reconciliation r
    where r.verdict in ('different', 'ours invalid', 'only official')
    order by r.round, r.verdict, r.location"""
OTHER_TEXT = """
    select round, location, official_accuracy_text, accuracy_text from reconciliation
    where not accuracy_equal qualify row_number() over (partition by round order by location) <= 3
    order by round, location"""


def measure(repos: list[Path], tmp: Path) -> tuple[list[dict], list[tuple], list[tuple], list[tuple]]:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.ingest import ingest  # after the logging settings, which Prefect reads on import
    settings = Settings(db_path=tmp / "w.duckdb", cache_dir=tmp / "cache", sync_retries=0, workers=1,
                        repos=tuple(p.absolute().as_uri() for p in repos))
    summary = ingest(settings)
    if summary.failed:
        raise SystemExit(f"the ingest failed: {summary.failed}")
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        sources = con.execute("select round, left(commit_sha, 12) from sources order by round").fetchall()
        rows = con.execute(NOT_REPRODUCED).fetchall()
        texts = con.execute(OTHER_TEXT).fetchall()
    counts = reproduced(settings.db_path, [r for r, _ in sources], first=0)
    return counts, sources, rows, texts


def _same(official: float, ours: float | None) -> bool:
    """The view's test of equal values."""
    return ours is not None and abs(ours - official) <= 1e-9 * max(abs(ours), abs(official))


def _figure(value, units) -> str:
    return "—" if value is None else f"{value:g} {printable(units or '')}".strip()


def _cell(text: str) -> str:
    return printable(text).replace("|", "\\|")


def block(counts: list[dict], sources: list[tuple], rows: list[tuple], texts: list[tuple], command: str) -> str:
    commits = dict(sources)
    lines = [
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d} from local copies of the repositories (commits below);",
        "nothing here is typed by hand. Per round with an official table, the `reconciliation` view's counts: an",
        "official row is *reproduced* when our value (within a relative 1e-9) and units equal the table's and our rules",
        "judge it valid; *different* counts every other value or units, whatever our validity verdict; *ours invalid*",
        "every official row our rules drop (a row can be both); accuracy text and power are compared on every row.",
        "",
        "| " + " | ".join(c.replace("_", " ") for c in ("commit", *COLUMNS)) + " |",
        "|" + "---|" * (len(COLUMNS) + 1),
        *(f"| `{commits.get(e['round'], '')}` | " + " | ".join(f"{e[c]:,}" if isinstance(e[c], int) else str(e[c])
                                                              for c in COLUMNS) + " |" for e in counts),
        "",
        "Every official row not reproduced, and why (for a folder we have no result of, the rejects that name its",
        "files):",
        "",
        "| round | verdict | location | official | ours | why |",
        "|---|---|---|---|---|---|",
    ]
    for round_, verdict, location, official, official_units, result, units, invalid, reason, table, rejects in rows:
        if verdict == "only official":
            why = rejects or "no file of this folder was read"
        else:
            differs = [what for what, same in (("value", _same(official, result)), ("units", official_units in (None, units)))
                       if not same]
            why = "; ".join([*(f"{' and '.join(differs)} not equal" for _ in differs[:1]),
                             *([f"ours invalid: {reason}"] if invalid else []), f"table {table}"])
        lines.append(f"| {round_} | {verdict}{' and ours invalid' if invalid and verdict == 'different' else ''} | "
                     f"`{_cell(location)}` | {_figure(official, official_units)} | {_figure(result, units)} | {_cell(why)} |")
    if not rows:
        lines.append("| — | — | — | — | — | every official row reproduced |")
    if texts:
        lines += ["", "Accuracy text printed otherwise (the first three per round; the counts are above):", "",
                  "| round | location | official | ours |", "|---|---|---|---|",
                  *(f"| {r} | `{_cell(loc)}` | `{_cell(o or '')}` | `{_cell(ours or '')}` |" for r, loc, o, ours in texts)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        counts, sources, rows, texts = measure(args.repos, Path(tmp))
    command = "python -m benchmarks.reconciled " + " ".join(str(p) for p in args.repos) + \
        ("" if args.out == DOC else f" --out {args.out}")
    text = args.out.read_text()
    if not BLOCK.search(text):
        raise SystemExit(f"{args.out} has no <!-- reconciled:start --> ... <!-- reconciled:end --> block")
    args.out.write_text(BLOCK.sub(lambda m: m[1] + block(counts, sources, rows, texts, command) + m[2], text))
    print(block(counts, sources, rows, texts, command))


if __name__ == "__main__":
    main()
