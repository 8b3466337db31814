"""Where a training result file sits: submitter, system and benchmark from its path, in both layouts.

From v0.6 on: `<submitter>/results/<system>/<benchmark>/<file>`. v0.5 put everything under `v0.5.0/` and one or
more submission folders above `results/`: `v0.5.0/<submitter>/<submission…>/results/<system>/<benchmark>/<file>`;
there the same system folder (`tpu`) recurs in several submissions, so the system is named by the submission
folders and the system folder joined with ':' (`cloud_v2.8:gnmt-tpuv2-8:tpu`, `submission:dgx1_ngc18.11_mxnet`).
"""

from __future__ import annotations

V05_ROOT = "v0.5.0"
SYSTEM_JOIN = ":"


def run_folder(path: str) -> tuple[str, str, str, str]:
    """(submitter, system, benchmark, file name) of `<…>/results/<system>/<benchmark>/<file>`."""
    parts = path.split("/")
    if parts[0] == V05_ROOT:
        results = len(parts) - 4
        return parts[1], SYSTEM_JOIN.join(parts[2:results] + [parts[results + 1]]), parts[-2], parts[-1]
    submitter, _results, system, benchmark, name = parts
    return submitter, system, benchmark, name


def system_of_entry(path: str) -> tuple[str, str]:
    """(submitter, system) of a system description inside results/: `<…>/results/<system>/entry.json`."""
    parts = path.split("/")
    if parts[0] == V05_ROOT:
        return parts[1], SYSTEM_JOIN.join(parts[2:-3] + [parts[-2]])
    return parts[0], parts[-2]
