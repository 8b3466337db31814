"""Read file contents straight from the git object store, never from the work tree (no symlink can redirect it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from git import Repo

from extract.discover import FileRef


def read_blobs(repo_path, files: Iterable[FileRef], max_bytes: int) -> Iterator[tuple[FileRef, bytes | None]]:
    """Yield each file with its bytes, or with None when it is larger than `max_bytes` (left unread)."""
    repo = Repo(repo_path)
    try:
        for ref in files:
            if ref.size > max_bytes:
                yield ref, None
                continue
            _sha, _type, _size, data = repo.git.get_object_data(ref.blob)
            yield ref, data
    finally:
        repo.close()
