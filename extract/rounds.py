"""Which results repositories exist: the known rounds, and later ones found by probing the next version names."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from git import Git
from git.exc import GitCommandError

from extract.git_errors import git_failure

# Fail at once instead of asking for credentials (GitHub answers so for a repository that does not exist).
_QUIET = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}


def exists(url: str) -> bool:
    """True when `url` is a repository, false when there is none; a network error raises GitFailure."""
    try:
        Git().execute(["git", "ls-remote", "--heads", "--", url], env={**os.environ, **_QUIET})
        return True
    except GitCommandError as exc:
        failure = git_failure(exc)
        if failure.network:
            raise failure from None
        return False


def _version(round_: str) -> tuple[int, int]:
    major, minor = round_.removeprefix("v").split(".")
    return int(major), int(minor)


def _successors(major: int, minor: int) -> list[tuple[int, int]]:
    # One version may be skipped (v6.1 published before, or without, v6.0).
    return [(major, minor + 1), (major, minor + 2), (major + 1, 0), (major + 1, 1)]


def known_urls(organization_url: str, known: dict[str, tuple[str, ...]]) -> list[str]:
    return [f"{organization_url}/{suite}_results_{r}" for suite, rounds in known.items() for r in rounds]


def new_round_urls(organization_url: str, known: dict[str, tuple[str, ...]]) -> list[str]:
    """URLs of the rounds after the known ones of each suite that exist upstream, lowest first."""
    def url(suite: str, version: tuple[int, int]) -> str:
        return f"{organization_url}/{suite}_results_v{version[0]}.{version[1]}"

    urls = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for suite, rounds in known.items():
            latest = max(_version(r) for r in rounds)
            while True:
                candidates = _successors(*latest)
                published = [v for v, ok in zip(candidates, pool.map(exists, [url(suite, v) for v in candidates])) if ok]
                if not published:
                    break
                latest = published[0]
                urls.append(url(suite, latest))
    return urls
