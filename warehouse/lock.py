"""One refresh at a time: an exclusive lock file beside the warehouse."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(RuntimeError):
    pass


_held: set[Path] = set()  # locks this process holds: the command takes it before the flow, which takes it again


@contextmanager
def exclusive(db_path: Path):
    key = db_path.absolute()
    if key in _held:
        yield
        return
    lock_path = db_path.with_name(db_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = _locked(lock_path, db_path)
    _held.add(key)
    try:
        yield
    finally:
        _held.discard(key)
        # No lock file is left beside the warehouse. Removed while still held: whoever opened this file meanwhile
        # finds, once it gets the lock, that the path no longer names it, and takes the lock again (`_locked`).
        lock_path.unlink(missing_ok=True)
        os.close(fd)  # closing releases the lock, also when the process is killed (then the file stays, harmless)


def _locked(lock_path: Path, db_path: Path) -> int:
    """A descriptor holding the exclusive lock on the file that `lock_path` names now."""
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WarehouseBusy(f"another ingest is refreshing {db_path} (lock {lock_path} is held); try again when it ends") from None
        try:
            if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the holder removed that file as it let go: lock the one the path names now
