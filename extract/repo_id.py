"""Suite and round from a results repository URL or folder (`.../training_results_v4.0` → training, v4.0), and
which are refused before anything runs."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"(?P<suite>training|inference)_results_(?P<round>v\d+\.\d+)$")
# git's transports we use; `ext::`, `fd::` and other remote helpers could run commands or read descriptors.
_SCHEMES = re.compile(r"^(https?|ssh|git|file)://[^\s]+$")
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:[^/\s][^\s]*$")  # git@github.com:mlcommons/training_results_v4.0
# A local folder, which git clones by linking its objects instead of packing them through its transport. Absolute
# only: a served deployment's runs start in another folder than the command that registered it, and git does not
# expand `~`. A leading `/` is never an option, and git reads `/a::b` as a path, not as a remote helper. No control
# characters: the path is said in one-line messages and logs.
_FOLDER = re.compile(r"^/[^\x00-\x1f\x7f]+$")


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


def is_folder(url: str) -> bool:
    """True for a local folder given by its path (cloned by linking), false for a URL (`file://` included)."""
    return bool(_FOLDER.match(url))


def local_folder(url: str) -> str | None:
    """The folder a repository on this machine is read from: a folder given by its path, or the path of a `file:///`
    URL (one without %-escapes, which would leave open how git decodes them); None for any other URL."""
    if is_folder(url):
        return url
    path = url.removeprefix("file://")
    return path if path != url and _FOLDER.match(path) and "%" not in path else None


def refusal(url: str) -> str | None:
    """Why `url` is not taken as a repository, or None when it is."""
    if url.startswith("-"):
        return f"{url!r} looks like an option, not a repository URL"
    if not (_SCHEMES.match(url) or _SCP_LIKE.match(url) or is_folder(url)):
        transport = url.split("::", 1)[0] if "::" in url else None
        if transport:
            return (f"{url!r}: transport {transport!r} is not allowed; "
                    "use https://, ssh://, git://, file:// or a folder's absolute path")
        if url.startswith("/"):
            return f"{url!r}: a folder's path with control characters is not taken"
        if "://" not in url and ":" not in url.split("/", 1)[0]:  # what git would take for a path, relative to anywhere
            return (f"{url!r}: a folder is given by its absolute path (/path/to/training_results_vX.Y): a served run "
                    "starts in another folder, and git does not expand ~")
        return f"{url!r} is not a repository URL; use https://, ssh://, git://, file:// or a folder's absolute path"
    try:
        repo_id(url)
    except ValueError as exc:
        return str(exc)
    return None


def repo_ids(urls: tuple[str, ...]) -> tuple[list[RepoId], dict[str, str]]:
    """The repositories of `urls` (once each), and the refused URLs with why."""
    refused = {url: reason for url in urls if (reason := refusal(url))}
    return [repo_id(url) for url in dict.fromkeys(urls) if url not in refused], refused
