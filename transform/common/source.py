"""Where a row came from: every parsed row carries its repository file and commit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    suite: str
    round: str
    path: str
    commit: str

    def reject(self, stage: str, reason: str) -> dict:
        return {
            "suite": self.suite,
            "round": self.round,
            "source_path": self.path,
            "source_commit": self.commit,
            "stage": stage,
            "reason": reason,
        }
