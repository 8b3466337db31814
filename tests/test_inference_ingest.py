"""End to end on the inference fixtures; expected values read by hand from the files or published by MLCommons."""

from __future__ import annotations

import csv

import orjson
import pytest

from tests.conftest import FIXTURES

ORACLE = FIXTURES.parent / "oracles" / "inference_results_v4.1.official_rows.csv"
DELL = "closed/Dell/results/XE9680_H100_SXM_80GBx8_TRT"


def one(con, query: str, params=()):
    rows = con.execute(query, params).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def result(con, location: str, columns: str = "result, units", round_: str = "v4.1"):
    division, submitter, _results, system, benchmark, scenario_dir = location.split("/")
    return one(con, f"""
        select {columns} from inference_results
        where round = ? and division = ? and submitter = ? and system = ? and benchmark = ? and scenario_dir = ?""",
        [round_, division, submitter, system, benchmark, scenario_dir])


def test_every_published_v41_row_is_reproduced_exactly(inference_warehouse):
    con, _ = inference_warehouse
    with open(ORACLE, newline="") as f:
        oracle = list(csv.DictReader(f))
    assert len(oracle) == 68
    assert one(con, "select count(*) from inference_results where round = 'v4.1' and submitter <> 'Broken'") == (68,)
    for row in oracle:
        got = result(con, row["Location"], "result, units, model, scenario, accuracy_text, valid, invalid_reason, round, division, submitter, system, benchmark")
        assert got[:5] == (float(row["Performance_Result"]), row["Performance_Units"], row["Model"], row["Scenario"], row["Accuracy"]), row["Location"]
        assert got[5] is True, (row["Location"], got[6])
        power = con.execute("""
            select power_result, power_units from inference_power
            where round = ? and division = ? and submitter = ? and system = ? and benchmark = ? and scenario = ?""",
            list(got[7:]) + [row["Scenario"]]).fetchall()
        if row["Power_Result"]:
            assert power == [(float(row["Power_Result"]), row["Power_Units"])], row["Location"]
        else:
            assert power == []


def test_v30_headlines_by_scenario(inference_warehouse):
    con, _ = inference_warehouse
    # Server up to v4.0 is the *scheduled* rate (detail: 583674; completed is 583668).
    assert result(con, f"{DELL}/resnet50/Server", round_="v3.0") == (583674.0, "Queries/s")
    assert result(con, f"{DELL}/retinanet/Offline", round_="v3.0") == (12341.0, "Samples/s")
    # SingleStream: the early-stopping estimate 238835 ns, not the plain 90th percentile 238829 ns.
    assert result(con, "closed/rebellions/results/ATOM/resnet50/SingleStream", "result, units, latency_p90_ns", "v3.0") == (0.238835, "Latency (ms)", 238829)
    assert result(con, "closed/NVIDIA/results/Orin_TRT/resnet50/MultiStream", round_="v3.0") == (2.187731, "Latency (ms)")
    assert one(con, "select count(*), count(*) filter (where valid) from inference_results where round = 'v3.0'") == (22, 22)


def test_llm_tokens_and_token_latencies(inference_warehouse):
    con, _ = inference_warehouse
    got = result(con, f"{DELL}/llama2-70b-99/Server",
                 "result, units, completed_samples_per_second, ttft_p99_ns, tpot_p99_ns, qsl_rng_seed, sample_index_rng_seed, schedule_rng_seed")
    assert got[:5] == (21589.2, "Tokens/s", 74.4157, 473977293, 179798757)
    # unsigned 64-bit seeds, above the signed range: exact, as text (BI drivers read integers as signed 64-bit)
    assert got[5:] == ("3066443479025735752", "10688027786191513374", "14962580496156340209")
    assert result(con, "closed/NVIDIA/results/H200-SXM-141GBx1_TRT/gptj-99/Offline", "result_metric, units")[0] == "inferred_tokens_per_second"


def test_v30_power_keeps_every_sample_in_the_window(inference_warehouse):
    con, _ = inference_warehouse
    # Mean of the 653 spl.txt samples strictly inside power_begin..power_end, computed by hand.
    offline = one(con, """
        select average_watts, power_result, power_units, samples, performance_per_watt from inference_power
        where round = 'v3.0' and submitter = 'Qualcomm' and scenario = 'Offline'""")
    assert offline[:4] == (pytest.approx(516.559310872894, rel=1e-14), round(offline[0], 10), "Watts", 653)
    assert offline[4] == pytest.approx(106203 / 516.559310872894)
    # SingleStream: mJ per query = W × window s × 1000 / 1439041 queries.
    single = one(con, """
        select energy_per_query_mj, power_result, power_units, window_s from inference_power
        where round = 'v3.0' and submitter = 'Qualcomm' and scenario = 'SingleStream'""")
    assert single[0] == pytest.approx(90.2068505010628, rel=1e-13)
    assert single[1:] == (round(single[0], 10), "millijoules", 600.001)


def test_accuracy_metrics_and_targets(inference_warehouse):
    con, _ = inference_warehouse
    retinanet = one(con, """
        select value, target, met from inference_accuracy
        where round = 'v3.0' and submitter = 'Dell' and benchmark = 'retinanet' and scenario = 'Offline' and metric = 'mAP'""")
    assert retinanet == (37.549, 37.55 * 0.99, True)
    mixtral = dict(con.execute("""
        select metric, value from inference_accuracy
        where division = 'closed' and submitter = 'Sustainable_Metal_Cloud' and benchmark = 'mixtral-8x7b' and scenario = 'Offline'""").fetchall())
    assert (mixtral["gsm8k_accuracy"], mixtral["mbxp_accuracy"], mixtral["TOKENS_PER_SAMPLE"]) == (73.08, 59.86, 145.9)
    tokens = one(con, """
        select value, target, upper_limit, met from inference_accuracy
        where division = 'closed' and submitter = 'Dell' and benchmark = 'llama2-70b-99' and scenario = 'Offline' and metric = 'TOKENS_PER_SAMPLE'""")
    assert tokens == (290.1, 294.45 * 0.9, 294.45 * 1.1, True)
    # An open-division miss is recorded, and tolerated as the rules say.
    lcm = result(con, "open/NVIDIA/results/H200-SXM-141GBx1_TRT_LCM/stable-diffusion-xl/Offline", "accuracy_met, valid")
    assert lcm == (False, True)


def test_compliance_outcomes(inference_warehouse):
    con, _ = inference_warehouse
    tests = con.execute("""
        select test, verify, passed, reference_score, test_score from inference_compliance
        where round = 'v4.1' and submitter = 'Dell' and benchmark = 'bert-99.9' and scenario = 'Server' order by test, verify""").fetchall()
    assert tests == [
        ("TEST01", "accuracy", False, None, None),
        ("TEST01", "performance", True, 49611.75, 45638.66),
        ("TEST05", "performance", True, 49611.75, 47604.23),
    ]
    details = orjson.loads(one(con, """
        select details from inference_compliance where round = 'v4.1' and submitter = 'Dell'
        and benchmark = 'bert-99.9' and scenario = 'Server' and test = 'TEST01' and verify = 'accuracy'""")[0])
    assert details["num_perf_log_data_mismatch"] == 83
    assert result(con, f"{DELL}/bert-99.9/Server", "compliance_passed, valid") == (True, True)
    test04a = one(con, """
        select passed, reference_score, test_score from inference_compliance
        where test = 'TEST04-A' and system = 'A100-PCIe-80GBx1_TRT' and scenario = 'Offline'""")
    assert test04a == (True, 32288.1, 30662.2)
    tpu = one(con, "select passed from inference_compliance where submitter = 'Google' and test = 'TEST04' and scenario = 'Offline'")
    assert tpu == (True,)


def test_odd_systems_are_typed(inference_warehouse):
    con, _ = inference_warehouse
    systems = {r[0]: r[1:] for r in con.execute("""
        select system, status, availability, system_type, number_of_nodes, accelerators_per_node, host_processor_core_count,
               accelerators_total, is_network
        from systems where suite = 'inference'
        and system in ('SMC_H100_SXM_80GBX8_TRT', '8xMI300X_2xEPYC-TURIN', 'ATOM', 'NEUCHIPS-DLRM-AE01',
                       '1-node-2S-GNR-PyTorch', 'SUT_DGX_A100-SXM-80GBx8_CX6x8_TRT')""").fetchall()}
    assert systems["8xMI300X_2xEPYC-TURIN"] == ("preview", "preview", "datacenter", 1, 8, None, 8, None)  # core count "N/A"
    assert systems["ATOM"] == ("rdi", "rdi", "edge", 1, 1, None, 1, None)  # core count ""
    assert systems["NEUCHIPS-DLRM-AE01"][:2] == ("RDI", "rdi")
    assert systems["1-node-2S-GNR-PyTorch"][4:7] == (0, 128, 0)  # CPU-only, "0" accelerators
    assert systems["SUT_DGX_A100-SXM-80GBx8_CX6x8_TRT"][-1] is True  # is_network "True"
    smc = orjson.loads(one(con, "select raw_json from systems where system = 'SMC_H100_SXM_80GBX8_TRT'")[0])
    assert smc["network_speed_mbit"] == ""  # given twice; the last value is kept
    google = orjson.loads(one(con, "select raw_json from systems where system = 'tpu_v6_x4_flax'")[0])
    assert isinstance(google["other_software_stack"], dict)
    assert one(con, "select count(*) from systems where suite = 'inference' and round = 'v4.1' and submitter <> 'Broken'") == (112,)
    assert one(con, "select count(*) from systems where suite = 'inference' and round = 'v3.0'") == (231,)


def test_broken_inference_files_are_rejected(inference_warehouse):
    con, summary = inference_warehouse
    rejects = con.execute("select source_path, reason from rejects where suite = 'inference' order by source_path").fetchall()
    assert rejects == [
        ("closed/Broken/results/sys/resnet50/Offline/accuracy/accuracy.txt",
         "scenario folder has no readable performance/run_1/mlperf_log_detail.txt: not a result"),
        ("closed/Broken/results/sys/resnet50/Offline/performance/run_1/mlperf_log_detail.txt",
         "no MLLOG events: not a loadgen detail log (or an empty file)"),
        ("closed/Broken/systems/sys.json", rejects[2][1]),
    ]
    assert rejects[2][1].startswith("system description is not valid JSON")
    assert summary.failed == {}


def test_views(inference_warehouse):
    con, _ = inference_warehouse
    leader = one(con, """
        select system, result, units from inference_leaderboard
        where round = 'v4.1' and division = 'closed' and model = 'resnet' and scenario = 'Offline' and rank = 1""")
    assert leader == ("XE9680_H100_SXM_80GBx8_TRT", 709849.0, "Samples/s")
    fastest_ss = one(con, """
        select system from inference_leaderboard
        where round = 'v3.0' and division = 'closed' and model = 'resnet' and scenario = 'SingleStream' and rank = 1""")
    assert fastest_ss == ("ATOM",)
    per_accelerator = one(con, """
        select accelerators_total, result_per_accelerator from inference_per_accelerator
        where round = 'v4.1' and system = 'XE9680_H100_SXM_80GBx8_TRT' and model = 'resnet' and scenario = 'Offline'""")
    assert per_accelerator == (8, 709849.0 / 8)
    cpu = one(con, """
        select accelerators_total, sockets_total, result_per_accelerator, result_per_socket from inference_per_accelerator
        where round = 'v4.1' and system = '1-node-2S-GNR-PyTorch' and model = 'resnet' and scenario = 'Offline'""")
    assert cpu == (0, 2, None, 45617.3 / 2)
