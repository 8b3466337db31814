"""What went wrong talking to a repository, in one line, and whether trying again can help."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from git.exc import GitCommandError

# Errors of the network or of a busy host: worth retrying. Anything else (no such repository, a bad URL,
# a refused transport, a local disk problem) fails at once: the next scheduled run is the retry.
_NETWORK = re.compile(
    r"could not resolve (host|proxy)|temporary failure in name resolution|failed to connect|couldn't connect"
    r"|connection (refused|reset|timed out)|operation timed out|timed out|network is unreachable|no route to host"
    r"|early eof|unexpected disconnect|rpc failed|remote end hung up|transfer closed|gnutls|ssl_(error|read|connect)"
    r"|returned error: (5\d\d|429)",
    re.IGNORECASE,
)


class GitFailure(Exception):
    def __init__(self, reason: str, network: bool):
        super().__init__(reason, network)
        self.reason = reason  # git's own message, one line
        self.network = network  # True when a retry may succeed

    def __str__(self) -> str:
        return self.reason


class NothingSynced(RuntimeError):
    """No repository could be synced (or reached), or every one synced was refused: nothing is published."""

    def __init__(self, failures: dict[str, GitFailure], refused: dict[str, GitFailure] | None = None):
        # a repository synced but refused (a round that would lose most of its rows) is said as such: "could not be
        # synced" would send the operator to the network
        if refused:
            message = f"nothing published: {next(iter(refused.values()))}"
        else:
            message = f"no repository could be synced: {next(iter(failures.values()), 'none was given')}"
        super().__init__(message)
        failures = {**failures, **(refused or {})}
        self.failed = {url: str(failure) for url, failure in failures.items()}
        self.network = bool(failures) and all(failure.network for failure in failures.values())


def git_failure(exc: BaseException) -> GitFailure:
    if isinstance(exc, GitFailure):
        return exc
    if isinstance(exc, GitCommandError):
        reason = _git_message(exc)
        return GitFailure(reason, bool(_NETWORK.search(reason)))
    return GitFailure(f"{type(exc).__name__}: {exc}".splitlines()[0], False)


def _git_message(exc: GitCommandError) -> str:
    """git's own `fatal:` line rather than GitPython's quoted command dump."""
    lines = [line.strip().removeprefix("stderr:").strip(" '\"") for line in str(exc.stderr or exc).splitlines()]
    lines = [line for line in lines if line]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (fatal or lines or [f"git exited with status {exc.status}"])[0]


T = TypeVar("T")


def with_retries(action: Callable[[], T], delays: list[float], on_retry: Callable[[GitFailure, int, float], None]) -> T:
    """`action()`, tried again after each of `delays` seconds while it fails with a network error.

    Raises the last GitFailure; `on_retry(failure, attempt, delay)` is told of each retry before its wait."""
    attempt = 0
    while True:
        try:
            return action()
        except Exception as exc:  # any failure is classified; only network ones are tried again
            failure = git_failure(exc)
            if not failure.network or attempt == len(delays):
                raise failure from None
            on_retry(failure, attempt + 1, delays[attempt])
            time.sleep(delays[attempt])
            attempt += 1
