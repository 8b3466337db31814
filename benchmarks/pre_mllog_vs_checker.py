"""Our v0.5 or v0.7 results, row by row, against that round's own tool run on the same checkout (a dev tool).

v0.7: the round's `submission-checker.py --version v0.7 --csv` (its Location and Result); v0.5: the round's
`submission-to-csv.py` (its name, scenario and result), the tools named in the round's rules file `[source]`, at
its commit. The checkout holds every division's results, systems, measurements and compliance folders; a blob
the snapshot lacks (>= 4 MiB) is written as an 11 KB placeholder, over the checker's 10 KB accuracy-log limit as
the real file is.

    python -m benchmarks.pre_mllog_vs_checker --round v0.7 --repo /work/.mirror/mlcommons+inference_results_v0.7/repo \\
        --tools /work/.mirror/mlcommons+inference/repo --db warehouse.duckdb
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import duckdb

from transform.common.rules import round_rules

_KEPT = re.compile(rb"^[^/]+/[^/]+/(results|systems|measurements|compliance)/")


def checkout(repo: str, out: Path) -> None:
    listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
    wanted = []
    for record in filter(None, listing.split(b"\0")):
        meta, path = record.split(b"\t", 1)
        mode, kind, blob = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755") and _KEPT.match(path):
            wanted.append((path.decode(), blob))
    with subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as cat:
        for path, blob in wanted:
            cat.stdin.write(blob + b"\n")
            cat.stdin.flush()
            header = cat.stdout.readline().split()
            if header[-1] == b"missing":
                data = b"x" * 11 * 1024
            else:
                data = cat.stdout.read(int(header[2]))
                cat.stdout.read(1)
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        cat.stdin.close()


def official_rows(round_: str, tools: str, tree: Path, scratch: Path) -> dict[tuple, float]:
    """(division, submitter, system, model folder, scenario folder) → the value the round's tool prints."""
    source = round_rules("inference", round_)["source"]
    tool = source["checker"] if round_ == "v0.7" else source["report"]
    script = scratch / Path(tool).name
    folder = str(Path(tool).parent)
    for name in subprocess.run(["git", "-C", tools, "ls-tree", "--name-only", source["commit"], folder + "/"],
                               capture_output=True, text=True, check=True).stdout.split():
        (scratch / Path(name).name).write_bytes(
            subprocess.run(["git", "-C", tools, "show", f"{source['commit']}:{name}"], capture_output=True, check=True).stdout)
    out = scratch / "official.csv"
    args = ["--version", "v0.7", "--csv", str(out)] if round_ == "v0.7" else ["--output", str(out)]
    subprocess.run([sys.executable, str(script), "--input", ".", *args], cwd=tree, capture_output=True)
    rows = {}
    with out.open(newline="") as f:
        for row in csv.DictReader(f):
            if round_ == "v0.7":
                division, submitter, _results, system, model, scenario = row["Location"].split("/")
                rows[(division, submitter, system, model, scenario)] = float(row["Result"])
            else:  # name = submitter/division/system/model; the scenario in the csv's spelling
                submitter, division, system, model = row["name"].split("/")
                rows[(division, submitter, system, model, row["scenario"].lower())] = float(row["result"])
    return rows


def compare(round_: str, official: dict[tuple, float], db: str) -> Counter:
    with duckdb.connect(db, read_only=True) as con:
        ours = {(d, s, y, b, c.lower() if round_ == "v0.5" else c): (r, v) for d, s, y, b, c, r, v in con.execute(
            """select division, submitter, system, benchmark, scenario_dir, result, valid from inference_results
               where round = ?""", [round_]).fetchall()}
    counts = Counter()
    for key, value in official.items():
        result, valid = ours.get(key, (None, None))
        if valid is None:
            counts["theirs only"] += 1
        elif result is not None and abs(result - value) <= 1e-9 * max(abs(result), abs(value)):
            counts["equal" if valid else "equal value, ours invalid"] += 1
        else:
            counts["different"] += 1
    counts["ours only"] = len(ours.keys() - official.keys())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--round", required=True, choices=["v0.5", "v0.7"])
    parser.add_argument("--repo", required=True, help="the round's results repository (a bare clone is fine)")
    parser.add_argument("--tools", required=True, help="a clone of mlcommons/inference")
    parser.add_argument("--db", required=True, help="a warehouse holding the round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree, scratch = Path(tmp) / "tree", Path(tmp) / "tools"
        tree.mkdir()
        scratch.mkdir()
        checkout(args.repo, tree)
        official = official_rows(args.round, args.tools, tree, scratch)
    counts = compare(args.round, official, args.db)
    print(f"{args.round}: {len(official)} rows of the round's tool; " + ", ".join(f"{k} {n}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
