"""Result formats other than the MLLOG detail log, turned into the detail rows that log gives: the pre-MLLOG text
logs (v0.5, v0.7) and the endpoints files (v6.1+). Which files a folder's result is in is discovery's to say
(extract/discover.py); which runs of a text-log round count, its rules file's."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from transform.common.parse_files import ParsedFiles
from transform.common.rules import result_logs
from transform.common.validate import polars_schema
from transform.inference.endpoints import endpoints_details
from transform.inference.pre_mllog import pre_mllog_details


@cache
def _base_row() -> dict:
    # every column a detail log fills, so the result builder finds each one (null where a format lacks it)
    extra = ("effective_scenario", "test_mode", "power_begin", "power_end")
    return {name: None for name in (*polars_schema("inference_results"), *extra)}


def with_other_formats(parsed: list[ParsedFiles]) -> tuple[list[ParsedFiles], list[dict]]:
    """Each parse output with the detail rows of its pre-MLLOG and endpoints folders added to its MLLOG ones;
    and the rejects of folders that make no row."""
    out, rejects = [], []
    for files in parsed:
        if not files.inference_fragments:
            out.append(files)
            continue
        text = [f for f in files.inference_fragments if f["run"] is not None]
        endpoints = [f for f in files.inference_fragments if f["run"] is None]
        loadgen = {(d["division"], d["submitter"], d["system"], d["benchmark"], d["scenario_dir"]) for d in files.inference_details}
        details, failed = endpoints_details(endpoints, _base_row(), loadgen)
        if text:
            more, failed_text = pre_mllog_details(text, result_logs(files.round), _base_row())
            details, failed = details + more, failed + failed_text
        rejects.extend(failed)
        out.append(replace(files, inference_details=files.inference_details + details))
    return out, rejects
