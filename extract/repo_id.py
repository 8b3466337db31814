"""Suite and round from a results repository URL (`.../training_results_v4.0` → training, v4.0)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"(?P<suite>training|inference)_results_(?P<round>v\d+\.\d+)$")


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
