"""Training energy (training_power, training_scores.energy_j) on the real power logs of v4.1 and v5.0, built in
process from local git repositories of the fixtures, against the joules of MLCommons' own result summarizer."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from extract.discover import Kind, discover
from extract.read_blobs import read_blobs
from tests.conftest import commit_files, fixture_bytes, make_repo
from transform.common.parse_files import parse_files
from transform.common.tables import build_tables

LENOVO_BERT = "Lenovo/results/SR780aV3-8xB200_SXM_180GB/bert"


def _build(repo, round_: str):
    path = Path(repo.working_tree_dir)
    commit = repo.head.commit.hexsha
    files, _ = discover(path, commit, "training")
    return build_tables([parse_files("training", round_, commit, read_blobs(path, files, 1 << 30), 1 << 30)])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = {}
    for round_ in ("v4.1", "v5.0"):
        repo = make_repo(tmp_path_factory.mktemp(round_) / "repo", f"training_results_{round_}")
        out[round_] = (repo, *_build(repo, round_))
    return out


def test_power_logs_are_discovered(built):
    repo, *_ = built["v4.1"]
    files, _ = discover(Path(repo.working_tree_dir), repo.head.commit.hexsha, "training")
    power = [f.path for f in files if f.kind is Kind.TRAINING_POWER]
    assert len(power) == 90 and sum(p.endswith("/sw_0.txt") for p in power) == 10


def test_every_power_score_equals_the_official_joules_to_the_last_bit(built):
    with open(Path(__file__).parent / "data" / "official_training_energy.csv", newline="") as f:
        official = list(csv.DictReader(f))
    assert len(official) == 5
    for row in official:
        scores = built[row["round"]][1]["training_scores"]
        (energy,) = scores.filter(submitter=row["submitter"], system=row["system"], benchmark=row["benchmark"])["energy_j"]
        assert energy == float(row["official_energy_j"]), row
    others = pl.concat([built[r][1]["training_scores"] for r in built]).filter(pl.col("energy_j").is_null())
    assert others["energy_reason"].null_count() == others.height  # folders without power logs have no energy at all


def test_run_rows_have_the_window_and_the_parts(built):
    power = built["v4.1"][1]["training_power"]
    assert power.height == 10 and power["node_files"].to_list() == [8] * 10 and power["switch_files"].to_list() == [1] * 10
    run = power.filter(run_label="0").row(0, named=True)
    assert run["conversion_efficiency"] == 0.96
    folder = "training_results_v4.1/Dell/results/8xXE9680x8H100-SXM-80GB-POWER/llama2_70b_lora/power/result_0"
    nodes = [fixture_bytes(f"{folder}/node_{n}.txt").decode() for n in range(8)]
    assert run["window_start_ms"] == min(_time_of(log, "power_measurement_start") for log in nodes)
    assert run["window_stop_ms"] == max(_time_of(log, "power_measurement_stop") for log in nodes)
    assert run["switch_energy_j"] == 0 and run["energy_j"] == run["node_energy_j"] > 0
    # the switch logs readings only: the official formula takes interconnect_power_est, so it counts 0 J
    assert "no interconnect_power_est" in run["note"]
    lenovo = built["v5.0"][1]["training_power"].filter(benchmark="bert", run_label="0").row(0, named=True)
    assert lenovo["node_files"] == 1 and lenovo["switch_files"] == 0 and lenovo["note"] is None
    assert 9_000 < lenovo["average_watts"] / 0.94 < 10_000  # about the mean draw of the file, after conversion


def _time_of(log: str, key: str) -> int:
    line = next(line for line in log.splitlines() if f'"key": "{key}"' in line)
    return int(line.split('"time_ms": ')[1].split(",")[0])


def test_a_zero_length_window_is_said_in_the_row_and_the_score(built, tmp_path):
    """The official summarizer divides by zero (and stops) when power_measurement_stop is at the start's time_ms,
    as in v4.0's smc-ac-power logs; here that run has no energy, its score says why, and everything else loads."""
    node = f"{LENOVO_BERT}/power/result_3/node_0.txt"
    lines = fixture_bytes(f"training_results_v5.0/{node}").split(b"\n")
    start = next(line for line in lines if b"power_measurement_start" in line)
    stop = start.replace(b"INTERVAL_START", b"INTERVAL_END").replace(b"power_measurement_start", b"power_measurement_stop")
    repo = make_repo(tmp_path / "repo", "training_results_v5.0")
    commit_files(repo, {node: b"\n".join([start, stop] + [l for l in lines if b"power_measurement" not in l])}, "zero window")
    tables, rejects = _build(repo, "v5.0")
    run = tables["training_power"].filter(benchmark="bert", run_label="3").row(0, named=True)
    assert run["energy_j"] is None and "divides by zero" in run["note"]
    score = tables["training_scores"].filter(submitter="Lenovo", benchmark="bert").row(0, named=True)
    assert score["energy_j"] is None and score["energy_reason"].startswith("run 3: node_0.txt")
    assert score["score_minutes"] == built["v5.0"][1]["training_scores"].filter(submitter="Lenovo", benchmark="bert")["score_minutes"][0]
    assert tables["training_power"].height == built["v5.0"][1]["training_power"].height


def test_mutated_power_logs_never_crash_and_are_accounted_for():
    """Seeded mutations of a real node and switch file: every outcome is an energy, or a null one with its note."""
    import random

    from extract.discover import FileRef
    from transform.common.parse_files import ParsedFiles, parse_file
    from transform.common.validate import validate

    rng = random.Random(20261201)
    log = fixture_bytes(f"training_results_v5.0/{LENOVO_BERT}/result_0.txt")
    node = fixture_bytes(f"training_results_v5.0/{LENOVO_BERT}/power/result_0/node_0.txt")
    switch = fixture_bytes("training_results_v4.1/Dell/results/8xXE9680x8H100-SXM-80GB-POWER/llama2_70b_lora/power/result_0/sw_0.txt")
    edits = [lambda l: l[: rng.randrange(len(l) + 1)], lambda l: l.replace(b"power_measurement_stop", b"power_measurement_start"),
             lambda l: l.replace(b'"value": ', b'"value": "x', 1), lambda l: l.replace(b'"time_ms": ', b'"time_ms": -', 1),
             lambda l: l.replace(b"0.9", b"null"), lambda l: l.replace(b"power_reading", b"interconnect_power_est"), lambda l: b""]

    def mutate(data: bytes) -> bytes:
        lines = data.split(b"\n")
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            lines[i] = rng.choice(edits)(lines[i])
        return b"\n".join(lines)

    for _ in range(25):
        parsed = ParsedFiles(round="v5.0", commit="0" * 40)
        for path, data, kind in ((f"{LENOVO_BERT}/result_0.txt", log, Kind.TRAINING_LOG),
                                 (f"{LENOVO_BERT}/power/result_0/node_0.txt", mutate(node), Kind.TRAINING_POWER),
                                 (f"{LENOVO_BERT}/power/result_0/sw_0.txt", mutate(switch), Kind.TRAINING_POWER)):
            parsed.absorb(parse_file("training", "v5.0", "0" * 40, FileRef(path, "0" * 40, kind), len(data), data, 1 << 30))
        tables, _ = build_tables([parsed])
        for name in ("training_power", "training_scores"):
            validate(name, tables[name])
        (run,) = tables["training_power"].iter_rows(named=True)
        assert run["energy_j"] is not None or run["note"]
