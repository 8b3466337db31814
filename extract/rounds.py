"""Which results repositories exist: the known rounds, and later ones found by probing the next version names."""

from __future__ import annotations

import os

from git import Git
from git.exc import GitCommandError

# Fail at once instead of asking for credentials: a repository that does not exist is not an error.
_QUIET = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}


def exists(url: str) -> bool:
    try:
        Git().execute(["git", "-c", "credential.helper=", "ls-remote", "--heads", url], env=_QUIET)
        return True
    except GitCommandError:
        return False


def _version(round_: str) -> tuple[int, int]:
    major, minor = round_.removeprefix("v").split(".")
    return int(major), int(minor)


def repository_urls(organization_url: str, known: dict[str, tuple[str, ...]]) -> list[str]:
    """URLs of every known round of each suite, then of each next round (vX.Y+1, then vX+1.0) while one exists."""
    urls = []
    for suite, rounds in known.items():
        urls += [f"{organization_url}/{suite}_results_{r}" for r in rounds]
        major, minor = max(_version(r) for r in rounds)
        while True:
            for candidate in ((major, minor + 1), (major + 1, 0)):
                url = f"{organization_url}/{suite}_results_v{candidate[0]}.{candidate[1]}"
                if exists(url):
                    urls.append(url)
                    major, minor = candidate
                    break
            else:
                break
    return urls
