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
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(f"another ingest is refreshing {db_path} (lock {lock_path} is held); try again when it ends") from None
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed
