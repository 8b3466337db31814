"""The inference rules files (transform/inference/rules/<round>.toml) and what they decide, in-process on the real
fixtures: the published table of v5.1 reproduced, rounds and models without rules loaded unchecked, and every
scenario folder a row or a reject."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from git import Repo

from extract.discover import discover
from flows.summary import Summary
from extract.read_blobs import read_blobs
from tests.conftest import FIXTURES, make_repo
from transform.common.parse_files import parse_files
from transform.common.rules import round_rules, rounds_with_rules
from transform.common.tables import build_tables
from transform.inference.detail_log import LOG_KEY_COLUMNS

# every format: pre-MLLOG text logs (v0.5, v0.7), MLLOG detail logs (v3.0-v5.1), endpoints (v6.1)
INFERENCE_FIXTURES = ("inference_results_v0.5", "inference_results_v0.7", "inference_results_v3.0", "inference_results_v4.1",
                      "inference_results_v5.1", "inference_results_v6.1")


def built(repo_path: Path, round_: str) -> tuple[dict, list[dict]]:
    """The inference tables of a local repository, parsed as the round `round_`."""
    commit = Repo(repo_path).head.commit.hexsha
    files, _ = discover(repo_path, commit, "inference", round_)
    parsed = parse_files("inference", round_, commit, read_blobs(repo_path, files, 1 << 30), 1 << 30)
    return build_tables([parsed])


@pytest.fixture(scope="module")
def repos(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rules")
    return {name: Path(make_repo(root / name, name).working_dir) for name in INFERENCE_FIXTURES}


@pytest.fixture(scope="module")
def build(repos):
    """(fixture, round) → its tables and rejects, each built once for the module."""
    cache: dict[tuple[str, str], tuple[dict, list[dict]]] = {}

    def get(fixture: str, round_: str) -> tuple[dict, list[dict]]:
        if (fixture, round_) not in cache:
            cache[(fixture, round_)] = built(repos[fixture], round_)
        return cache[(fixture, round_)]
    return get


@pytest.fixture(scope="module")
def v51(build) -> tuple[dict, list[dict]]:
    return build("inference_results_v5.1", "v5.1")


@pytest.mark.parametrize("round_", rounds_with_rules("inference"))
def test_every_rules_file_says_where_it_comes_from_and_names_what_the_code_reads(round_):
    rules = round_rules("inference", round_)
    source = rules["source"]
    assert source["repo"] == "mlcommons/inference" and re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert source["commit_date"] <= source["published"] and source["config_key"] == round_
    assert all(re.compile(p) for p in rules["accuracy_patterns"].values())
    for model, spec in rules["models"].items():
        by_scenario = [b for bounds in spec.get("accuracy_by_scenario", {}).values() for b in bounds]
        for bound in spec.get("accuracy", []) + spec.get("accuracy_upper", []) + by_scenario:
            assert bound["metric"] in rules["accuracy_patterns"], (model, bound)
        for metric in [*rules["metric"].values(), *spec.get("metric", {}).values()]:
            assert not metric.get("field") or metric["field"] in LOG_KEY_COLUMNS, (model, metric)


def test_v51_reproduces_its_published_table(v51):
    """Every official row of the fixture (its whole summary_results.json, filtered to the folders it holds):
    value, units as printed (odd labels included), mapped model, accuracy text, power."""
    tables, _ = v51
    official = orjson.loads((FIXTURES / "inference_results_v5.1" / "summary_results.json").read_bytes())
    results = {(f"{r['division']}/{r['submitter']}/results/{r['system']}/{r['benchmark']}/{r['scenario_dir']}", r["scenario"]): r
               for r in tables["inference_results"].iter_rows(named=True)}
    power = {(r["division"], r["submitter"], r["system"], r["benchmark"], r["scenario"]): r
             for r in tables["inference_power"].iter_rows(named=True)}
    compared = 0
    for row in official:
        mine = results.get((row["Location"], row["Scenario"]))
        if mine is None:
            assert not (FIXTURES / "inference_results_v5.1" / row["Location"] / "performance/run_1/mlperf_log_detail.txt").exists()
            continue
        compared += 1
        p = power.get((mine["division"], mine["submitter"], mine["system"], mine["benchmark"], mine["scenario"]), {})
        assert (mine["result"], mine["units"], mine["model"], mine["accuracy_text"], mine["valid"], mine["published"]) == (
            row["Performance_Result"], row["Performance_Units"], row["Model"], row["Accuracy"], True, True), row["Location"]
        assert (p.get("power_result"), p.get("power_units")) == (row.get("Power_Result"), row.get("Power_Units")), row["Location"]
    assert compared == 28  # 30 folders: rgat has no detail log, pointpainting Offline is not published


def test_v51_odd_labels_keep_what_the_value_measures(v51):
    tables, _ = v51
    rows = {(r["system"], r["benchmark"], r["scenario"]): r for r in tables["inference_results"].iter_rows(named=True)}
    whisper = rows[("X210M8-1-node-2S-GNR_86C", "whisper", "Offline")]
    assert (whisper["units"], whisper["result_measures"], whisper["result_metric"]) == ("Samples/s", "Tokens/s", "tokens_per_second")
    interactive = rows[("B200-SXM-180GBx8_TRT", "llama3.1-8b", "Interactive")]
    assert (interactive["result"], interactive["units"], interactive["result_measures"]) == (102903.0, "Queries/s", "Tokens/s")
    cisco = rows[("X210M8-1-node-2S-GNR_86C", "llama3_1-8b", "Offline")]
    assert (cisco["model"], cisco["units"]) == ("llama3.1-8b", "Tokens/s")
    # inferred from its SingleStream run, computed as the checker does, and not in the round's report
    pointpainting = [r for k, r in rows.items() if k[1] == "pointpainting" and k[2] == "Offline"]
    assert [(r["inferred"], r["published"], r["valid"]) for r in pointpainting] == [(True, False, True)]


def test_v51_accuracy_metrics_with_targets(v51):
    tables, _ = v51
    acc = {(r["system"], r["benchmark"], r["scenario"], r["metric"]): r for r in tables["inference_accuracy"].iter_rows(named=True)}
    deepseek = acc[("B200-SXM-180GBx8_TRT", "deepseek-r1", "Offline", "exact_match")]
    assert (deepseek["value"], deepseek["target"], deepseek["met"]) == (81.44940747493163, 0.99 * 81.3582, True)
    tokens = acc[("B200-SXM-180GBx8_TRT", "deepseek-r1", "Offline", "TOKENS_PER_SAMPLE")]
    assert (tokens["target"], tokens["upper_limit"], tokens["met"]) == (0.9 * 3886.2274, 1.1 * 3886.2274, True)
    painting = [r for k, r in acc.items() if k[1] == "pointpainting" and k[2] == "SingleStream"]
    assert [(r["metric"], r["value"], r["met"]) for r in painting] == [("mAP", 54.256218124416954, True)]
    results = tables["inference_results"]
    assert results.filter(results["accuracy_text"].is_null()).height == 0


def test_a_model_or_round_without_rules_loads_unchecked(build):
    """v5.1 files read as v4.1 (whose rules lack deepseek-r1, whisper, …) and as a round with no rules file:
    every folder still loads; what the rules cannot judge says so, and nothing else is lost."""
    as_v51, _ = build("inference_results_v5.1", "v5.1")
    as_v41, _ = build("inference_results_v5.1", "v4.1")
    results = as_v41["inference_results"]
    assert results.height == as_v51["inference_results"].height
    deepseek = results.filter(results["benchmark"] == "deepseek-r1").row(0, named=True)
    assert (deepseek["rules_checked"], deepseek["rules_note"]) == (False, "model 'deepseek-r1' is not in the inference v4.1 rules")
    assert (deepseek["result"], deepseek["units"], deepseek["valid"]) == (None, None, False)
    assert deepseek["invalid_reason"] == "not checked: model 'deepseek-r1' is not in the inference v4.1 rules"
    resnet = results.filter((results["benchmark"] == "resnet50") & (results["scenario"] == "Offline")).row(0, named=True)
    assert resnet["rules_checked"] and resnet["result"] == 6607.08
    unknown, _ = build("inference_results_v5.1", "v9.9")
    rows = unknown["inference_results"]
    assert rows.height == results.height and not rows["rules_checked"].any()
    assert set(rows["rules_note"]) == {"no rules file for inference v9.9"}
    assert rows["result"].is_null().all() and rows["samples_per_second"].is_not_null().any()


def _scenario_folders(fixture: str) -> set[str]:
    root = FIXTURES / fixture
    return {"/".join(p.relative_to(root).parts[:6]) for p in root.glob("*/*/results/*/*/*") if p.is_dir()}


@pytest.mark.parametrize("fixture", INFERENCE_FIXTURES)
def test_every_scenario_folder_is_a_row_or_a_reject(build, fixture):
    tables, rejects = build(fixture, "v" + fixture.rsplit("_v", 1)[1])
    rows = {f"{r['division']}/{r['submitter']}/results/{r['system']}/{r['benchmark']}/{r['scenario_dir']}"
            for r in tables["inference_results"].iter_rows(named=True)}
    rejected = {"/".join(r["source_path"].split("/")[:6]) for r in rejects}
    folders = _scenario_folders(fixture)
    assert folders - rows - rejected == set()
    assert len(folders) == len(rows) + len(folders & rejected - rows)


def test_the_run_summary_names_the_rounds_without_rules(build):
    summary = Summary()
    unknown, _ = build("inference_results_v5.1", "v9.9")
    summary.note_unchecked(unknown["inference_results"])
    checked, _ = build("inference_results_v5.1", "v5.1")
    summary.note_unchecked(checked["inference_results"])
    rows = unknown["inference_results"].height
    assert summary.unchecked_rules == {"v9.9": f"{rows} results: no rules file for inference v9.9"}
    assert f"Not checked by its round's rules: inference v9.9: {rows} results: no rules file" in summary.text(Path("w.duckdb"))


_CHECKERS = Path("/work/.mirror/mlcommons+inference/repo")


@pytest.mark.skipif(not _CHECKERS.is_dir(), reason="no local copy of mlcommons/inference (the checkers) here")
@pytest.mark.parametrize("round_", [r for r in rounds_with_rules("inference")
                                    if (Path(__file__).parents[1] / "benchmarks" / "inference_rules_facts" / f"{r}.toml").exists()])
def test_every_rules_file_is_what_the_transcription_derives_from_its_checker(round_):
    """The rules stay data MLCommons wrote: each file equals what benchmarks/transcribe_inference_rules.py derives
    from the checker commit it names and the round's hand-transcribed facts."""
    import tomllib
    from benchmarks.transcribe_inference_rules import to_toml, transcribe
    rules = round_rules("inference", round_)
    facts_path = Path(__file__).parents[1] / "benchmarks" / "inference_rules_facts" / f"{round_}.toml"
    derived = transcribe(str(_CHECKERS), rules["source"]["commit"], round_, rules["source"]["published"],
                         tomllib.loads(facts_path.read_text()))
    assert tomllib.loads(to_toml(derived)) == rules
