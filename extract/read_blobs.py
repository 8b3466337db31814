"""Read file contents straight from the git object store, never from the work tree (no symlink can redirect it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from git import Repo

from extract.discover import FileRef


def read_blobs(repo_path, files: Iterable[FileRef], max_bytes: int, unavailable: frozenset[str] = frozenset()
               ) -> Iterator[tuple[FileRef, int | None, bytes | None]]:
    """Yield each file with its size and bytes.

    The bytes are None when the file is larger than `max_bytes` (left unread), or when its blob is one of
    `unavailable`, which upstream could not send (then the size is None too)."""
    repo = Repo(repo_path)
    try:
        for ref in files:
            if ref.blob in unavailable:
                yield ref, None, None
                continue
            _sha, _type, size = repo.git.get_object_header(ref.blob)
            if size > max_bytes:
                yield ref, size, None
                continue
            _sha, _type, _size, data = repo.git.get_object_data(ref.blob)
            yield ref, size, data
    finally:
        repo.close()
