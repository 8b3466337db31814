"""The pre-MLLOG (v0.5, v0.7) and endpoints (v6.1) readers, and MLCommons' own tables as a check, on the real
fixture files: parsers in-process, and one ingest of the four fixtures for the reconciliation."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import orjson
import pytest

from extract.discover import FileRef, Kind, discover
from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import FIXTURES, fixture_bytes, make_repo, url
from transform.common.official_results import location_key, parse_official_table
from transform.common.parse_files import parse_files
from transform.common.source import Source
from transform.common.tables import build_tables
from transform.common.rules import round_rules
from transform.inference.endpoints import endpoints_compliance_passed, endpoints_skipped, parse_audit, parse_result_summary
from transform.inference.pre_mllog import parse_summary_log
from transform.common.schemas import TABLES
from warehouse.publish import create_views

V61_VR = "closed/NVIDIA/results/VR-NVL72_VR-288GB_aarch64x72_TRT/deepseek-r1"
# INFO:main:Results <folder> <value>, as the v0.7 submission checker prints each result it accepts
_CHECKER_RESULT = re.compile(r"INFO:main:Results (\S+/results/\S+) ([\d.eE+-]+)$", re.MULTILINE)


def _built(round_: str, fixture: str, folder: str):
    """The tables of every file of one fixture folder, through discovery and the real parse and build."""
    paths = sorted(p for p in (FIXTURES / fixture).rglob("*") if p.is_file() and str(p.relative_to(FIXTURES / fixture)).startswith(folder))
    kinds = _kinds(fixture, round_)
    refs = [(FileRef(str(p.relative_to(FIXTURES / fixture)), "0" * 40, kinds[str(p.relative_to(FIXTURES / fixture))]), p.stat().st_size, p.read_bytes())
            for p in paths if str(p.relative_to(FIXTURES / fixture)) in kinds]
    return build_tables([parse_files("inference", round_, "0" * 40, refs, 64 << 20)])


_KINDS: dict = {}


def _kinds(fixture: str, round_: str) -> dict[str, Kind]:
    """Discovery's classification of the fixture's files (the fixture committed once to a scratch repository)."""
    if fixture not in _KINDS:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            repo = make_repo(Path(tmp) / fixture, fixture)
            files, _ = discover(repo.working_tree_dir, repo.head.commit.hexsha, "inference", round_)
            repo.close()
        _KINDS[fixture] = {f.path: f.kind for f in files}
    return _KINDS[fixture]


def _row(tables, **where) -> dict:
    rows = tables["inference_results"].filter(**where).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_summary_log_is_read_as_the_checker_reads_it():
    facts = parse_summary_log(fixture_bytes(
        "inference_results_v0.7/closed/NVIDIA/results/A100-PCIex1_TRT/resnet50/SingleStream/performance/run_1/mlperf_log_summary.txt"))
    assert facts["effective_scenario"] == "SingleStream"  # "Single Stream"
    assert (facts["latency_p90_ns"], facts["qps_without_loadgen_overhead"], facts["result_validity"]) == (518641, 1948.75, "VALID")
    assert facts["qsl_rng_seed"] == "12786827339337101903" and facts["performance_sample_count"] == 2048
    multi = parse_summary_log(fixture_bytes(
        "inference_results_v0.7/closed/NVIDIA/results/AGX_Xavier_TRT/ssd-mobilenet/MultiStream/performance/run_1/mlperf_log_summary.txt"))
    assert (multi["samples_per_query"], multi["query_latency_p99_ns"], multi["latency_p99_ns"]) == (107, 43732370, 43492381)
    assert parse_summary_log(b"no summary here") is None


def test_v07_server_takes_the_last_of_five_runs_as_its_checker_logs_it():
    # runs say 1278.85 ×3, 1258.87, 1248.88; the DellEMC checker log says 1248.88
    logs = fixture_bytes("inference_results_v0.7/closed/DellEMC/results/submission_checker_log.txt").decode()
    folder = "closed/DellEMC/results/R7515_T4x4_TRT/bert-99/Server"
    assert f"INFO:main:Results {folder} 1248.88" in logs
    tables, rejects = _built("v0.7", "inference_results_v0.7", folder)
    row = _row(tables, scenario_dir="Server")
    assert (row["result"], row["units"], row["valid"]) == (1248.88, "Queries/s", True)
    assert row["source_path"] == f"{folder}/performance/run_5/mlperf_log_summary.txt"
    assert (row["loadgen_version"], row["error_count"]) == (".5a1 @ f41dbd6f18", 0)
    assert not [r for r in rejects if r["round"] == "v0.7"]


def test_v07_fixture_results_equal_the_checker_logs():
    """Every v0.7 fixture folder the round's checker logs name: our result is a value the checker printed there
    (some logs are stale re-runs, so a folder may have two values; SingleStream in ms as the checker prints)."""
    printed: dict[str, set[float]] = {}
    for path in (FIXTURES / "inference_results_v0.7").rglob("*"):
        if path.is_file() and path.suffix in (".txt", ".log") and "checker" in path.name:
            for folder, value in _CHECKER_RESULT.findall(path.read_text(errors="replace")):
                printed.setdefault(folder, set()).add(float(value))
    tables, _ = _built("v0.7", "inference_results_v0.7", "")
    compared = 0
    for row in tables["inference_results"].to_dicts():
        folder = "/".join([row["division"], row["submitter"], "results", row["system"], row["benchmark"], row["scenario_dir"]])
        if folder in printed and row["result"] is not None:
            assert row["result"] in printed[folder], (folder, row["result"], printed[folder])
            compared += 1
    assert compared >= 9


def test_v05_run_folders_follow_its_checker():
    # Tencent's Server runs are run_0..run_4: the checker reads run_1..run_5 and keeps the last it finds, run_4;
    # its Offline logs sit in performance/ itself; Google's lower-case `server` folder has only run_1 read
    tencent = "closed/Tencent/results/clx-8255c-4s_pytorch-caffe2/resnet50"
    tables, rejects = _built("v0.5", "inference_results_v0.5", tencent)
    server = _row(tables, scenario_dir="server")
    assert (server["result"], server["source_path"]) == (4021.94, f"{tencent}/server/performance/run_1/mlperf_log_summary.txt")
    offline = _row(tables, scenario_dir="offline")
    assert (offline["result"], offline["units"], offline["source_path"]) == (5169.27, "Samples/s", f"{tencent}/offline/performance/mlperf_log_summary.txt")
    nvidia = "closed/NVIDIA/results/T4x8/resnet/Server"
    tables, _ = _built("v0.5", "inference_results_v0.5", nvidia)
    row = _row(tables, scenario_dir="Server")
    assert (row["result"], row["source_path"]) == (41546.64, f"{nvidia}/performance/run_5/mlperf_log_summary.txt")
    # ERROR lines only warn in v0.5 ("Loadgen built with uncommitted changes", "Ending early: Ran out of …")
    qualcomm = "closed/Qualcomm/results/SDM855/resnet/SingleStream"
    tables, _ = _built("v0.5", "inference_results_v0.5", qualcomm)
    row = _row(tables, scenario_dir="SingleStream")
    assert (row["result"], row["units"], row["error_count"], row["valid"]) == (8.951407, "Latency (ms)", 0, True)
    assert row["warning_count"] >= 1


def test_pre_mllog_rounds_discover_every_run_and_no_mllog_detail():
    kinds = _kinds("inference_results_v0.7", "v0.7")
    folder = "closed/DellEMC/results/R7515_T4x4_TRT/bert-99/Server/performance"
    assert {kinds.get(f"{folder}/run_{n}/mlperf_log_{log}.txt") for n in range(1, 6) for log in ("summary", "detail")} == {Kind.INFERENCE_TEXT_LOG}
    assert Kind.INFERENCE_DETAIL not in kinds.values()
    assert kinds["open/DellEMC/summary.csv"] is Kind.OFFICIAL_TABLE


def test_endpoints_result_summary_maps_to_loadgen_keys():
    facts = parse_result_summary(fixture_bytes(f"inference_results_v6.1/{V61_VR}/Server/performance/result_summary.json"))
    assert facts["completed_tokens_per_second"] == 1175890.2208168241
    assert facts["completed_samples_per_second"] == 310.0842360889801
    assert (facts["ttft_p99_ns"], facts["tpot_p99_ns"]) == (304652135, 48224073)  # early-stopping percentiles
    assert (facts["target_qps"], facts["query_count"], facts["result_validity"]) == (325.0, 600000, "VALID")
    assert facts["schedule_rng_seed"] == "16159082839903944936"
    assert parse_result_summary(b'{"duration_ns": "x"}') is None
    assert parse_result_summary(b"[]") is None


def test_endpoints_results_equal_their_official_rows():
    official = orjson.loads(fixture_bytes("inference_results_v6.1/summary.json"))
    tables, rejects = _built("v6.1", "inference_results_v6.1", V61_VR)
    assert not rejects
    for scenario in ("Offline", "Server", "Interactive"):
        published = next(r for r in official.values() if r["Location"] == f"./{V61_VR}/{scenario}/performance/run_1")
        row = _row(tables, scenario_dir=scenario)
        assert row["result"] == pytest.approx(published["Result"], rel=1e-12), scenario  # Server: 1 ulp apart
        assert (row["units"], row["accuracy_text"], row["valid"]) == (published["Units"], published["Accuracy"], True)
        assert row["min_duration_ms"] == {"Offline": 5400000, "Server": 1800000, "Interactive": 1500000}[scenario]
    accuracy = tables["inference_accuracy"].filter(scenario="Server").to_dicts()
    assert [(a["metric"], a["value"]) for a in accuracy] == [("accuracy_score", 81.42661804922516)]


def test_endpoints_results_skip_the_checks_their_checker_skips():
    rules = round_rules("inference", "v6.1")
    endpoints = {"source_path": f"{V61_VR}/Server/performance/result_summary.json"}
    loadgen = {"source_path": "closed/x/results/s/deepseek-r1/Server/performance/run_1/mlperf_log_detail.txt"}
    assert endpoints_skipped(endpoints, rules) == {"performance_sample_count", "min_queries", "offline_samples_per_query", "qsl_rng_seed"}
    assert endpoints_skipped(loadgen, rules) == set()
    # deepseek-r1 needs TEST06; an endpoints submission needs an audit file for TEST04 only, and one that is
    # there must pass
    assert rules["models"]["deepseek-r1"]["compliance"] == ["TEST06"]
    assert endpoints_compliance_passed({}, rules, ["TEST06"], {}) is True
    assert endpoints_compliance_passed({}, rules, ["TEST06"], {("TEST06", "audit"): [False]}) is False
    assert endpoints_compliance_passed({}, rules, ["TEST04"], {}) is False
    assert endpoints_compliance_passed({}, rules, ["TEST04"], {("TEST04", "audit"): [True]}) is True
    assert endpoints_compliance_passed({}, rules, [], {}) is None


def test_an_endpoints_output_length_test_bounds_the_mean_output_tokens():
    """TEST09 of an endpoints result (gpt-oss-120b): output_sequence_lengths.avg within [TEST09_LOW, TEST09_HIGH];
    the real deepseek-r1 Server result_summary.json's mean, and the same facts moved inside the bounds."""
    facts = parse_result_summary(fixture_bytes(f"inference_results_v6.1/{V61_VR}/Server/performance/result_summary.json"))
    rules = round_rules("inference", "v6.1")
    bounds = rules["endpoints"]["output_length"]
    outside = not bounds["low"] <= facts["mean_output_tokens"] <= bounds["high"]
    assert facts["mean_output_tokens"] > 0 and endpoints_compliance_passed(facts, rules, ["TEST09"], {}) is not outside
    assert endpoints_compliance_passed({**facts, "mean_output_tokens": bounds["low"]}, rules, ["TEST09"], {}) is True
    assert endpoints_compliance_passed({**facts, "mean_output_tokens": bounds["high"] + 0.01}, rules, ["TEST09"], {}) is False
    assert endpoints_compliance_passed({**facts, "mean_output_tokens": None}, rules, ["TEST09"], {}) is False


def test_an_endpoints_audit_file_passes_when_its_checker_would_load_it():
    """compliance_endpoints_check: {"test": <its name>, "passed": true}. No audit file of v6.1 is readable here:
    the bytes are written as that check reads them."""
    path = "closed/x/results/s/wan-2.2-t2v-a14b/SingleStream/audit/audit_output_caching_test.json"
    source = Source("inference", "v6.1", path, "0" * 40)
    row = parse_audit(b'{"test": "output_caching_test", "passed": true}', source)
    assert (row["test"], row["verify"], row["passed"], row["scenario_dir"]) == ("TEST04", "audit", True, "SingleStream")
    assert parse_audit(b'{"test": "consistency_output_test", "passed": true}', source)["passed"] is False
    assert parse_audit(b'{"test": "output_caching_test", "passed": "yes"}', source)["passed"] is False
    assert parse_audit(b"[]", source)["passed"] is False
    from extract.discover import _INFERENCE  # discovery reads it as a compliance file
    assert [k for rx, k in _INFERENCE if rx.fullmatch(path)] == [Kind.INFERENCE_COMPLIANCE]


def test_an_endpoints_folder_without_its_result_summary_is_a_reject():
    tables, rejects = _built("v6.1", "inference_results_v6.1", f"{V61_VR}/Offline/config.yaml")
    assert tables["inference_results"].height == 0
    assert [(r["source_path"].rsplit("/", 1)[1], r["stage"]) for r in rejects] == [("config.yaml", "parse")]


def test_official_tables_parse_as_published():
    source = Source("inference", "v5.1", "summary_results.json", "0" * 40)
    rows, rejects = parse_official_table(fixture_bytes("inference_results_v5.1/summary_results.json"), source)
    assert (len(rows), rejects) == (1448, [])
    amd = next(r for r in rows if r["row_id"] == "5.1-0001")
    assert (amd["location"], amd["result"], amd["units"], amd["scenario"]) == (
        "closed/AMD/results/8xMI300X_2xEPYC_9575F/llama2-70b-99/Interactive", 8840.42, "Tokens/s", "Interactive")
    assert sum(r["power_result"] is not None for r in rows) == 24
    rows, rejects = parse_official_table(fixture_bytes("inference_results_v6.1/summary.json"),
                                         Source("inference", "v6.1", "summary.json", "0" * 40))
    assert (len(rows), rejects) == (492, [])
    assert next(r for r in rows if r["row_id"] == "324")["location"] == f"{V61_VR}/Interactive"
    csv_source = Source("inference", "v0.7", "open/DellEMC/summary.csv", "0" * 40)
    rows, rejects = parse_official_table(fixture_bytes("inference_results_v0.7/open/DellEMC/summary.csv"), csv_source)
    assert [(r["location"].rsplit("/", 1)[1], r["result"], r["units"]) for r in rows][:2] == [("Offline", 6015.8, None), ("Server", 5802.01, None)]


def test_an_official_table_that_does_not_parse_is_a_reject():
    source = Source("inference", "v5.1", "summary_results.json", "0" * 40)
    whole = fixture_bytes("inference_results_v5.1/summary_results.json")
    rows, rejects = parse_official_table(whole[: len(whole) // 2], source)
    assert rows == [] and [r["stage"] for r in rejects] == ["parse"]
    rows, rejects = parse_official_table(b'[{"Location": "closed/x", "Performance_Result": 1.0}]', source)
    assert rows == [] and "Location" in rejects[0]["reason"]
    rows, rejects = parse_official_table(b'{"0": {"Location": "./a/b/results/c/d/Offline", "Result": "n/a"}}',
                                         Source("inference", "v6.1", "summary.json", "0" * 40))
    assert rows == [] and "not a number" in rejects[0]["reason"]


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("formats")
    repos = [make_repo(root / "upstream" / f"inference_results_{r}", f"inference_results_{r}") for r in ("v0.5", "v0.7", "v5.1", "v6.1")]
    settings = Settings(db_path=root / "w.duckdb", cache_dir=root / "cache", repos=tuple(url(r) for r in repos), sync_retries=0)
    summary = ingest(settings)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    yield con, summary, settings
    con.close()


def test_reconciliation_on_the_fixtures(reconciled):
    con, summary, _ = reconciled
    counts = {e["round"]: e for e in summary.official}
    assert counts["v5.1"]["official"] == 1448 and counts["v6.1"]["official"] == 492
    # the v6.1 fixture holds the three endpoints folders of the Vera Rubin system; all equal
    assert con.execute("select verdict, count(*) from reconciliation where round = 'v6.1' group by all order by 1").fetchall() == [
        ("equal", 3), ("only official", 489)]
    assert con.execute("select distinct accuracy_equal, power_equal from reconciliation where round = 'v6.1' and verdict = 'equal'").fetchall() == [(True, None)]
    # v5.1: an official row can be reproduced only where its folder is in the fixture
    present = {row[0] for row in con.execute("""select division || '/' || submitter || '/results/' || system || '/' || benchmark
        || '/' || scenario_dir from inference_results where round = 'v5.1'""").fetchall()}
    for location, verdict in con.execute("select location, verdict from reconciliation where round = 'v5.1'").fetchall():
        assert (verdict == "only official") == (location not in present) or verdict == "only ours", location
    # v0.7 has no round table: the checker csv of two submitters covers only them
    assert con.execute("select distinct submitter from reconciliation where round = 'v0.7'").fetchall() == [("DellEMC",), ("InAccel",)]
    assert ("v0.5" not in counts) and "official results reproduced" in summary.text(Path("w.duckdb"))


def test_a_bare_number_official_accuracy_is_compared_with_our_first_metric(reconciled):
    """The csv files of older checkers print the first metric's value alone: "0.86112" where ours is "DICE: 0.86112"
    (whole v4.1: 26 official rows). The fixtures' tables all name their metrics, so one equal v5.1 row is given
    other spellings of its official accuracy, in a copy of the warehouse."""
    con, _, settings = reconciled
    location, ours = con.execute("""select location, accuracy_text from reconciliation where round = 'v5.1'
        and verdict = 'equal' and accuracy_equal and accuracy_text like '%: %' order by location limit 1""").fetchone()
    first = ours.split(":", 1)[1].split()[0]
    with duckdb.connect() as copy:
        copy.execute("ATTACH ? AS published (READ_ONLY)", [str(settings.db_path)])
        for table in TABLES:
            copy.execute(f"create table {table} as select * from published.{table}")
        create_views(copy)

        def accuracy_equal(official: str) -> bool | None:
            copy.execute("update official_results set accuracy_text = ? where round = 'v5.1' and location = ?",
                         [official, location])
            return copy.execute("select accuracy_equal from reconciliation where round = 'v5.1' and location = ?",
                                [location]).fetchone()[0]

        assert accuracy_equal(first) is True
        assert accuracy_equal(f"{float(first) + 1}") is False  # another number
        assert accuracy_equal(ours.replace(first, "0", 1)) is False  # named, another value
        assert accuracy_equal(ours) is True


def test_pre_mllog_rounds_load_their_results(reconciled):
    con, _, _ = reconciled
    # every scenario folder of the two fixtures (15 each); MultiStream's legacy metric is the rules' to name
    assert con.execute("""
        select round, count(*), count(result) filter (where scenario <> 'MultiStream'), count(*) filter (where scenario <> 'MultiStream')
        from inference_results where round in ('v0.5', 'v0.7') group by round order by round""").fetchall() == [
        ("v0.5", 15, 12, 12), ("v0.7", 15, 13, 13)]
    assert con.execute("select count(*) from rejects where round in ('v0.5', 'v0.7')").fetchall() == [(0,)]


def test_status_prints_the_reproduced_counts(reconciled):
    from warehouse.status import status
    _, _, settings = reconciled
    text = status(settings.db_path)
    assert "Official results reproduced" in text and "First disagreements" in text


def test_v60_fixture_reproduces_its_official_rows():
    """The v6.0 layout: compliance tests in each scenario folder (judged where the round's checker looks), scenario
    folders in lower case (Krai), a loadgen folder carrying accuracy_results.json (AMD 94xMI355X gpt-oss-120b): every
    official row of the fixture's folders equal in value, units and accuracy text, and valid."""
    official = {location_key(r["Location"]): r for r in orjson.loads(fixture_bytes("inference_results_v6.0/summary_results.json"))}
    tables, rejects = _built("v6.0", "inference_results_v6.0", "closed")
    assert not [r for r in rejects if "accuracy_results.json" in r["source_path"]]
    rows = tables["inference_results"].to_dicts()
    compared = 0
    for row in rows:
        location = f"{row['division']}/{row['submitter']}/results/{row['system']}/{row['benchmark']}/{row['scenario_dir']}"
        published = official.get(location)
        if published is None:
            continue
        compared += 1
        assert row["result"] == pytest.approx(published["Performance_Result"], rel=1e-9), location
        assert (row["units"], row["accuracy_text"], row["valid"], row["compliance_passed"]) == (
            published["Performance_Units"], published["Accuracy"], True, True), location
    assert compared == len(rows) == 18 and {r["scenario_dir"] for r in rows if r["submitter"] == "Krai"} == {"offline", "singlestream"}
    compliance = tables["inference_compliance"].to_dicts()
    assert compliance and all("/results/" in c["source_path"] for c in compliance)
    assert {c["test"] for c in compliance} >= {"TEST07", "TEST09"} and "output_len" in {c["verify"] for c in compliance}


def test_an_endpoints_singlestream_result_takes_the_field_its_rules_name():
    """No endpoints SingleStream folder of v6.1 is readable here: the real deepseek-r1 Server result_summary.json,
    read as a wan-2.2 SingleStream folder's, gives the mean latency (RESULT_FIELD_ENDPOINTS) in seconds (ns / 1e6
    / 1000, as the checker divides), and as any other model's, in ms."""
    from transform.inference.rules import published_result
    facts = parse_result_summary(fixture_bytes(f"inference_results_v6.1/{V61_VR}/Server/performance/result_summary.json"))
    rules = round_rules("inference", "v6.1")
    for model, units, seconds in (("wan-2.2-t2v-a14b", "Latency (s)", True), ("qwen3-vl-235b-a22b", "Latency (ms)", False)):
        detail = {**facts, "effective_scenario": None,
                  "source_path": f"closed/x/results/s/{model}/SingleStream/performance/result_summary.json"}
        published = published_result(detail, rules, model, model, "SingleStream")
        expected = facts["latency_mean_ns"] / 1_000_000 / (1000 if seconds else 1)
        assert (published.value, published.units, published.metric) == (expected, units, "latency_mean_ns"), model


def test_a_wrong_value_on_a_result_we_judge_invalid_counts_as_different(reconciled, tmp_path):
    from warehouse.reconciliation import describe, reproduced
    _, _, settings = reconciled
    db = tmp_path / "w.duckdb"
    db.write_bytes(settings.db_path.read_bytes())
    with duckdb.connect(str(db)) as con:
        con.execute(f"""update inference_results set result = result * 2, valid = false, invalid_reason = 'x'
                        where round = 'v6.1' and scenario_dir = 'Server' and system = '{V61_VR.split("/")[3]}'""")
    [entry] = reproduced(db, ["v6.1"])
    assert (entry["reproduced"], entry["different"], entry["ours_invalid"]) == (2, 1, 1)
    assert describe(entry)[1].startswith(f"    different and ours invalid: {V61_VR}/Server: official 1.17589e+06 Tokens/s")


def test_a_submitter_table_speaks_for_its_own_folders_only():
    """DellEMC's real checker csv committed under another submitter's folder is no table of DellEMC's results;
    a Location holding a newline and escape codes reaches no reject reason or summary line unescaped."""
    from warehouse.reconciliation import describe
    data = fixture_bytes("inference_results_v0.7/open/DellEMC/summary.csv")
    rows, _ = parse_official_table(data, Source("inference", "v0.7", "open/DellEMC/summary.csv", "0" * 40))
    assert rows
    rows, rejects = parse_official_table(data, Source("inference", "v0.7", "open/ASUSTeK/summary.csv", "0" * 40))
    assert rows == [] and all("is not a folder of open/ASUSTeK" in r["reason"] for r in rejects) and rejects
    forged = "open/DellEMC/results/s\n\x1b[2JRejects: 0/resnet/Offline"
    header, first = data.decode().splitlines()[:2]  # Location is the last column
    hostile = "\n".join([header, first.rsplit(",", 1)[0] + f',"{forged}"']).encode()
    _, rejects = parse_official_table(hostile, Source("inference", "v0.7", "open/ASUSTeK/summary.csv", "0" * 40))
    assert rejects and not any(c in r["reason"] for r in rejects for c in "\n\x1b")
    entry = {"round": "v0.7", "official": 1, "reproduced": 0, "different": 1, "ours_invalid": 0, "accuracy_different": 0,
             "power_different": 0, "only_official": 0, "only_ours": 0, "release_day": None, "first_disagreements": [{
                 "verdict": "different", "ours_invalid": False, "location": forged, "official_result": 1.0,
                 "official_units": "Samples/s\x1b[0m", "result": 2.0, "units": "Samples/s", "invalid_reason": None,
                 "agrees_with": "neither", "release_day_result": 3.0, "release_day_units": "Samples/s\x1b[0m",
                 "release_day_committed_at": None}]}
    assert not any(c in line for line in describe(entry) for c in "\n\x1b")


def test_a_non_llm_endpoints_result_is_held_to_its_p99_latency_bound():
    """v6.1's latency_check: an endpoints result of a model outside the LLM check (qwen3-vl) has its p99 latency
    compared with the bound of its scenario folder (Interactive 1.5 s); the real Interactive folder's row, as qwen3-vl's."""
    from transform.inference.rules import validity_problems
    tables, _ = _built("v6.1", "inference_results_v6.1", V61_VR)
    rules = round_rules("inference", "v6.1")
    row = {**_row(tables, scenario_dir="Interactive"), "model": "qwen3-vl-235b-a22b", "effective_scenario": None}
    bound = rules["models"]["qwen3-vl-235b-a22b"]["latency_ns"]["Interactive"]
    assert [p for p in validity_problems({**row, "latency_p99_ns": bound + 1}, rules) if "p99 latency" in p]
    assert not [p for p in validity_problems({**row, "latency_p99_ns": bound}, rules) if "p99 latency" in p]


def test_an_endpoints_score_meets_a_target_only_where_the_checker_compares_one():
    """v6.1's accuracy_check: qwen3-vl's score against its target of the scenario (Interactive 0.7878 × 0.99,
    Offline 0.7903 × 0.99), outside the open division; any other model's score is enough."""
    from transform.inference.rules import endpoints_accuracy
    rules = round_rules("inference", "v6.1")
    rows = [{"value": 0.781, "target": None, "met": None}]
    qwen = {"model": "qwen3-vl-235b-a22b", "division": "closed"}
    assert endpoints_accuracy({**qwen, "scenario": "Interactive"}, rules, rows)[1] is True
    assert endpoints_accuracy({**qwen, "scenario": "Offline"}, rules, rows) == (
        [{"value": 0.781, "target": 0.7903 * 0.99, "met": False}], False)
    assert endpoints_accuracy({**qwen, "scenario": "Offline", "division": "open"}, rules, rows)[1] is True
    assert endpoints_accuracy({"model": "deepseek-r1", "division": "closed", "scenario": "Offline"}, rules, rows)[1] is True


def test_v60_holds_an_interactive_run_to_the_bounds_of_the_scenario_it_logged():
    """v6.0's llm_check takes the TTFT/TPOT bounds of the run's effective_scenario: an Interactive folder's loadgen
    run logs Server (AMD 8xMI355X llama2-70b-99, real), so a TTFT between the Interactive and Server bounds passes."""
    from transform.inference.rules import validity_problems
    folder = "closed/AMD/results/8xMI355X_2xEPYC_9575F/llama2-70b-99/Interactive"
    tables, _ = _built("v6.0", "inference_results_v6.0", folder)
    rules = round_rules("inference", "v6.0")
    bounds = rules["models"]["llama2-70b-99"]["token_latency"]
    # the detail-log fields the result table does not keep, as this log has them
    row = {**_row(tables, scenario_dir="Interactive"), "effective_scenario": "Server", "use_token_latencies": True}
    between = {**row, "ttft_p99_ns": bounds["Interactive"]["ttft_p99_ns"] + 1}
    assert between["ttft_p99_ns"] < bounds["Server"]["ttft_p99_ns"] and validity_problems(between, rules) == []
    above = {**row, "ttft_p99_ns": bounds["Server"]["ttft_p99_ns"]}
    assert [p for p in validity_problems(above, rules) if p.startswith("TTFT")]


def test_a_location_with_escape_codes_reaches_the_terminal_escaped(reconciled, tmp_path):
    """An official row whose Location holds a newline and terminal escape codes (loaded as published) is printed
    escaped by `status` and by the run summary's lines; nothing forged starts a line."""
    from warehouse.reconciliation import describe, reproduced
    from warehouse.status import status
    _, _, settings = reconciled
    db = tmp_path / "w.duckdb"
    db.write_bytes(settings.db_path.read_bytes())
    forged = "closed/X/results/s\n\x1b[2JRejects: 0/m/Offline"
    with duckdb.connect(str(db)) as con:
        con.execute("insert into official_results select * replace (? as location, 'X' as submitter) "
                    "from official_results where round = 'v6.1' limit 1", [forged])
    lines = [line for entry in reproduced(db, ["v6.1"], first=600) for line in describe(entry)] + status(db).splitlines()
    assert not [line for line in lines if "\x1b" in line or line.startswith("Rejects: 0")]
    assert any("s\\n\\x1b[2JRejects: 0" in line for line in lines)


def test_views_and_estimate_work_in_the_unit_each_value_measures(reconciled):
    """v5.1 llama3.1-8b Interactive is labelled Queries/s but the published number is tokens/s: the views and the
    estimator work in queries/s (completed samples/s), the published number and label beside; tokens/s on request."""
    from planner.estimate import estimate_inference

    con, _, settings = reconciled
    published, completed = con.execute("""
        select result, completed_samples_per_second from inference_results
        where round = 'v5.1' and model = 'llama3.1-8b' and scenario = 'Interactive'
          and system = 'B200-SXM-180GBx8_TRT'""").fetchone()
    row = con.execute("""
        select result, units, published_result, published_units, result_per_accelerator,
               tokens_per_second_per_accelerator
        from inference_per_accelerator where round = 'v5.1' and model = 'llama3.1-8b' and scenario = 'Interactive'
          and system = 'B200-SXM-180GBx8_TRT'""").fetchone()
    assert completed < published / 10  # a token count per second, not queries
    assert row == (completed, "Queries/s", published, "Queries/s", completed / 8, pytest.approx(published / 8))
    queries = estimate_inference(settings.db_path, "llama3.1-8b", "Interactive", completed * 2.5)
    assert (queries.accelerators, queries.units) == (24, "Queries/s")
    assert "labelled Queries/s" in queries.text()
    tokens = estimate_inference(settings.db_path, "llama3.1-8b", "Interactive", published * 2.5, units="tokens/s")
    assert (tokens.accelerators, tokens.units) == (24, "Tokens/s")
