"""Our pipeline against MLCommons' own tools on the same checkouts: speed, and every number compared row by row.
Writes docs/benchmarks.md from what it measured (nothing in it is typed by hand).

    python -m benchmarks.official --training /data/training_results_v4.0 \\
        --inference /data/inference_results_v4.1 --checker /src/inference/tools/submission/submission_checker.py

Each path is a local git repository of a whole round, with its files checked out (the official tools read files).
Training is compared with `mlperf_logging.result_summarizer` (PyPI mlperf-logging, `pip install -e '.[bench]'`);
inference with the round's `submission_checker.py` from mlcommons/inference (run with --skip-power-check).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from git import Repo

from benchmarks.parse_round import raw_decode
from extract.discover import Kind, discover
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id
from transform.common.accelerators import DEFAULT_MAP, accelerator_models
from transform.common.parse_files import parse_files
from transform.common.tables import build_tables
from transform.common.validate import to_frame, validate
from warehouse.publish import publish

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BLOCK = re.compile(r"<!-- official-tables:start -->\n.*?<!-- official-tables:end -->", re.DOTALL)
DISAGREEMENTS_HEADING = "## Disagreements with the official tools"
LOG_KINDS = {Kind.TRAINING_LOG, Kind.INFERENCE_DETAIL}


def ours(path: Path, db: Path) -> dict:
    """Read, parse, validate and load one round; and the raw read + decode of the same bytes, in the same run."""
    repo = repo_id(path.resolve().as_uri())
    commit = Repo(path).head.commit.hexsha
    started = time.perf_counter()
    files, _ = discover(path, commit, repo.suite)
    blobs = list(read_blobs(path, files, 1 << 40))
    read_s = time.perf_counter() - started
    logs = [data for ref, _, data in blobs if ref.kind in LOG_KINDS]
    raw_started = time.perf_counter()
    raw_decode(logs)
    for ref, _, data in blobs:
        if ref.kind not in LOG_KINDS:
            data.decode("utf-8", "replace")
    raw_s = time.perf_counter() - raw_started + read_s

    started = time.perf_counter()
    parsed = parse_files(repo.suite, repo.round, commit, blobs, 1 << 40)
    tables, rejects = build_tables([parsed])
    tables["accelerator_models"] = accelerator_models(DEFAULT_MAP)
    valid = {}
    for name, frame in tables.items():
        valid[name], failed = validate(name, frame)
        rejects.extend(failed)
    valid["rejects"], _ = validate("rejects", to_frame("rejects", rejects))
    publish(db, valid, [(repo.suite, repo.round)])
    ours_s = time.perf_counter() - started + read_s
    return {
        "name": repo.name, "files": len(files), "mb": sum(size for _, size, _ in blobs) / 1e6,
        "raw_s": raw_s, "ours_s": ours_s, "rows": sum(f.height for f in valid.values()), "rejects": valid["rejects"].height,
    }


def official_training(path: Path, version: str, out: Path) -> tuple[float, list[dict], dict[str, tuple]]:
    """Run the summarizer on a copy of the checkout: its RCP checker rewrites or deletes scaling.json files.
    Returns its time, its rows, and the scaling.json files it changed: folder → (committed factor, factor after)."""
    copy = out / "checkout"
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns(".git"))
    committed = _scaling_files(copy)
    rows, started = [], time.perf_counter()
    for submitter in sorted(p for p in copy.iterdir() if (p / "results").is_dir() and (p / "systems").is_dir()):
        target = out / f"{submitter.name}.csv"
        subprocess.run([sys.executable, "-m", "mlperf_logging.result_summarizer", str(submitter), "training", version,
                        "-csv", str(target)], capture_output=True, timeout=3600)
        if target.exists():
            with open(target, newline="") as f:
                rows += list(csv.DictReader(f))
    elapsed = time.perf_counter() - started
    if not rows:
        raise SystemExit("the result summarizer wrote no rows (is mlperf-logging installed? pip install -e '.[bench]')")
    # the detailed table (<name>_detailed.csv) has <benchmark>:Energy in joules: kept as rows of their own
    for detailed in sorted(out.glob("*_detailed.csv")):
        with open(detailed, newline="") as f:
            rows += [{"submitter": r["submitter"], "system": r["system"], **{k: v for k, v in r.items() if k.endswith(":Energy")}}
                     for r in csv.DictReader(f)]
    after = _scaling_files(copy)
    changed = {folder: (factor, after.get(folder)) for folder, factor in committed.items() if after.get(folder) != factor}
    changed |= {folder: (None, factor) for folder, factor in after.items() if folder not in committed}
    return elapsed, rows, changed


def _scaling_files(root: Path) -> dict[str, float]:
    return {
        str(f.parent.relative_to(root)): json.loads(f.read_text()).get("scaling_factor")
        for f in root.glob("*/results/*/*/scaling.json")
    }


def compare_training(db: Path, round_: str, official: list[dict], rewritten: dict[str, tuple]) -> dict:
    """The summarizer names a system by folder or by the JSON's system_name, and a submitter by folder or by the
    JSON's submitter field; several folders may share a name, so a number is equal when any candidate equals it."""
    with duckdb.connect(str(db), read_only=True) as con:
        ours_rows = con.execute("""
            select s.submitter, y.raw_json->>'submitter', s.system, y.system_name, s.benchmark, s.score_minutes
            from training_scores s
            left join systems y on y.suite = 'training' and y.round = s.round and y.submitter = s.submitter and y.system = s.system
            where s.round = ?
            union all
            select s.submitter, y.raw_json->>'submitter', s.system, y.system_name, s.benchmark || ':Energy', s.energy_j
            from training_scores s
            left join systems y on y.suite = 'training' and y.round = s.round and y.submitter = s.submitter and y.system = s.system
            where s.round = ? and s.energy_j is not null""", [round_, round_]).fetchall()
    candidates: dict[tuple, set] = {}
    folders: dict[tuple, set] = {}
    for folder, json_submitter, system, name, benchmark, score in ours_rows:
        for key in {(folder, system), (folder, name), (json_submitter, system), (json_submitter, name)}:
            candidates.setdefault(key + (benchmark,), set()).add(score)
            folders.setdefault(key + (benchmark,), set()).add(f"{folder}/results/{system}/{benchmark}")
    compared, equal, disagreements = 0, 0, []
    for row in official:
        for benchmark, value in row.items():
            if benchmark in _NOT_BENCHMARKS or value in ("", None):
                continue
            key = (row["submitter"], row["system"], benchmark)
            mine = candidates.get(key, set())
            compared += 1
            if float(value) in mine:
                equal += 1
            else:
                why = [f"{f}/scaling.json, committed {rewritten[f][0]}, left by the summarizer's RCP checker as "
                       f"{rewritten[f][1]}: ours applies the committed factor" for f in folders.get(key, ()) if f in rewritten]
                disagreements.append(f"{'/'.join(key)}: official {value}, ours {sorted(mine) or None}"
                                     + (f" ({'; '.join(why)})" if why else ""))
    return {"compared": compared, "equal": equal, "disagreements": disagreements}


_NOT_BENCHMARKS = {
    "division", "availability", "submitter", "system", "number_of_nodes", "host_processor_model_name",
    "host_processors_count", "accelerator_model_name", "accelerators_count", "framework", "notes", "private_id",
    "details_url", "code_url",
}


def official_inference(path: Path, checker: Path, version: str, out: Path) -> tuple[float, list[dict]]:
    target = out / "summary.csv"
    started = time.perf_counter()
    # rounds before v4.0 run the power checker only when asked; later ones skip it with this flag
    skip_power = ["--skip-power-check"] if "--skip-power-check" in checker.read_text() else []
    subprocess.run([sys.executable, str(checker), "--input", str(path), "--version", version, "--csv", str(target),
                    *skip_power], cwd=checker.parent, capture_output=True, timeout=3600)
    elapsed = time.perf_counter() - started
    with open(target, newline="") as f:
        return elapsed, list(csv.DictReader(f))


def compare_inference(db: Path, round_: str, official: list[dict]) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        results = {
            (loc, units): value for loc, units, value in con.execute("""
                select division || '/' || submitter || '/results/' || system || '/' || benchmark || '/' || scenario_dir,
                       units, result from inference_results where round = ?""", [round_]).fetchall()
        }
        results |= {
            (loc, units): value for loc, units, value in con.execute("""
                select division || '/' || submitter || '/results/' || system || '/' || benchmark || '/' || r.scenario_dir,
                       power_units, p.power_result from inference_power p
                join inference_results r using (round, division, submitter, system, benchmark, scenario)
                where round = ?""", [round_]).fetchall()
        }
    compared, equal, disagreements = 0, 0, []
    for row in official:
        key = (row["Location"], row["Units"])
        mine = results.get(key)
        compared += 1
        # the checker's CSV has the raw value; the published table rounds to 10 decimals, as power_result does
        if mine is not None and round(float(row["Result"]), 10) == round(mine, 10):
            equal += 1
        else:
            disagreements.append(f"{row['Location']} [{row['Units']}]: official {row['Result']}, ours {mine}")
    return {"compared": compared, "equal": equal, "disagreements": disagreements}


def view_timings(db: Path) -> list[tuple[str, float, int]]:
    out = []
    with duckdb.connect(str(db), read_only=True) as con:
        for view in ("training_fastest", "inference_leaderboard", "inference_per_accelerator", "training_scaling"):
            started = time.perf_counter()
            rows = len(con.execute(f'select * from "{view}"').fetchall())
            out.append((view, time.perf_counter() - started, rows))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--training", type=Path, required=True)
    parser.add_argument("--inference", type=Path, required=True)
    parser.add_argument("--checker", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp, db = Path(tmp), Path(tmp) / "w.duckdb"
        runs = [ours(args.training, db), ours(args.inference, db)]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t_round, i_round = repo_id(args.training.resolve().as_uri()).round, repo_id(args.inference.resolve().as_uri()).round
        (tmp / "t").mkdir()
        (tmp / "i").mkdir()
        summarizer_s, summarizer_rows, rewritten = official_training(args.training, t_round.removeprefix("v") + ".0", tmp / "t")
        checker_s, checker_rows = official_inference(args.inference, args.checker, i_round, tmp / "i")
        training = compare_training(db, t_round, summarizer_rows, rewritten)
        inference = compare_inference(db, i_round, checker_rows)
        views = view_timings(db)

    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m benchmarks.official` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (2-core machine; every",
        "ratio is of two figures measured in the same run). Method: our side reads every file it parses from the git",
        "object store, parses, validates with pandera and loads into DuckDB (`parse + validate + load`); the raw",
        "ceiling reads the same bytes and decodes every MLLOG payload with orjson. The official tools read the same",
        "checkout's files: the result summarizer per submitter folder, the submission checker on the whole round.",
        "",
        "| round | files | MB | raw read + decode | parse + validate + load | ratio | rows loaded | rejects |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['name']} | {r['files']:,} | {r['mb']:.0f} | {r['raw_s']:.2f} s | {r['ours_s']:.2f} s | "
              f"{r['ours_s'] / r['raw_s']:.2f}× | {r['rows']:,} | {r['rejects']:,} |" for r in runs]
    lines += [
        "",
        "| official tool | its time | ours | ours / theirs | numbers compared | equal |",
        "|---|---|---|---|---|---|",
        f"| result_summarizer ({runs[0]['name']}) | {summarizer_s:.1f} s | {runs[0]['ours_s']:.1f} s | "
        f"{runs[0]['ours_s'] / summarizer_s:.2f} | {training['compared']} | {training['equal']} |",
        f"| submission_checker ({runs[1]['name']}) | {checker_s:.1f} s | {runs[1]['ours_s']:.1f} s | "
        f"{runs[1]['ours_s'] / checker_s:.2f} | {inference['compared']} | {inference['equal']} |",
        "",
        f"Peak memory of our process for both rounds together: {peak_mb:.0f} MB. Every round in one run, through the "
        "whole flow: [all_rounds.md](all_rounds.md) (`python -m benchmarks.all_rounds`).",
        "",
        "| view | query time | rows |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {seconds * 1000:.0f} ms | {rows:,} |" for name, seconds, rows in views]
    lines += ["", DISAGREEMENTS_HEADING, "",
              "The current result summarizer re-runs the RCP checker, which rewrites or deletes the scaling.json files",
              "committed with the round; the published scores used the committed ones, as the warehouse does.",
              f"scaling.json files it changed in this run: {len(rewritten)}.", ""]
    for title, result in (("Training", training), ("Inference", inference)):
        lines.append(f"{title}: {len(result['disagreements'])}.")
        lines += [f"- {d}" for d in result["disagreements"][:200]]
        lines.append("")
    # the block benchmarks.all_rounds writes (MLCommons' own tables, every round) is kept as it is
    kept = BLOCK.search(DOC.read_text()) if DOC.exists() else None
    text = "\n".join(lines)
    if kept:
        text = text.replace(DISAGREEMENTS_HEADING, kept[0] + "\n\n" + DISAGREEMENTS_HEADING, 1)
    DOC.write_text(text)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
