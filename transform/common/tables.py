"""Parsed rows of every repo to one frame per table, with the joins and derived tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime

import polars as pl

from extract.git_sync import Checkout
from transform.inference.results import build_inference
from transform.common.fingerprint import code_fingerprint
from transform.common.parse_files import ParsedFiles
from transform.common.source import Source
from transform.training.duplicates import mark_duplicates
from transform.training.energy import training_power
from transform.training.scores import training_scores
from transform.common.validate import to_frame, validate


def sources_table(synced: list[tuple[Checkout, int]], ingested_at: datetime) -> pl.DataFrame:
    """One row per repository ingested (with the files parsed in it this time)."""
    return to_frame("sources", [
        {"repo_url": c.repo.url, "suite": c.repo.suite, "round": c.repo.round, "commit_sha": c.commit,
         "ingested_at": ingested_at, "files_parsed": files, "parser_fingerprint": code_fingerprint(),
         "official_commit": c.official_commit}
        for c, files in synced
    ])


# The tables build_tables hands back already validated (the rows derived from them follow their validation):
# validating them again would find nothing more.
VALIDATED = frozenset({"systems", "training_runs", "official_results", "inference_results"})


def build_tables(parsed: list[ParsedFiles]) -> tuple[dict[str, pl.DataFrame], list[dict]]:
    """The tables of parse outputs that hold whole submitters (every derived row is computed within one).

    Derived rows follow validation: a score is computed from the runs that passed it (a rejected run counts as a
    failed one, as the official summarizer counts a log it cannot use), evals load only with their run, and
    inference child rows only with their result. Every row carries the commit being ingested, also the rows of
    files whose parse output was cached at an earlier commit."""
    parsed = [_at_commit(p) for p in parsed]
    rejects = [r for p in parsed for r in p.rejects]
    systems, failed = validate("systems", to_frame("systems", [row for p in parsed for row in p.systems], rejects))
    rejects.extend(failed)
    run_rows = [row for p in parsed for row in p.training_runs]
    runs = _with_division(to_frame("training_runs", run_rows, rejects, extra={"log_division": pl.String}), systems)
    runs = mark_duplicates(runs)
    runs, failed = validate("training_runs", runs)
    rejects.extend(failed)
    unusable = sum((p.unusable_logs for p in parsed), Counter()) + _rejected_runs(run_rows, runs)
    evals = to_frame("training_evals", [row for p in parsed for row in p.training_evals], rejects)
    evals = evals.join(runs.select("source_path"), on="source_path", how="semi", maintain_order="left")
    scaling = {key: factor for p in parsed for key, factor in p.scaling.items()}
    power = training_power([row for p in parsed for row in p.training_power_files], runs, rejects)
    scores = training_scores(runs, scaling, unusable, power)
    rejects.extend(_unused_scaling(parsed, scores))
    inference, inference_rejects = build_inference(parsed)
    official, failed = validate("official_results", to_frame("official_results", [row for p in parsed for row in p.official_results], rejects))
    rejects.extend(failed)
    return {
        "systems": systems,
        "training_runs": runs,
        "training_evals": evals,
        "training_scores": scores,
        "training_power": power,
        **inference,
        "official_results": official,
    }, rejects + inference_rejects


def _at_commit(parsed: ParsedFiles) -> ParsedFiles:
    """The parse output with every row and reject stamped with the commit being ingested."""
    def stamp(rows: list[dict]) -> list[dict]:
        return [{**row, "source_commit": parsed.commit} for row in rows]

    return replace(parsed, **{name: stamp(getattr(parsed, name)) for name in (
        "systems", "training_runs", "training_evals", "training_power_files", "inference_details", "inference_compliance",
        "inference_fragments", "official_results", "rejects")})


def _unused_scaling(parsed: list[ParsedFiles], scores: pl.DataFrame) -> list[dict]:
    """A scaling.json in a folder that has no score has nothing to scale: a reject, not a silent skip."""
    scored = set(scores.select("round", "submitter", "system", "benchmark").iter_rows())
    return [Source("training", key[0], f"{key[1]}/results/{key[2]}/{key[3]}/scaling.json", p.commit)
            .reject("validate", "scaling.json in a folder with no loaded result log: nothing to scale")
            for p in parsed for key in p.scaling if key not in scored]


def _rejected_runs(rows: list[dict], valid: pl.DataFrame) -> Counter:
    """(round, submitter, system, benchmark) → runs parsed but not valid: failed runs of that benchmark."""
    loaded = set(valid["source_path"].to_list())
    return Counter((row["round"], row["submitter"], row["system"], row["benchmark"])
                   for row in {row["source_path"]: row for row in rows if row["source_path"] not in loaded}.values())


def concat_tables(parts: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """The tables of several parts, each built by `build_tables` (and `rejects` as a frame), as one frame per table."""
    empty, _ = build_tables([])
    empty["rejects"] = to_frame("rejects", [])
    return {name: pl.concat([frame, *(part[name] for part in parts)]) for name, frame in empty.items()}


def _with_division(runs: pl.DataFrame, systems: pl.DataFrame) -> pl.DataFrame:
    """The system JSON says which division a system competes in; the log's submission_division is the fallback."""
    division = (
        systems.filter(pl.col("suite") == "training")
        .select("round", "submitter", "system", pl.col("division").alias("system_division"))
        .unique(["round", "submitter", "system"], keep="first")
    )
    columns = runs.columns
    return (
        runs.join(division, on=["round", "submitter", "system"], how="left")
        .with_columns(division=pl.coalesce("system_division", "log_division"))
        .select([c for c in columns if c != "log_division"])
    )
