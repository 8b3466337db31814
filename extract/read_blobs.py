"""Read file contents straight from the git object store, never from the work tree (no symlink can redirect it)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterable, Iterator

from git import Repo

from extract.discover import FileRef


def read_blobs(repo_path, files: Iterable[FileRef], max_bytes: int, unavailable: frozenset[str] = frozenset()
               ) -> Iterator[tuple[FileRef, int | None, bytes | None]]:
    """Yield each file with its size and bytes, in the order of `files`.

    The bytes are None when the file is larger than `max_bytes` (left unread), or when its blob is one of
    `unavailable`, which upstream could not send (then the size is None too).

    Two git processes serve all the files: one `cat-file --batch-check` for the sizes, then one `cat-file --batch`
    streaming the contents of those within the limit (a process, or two requests, per file cost more than the
    parse of most files)."""
    files = list(files)
    with Repo(repo_path) as repo:
        sizes = _sizes(repo, [ref.blob for ref in files if ref.blob not in unavailable])
        readable = [ref.blob for ref in files if ref.blob not in unavailable and sizes[ref.blob] <= max_bytes]
        contents = _contents(repo, readable)
        try:
            for ref in files:
                if ref.blob in unavailable:
                    yield ref, None, None
                elif sizes[ref.blob] > max_bytes:
                    yield ref, sizes[ref.blob], None
                else:
                    yield ref, sizes[ref.blob], next(contents)
        finally:
            contents.close()


def _sizes(repo: Repo, blobs: list[str]) -> dict[str, int]:
    """Each blob's size, all asked at once."""
    if not blobs:
        return {}
    process = repo.git.cat_file("--batch-check", istream=subprocess.PIPE, as_process=True)
    out, _ = process.communicate("".join(f"{blob}\n" for blob in dict.fromkeys(blobs)).encode())
    sizes = {}
    for line in out.decode().splitlines():
        sha, kind, *size = line.split()
        if kind != "blob":
            raise ValueError(f"object {sha} is {kind}, not a blob in the local store")
        sizes[sha] = int(size[0])
    return sizes


def _contents(repo: Repo, blobs: list[str]) -> Iterator[bytes]:
    """The bytes of each blob, in order: the requests are written by a thread while the answers are read here, so
    neither side waits on a full pipe."""
    if not blobs:
        return
    process = repo.git.cat_file("--batch", istream=subprocess.PIPE, as_process=True)
    writer = threading.Thread(target=_ask, args=(process.stdin, blobs), daemon=True)
    writer.start()
    try:
        for blob in blobs:
            header = process.stdout.readline().split()
            if len(header) != 3 or header[0].decode() != blob:
                raise ValueError(f"git cat-file answered {b' '.join(header).decode(errors='replace')!r} for blob {blob}")
            size = int(header[2])
            data = process.stdout.read(size)
            process.stdout.read(1)  # the newline after each object
            yield data
    finally:
        process.stdout.close()
        process.proc.kill()  # also unblocks the writer when the reader stopped early
        process.proc.wait()
        writer.join()


def _ask(stdin, blobs: list[str]) -> None:
    try:
        stdin.write("".join(f"{blob}\n" for blob in blobs).encode())
        stdin.close()
    except (BrokenPipeError, ValueError):  # the reader stopped early and ended the process
        pass
