"""Every table and view of the warehouse as Parquet or CSV files, one per relation, for BI tools.

The export is atomic: `DIR` is a symbolic link to a sibling folder (`.DIR.<UTC time>`) that is written whole
first; the link is then swapped in one rename, so a reader sees the previous export or the new one, never a
half-written folder. The previous folder is kept until the next export, for readers still inside it. Which folders
go is decided by the link, never by the clock (a clock stepped back must not make the new folder look old), and one
export of `DIR` runs at a time (another waits), so no export removes a folder another is writing or linking.
DuckDB writes the files: JSON columns keep their JSON type in Parquet, CSV timestamps are RFC 3339 in UTC.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.publish import fsync

# RFC 3339, e.g. 2024-07-26T14:55:17.000000Z (the connection's time zone is set to UTC).
CSV_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
_PLAIN = "0-plain-folder"  # a folder exported in place by an earlier version; sorts before every dated one


def export(db: Path, directory: Path, fmt: str = "parquet") -> dict[str, int]:
    directory = directory.absolute()  # not resolve(): `directory` itself is the link to replace
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(f".{directory.name}-export.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the process ends, however it ends
        # dated for people; unique whatever the clock says
        folder = Path(tempfile.mkdtemp(prefix=f".{directory.name}.{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-",
                                       dir=directory.parent))
        folder.chmod(0o755)  # readable like any other folder (mkdtemp makes it private)
        try:
            written = _write(db, folder, fmt)
            for path in [*folder.iterdir(), folder]:  # on disk before the link points at them
                fsync(path)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _point(directory, folder)
    return written


def _write(db: Path, folder: Path, fmt: str) -> dict[str, int]:
    written = {}
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        names = [n for (n,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by table_name").fetchall()]
        for name in names:
            path = str(folder / f"{name}.{fmt}")
            options = "FORMAT parquet" if fmt == "parquet" else f"FORMAT csv, HEADER, TIMESTAMPFORMAT '{CSV_TIMESTAMP}'"
            con.execute(f"COPY (select * from \"{name}\") TO '{path}' ({options})")
            written[name] = con.execute(f'select count(*) from "{name}"').fetchone()[0]
    return written


def _point(directory: Path, folder: Path) -> None:
    """Make `directory` a link to `folder` in one rename; keep only the previous folder beside it."""
    previous = directory.with_name(os.readlink(directory)).name if directory.is_symlink() else None
    if directory.exists() and not directory.is_symlink():
        previous = f".{directory.name}.{_PLAIN}"
        os.replace(directory, directory.with_name(previous))
    link = directory.with_name(f".{directory.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(folder.name)  # relative: the parent folder can be moved or mounted elsewhere
    os.replace(link, directory)
    fsync(directory.parent)
    for old in directory.parent.glob(f".{directory.name}.*"):
        if old.name not in (folder.name, previous) and old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
