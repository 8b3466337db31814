"""Write transform/training/rules/<round>.toml from MLCommons' `mlperf-logging` package (a dev tool, not part of
ingest). The package's compliance-checker YAML, benchmark_meta.py and result_summarizer.py are read as data
(transform/training/package_rules.py); nothing of the package is imported or run.

    pip install -e '.[bench]'      # mlperf-logging at the version pyproject.toml pins
    python -m benchmarks.transcribe_training_rules --round v6.0 --published 2026-06-16   # writes v6.0.toml
    python -m benchmarks.transcribe_training_rules --check                               # every file vs the package

An existing file keeps its reviewed header (everything before its first `[benchmarks.` table: source, score and init
notes) with the package version stamped into `[source]`, and the reviewed facts at the top of each benchmark table
(the lines before its first derived key: `name` across rounds, `description`, `metric`, their comments), which the
package does not hold; the derived rest of a benchmark table is written anew, except the closed check of a benchmark
`[source] package_differs` names (the package changed that ruleset's check after the round was published: the file
keeps the check the round was judged by, and says why).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

from transform.common.rules import rounds_with_rules, rules_folder
from transform.training.package_rules import PACKAGE, derive, installed

# what a benchmark table holds, in the order it is written; the rest of a file is reviewed text
DERIVED = ("runs_required", "max_dropped", "check", "open_key", "open_check")
TABLES = ("target", "open_target")


def _string(value: str) -> str:
    return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's


def _bound(bound: dict) -> str:
    return "{ " + ", ".join(f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}" for k, v in bound.items()) + " }"


def reviewed_facts(text: str) -> dict[str, list[str]]:
    """Per benchmark table of a rules file, its lines before the first derived key or sub-table: the hand-written
    facts (name, description, metric) and their comments, kept verbatim."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        header = re.fullmatch(r"\[benchmarks\.([A-Za-z0-9_]+)\]", line)
        if header:
            current = out.setdefault(header.group(1), [])
        elif current is not None and (not line.strip() or line.startswith("[") or line.split(" =")[0] in DERIVED):
            current = None
        elif current is not None:
            current.append(line)
    return out


def benchmark_tables(benchmarks: dict[str, dict], facts: dict[str, list[str]]) -> str:
    lines = []
    for name, entry in benchmarks.items():
        lines.append(f"\n[benchmarks.{name}]")
        lines += facts.get(name, [])
        for key in DERIVED:
            if key in entry:
                value = entry[key]
                lines.append(f"{key} = {_string(value) if isinstance(value, str) else value}")
        lines += [f"# {key}: {entry[key]}" for key in ("target_note", "open_target_note") if key in entry]
        for table in TABLES:
            if table in entry:
                lines.append(f"[benchmarks.{name}.{table}]")
                lines += [f"{metric} = {_bound(bound)}" for metric, bound in entry[table].items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _new_header(round_: str, published: str) -> str:
    ruleset = f"training_{round_.removeprefix('v')}.0"
    return f"""# MLPerf Training {round_}: what the official score depends on, per benchmark (the closed and open divisions'
# quality targets, runs required, runs that may be dropped) and the checks that remove a run. Written by
# benchmarks/transcribe_training_rules.py from the mlperf-logging package; benchmarks: benchmark_meta.py's list.
[source]
repo = "github.com/mlcommons/logging"
paths = [
    "mlperf_logging/compliance_checker/{ruleset}/common.yaml",
    "mlperf_logging/compliance_checker/{ruleset}/closed_<benchmark>.yaml",
    "mlperf_logging/compliance_checker/{ruleset}/open_<benchmark>.yaml",
    "mlperf_logging/result_summarizer/result_summarizer.py",
    "mlperf_logging/benchmark_meta.py",
]
# first commit of mlcommons/training_results_{round_}
published = {published}

[score]
# a run converged when an eval_accuracy passes its benchmark's ATLEAST_ONE_CHECK of the division the log states
# (closed_<benchmark>.yaml, open_<benchmark>.yaml); a run that fails it fails the compliance check and the
# summarizer drops it as a non-converged one.
converged = "target"

[init]
# common.yaml: submission_division sets compile_time_mins; init_stop CHECK: from the first init_start to init_stop
# (time_ms), strictly less than the limit of the division the log states.
"""


def _stamp(header: str, version: str) -> str:
    """The header with `package` and `package_version` right under `[source]`."""
    header = re.sub(r'(?m)^package(_version)? = .*\n', "", header)
    return header.replace("[source]\n", f'[source]\npackage = "{PACKAGE}"\npackage_version = "{version}"\n', 1)


def render(round_: str, root: Path, version: str, published: str | None) -> str | None:
    derived = derive(root, round_)
    if derived is None:
        return None
    path = rules_folder("training") / f"{round_}.toml"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        header = text[:text.index("\n[benchmarks.") + 1]
        facts = reviewed_facts(text)
        current = tomllib.loads(text)
        for name in current["source"].get("package_differs", []):
            kept = current["benchmarks"][name]
            derived["benchmarks"][name] |= {"check": kept["check"], "target": kept["target"]}
            derived["benchmarks"][name].pop("target_note", None)
    else:
        facts = {}
        if published is None:
            raise SystemExit(f"{round_} has no rules file yet: give --published (the first commit of its repository)")
        init = derived["init"]
        header = (_new_header(round_, published) + f"check = {_string(init['check'])}\n"
                  f"closed_minutes = {init['closed_minutes']}\nopen_minutes = {init['open_minutes']}\n")
    text = _stamp(header, version).rstrip("\n") + "\n\n" + benchmark_tables(derived["benchmarks"], facts)
    tomllib.loads(text)  # what is written must read back
    return text


def differences(round_: str, root: Path) -> list[str]:
    """What a committed rules file says that the package does not (empty when they agree): the init limits and, per
    benchmark, every derived value and bound. A check the file's `package_differs` names is the one exception, and
    it must still differ (or the exception is stale)."""
    current = tomllib.loads((rules_folder("training") / f"{round_}.toml").read_text(encoding="utf-8"))
    derived = derive(root, round_)
    if derived is None:
        return [f"{round_}: the package has no training ruleset with quality targets for this round"]
    out = []
    if derived["init"] != current.get("init"):
        out.append(f"{round_} init: package {derived['init']}, file {current.get('init')}")
    if list(derived["benchmarks"]) != list(current["benchmarks"]):
        out.append(f"{round_} benchmarks: package {list(derived['benchmarks'])}, file {list(current['benchmarks'])}")
    differs = current["source"].get("package_differs", [])
    for name, entry in derived["benchmarks"].items():
        mine = current["benchmarks"].get(name, {})
        for key in (*DERIVED, *TABLES):
            if name in differs and key in ("check", "target"):
                if entry.get("check") == mine.get("check"):
                    out.append(f"{round_} {name}: package_differs names it, but the check is the package's")
                continue
            if entry.get(key) != mine.get(key):
                out.append(f"{round_} {name} {key}: package {entry.get(key)!r}, file {mine.get(key)!r}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", help="write this round's file (vX.Y); without it, every file that has one")
    parser.add_argument("--published", help="date of the round's first results commit, for a new file")
    parser.add_argument("--check", action="store_true", help="compare every file with the package, write nothing")
    args = parser.parse_args()
    found = installed()
    if found is None:
        raise SystemExit(f"{PACKAGE} is not installed: pip install -e '.[bench]'")
    root, version = found
    rounds = [args.round] if args.round else rounds_with_rules("training")
    if args.check:
        problems = [p for r in rounds if derive(root, r) is not None for p in differences(r, root)]
        print("\n".join(problems) or f"every rules file agrees with {PACKAGE} {version}")
        sys.exit(1 if problems else 0)
    for round_ in rounds:
        text = render(round_, root, version, args.published)
        if text is not None:
            (rules_folder("training") / f"{round_}.toml").write_text(text, encoding="utf-8")
            print(f"wrote transform/training/rules/{round_}.toml from {PACKAGE} {version}")


if __name__ == "__main__":
    main()
