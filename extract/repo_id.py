"""Suite and round from a results repository URL (`.../training_results_v4.0` → training, v4.0), and which URLs
are refused before anything runs."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"(?P<suite>training|inference)_results_(?P<round>v\d+\.\d+)$")
# git's transports we use; `ext::`, `fd::` and other remote helpers could run commands or read descriptors.
_SCHEMES = re.compile(r"^(https?|ssh|git|file)://[^\s]+$")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:[^/\s][^\s]*$")  # git@github.com:mlcommons/training_results_v4.0


@dataclass(frozen=True)
class RepoId:
    url: str
    suite: str
    round: str

    @property
    def name(self) -> str:
        return f"{self.suite}_results_{self.round}"


def repo_id(url: str) -> RepoId:
    last = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    match = _NAME.fullmatch(last)
    if match is None:
        raise ValueError(f"{url!r}: the last path component must look like training_results_vX.Y or inference_results_vX.Y")
    return RepoId(url=url, suite=match["suite"], round=match["round"])


def refusal(url: str) -> str | None:
    """Why `url` is not taken as a repository, or None when it is."""
    if url.startswith("-"):
        return f"{url!r} looks like an option, not a repository URL"
    if not (_SCHEMES.match(url) or _SCP_LIKE.match(url)):
        transport = url.split("::", 1)[0] if "::" in url else None
        return (f"{url!r}: transport {transport!r} is not allowed" if transport else f"{url!r} is not a repository URL") + (
            "; use https://, ssh://, git:// or file:// (a local path is file:///path/to/training_results_vX.Y)")
    try:
        repo_id(url)
    except ValueError as exc:
        return str(exc)
    return None


def repo_ids(urls: tuple[str, ...]) -> tuple[list[RepoId], dict[str, str]]:
    """The repositories of `urls` (once each), and the refused URLs with why."""
    refused = {url: reason for url in urls if (reason := refusal(url))}
    return [repo_id(url) for url in dict.fromkeys(urls) if url not in refused], refused
