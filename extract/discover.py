"""List the files of a commit that we parse, classified by kind, straight from the git tree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from git import Repo


class Kind(StrEnum):
    SYSTEM = "system"
    TRAINING_LOG = "training_log"
    TRAINING_SCALING = "training_scaling"
    TRAINING_POWER = "training_power"
    TRAINING_ENTRY = "training_entry"
    INFERENCE_DETAIL = "inference_detail"
    INFERENCE_ACCURACY = "inference_accuracy"
    INFERENCE_POWER = "inference_power"
    INFERENCE_COMPLIANCE = "inference_compliance"
    MODEL_MAPPING = "model_mapping"
    INFERENCE_TEXT_LOG = "inference_text_log"
    INFERENCE_ENDPOINTS = "inference_endpoints"
    OFFICIAL_TABLE = "official_table"


@dataclass(frozen=True)
class FileRef:
    path: str
    blob: str
    kind: Kind


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


# Paths relative to the repository root; a training submitter owns one top-level folder.
_TRAINING = [
    (re.compile(r"[^/]+/systems/[^/]+\.json"), Kind.SYSTEM),
    (re.compile(r"[^/]+/results/[^/]+/[^/]+/result_[^/]*\.txt"), Kind.TRAINING_LOG),
    (re.compile(r"[^/]+/results/[^/]+/[^/]+/scaling\.json"), Kind.TRAINING_SCALING),
    # the official summarizer's globs: power/<result log stem>/node_*.txt and sw_*.txt
    (re.compile(r"[^/]+/results/[^/]+/[^/]+/power/[^/]+/(node|sw)_[^/]*\.txt"), Kind.TRAINING_POWER),
    # v0.5: v0.5.0/<submitter>/<submission folders>/results/<system>/...; the system description is results/<system>/entry.json
    (re.compile(r"v0\.5\.0/[^/]+/(?:[^/]+/)+results/[^/]+/[^/]+/result_[^/]*\.txt"), Kind.TRAINING_LOG),
    (re.compile(r"(?:v0\.5\.0/[^/]+/(?:[^/]+/)+|[^/]+/)results/[^/]+/entry\.json"), Kind.TRAINING_ENTRY),
]
# Inference: <division>/<submitter>/...; only run_1 counts (ranging and run_2.. are not reported).
_SCENARIO = r"[^/]+/[^/]+/results/[^/]+/[^/]+/[^/]+"
_INFERENCE = [
    (re.compile(r"[^/]+/[^/]+/systems/[^/]+\.json"), Kind.SYSTEM),
    (re.compile(_SCENARIO + r"/performance/run_1/mlperf_log_detail\.txt"), Kind.INFERENCE_DETAIL),
    (re.compile(_SCENARIO + r"/performance/run_1/spl\.txt"), Kind.INFERENCE_POWER),
    (re.compile(_SCENARIO + r"/accuracy/accuracy\.txt"), Kind.INFERENCE_ACCURACY),
    # v3.0 also has compliance/<system>/<benchmark>/<benchmark>/<scenario>/TEST0x/; from v6.0 the tests sit in the
    # scenario folder itself (results/<system>/<benchmark>/<scenario>/TEST0x/): which place counts is the round's rule
    (re.compile(r"[^/]+/[^/]+/compliance/[^/]+/[^/]+/(?:[^/]+/)?[^/]+/TEST[^/]*/verify_(performance|accuracy|output_len)\.txt"),
     Kind.INFERENCE_COMPLIANCE),
    (re.compile(_SCENARIO + r"/TEST[^/]*/verify_(performance|accuracy|output_len)\.txt"), Kind.INFERENCE_COMPLIANCE),
    # an endpoints result's compliance (v6.1+): <scenario>/audit/audit_<test name>.json
    (re.compile(_SCENARIO + r"/audit/audit_[^/]+\.json"), Kind.INFERENCE_COMPLIANCE),
    (re.compile(r"[^/]+/[^/]+/model_mapping\.json"), Kind.MODEL_MAPPING),
    # the endpoints format (v6.1+): no loadgen logs
    (re.compile(_SCENARIO + r"/(?:performance/result_summary\.json|accuracy/accuracy_results\.json|config\.yaml)"),
     Kind.INFERENCE_ENDPOINTS),
    # MLCommons' results table at the root (v5.1 summary_results.json, v6.1 summary.json), or the checker's csv
    # a submitter committed
    (re.compile(r"summary_results\.json|summary\.json|[^/]+/[^/]+/(?:results/)?summary\.csv"), Kind.OFFICIAL_TABLE),
]
# Rounds whose loadgen predates MLLOG: their checker reads every run's summary and detail text log, the runs in
# performance/run_N/ or in performance/ itself (which runs count is the parse's, from the round's rules file,
# `[result_logs]`). The layout of a round's files is discovery's to know, as the training v0.5.0 folders above.
TEXT_LOG_ROUNDS = frozenset({"v0.5", "v0.7"})
_TEXT_LOGS = (re.compile(_SCENARIO + r"/performance/(?:[^/]+/)?mlperf_log_(?:summary|detail)\.txt"), Kind.INFERENCE_TEXT_LOG)
_PATTERNS = {"training": _TRAINING, "inference": _INFERENCE}
# Every file under a scenario folder: a folder none of whose files is read is still reported, never passed over.
_IN_SCENARIO = re.compile(f"({_SCENARIO})/.+")
# Where a link or submodule is worth reporting: inside the folders we parse.
_SCOPE = {
    "training": re.compile(r"[^/]+/(systems|results)(/|$)|v0\.5\.0/.+/results(/|$)"),
    "inference": re.compile(r"[^/]+/[^/]+/(systems|results|compliance|model_mapping\.json)(/|$)"),
}

# The layout's own folder names by depth (a submitter's `systems/`, `results/`; a result's `power/`, `performance/`).
_LAYOUT_FOLDERS = {
    "training": [(1, {"systems", "results"}), (4, {"power"})],
    "inference": [(2, {"systems", "results", "compliance"}), (6, {"performance", "accuracy"})],
}
# A training benchmark folder (v0.6 on): <submitter>/results/<system>/<benchmark>/
_BENCHMARK_FOLDER = re.compile(r"([^/]+/results/[^/]+/[^/]+)/.+")

_REGULAR = {"100644", "100755"}
_LINK_MODES = {"120000": "a symbolic link", "160000": "a git submodule"}


def discover(repo_path, commit: str, suite: str, round_: str | None = None) -> tuple[list[FileRef], list[Skipped]]:
    """Files of `commit` that match the suite's layout (for inference, the round's: text logs before MLLOG); links
    and submodules there are reported, never followed."""
    scope = _SCOPE[suite]
    classify, kinds = _classifier(suite, suite == "inference" and round_ in TEXT_LOG_ROUNDS)
    repo = Repo(repo_path)
    try:
        # No -l: in a blob-less clone, asking for sizes would fetch every blob of the tree one by one.
        listing = repo.git.execute(["git", "ls-tree", "-r", "-z", "--full-tree", commit], strip_newline_in_stdout=False)
    finally:
        repo.close()
    files: list[FileRef] = []
    skipped: list[Skipped] = []
    scenario_folders: set[str] = set()
    unread: list[str] = []
    for record in listing.split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, _type, blob = meta.split()
        if mode in _LINK_MODES:
            if scope.match(path):
                skipped.append(Skipped(path, f"{_LINK_MODES[mode]}: not followed"))
            continue
        if suite == "inference" and (folder := _IN_SCENARIO.fullmatch(path)):
            scenario_folders.add(folder[1])
        match = classify.fullmatch(path)
        if match is not None and mode in _REGULAR:
            files.append(FileRef(path=path, blob=blob, kind=kinds[match.lastgroup]))
        else:
            unread.append(path)
    files = _without_endpoints_beside_loadgen(files)
    # a compliance test is not a result: a folder holding only TEST0x/ is still reported
    read = {_IN_SCENARIO.fullmatch(f.path)[1] for f in files
            if f.kind is not Kind.INFERENCE_COMPLIANCE and _IN_SCENARIO.fullmatch(f.path)}
    skipped += [Skipped(folder, "scenario folder without a file this round's results are read from (a detail log, "
                                "its text logs or endpoints files, accuracy.txt, spl.txt): not a result")
                for folder in sorted(scenario_folders - read)]
    return files, skipped + _outside_layout(suite, unread, files)


@cache
def _classifier(suite: str, text_logs: bool) -> tuple[re.Pattern, dict[str, Kind]]:
    """The suite's patterns (for inference with `text_logs`, the pre-MLLOG rounds') as one, each a named alternative,
    and the kind each name stands for. A path is matched once, not once per pattern (a round has some 50,000 paths,
    most of them matching none); the first pattern that matches wins, as the first alternative that matches does."""
    patterns = _PATTERNS[suite]
    if text_logs:
        patterns = [_TEXT_LOGS, *(p for p in patterns if p[1] is not Kind.INFERENCE_DETAIL)]
    kinds = {f"k{n}": kind for n, (_rx, kind) in enumerate(patterns)}
    return re.compile("|".join(f"(?P<k{n}>{rx.pattern})" for n, (rx, _kind) in enumerate(patterns))), kinds


def _without_endpoints_beside_loadgen(files: list[FileRef]) -> list[FileRef]:
    """A folder with a loadgen detail log is a loadgen result: an `accuracy/accuracy_results.json` there (AMD's
    v6.0 gpt-oss-120b folders carry one) is none of the endpoints harness's (the v6.1 checker reads a folder as
    endpoints only when it has no loadgen log)."""
    loadgen = {_IN_SCENARIO.fullmatch(f.path)[1] for f in files if f.kind in (Kind.INFERENCE_DETAIL, Kind.INFERENCE_TEXT_LOG)}
    return [f for f in files if f.kind is not Kind.INFERENCE_ENDPOINTS or _IN_SCENARIO.fullmatch(f.path)[1] not in loadgen]


def _outside_layout(suite: str, unread: list[str], files: list[FileRef]) -> list[Skipped]:
    """Folders under a submitter that hold files and give no row, said as rejects: a folder of the layout spelled
    with capitals (`Results/`: every round's checker reads lowercase names only), and in training a benchmark
    folder without a result log (inference reports its scenario folders above)."""
    misspelled: dict[str, int] = {}
    for path in unread:
        parts = path.split("/")
        for depth, names in _LAYOUT_FOLDERS[suite]:
            if depth < len(parts) - 1 and parts[depth].lower() in names and parts[depth] != parts[depth].lower():
                folder = "/".join(parts[:depth + 1])
                misspelled[folder] = misspelled.get(folder, 0) + 1
                break
    out = [Skipped(folder, f"folder {folder.rsplit('/', 1)[1]}/ is spelled with capitals and the layout's is "
                           f"{folder.rsplit('/', 1)[1].lower()}/: its {n} files are not read")
           for folder, n in sorted(misspelled.items())]
    if suite == "training":
        read = {m[1] for f in files if f.kind is Kind.TRAINING_LOG and (m := _BENCHMARK_FOLDER.fullmatch(f.path))}
        folders = {m[1] for path in unread if (m := _BENCHMARK_FOLDER.fullmatch(path))}
        out += [Skipped(folder, "benchmark folder without a result_*.txt log: not a result") for folder in sorted(folders - read)]
    return out
