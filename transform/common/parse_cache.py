"""Parse outputs of a repository's files, keyed by (path, blob): a refresh re-parses only what changed.

Parsing is a pure function of a file's bytes and path, so a cached output is valid for as long as the parser
code is the same: the cache is discarded whenever the transform code changes (its fingerprint).
One file per submitter, in a folder per repository next to the clone: the submitters of a round can be
parsed by different processes at once. Beside it, the submitter's validated tables as last built, with the key of
the inputs they were built from: a refresh hands back an unchanged submitter's tables without reading back, building
and validating its files' parse output again (the frames unpickle in one call each, the parse output row by row).
The files are written by this program only, and read back as data only.
A file is trusted only whole: its SHA-256 is written before it and checked before a byte is unpickled, so a
flipped bit, a cut-short file or a planted one is no cache at all (everything is parsed anew), never a failure.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from pathlib import Path

import polars as pl

from transform.common.fingerprint import code_fingerprint
from transform.common.parse_files import ParsedFiles

Key = tuple[str, str]  # (path, blob sha)


def submitter_file(folder: Path, submitter: str) -> Path:
    # a hash, not the folder name: names come from a third-party repository
    return folder / f"{hashlib.sha256(submitter.encode()).hexdigest()[:32]}.pickle"


def tables_file(folder: Path, submitter: str) -> Path:
    return submitter_file(folder, submitter).with_suffix(".tables.pickle")


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
    fragments = _read(path)
    return fragments if isinstance(fragments, dict) else {}


def save(path: Path, fragments: dict[Key, ParsedFiles]) -> None:
    _write(path, fragments)


def load_tables(path: Path, inputs: str) -> dict[str, pl.DataFrame] | None:
    """The tables saved with `inputs` (the key of the files they were built from), or None."""
    saved = _read(path)
    if not (isinstance(saved, tuple) and len(saved) == 2 and saved[0] == inputs and isinstance(saved[1], dict)
            and all(isinstance(frame, pl.DataFrame) for frame in saved[1].values())):
        return None
    return saved[1]


def save_tables(path: Path, inputs: str, tables: dict[str, pl.DataFrame]) -> None:
    _write(path, (inputs, tables))


def _read(path: Path) -> object:
    """What `_write` wrote into `path` with this code, or None."""
    try:
        data = path.read_bytes()
        digest, payload = data[len(_MAGIC):len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
        if not data.startswith(_MAGIC) or hashlib.sha256(payload).digest() != digest:
            return None
        fingerprint, content = _DataOnly(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 (a cache that cannot be read back, for whatever reason, is no cache)
        return None
    return content if fingerprint == code_fingerprint() else None


def _write(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps((code_fingerprint(), content), protocol=pickle.HIGHEST_PROTOCOL)
    # one partial file per process: two runs sharing a cache folder never write into each other's
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    partial.write_bytes(_MAGIC + hashlib.sha256(payload).digest() + payload)
    os.replace(partial, path)
    # what a killed run left half-written beside it (a live writer's partial stays)
    for left in path.parent.glob(f"{path.name}.partial-*"):
        pid = left.name.rsplit("-", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            left.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True
