"""One whole inference round through our parsers and rules, in-process, against MLCommons' own table of it
(`summary_results.json` at the repository root), or against the CSV the round's own checker writes when run on
the same checkout (`--checker-csv`, for rounds that publish no table): every row compared by location and scenario.

    python -m benchmarks.inference_vs_table <local git repo named inference_results_vX.Y> [--checker-csv out.csv] [--show 40]

Prints how many official rows whose files are present we reproduce (value, units, power, accuracy text), and
the disagreements. A quick measurement for the rules files; the warehouse's own check is the reconciliation view.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
from collections import Counter
from pathlib import Path

import orjson
from git import Repo

from extract.discover import discover
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id
from transform.common.parse_files import parse_files
from transform.common.tables import build_tables


def ours(path: Path) -> tuple[str, dict, list[dict]]:
    repo = repo_id(path.absolute().as_uri())  # the name, not where a link points
    commit = Repo(path).head.commit.hexsha
    files, _ = discover(path, commit, repo.suite)
    # the local mirrors lack their largest blobs: those files are read rejects, as an ingest makes them
    check = subprocess.run(["git", "-C", str(path), "cat-file", "--batch-check"], input="\n".join(f.blob for f in files),
                           capture_output=True, text=True, check=True).stdout
    missing = frozenset(line.split()[0] for line in check.splitlines() if line.endswith(" missing"))
    blobs = list(read_blobs(path, files, 1 << 40, missing))
    parsed = parse_files(repo.suite, repo.round, commit, blobs, 1 << 40)
    tables, rejects = build_tables([parsed])
    return commit, tables, rejects


_POWER_UNITS = {"Watts", "Joules", "Joules/Stream", "millijoules"}


def checker_rows(csv_path: Path) -> list[dict]:
    """The checker's CSV as the table's rows: a power result is a second row of the same folder, in power units."""
    rows: dict[tuple[str, str], dict] = {}
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(f):
            out = rows.setdefault((row["Location"], row["Scenario"]), {"Location": row["Location"], "Scenario": row["Scenario"],
                                                                      "Model": row["MlperfModel"], "Accuracy": row["Accuracy"]})
            if "Units" not in row:  # v1.0: no units; the power metric in a column of the same row
                out["Performance_Result"], out["Performance_Units"] = float(row["Result"]), "(none)"
                if float(row["power"] or 0) > 0:
                    out["Power_Result"], out["Power_Units"] = round(float(row["power"]), 10), "(none)"
            elif row["Units"] in _POWER_UNITS:
                out["Power_Result"], out["Power_Units"] = round(float(row["Result"]), 10), row["Units"]
            else:
                out["Performance_Result"], out["Performance_Units"] = float(row["Result"]), row["Units"]
    return list(rows.values())


def compare(path: Path, show: int, checker_csv: Path | None = None) -> dict:
    commit, tables, rejects = ours(path)
    official = checker_rows(checker_csv) if checker_csv else orjson.loads(Repo(path).git.show(f"{commit}:summary_results.json"))
    results = {(f"{r['division']}/{r['submitter']}/results/{r['system']}/{r['benchmark']}/{r['scenario_dir']}", r["scenario"]): r
               for r in tables["inference_results"].iter_rows(named=True)}
    power = {(r["division"], r["submitter"], r["system"], r["benchmark"], r["scenario"]): r
             for r in tables["inference_power"].iter_rows(named=True)}
    rejected = {"/".join(r["source_path"].split("/")[:6]) for r in rejects}
    counts, disagreements = Counter(), []
    for row in official:
        mine = results.get((row["Location"], row["Scenario"]))
        counts["official"] += 1
        if mine is None:
            counts["rejected" if row["Location"] in rejected else "absent"] += 1
            disagreements.append(f"{row['Location']} {row['Scenario']}: official row, ours "
                                 f"{'rejected' if row['Location'] in rejected else 'none'}")
            continue
        p = power.get((mine["division"], mine["submitter"], mine["system"], mine["benchmark"], mine["scenario"]), {})
        checks = {
            "value": (row.get("Performance_Result", row.get("Result")), mine["result"]),
            "units": (row.get("Performance_Units", row.get("Units")), mine["units"]),
            "model": (row["Model"], mine["model"]),
            "accuracy": (row["Accuracy"], mine["accuracy_text"]),
            "power": (row.get("Power_Result"), p.get("power_result")),
            "power units": (row.get("Power_Units"), p.get("power_units") if row.get("Power_Result") is not None else None),
            "valid": (True, mine["valid"]),
            "published": (True, mine["published"]),
        }
        wrong = [f"{name} official {a!r} ours {b!r}" for name, (a, b) in checks.items() if a != b and a != "(none)"
                 and not (isinstance(a, float) and isinstance(b, float) and round(a, 10) == round(b, 10))]
        if wrong:
            counts["different"] += 1
            for name, (a, b) in checks.items():
                if a != b and a != "(none)":
                    counts[f"different {name}"] += 1
            disagreements.append(f"{row['Location']} {row['Scenario']}: " + "; ".join(wrong)
                                 + (f" [{mine['invalid_reason']}]" if not mine["valid"] else ""))
        else:
            counts["equal"] += 1
    keys = {(r["Location"], r["Scenario"]) for r in official}
    only_ours = [k for k, r in results.items() if k not in keys and r["published"] is not False and r["valid"]]
    counts["only ours (valid, published)"] = len(only_ours)
    print(f"{path}: {counts['equal']} of {counts['official']} official rows equal; {dict(counts)}")
    for line in disagreements[:show]:
        print("  " + line)
    for key in only_ours[:show]:
        print(f"  only ours: {key}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--checker-csv", type=Path, help="the round's checker output (--csv) on the same checkout")
    parser.add_argument("--show", type=int, default=30)
    args = parser.parse_args()
    compare(args.repo, args.show, args.checker_csv)


if __name__ == "__main__":
    main()
