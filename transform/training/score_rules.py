"""The rules a round's official training score depends on, per benchmark, read from its rules file
(transform/training/rules/<round>.toml; see its [source] table for where each value was transcribed from).

A round without a file (the night a new round appears) is judged by the rules derived from the installed
mlperf-logging package's ruleset of that version (transform/training/package_rules.py), and every score says so
(`rules_checked` false, `rules_note`); without the package or its ruleset the round is not judged, and says that."""

from __future__ import annotations

from dataclasses import dataclass

from transform.common.rules import round_rules
from transform.training.package_rules import installed_rules


@dataclass(frozen=True)
class BenchmarkRules:
    runs_required: int | None
    # runs dropped at each end of the sorted times; non-converged runs count as dropped at the slow end
    max_dropped: int
    # non-converged runs a score may have (the summarizer's max_dropped; v0.5's rules allow none)
    max_failed: int
    # init_stop − first init_start must be strictly below this, per division (None: the round has no limit)
    init_limit_minutes: dict[str, float] | None
    # v0.5 NCF, "Run 100, use first 50 that converge": only the first N converged runs (in run order) are scored
    first_converged: int | None


def training_rules(round_: str) -> dict | None:
    """The round's rules file, else the rules derived from the installed package (`[source] reviewed = false`)."""
    return round_rules("training", round_) or installed_rules(round_)


def unchecked_note(round_: str, benchmark: str) -> str | None:
    """Why a benchmark's runs are not judged by a reviewed rules file (None when they are)."""
    rules = training_rules(round_)
    if rules is None:
        return (f"no rules file for training {round_} (transform/training/rules/{round_}.toml) and no ruleset for it "
                "in an installed mlperf-logging: not judged")
    if benchmark_entry(round_, benchmark) is None:
        return f"{benchmark} is not a benchmark of the training {round_} rules: not judged"
    source = rules["source"]
    if source.get("reviewed", True) is False:
        return (f"judged by rules derived from {source['package']} {source['package_version']} "
                f"(training_{round_.removeprefix('v')}.0), not yet reviewed: no rules file for training {round_}")
    return None


def benchmark_entry(round_: str, benchmark: str) -> dict | None:
    """The rules file's table of a benchmark folder, by its name or the name the round's tools map it to
    (`[folder_names]`: v0.6 Google's `mask` is maskrcnn)."""
    rules = training_rules(round_) or {}
    return rules.get("benchmarks", {}).get(rules.get("folder_names", {}).get(benchmark, benchmark))


def benchmark_rules(round_: str, benchmark: str) -> BenchmarkRules | None:
    """None when the round has no rules file or the file has no entry for the benchmark."""
    rules = training_rules(round_)
    entry = benchmark_entry(round_, benchmark)
    if entry is None:
        return None
    score, init = rules.get("score", {}), rules.get("init")
    return BenchmarkRules(
        runs_required=entry.get("runs_required"),
        max_dropped=entry["max_dropped"],
        max_failed=score.get("max_failed", entry["max_dropped"]),
        init_limit_minutes={"closed": init["closed_minutes"], "open": init["open_minutes"]} if init else None,
        first_converged=entry.get("first_converged"),
    )


def converged_by_run_stop(round_: str) -> bool:
    """Whether the round's tools judge convergence by run_stop status alone (v0.6's checker reads no accuracy);
    otherwise a closed run converges by its quality target."""
    return ((training_rules(round_) or {}).get("score") or {}).get("converged") == "run_stop_success"


def init_within_limit(init_ms: float | None, round_: str, benchmark: str, log_division: str | None) -> bool | None:
    """The compliance checker's init_stop check, `init_stop − first init_start < limit × 60 × 1e3` (in ms), with the
    limit of the division the log states; None when the round has no limit or the log lacks what it needs."""
    rules = benchmark_rules(round_, benchmark)
    limits = rules.init_limit_minutes if rules else None
    if init_ms is None or not limits or log_division not in limits:
        return None
    return init_ms < limits[log_division] * 60 * 1e3


def bad_lines_void_run(round_: str) -> bool:
    """Whether a log line that does not decode voids the run (the official parser's rule from v0.7); v0.5 and v0.6
    were scored from their start and stop tags."""
    return ((training_rules(round_) or {}).get("score") or {}).get("bad_lines_void_run", True)
