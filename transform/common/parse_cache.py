"""Parse outputs of a repository's files, keyed by (path, blob): a refresh re-parses only what changed.

Parsing is a pure function of a file's bytes and path, so a cached output is valid for as long as the parser
code is the same: the cache is discarded whenever the transform code changes (its fingerprint).
One file per submitter, in a folder per repository next to the clone: the submitters of a round can be
parsed by different processes at once. The files are written by this program only, and read back as data only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import cache
from pathlib import Path

from transform.common.parse_files import ParsedFiles
from transform.training.package_rules import installed

Key = tuple[str, str]  # (path, blob sha)


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).parents[1]
    # the rules files are code too: a changed rule must re-parse
    for source in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml")):
        digest.update(str(source.relative_to(root)).encode())
        digest.update(source.read_bytes())
    # a round without a rules file is judged by rules derived from the installed mlperf-logging: a new version re-judges
    digest.update(str((installed() or (None, None))[1]).encode())
    return digest.hexdigest()


def submitter_file(folder: Path, submitter: str) -> Path:
    # a hash, not the folder name: names come from a third-party repository
    return folder / f"{hashlib.sha256(submitter.encode()).hexdigest()[:32]}.pickle"


# What a cache file may contain: unpickling anything else could run code, so it is refused (the file is then
# treated as no cache at all, and everything is parsed anew).
_ALLOWED = {
    ("transform.common.parse_files", "ParsedFiles"), ("collections", "Counter"), ("polars.dataframe.frame", "DataFrame"),
    ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone"),
}


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a parse cache")
        return super().find_class(module, name)


def load(path: Path) -> dict[Key, ParsedFiles]:
    try:
        with open(path, "rb") as f:
            fingerprint, fragments = _DataOnly(f).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError):
        return {}
    return fragments if fingerprint == code_fingerprint() else {}


def save(path: Path, fragments: dict[Key, ParsedFiles]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        pickle.dump((code_fingerprint(), fragments), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
