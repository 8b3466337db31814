"""The upstream commits between two commits of a clone: what a refresh of a round brought in, in MLCommons' words."""

from __future__ import annotations

from pathlib import Path

from git import Repo
from git.exc import GitCommandError

MAX_COMMITS = 50
MAX_SUBJECT = 200  # characters; a subject is untrusted text


def commits_between(path: Path, old: str, new: str) -> tuple[int, list[dict]] | None:
    """(how many commits old..new has, the newest MAX_COMMITS of them as {commit, date, subject}); None when `old`
    is not an ancestor of `new` (rewritten history) or not in the clone."""
    repo = Repo(path)
    try:
        if repo.git.execute(["git", "merge-base", "--is-ancestor", old, new], with_exceptions=False,
                            with_extended_output=True)[0] != 0:
            return None
        count = int(repo.git.rev_list("--count", f"{old}..{new}"))
        lines = repo.git.log(f"-n{MAX_COMMITS}", "--format=%H%x1f%cI%x1f%s", f"{old}..{new}").splitlines()
    except (GitCommandError, ValueError):
        return None
    finally:
        repo.close()
    commits = [line.split("\x1f", 2) for line in lines if line.count("\x1f") >= 2]
    return count, [{"commit": sha, "date": date, "subject": subject[:MAX_SUBJECT]} for sha, date, subject in commits]
