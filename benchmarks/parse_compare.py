"""Old and new parsers on a whole real round: the same output, and how much CPU each takes.

    python -m benchmarks.parse_compare /path/to/old/tree /path/to/a/round/clone

The old tree is a checkout of an earlier commit (`git worktree add --detach /tmp/old main`). Both versions of
`transform` are loaded into this one process and every file of the round is parsed by both, one after the other in
alternating order, so that a busy shared machine slows both alike; CPU time is resource.getrusage's. Prints the
CPU per file kind, of building the tables from the parse output, and per round, new/old, and whether the tables and
rejects built from both parses are equal (`DataFrame.equals` and the schema, table by table; the rejects as lists).
"""

from __future__ import annotations

import importlib
import resource
import sys
from collections import Counter
from pathlib import Path

from git import Repo

from extract.discover import discover
from extract.git_sync import _objects
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id


def transform_of(tree: str):
    """(parse_file, ParsedFiles, build_tables) of the `transform` package under `tree`; `extract` stays shared."""
    sys.path.insert(0, tree)
    try:
        for name in [m for m in sys.modules if m.split(".")[0] == "transform"]:
            del sys.modules[name]
        files = importlib.import_module("transform.common.parse_files")
        tables = importlib.import_module("transform.common.tables")
        assert files.__file__.startswith(tree), files.__file__
        return files.parse_file, files.ParsedFiles, tables.build_tables
    finally:
        sys.path.remove(tree)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(old_tree: str, clone: str) -> None:
    old, new = transform_of(str(Path(old_tree).resolve())), transform_of(str(Path(__file__).resolve().parents[1]))
    path = Path(clone).absolute()
    repo = repo_id(path.as_uri())
    with Repo(path) as local:
        commit, present = local.head.commit.hexsha, _objects(local)
    files, _ = discover(path, commit, repo.suite)
    missing = frozenset(ref.blob for ref in files if ref.blob not in present)  # mirrors lack blobs >= 4 MiB
    seconds = {"old": Counter(), "new": Counter()}
    parsed = {label: parsed_files(repo.round, commit) for label, (_, parsed_files, _) in (("old", old), ("new", new))}
    for n, (ref, size, data) in enumerate(read_blobs(path, files, 1 << 40, missing)):
        for label in ("old", "new") if n % 2 else ("new", "old"):
            parse_file = (old if label == "old" else new)[0]
            started = cpu()
            out = parse_file(repo.suite, repo.round, commit, ref, size, data, 1 << 40)
            seconds[label][ref.kind.value] += cpu() - started
            parsed[label].absorb(out)
    for kind in seconds["old"]:
        print(f"  {kind:22s} old {seconds['old'][kind]:7.2f} s  new {seconds['new'][kind]:7.2f} s  "
              f"new/old {seconds['new'][kind] / max(seconds['old'][kind], 1e-9):.2f}")
    built = {}
    for label in ("new", "old"):  # the tables from the parse output (inference results, their accuracy and power)
        started = cpu()
        built[label] = (old if label == "old" else new)[2]([parsed[label]])
        seconds[label]["build_tables"] += cpu() - started
    print(f"  {'build_tables':22s} old {seconds['old']['build_tables']:7.2f} s  new {seconds['new']['build_tables']:7.2f} s  "
          f"new/old {seconds['new']['build_tables'] / max(seconds['old']['build_tables'], 1e-9):.2f}")
    total_old, total_new = sum(seconds["old"].values()), sum(seconds["new"].values())
    (old_tables, old_rejects), (new_tables, new_rejects) = built["old"], built["new"]
    different = [name for name, frame in old_tables.items()
                 if not (frame.equals(new_tables[name]) and frame.schema == new_tables[name].schema)]
    different += ["rejects"] if old_rejects != new_rejects else []
    print(f"{repo.name}: {len(files)} files; parse CPU old {total_old:.2f} s, new {total_new:.2f} s, "
          f"new/old {total_new / total_old:.2f}; {'EQUAL' if not different else 'DIFFERENT: ' + ', '.join(different)} "
          f"({sum(f.height for f in old_tables.values())} table rows, {len(old_rejects)} rejects)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
