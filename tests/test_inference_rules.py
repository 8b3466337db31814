"""Inference rules on real detail logs: inferred results and model keys."""

from __future__ import annotations

from tests.conftest import fixture_bytes
from transform.inference.detail_log import parse_inference_detail
from transform.inference.rules import model_key, published_result, rules_of
from transform.common.source import Source

ATOM_SS = "closed/rebellions/results/ATOM/resnet50/SingleStream/performance/run_1/mlperf_log_detail.txt"


def atom_singlestream() -> dict:
    source = Source("inference", "v3.0", ATOM_SS, "0" * 40)
    return parse_inference_detail(fixture_bytes(f"inference_results_v3.0/{ATOM_SS}"), source).row


def test_singlestream_run_in_its_own_folder():
    got = published_result(atom_singlestream(), rules_of("v3.0"), "resnet", "resnet50", "SingleStream")
    assert (got.value, got.metric, got.inferred, got.units) == (0.238835, "early_stopping_latency_ss_ns", False, "Latency (ms)")


def test_offline_and_multistream_inferred_from_a_singlestream_run():
    detail = atom_singlestream()
    # Offline from SingleStream: QPS without loadgen overhead, as logged.
    got = published_result(detail, rules_of("v3.0"), "resnet", "resnet50", "Offline")
    assert (got.value, got.metric, got.inferred, got.units) == (4226.11, "qps_without_loadgen_overhead", True, "Samples/s")
    # MultiStream from SingleStream: 8 samples per query × the 99th percentile early-stopping estimate.
    got = published_result(detail, rules_of("v3.0"), "resnet", "resnet50", "MultiStream")
    assert got.inferred and got.value == 255156 * 8 / 1e6


def test_model_keys():
    rules = rules_of("v4.1")
    assert model_key("resnet50", None, rules) == "resnet"
    assert model_key("neuralmagic_Llama-2-7b-chat-hf-FP8", {"neuralmagic_Llama-2-7b-chat-hf-FP8": "llama2-70b-99.9"}, rules) == "llama2-70b-99.9"
    assert model_key("mobilenet-v2-quantized", None, rules) == "resnet"
    assert model_key("bert-99.9-int8", None, rules) == "bert-99.9"
    assert model_key("llama2-70b-99", None, rules) == "llama2-70b-99"
