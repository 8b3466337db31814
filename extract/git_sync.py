"""Clone or update one results repository: blob-less partial clone, sparse checkout of the data folders only."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from git import Repo
from git.exc import GitCommandError

from extract.repo_id import RepoId

# Only these folders are parsed; everything else (code, models, docs) is never downloaded.
SPARSE_PATTERNS = {
    "training": ["/*/systems/", "/*/results/"],
    "inference": ["/*/*/systems/", "/*/*/results/", "/*/*/compliance/", "/*/*/model_mapping.json"],
}

# Third-party repos: never run their hooks, never let them pull in submodules.
_SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "submodule.recurse=false", "-c", "core.symlinks=false"]


@dataclass(frozen=True)
class Checkout:
    repo: RepoId
    path: Path
    commit: str


def sync(repo: RepoId, cache_dir: Path) -> Checkout:
    """Bring the local copy of `repo` to the upstream default branch's head and return that commit."""
    path = cache_dir / repo.name
    if (path / ".git").is_dir():
        local = Repo(path)
        if local.remotes.origin.url != repo.url:
            local.close()
            shutil.rmtree(path)
    if not (path / ".git").is_dir():
        _clone(repo, path)
    local = Repo(path)
    try:
        local.git.execute(["git", *_SAFE_CONFIG, "fetch", "--quiet", "origin"])
        local.git.execute(["git", *_SAFE_CONFIG, "checkout", "--quiet", "--force", "--detach", "origin/HEAD"])
        return Checkout(repo=repo, path=path, commit=local.head.commit.hexsha)
    finally:
        local.close()


def is_ancestor(path: Path, old: str, new: str) -> bool:
    """True when `old` is in the history of `new`; false after a force-push or rewrite (or if `old` is gone)."""
    repo = Repo(path)
    try:
        repo.git.execute(["git", "merge-base", "--is-ancestor", old, new])
        return True
    except GitCommandError:
        return False
    finally:
        repo.close()


def _clone(repo: RepoId, path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    try:
        local = Repo.clone_from(
            repo.url,
            partial,
            multi_options=["--filter=blob:none", "--no-checkout", "--single-branch", *_SAFE_CONFIG],
            allow_unsafe_options=True,  # only for our own fixed `-c` settings above
        )
        local.git.execute(["git", *_SAFE_CONFIG, "sparse-checkout", "set", "--no-cone", *SPARSE_PATTERNS[repo.suite]])
        local.close()
    except GitCommandError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(path)
