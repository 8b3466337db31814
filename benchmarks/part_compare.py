"""Old and new parse tasks on a whole real round: what flows/ingest.py's parse_part costs, and the same tables.

    python -m benchmarks.part_compare /path/to/old/tree /path/to/a/round/clone [parts]

Where benchmarks/parse_compare.py times the parsers alone, this times build_part as a parse task runs it with no
cache to re-use: reading the blobs, parsing, saving the parse cache, building and validating the tables, saving
each submitter's tables. The round is split into `parts` (default 2) by partition(), as the flow splits it; each part is built by
both versions, one after the other in alternating order, each into its own new cache folder. Prints the CPU
(resource.getrusage, git's included) of each version, new/old, and whether every table of every part is equal.
"""

from __future__ import annotations

import importlib
import resource
import sys
import tempfile
from pathlib import Path

from git import Repo

from extract.discover import discover
from extract.git_sync import Checkout, _objects
from extract.repo_id import repo_id


def transform_of(tree: str) -> tuple[object, dict]:
    """transform.common.parse_repo under `tree`, and the `transform` modules it runs with."""
    sys.path.insert(0, tree)
    try:
        for name in [m for m in sys.modules if m.split(".")[0] == "transform"]:
            del sys.modules[name]
        parse_repo = importlib.import_module("transform.common.parse_repo")
        assert parse_repo.__file__.startswith(tree), parse_repo.__file__
        return parse_repo, {m: module for m, module in sys.modules.items() if m.split(".")[0] == "transform"}
    finally:
        sys.path.remove(tree)


def cpu() -> float:
    """This process's CPU and that of its children that ended: the git processes that read the blobs."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def main(old_tree: str, clone: str, parts: str = "2") -> None:
    versions = {"old": transform_of(str(Path(old_tree).resolve())),
                "new": transform_of(str(Path(__file__).resolve().parents[1]))}
    path = Path(clone).absolute()
    repo = repo_id(path.as_uri())
    with Repo(path) as local:
        commit, present = local.head.commit.hexsha, _objects(local)
    files, skipped = discover(path, commit, repo.suite)
    checkout = Checkout(repo, path, commit, tuple(files), tuple(skipped),
                        frozenset(ref.blob for ref in files if ref.blob not in present),  # mirrors lack blobs >= 4 MiB
                        {ref.blob: present[ref.blob] for ref in files if ref.blob in present})
    parse_repo = versions["new"][0]
    seconds, different = {"old": 0.0, "new": 0.0}, []
    with tempfile.TemporaryDirectory() as cache:
        groups = parse_repo.partition(checkout, int(parts))
        for n, (submitters, part) in enumerate(zip(groups, parse_repo.parts_of(checkout, groups), strict=True)):
            tables = {}
            for label in ("old", "new") if n % 2 else ("new", "old"):
                build_part, modules = versions[label][0].build_part, versions[label][1]
                sys.modules.update(modules)  # the parse cache pickles its classes by module name
                started = cpu()
                tables[label], _ = build_part(part, submitters, 1 << 40, Path(cache) / label / str(n), False)
                seconds[label] += cpu() - started
            different += [f"{name} (part {n + 1})" for name, frame in tables["old"].items()
                          if name not in tables["new"] or not (frame.equals(tables["new"][name])
                                                               and frame.schema == tables["new"][name].schema)]
            different += [f"{name} (part {n + 1})" for name in tables["new"].keys() - tables["old"].keys()]
    print(f"{repo.name}: {len(files)} files in {parts} parts; build_part CPU old {seconds['old']:.2f} s, "
          f"new {seconds['new']:.2f} s, new/old {seconds['new'] / seconds['old']:.2f}; "
          f"{'EQUAL' if not different else 'DIFFERENT: ' + ', '.join(different)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
