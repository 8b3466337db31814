"""Parse outputs of a repository's files, keyed by (path, blob): a refresh re-parses only what changed.

Parsing is a pure function of a file's bytes and path, so a cached output is valid for as long as the parser
code is the same: the cache is discarded whenever the transform code changes (its fingerprint).
One file per submitter, in a folder per repository next to the clone: the submitters of a round can be
parsed by different processes at once. The files are written by this program only, and read back as data only.
A file is trusted only whole: its SHA-256 is written before it and checked before a byte is unpickled, so a
flipped bit, a cut-short file or a planted one is no cache at all (everything is parsed anew), never a failure.
"""

from __future__ import annotations

import hashlib
import io
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


_MAGIC = b"mlperf-warehouse parse cache 2\n"


def load(path: Path) -> dict[Key, ParsedFiles]:
    try:
        data = path.read_bytes()
        digest, payload = data[len(_MAGIC):len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
        if not data.startswith(_MAGIC) or hashlib.sha256(payload).digest() != digest:
            return {}
        fingerprint, fragments = _DataOnly(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 (a cache that cannot be read back, for whatever reason, is no cache)
        return {}
    return fragments if fingerprint == code_fingerprint() and isinstance(fragments, dict) else {}


def save(path: Path, fragments: dict[Key, ParsedFiles]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps((code_fingerprint(), fragments), protocol=pickle.HIGHEST_PROTOCOL)
    # one partial file per process: two runs sharing a cache folder never write into each other's
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    partial.write_bytes(_MAGIC + hashlib.sha256(payload).digest() + payload)
    os.replace(partial, path)
