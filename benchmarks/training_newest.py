"""The newest training round against MLCommons' tools, and every rules file against the package; writes the block
between `<!-- training-newest:start -->` and `<!-- training-newest:end -->` in docs/scoring.md.

    pip install -e '.[bench]'
    python -m benchmarks.training_newest [--rounds DIR [--baseline REF]]   # DIR: bare clones training_results_<round>

- the v6.0 fixture (../shared/fixtures/training_results_v6.0): our score beside mlperf-logging's result_summarizer
  run on a copy of the same files (never with --generate_private_ids: it writes into the tree) and beside the oracle;
- every rules file against what benchmarks/transcribe_training_rules.py derives from the installed package;
- with --rounds, each whole round's scores: rows, valid, open-division rows, rows not judged by a reviewed file;
  with --baseline, how many are equal (score, runs counted and failed, valid, energy) to the same round scored by
  the code at REF (a temporary git worktree of this repository, run in a process of its own).
"""

from __future__ import annotations

import argparse
import csv
import inspect
import io
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import polars as pl
from git import Repo

from benchmarks.transcribe_training_rules import differences
from extract.discover import discover
from extract.read_blobs import read_blobs
from transform.common.parse_files import parse_files
from transform.common.rules import rounds_with_rules
from transform.common.source import Source
from transform.common.tables import build_tables
from transform.common.validate import to_frame
from transform.training.energy import training_power
from transform.training.package_rules import derive, installed
from transform.training.run_log import parse_training_log
from transform.training.scores import training_scores

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scoring.md"
FIXTURE = ROOT.parent / "shared" / "fixtures" / "training_results_v6.0"
ORACLE = ROOT.parent / "shared" / "oracles" / "training_results_v6.0.official_summary.csv"
START, END = "<!-- training-newest:start -->", "<!-- training-newest:end -->"


def _fixture_scores() -> dict[tuple[str, str], float]:
    rows = []
    for log in sorted(FIXTURE.glob("*/results/*/*/result_*.txt")):
        path = str(log.relative_to(FIXTURE))
        run = parse_training_log(log.read_bytes(), Source("training", "v6.0", path, "0" * 40)).run
        rows.append({**run, "division": run.pop("log_division")})
    runs = to_frame("training_runs", rows)
    scores = training_scores(runs, {}, Counter(), training_power([], runs, []))
    return {(r["system"], r["benchmark"]): r["score_minutes"] for r in scores.iter_rows(named=True)}


def _summarizer(folder: Path) -> dict[tuple[str, str], float]:
    """mlperf-logging's result_summarizer on a copy of the folder: (system folder, benchmark) → score."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "round"
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("SOURCE.md"))
        out = Path(tmp) / "summary.csv"
        subprocess.run([sys.executable, "-m", "mlperf_logging.result_summarizer", f"{copy}/{{*}}", "training", "6.0.0",
                        "--csv", str(out)], check=True, capture_output=True, cwd=tmp)
        return _summary_scores(out.read_text())


def _summary_scores(text: str) -> dict[tuple[str, str], float]:
    reader = csv.DictReader(io.StringIO(text))
    skip = {"division", "availability", "submitter", "system", "number_of_nodes", "host_processor_model_name",
            "host_processors_count", "accelerator_model_name", "accelerators_count", "framework", "notes",
            "private_id", "details_url", "code_url"}
    out = {}
    for row in reader:
        system = row["details_url"].rsplit("/", 1)[-1].removesuffix(".json")
        out |= {(system, b): float(v) for b, v in row.items() if b not in skip and v}
    return out


_COMPARED = ["score_minutes", "runs_counted", "runs_failed", "valid", "energy_j"]
_KEY = ["round", "division", "submitter", "system", "benchmark"]


def _baseline_scores(ref: str, repos: list[Path], out: Path) -> None:
    """Each round scored by the code at `ref`, into out/<round>.parquet."""
    tree = out / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref], check=True, capture_output=True)
    try:
        # only modules the baseline has too: this file may not exist there
        script = ("import subprocess, sys\nfrom pathlib import Path\nimport polars as pl\nfrom git import Repo\n"
                  "from extract.discover import discover\nfrom extract.read_blobs import read_blobs\n"
                  "from transform.common.parse_files import parse_files\n"
                  "from transform.common.tables import build_tables\n\n"
                  + inspect.getsource(_round_scores) + "\n\nfor repo in sys.argv[2:]:\n"
                  "    _round_scores(Path(repo)).write_parquet(Path(sys.argv[1]) / (Path(repo).name + '.parquet'))\n")
        subprocess.run([sys.executable, "-c", script, str(out), *map(str, repos)], check=True, cwd=tree,
                       env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(out)})
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True)


def _equal(ours: pl.DataFrame, base: pl.DataFrame) -> int:
    joined = ours.select(_KEY + _COMPARED).join(base.select(_KEY + _COMPARED), on=_KEY, how="full", suffix="_base",
                                                 coalesce=True)
    return joined.filter(pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_base")) for c in _COMPARED])).height


def _round_scores(repo: Path) -> pl.DataFrame:
    round_ = repo.name.rsplit("_", 1)[-1]
    commit = Repo(repo).head.commit.hexsha
    files, _ = discover(repo, commit, "training", round_)
    listing = subprocess.run(["git", "--git-dir", str(repo), "cat-file", "--batch-check"], capture_output=True, text=True,
                             input="\n".join(f.blob for f in files)).stdout
    missing = frozenset(line.split()[0] for line in listing.splitlines() if line.endswith("missing"))
    parsed = parse_files("training", round_, commit, read_blobs(repo, files, 1 << 26, missing), 1 << 26)
    return build_tables([parsed])[0]["training_scores"]


def block(rounds: Path | None, baseline: str | None) -> str:
    root, version = installed()
    ours, theirs = _fixture_scores(), _summarizer(FIXTURE)
    oracle = _summary_scores(ORACLE.read_text())
    lines = [START, "", f"Measured by `python -m benchmarks.training_newest` with mlperf-logging {version}.", "",
             "| v6.0 fixture (system, benchmark) | ours | result_summarizer | oracle csv | equal |", "|---|---|---|---|---|"]
    for key in sorted(ours.keys() | theirs.keys()):
        o, t, k = ours.get(key), theirs.get(key), oracle.get(key)
        lines.append(f"| {key[0]} {key[1]} | {o!r} | {t!r} | {k!r} | {'yes' if o == t == k else 'NO'} |")
    derivable = [r for r in rounds_with_rules("training") if derive(root, r) is not None]
    problems = [p for r in derivable for p in differences(r, root)]
    lines += ["", f"Rules files equal to what mlperf-logging {version} derives: {len(derivable) - len({p.split()[0] for p in problems})} "
                  f"of {len(derivable)} ({', '.join(derivable)}); v0.5 and v0.6 predate the package's quality targets."]
    if rounds is not None:
        repos = sorted(rounds.glob("training_results_v*"), key=lambda p: tuple(int(x) for x in p.name.rsplit("_v", 1)[1].split(".")))
        with tempfile.TemporaryDirectory() as tmp:
            if baseline:
                _baseline_scores(baseline, repos, Path(tmp))
            base = f" | equal to {baseline}" if baseline else ""
            lines += ["", "Whole rounds (every readable file of local copies of MLCommons' repositories; blobs the copies "
                          "lack are rejects). An open-division row is judged by its ruleset's open check; "
                          + (f"'equal to {baseline}': score, runs counted, runs failed, valid and energy all equal to "
                             f"the same round scored by the code at {baseline}." if baseline else "")]
            lines += ["", f"| round | scores | valid | open division | not judged by a reviewed rules file{base} |",
                      "|---|---|---|---|---|" + "---|" * bool(baseline)]
            for repo in repos:
                s = _round_scores(repo)
                equal = f" | {_equal(s, pl.read_parquet(Path(tmp) / (repo.name + '.parquet'))):,} of {s.height:,}" if baseline else ""
                lines.append(f"| {repo.name.rsplit('_', 1)[-1]} | {s.height:,} | {s['valid'].sum():,} | "
                             f"{s.filter(pl.col('division') == 'open').height} | {(~s['rules_checked']).sum()}{equal} |")
    return "\n".join(lines + ["", END])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=Path)
    parser.add_argument("--baseline", help="a git ref of this repository whose scores each round is compared with")
    args = parser.parse_args()
    text = DOC.read_text()
    new = block(args.rounds, args.baseline)
    text = text[:text.index(START)] + new + text[text.index(END) + len(END):] if START in text else text.rstrip() + "\n\n" + new + "\n"
    DOC.write_text(text)
    print(new)


if __name__ == "__main__":
    main()
