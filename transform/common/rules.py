"""Rules kept as data: one TOML file per suite and round, `transform/<suite>/rules/<round>.toml`.

Each file is transcribed from the official tools of its round and names them in its `[source]` table (repository,
path, commit, and the date the round was published); the suite's own module reads the rest. A round without a file
has no rules here: its rows load with `rules_checked = false` and the run says so. Adding a round is adding a file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

_TRANSFORM = Path(__file__).resolve().parents[1]


def rules_folder(suite: str) -> Path:
    return _TRANSFORM / suite / "rules"


@cache
def round_rules(suite: str, round_: str) -> dict | None:
    """The round's rules as written in its file; None when the round has none."""
    path = rules_folder(suite) / f"{round_}.toml"
    if not path.is_file():
        return None
    with path.open("rb") as file:
        return tomllib.load(file)


def round_key(round_: str) -> tuple[int, ...]:
    """v0.7 < v1.0 < v4.1 < v10.0 (text order breaks at v10)."""
    return tuple(int(part) for part in round_.removeprefix("v").split("."))


def rounds_with_rules(suite: str) -> list[str]:
    """Rounds that have a rules file, oldest first."""
    return sorted((p.stem for p in rules_folder(suite).glob("v*.toml")), key=round_key)



def result_logs(round_: str | None) -> dict:
    """An inference round's `[result_logs]` rules, for the rounds whose results are text logs (v0.5, v0.7: which
    runs their checker reads, which ERROR lines it ignores); empty for the others (MLLOG detail logs, run_1 only)."""
    rules = round_rules("inference", round_) if round_ else None
    return (rules or {}).get("result_logs", {})
