"""Parsers on real MLCommons bytes; expected values read by hand from the files."""

from __future__ import annotations

import orjson
import pytest

from tests.conftest import fixture_bytes
from transform.common.mllog import read_mllog
from transform.common.source import Source
from transform.common.system_json import parse_system
from transform.training.run_log import parse_training_log

SHA = "0" * 40
SSD_V40 = "Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"


def source(path: str, round_: str = "v4.0") -> Source:
    return Source(suite="training", round=round_, path=path, commit=SHA)


def test_mllog_reader_decodes_every_marker_line():
    data = fixture_bytes(f"training_results_v4.0/{SSD_V40}")
    log = read_mllog(data)
    assert log.bad_lines == []
    assert len(log.events) == data.count(b":::MLLOG")
    line_no, first = log.events[0]
    assert first["key"] == "cache_clear" and line_no == data[: data.index(b":::MLLOG")].count(b"\n") + 1


def test_mllog_reader_reports_garbled_lines_and_keeps_the_rest():
    data = b"noise\n0: :::MLLOG {\"key\": \"a\", \"value\": 1}\r\n:::MLLOG {\"key\": \n:::MLLOG [1]\n"
    log = read_mllog(data)
    assert [(n, e["key"]) for n, e in log.events] == [(2, "a")]
    assert [n for n, _ in log.bad_lines] == [3, 4]
    assert "not valid JSON" in log.bad_lines[0][1] and "no string 'key'" in log.bad_lines[1][1]


def test_training_log_run_values_match_the_file():
    parsed = parse_training_log(fixture_bytes(f"training_results_v4.0/{SSD_V40}"), source(SSD_V40))
    run = parsed.run
    assert parsed.rejects == []
    assert (run["submitter"], run["system"], run["benchmark"], run["run_index"]) == ("Dell", "XE9680x8H100-SXM-80GB", "ssd", 0)
    assert run["run_start_ms"] == 1695099787815 and run["run_stop_ms"] == 1695101968586
    assert run["time_to_train_minutes"] == (1695101968586 - 1695099787815) / 60 / 1000
    assert run["status"] == "success"
    assert run["final_eval_accuracy"] == 0.34492552200905263
    assert run["global_batch_size"] == 256
    assert run["optimizer"] == "adam"
    assert run["seed"] == 2558892819  # the first of the per-rank seeds
    assert run["log_division"] == "closed"
    assert orjson.loads(run["hyperparameters"])["global_batch_size"] == 256
    assert run["eval_count"] == len(parsed.evals) == 4
    assert parsed.evals[-1]["accuracy"] == 0.34492552200905263 and parsed.evals[-1]["epoch_num"] == 4


def test_maskrcnn_dict_accuracy_is_split():
    path = "Dell/results/XE9680x8H100-SXM-80GB/maskrcnn/result_0.txt"
    parsed = parse_training_log(fixture_bytes(f"training_results_v3.0/{path}"), source(path, "v3.0"))
    first = parsed.evals[0]
    assert first["accuracy"] is None
    assert (first["accuracy_bbox"], first["accuracy_segm"]) == (0.17192308752154198, 0.1741465310624268)
    assert orjson.loads(first["value_json"]) == {"BBOX": 0.17192308752154198, "SEGM": 0.1741465310624268}
    assert parsed.run["final_eval_accuracy"] is None
    assert set(orjson.loads(parsed.run["final_eval_json"])) == {"BBOX", "SEGM"}


def test_aborted_run_keeps_its_status():
    path = "Dell/results/XE9680x8H100-SXM-80GB/resnet/result_1.txt"
    run = parse_training_log(fixture_bytes(f"training_results_v3.0/{path}"), source(path, "v3.0")).run
    assert run["status"] == "aborted"
    assert run["time_to_train_minutes"] == (1683610660185 - 1683609810036) / 60 / 1000
    assert run["base_learning_rate"] is not None  # resnet logs lars_opt_base_learning_rate


def test_truncated_log_is_rejected_with_a_reason():
    data = fixture_bytes(f"training_results_v4.0/{SSD_V40}")
    parsed = parse_training_log(data[: len(data) // 2], source(SSD_V40))
    assert parsed.run is None
    reasons = [r["reason"] for r in parsed.rejects]
    assert any("no run_stop event" in r for r in reasons)


def test_system_json_counts_are_typed():
    path = "Dell/systems/XE9680x8H100-SXM-80GB.json"
    row, rejects = parse_system(fixture_bytes(f"training_results_v3.0/{path}"), source(path, "v3.0"))
    assert rejects == []
    assert row["division"] == "closed" and row["submitter"] == "Dell" and row["system"] == "XE9680x8H100-SXM-80GB"
    assert (row["number_of_nodes"], row["accelerators_per_node"], row["accelerators_total"]) == (1, 8, 8)
    assert (row["host_processors_per_node"], row["host_processor_core_count"]) == (2, 52)
    assert row["accelerator_model_name"] == "NVIDIA H100-SXM5-80GB"
    assert row["host_memory_capacity"] == "1.024 TB"
    assert (row["status"], row["availability"]) == ("onprem", "available")
    assert orjson.loads(row["raw_json"])["other_software_stack"][0]["cuda_version"] == "12.0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("8", 8), (" 8 ", 8), (8, 8), (8.0, 8), ("N/A", None), ("", None), ("4 (big); 4 (LITTLE)", None), (True, None)],
)
def test_system_json_integer_rules(raw, expected):
    doc = {"division": "closed", "number_of_nodes": raw}
    row, _ = parse_system(orjson.dumps(doc), source("X/systems/s.json"))
    assert row["number_of_nodes"] == expected


def test_system_json_that_is_not_an_object_is_rejected():
    row, rejects = parse_system(b"[1, 2]", source("X/systems/s.json"))
    assert row is None and "not an object" in rejects[0]["reason"]
    row, rejects = parse_system(b'{"a": ', source("X/systems/s.json"))
    assert row is None and "not valid JSON" in rejects[0]["reason"]
