"""Training v0.5 (`:::MLPv0.5.0` logs under v0.5.0/) and v0.6 (`:::MLL` logs) through the real discovery and
parsers, in process, on the fixtures; expected values read from the files (see each fixture's SOURCE.md)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from extract.discover import Kind, discover
from extract.read_blobs import read_blobs
from tests.conftest import FIXTURES, fixture_bytes, make_repo
from transform.common.parse_files import parse_files
from transform.common.source import Source
from transform.common.tables import build_tables
from transform.training.legacy_log import V06_MARKER, parse_legacy_log

V05 = FIXTURES / "training_results_v0.5"
GNMT_V05 = "v0.5.0/google/cloud_v2.8/gnmt-tpuv2-8/results/tpu/gnmt"
INTEL_MINIGO = "Intel/results/clx-8260l-2s-x32/minigo"
NVIDIA_MINIGO = "NVIDIA/results/dgx1_ngc19.05_tensorflow/minigo"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = {}
    for round_ in ("v0.5", "v0.6"):
        repo = make_repo(tmp_path_factory.mktemp(round_) / "repo", f"training_results_{round_}")
        path, commit = Path(repo.working_tree_dir), repo.head.commit.hexsha
        files, _ = discover(path, commit, "training")
        tables, rejects = build_tables([parse_files("training", round_, commit, read_blobs(path, files, 1 << 30), 1 << 30)])
        out[round_] = files, tables, rejects
    return out


def _seconds(path: Path, key: str) -> float:
    line = next(l for l in path.read_text().splitlines() if f") {key}" in l)
    return float(line.split()[2])


def test_v05_layout_is_discovered(built):
    files, _, _ = built["v0.5"]
    logs = [f.path for f in files if f.kind is Kind.TRAINING_LOG]
    assert len(logs) == len(list(V05.glob("v0.5.0/**/result_*.txt"))) == 145
    assert sum(f.kind is Kind.TRAINING_ENTRY for f in files) == len(list(V05.glob("v0.5.0/**/entry.json")))


def test_every_v05_log_is_a_run_named_by_its_submission(built):
    _, tables, rejects = built["v0.5"]
    runs = tables["training_runs"]
    assert runs.height == 145 and not [r for r in rejects if r["stage"] != "discover"]
    gnmt = runs.filter(system="cloud_v2.8:gnmt-tpuv2-8:tpu").sort("run_index")
    assert gnmt.height == 10 and gnmt["submitter"].unique().to_list() == ["google"]
    first = V05 / GNMT_V05 / "result_0.txt"
    assert gnmt["time_to_train_minutes"][0] == pytest.approx((_seconds(first, "run_stop") - _seconds(first, "run_start")) / 60, abs=1e-9)
    assert gnmt["source_path"][0] == f"{GNMT_V05}/result_0.txt" and gnmt["division"][0] == "closed"
    ncf = runs.filter(benchmark="ncf")["status"].value_counts().sort("status")
    assert ncf.rows() == [("aborted", 45), ("success", 55)]
    assert runs.filter(system="research_v3.32:ssd-tpuv3-32:tpu")["status"].to_list() == ["success"] * 5  # "true", a string
    assert runs.filter(system="submission:dgx1_ngc18.11_mxnet")["status"].null_count() == 5  # run_stop without a value
    evals = tables["training_evals"].filter(system="submission:dgx1_ngc18.11_pytorch", benchmark="ssd", run_label="0")
    assert evals["accuracy"][-1] > 0.212 and evals["epoch_num"][0] == 32


def test_v05_systems_come_from_entry_json(built):
    _, tables, _ = built["v0.5"]
    systems = tables["systems"]
    dgx = systems.filter(system="submission:dgx1_ngc18.11_pytorch").row(0, named=True)
    assert (dgx["submitter"], dgx["division"], dgx["accelerators_per_node"], dgx["accelerator_model_name"]) == (
        "nvidia", "closed", 8, "Tesla V100-SXM2-16GB")
    assert set(tables["training_runs"]["system"]) <= set(systems["system"])


def test_v05_scores_are_the_olympic_mean_of_the_start_to_stop_times(built):
    _, tables, _ = built["v0.5"]
    score = tables["training_scores"].filter(system="cloud_v2.8:gnmt-tpuv2-8:tpu").row(0, named=True)
    times = sorted((_seconds(p, "run_stop") - _seconds(p, "run_start")) / 60 for p in (V05 / GNMT_V05).glob("result_*.txt"))
    assert score["runs_counted"] == 8 and score["score_minutes"] == pytest.approx(sum(times[1:-1]) / 8, abs=1e-9)
    assert score["source_path"] == GNMT_V05


def test_v06_python_syntax_payloads_load(built):
    _, tables, _ = built["v0.6"]
    runs = tables["training_runs"].filter(benchmark="minigo", submitter="Intel")
    assert runs.height == 10 and runs["mllog_bad_lines"].min() >= 1  # 1-3 lines per file decode neither way
    assert runs["mllog_events"].min() > 1900 and runs["eval_count"].min() > 0  # about 2,000 Python-syntax payloads each


def test_v06_minigo_is_timed_by_eval_result(built):
    """The v0.6 score.yaml's time for MiniGo: eval_result metadata.timestamp (also where the log has no run_stop)."""
    _, tables, _ = built["v0.6"]
    runs = tables["training_runs"]
    intel = runs.filter(system="clx-8260l-2s-x32").sort("run_index")["time_to_train_minutes"].to_list()
    stated = [746.014, 749.586, 896.495, 943.636, 1040.279, 850.193, 892.016, 848.149, 860.346, 885.82]
    assert intel == pytest.approx([s / 60 for s in stated], abs=1e-6)
    nvidia = runs.filter(system="dgx1_ngc19.05_tensorflow", benchmark="minigo").sort("run_index")
    stated = [1725.869, 1756.332, 1480.295, 1908.321, 1382.856, 1462.504, 1775.855, 1647.818, 1546.848, 1752.751]
    assert nvidia["time_to_train_minutes"].to_list() == pytest.approx([s / 60 for s in stated], abs=1e-6)
    scores = tables["training_scores"].filter(benchmark="minigo").sort("submitter")
    assert scores["score_minutes"].to_list() == pytest.approx([865.780125 / 60, 1643.534 / 60], abs=1e-6)


def test_v06_scores_every_folder_with_mll_logs(built):
    _, tables, rejects = built["v0.6"]
    scores = tables["training_scores"]
    folders = {str(p.parent.relative_to(FIXTURES / "training_results_v0.6"))
               for p in (FIXTURES / "training_results_v0.6").glob("*/results/*/*/result_*.txt") if V06_MARKER in p.read_bytes()}
    assert set(scores.filter(pl.col("valid"))["source_path"]) == folders
    mask = tables["training_evals"].filter(benchmark="mask").drop_nulls("accuracy_bbox")
    assert mask.height > 0 and mask["accuracy_segm"].null_count() == 0  # [box, mask] lists split as BBOX/SEGM
    alibaba = [r for r in rejects if r["source_path"].startswith("Alibaba/results/sinian/resnet/")]
    assert len(alibaba) == 5  # not a :::MLL log: each file a reject, nothing silently dropped


def test_v06_system_descriptions_of_every_form(built):
    _, tables, _ = built["v0.6"]
    systems = {r["system"]: r for r in tables["systems"].iter_rows(named=True)}
    nvidia = systems["dgx1_n130_ngc19.05_mxnet"]  # MLL payload lines, the entry a Python dict
    assert (nvidia["number_of_nodes"], nvidia["accelerators_per_node"], nvidia["accelerators_total"]) == (130, 8, 1040)
    assert systems["clx-8260l-2s-x32"]["number_of_nodes"] == 32  # Intel's "number of nodes"
    assert systems["abci_2048xV100_mxnet"]["accelerators_total"] == 2048  # Fujitsu's entry schema
    assert systems["sinian"]["submitter"] == "Alibaba"  # results/sinian/entry.json


def test_a_garbled_v06_line_is_a_reject_and_the_rest_loads():
    path = f"{INTEL_MINIGO}/result_0.txt"
    data = fixture_bytes(f"training_results_v0.6/{path}") + b"\n:::MLL 1560875623.0 tracked_stats: {value: [\n"
    parsed = parse_legacy_log(data, Source("training", "v0.6", path, "0" * 40), V06_MARKER)
    assert parsed.run is not None and parsed.run["source_path"] == path
    assert any("neither JSON nor a Python literal" in r["reason"] for r in parsed.rejects)
    assert all(r["source_path"] == path for r in parsed.rejects)
