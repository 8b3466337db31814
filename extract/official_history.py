"""Every version of MLCommons' own tables in a repository's history: which commit wrote which blob of which table.

Read from the commits and trees of the blob-less clone (no content is downloaded to list them); the tables
themselves are the few blobs read afterwards. The first-parent history of the branch is the table as the branch
showed it; a commit that deletes a table ends its last version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from git import Repo

# the official tables as extract/discover.py finds them at a commit: the round's table at the root, a submitter's csv
_PATHSPECS = (":(glob)summary_results.json", ":(glob)summary.json", ":(glob)*/*/summary.csv", ":(glob)*/*/results/summary.csv")
_REGULAR = ("100644", "100755")  # never a link


@dataclass(frozen=True)
class Version:
    path: str
    commit: str
    committed_at: datetime
    blob: str | None  # None: the commit deleted the file, or made it something other than a regular file
    superseded_at: datetime | None = None


def table_versions(path: Path, ref: str, pathspecs: tuple[str, ...] = _PATHSPECS) -> list[Version]:
    """Every version of every file matching `pathspecs` on `ref`'s first-parent history, oldest first, each with the
    date the next version of the same file (or its deletion) was committed."""
    repo = Repo(path)
    try:
        log = repo.git.execute(["git", "-c", "core.hooksPath=/dev/null", "log", "--first-parent", "--no-renames",
                                "--reverse", "--raw", "--no-abbrev", "--format=%x1e%H %cI", ref, "--", *pathspecs])
    finally:
        repo.close()
    found: list[Version] = []
    for entry in log.split("\x1e")[1:]:
        header, *lines = entry.strip("\n").split("\n")
        commit, date = header.split(" ", 1)
        committed_at = datetime.fromisoformat(date)
        for line in lines:
            if not line.startswith(":"):
                continue
            meta, name = line.split("\t", 1)
            _old_mode, new_mode, _old_blob, new_blob, _status = meta[1:].split()
            found.append(Version(name, commit, committed_at, new_blob if new_mode in _REGULAR else None))
    out, last = [], {}
    for version in reversed(found):  # newest first: each version ends where the next one of its file begins
        out.append(Version(version.path, version.commit, version.committed_at, version.blob, last.get(version.path)))
        last[version.path] = version.committed_at
    return [v for v in reversed(out) if v.blob is not None]
