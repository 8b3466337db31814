"""What one ingest did, as the command prints it (lines for people, or JSON for scripts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson
import polars as pl

from warehouse.run_record import timeline_line
from transform.common.safe_text import printable
from warehouse.alarm import describe_training, lines as alarm_lines
from warehouse.history import describe as describe_changes
from warehouse.reconciliation import describe


@dataclass
class Summary:
    repos: list[tuple[str, str]] = field(default_factory=list)  # (name, commit) of every repo synced
    unchanged: list[str] = field(default_factory=list)  # repos whose commit and parser were already loaded
    failed: dict[str, str] = field(default_factory=dict)  # url → error
    files_parsed: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rejects_by_stage: dict[str, int] = field(default_factory=dict)
    # round → why some of its results are not judged by the round's own rules (no rules file, models it lacks)
    unchecked_rules: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # per round with an official MLCommons table: counts by verdict and the first disagreements
    official: list[dict] = field(default_factory=list)
    # per training round with MLCommons' summary on results_branch: counts by verdict
    official_training: list[dict] = field(default_factory=list)
    # rounds of this run that load results they cannot judge or do not reproduce their official table (warehouse/alarm.py)
    alarms: list[dict] = field(default_factory=list)
    unmapped_accelerators: dict[str, int] = field(default_factory=dict)  # name → descriptions, no map row matches
    # per round loaded: commits, cause, rows added/removed/changed, the first changed headline numbers (warehouse/history.py)
    changes: list[dict] = field(default_factory=list)
    # where the run's seconds went, stage by stage (flows/timeline.py; also ingest_runs.timeline)
    timeline: list[dict] = field(default_factory=list)

    def text(self, db_path: Path) -> str:
        lines = alarm_lines(self.alarms)
        lines.append(f"Ingested {len(self.repos)} repos into {db_path} in {self.seconds:.1f} s")
        lines += [f"  {name:<28} {commit}{'  (unchanged)' if name in self.unchanged else ''}" for name, commit in self.repos]
        lines += [f"  FAILED {url}: {error}" for url, error in self.failed.items()]
        lines.append(f"Files parsed: {self.files_parsed}"
                     + (f" ({len(self.unchanged)} repos unchanged)" if self.unchanged else ""))
        if self.rows_loaded:
            lines.append("Rows loaded: " + ", ".join(f"{t} {n}" for t, n in self.rows_loaded.items() if t != "rejects"))
        rejects = sum(self.rejects_by_stage.values())
        by_stage = ", ".join(f"{s} {n}" for s, n in sorted(self.rejects_by_stage.items()))
        lines.append(f"Rejects: {rejects}" + (f" ({by_stage}); see the rejects table" if rejects else ""))
        lines += [f"Not checked by its round's rules: inference {round_}: {note}" for round_, note in self.unchecked_rules.items()]
        lines += ["Accelerators not in the map (see unmapped_accelerators): " + ", ".join(f"{name!r} {n}" for name, n in self.unmapped_accelerators.items())] if self.unmapped_accelerators else []
        if self.changes:
            lines.append("Changes of this refresh (see the changes and round_versions tables):")
            # keys and values come from repositories: escaped for the terminal
            lines += [printable(line) for entry in self.changes for line in describe_changes(entry)]
        if self.official:
            lines.append("MLCommons' own tables (see the reconciliation view):")
            lines += [line for entry in self.official for line in describe(entry)]
        if self.official_training:
            lines.append("MLCommons' own training summaries (see the training_reconciliation view):")
            lines += [line for entry in self.official_training for line in describe_training(entry)]
        lines += [timeline_line(self.timeline, self.seconds)] if self.timeline else []
        return "\n".join(lines)

    def note_unchecked(self, results: pl.DataFrame) -> None:
        """Which rounds had results that their rules could not check (rules_checked false), and why."""
        unchecked = results.filter(~pl.col("rules_checked")).group_by("round", "rules_note").len().sort("round", "rules_note")
        for (round_,), rows in unchecked.group_by("round", maintain_order=True):
            self.unchecked_rules[round_] = "; ".join(f"{n} results: {note}" for note, n in rows.select("rules_note", "len").iter_rows())

    def json(self, db_path: Path) -> str:
        return orjson.dumps({"warehouse": str(db_path), **asdict(self)}, option=orjson.OPT_INDENT_2).decode()
