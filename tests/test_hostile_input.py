"""Hostile and broken input: over a thousand seeded mutations of real fixture files through the real
sync → parse → validate → load path. Nothing crashes or hangs, every mutated file is accounted for (loaded or
in rejects with a reason), and every valid row of the same commit still loads."""

from __future__ import annotations

import random

import duckdb
import pytest

from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import AUTHOR, commit_files, fixture_bytes, make_repo, url
from tests.hostile_suite import json_mutation, mllog_mutation, mutate

SEED = 20261123
TRAINING_LOG = fixture_bytes("training_results_v4.0/Intel-HabanaLabs/results/HLS-Gaudi2-PT/llama2_70b_lora/result_8.txt")
SYSTEM = fixture_bytes("training_results_v4.0/Dell/systems/XE9680x8H100-SXM-80GB.json")
DETAIL = fixture_bytes(
    "inference_results_v4.1/closed/Intel/results/1-node-2S-GNR-PyTorch/3d-unet-99/Offline/performance/run_1/mlperf_log_detail.txt")

def _training_mutants(rng: random.Random) -> tuple[dict[str, bytes], list[str], list[str]]:
    files, logs, systems = {}, [], []
    for i in range(500):
        path = f"Mutant/results/m{i}/llama2_70b_lora/result_0.txt"
        files[path] = mutate(TRAINING_LOG, rng, mllog_mutation)
        logs.append(path)
    for i in range(300):
        path = f"Mutant/systems/m{i}.json"
        files[path] = mutate(SYSTEM, rng, json_mutation)
        systems.append(path)
    files["Mutant/results/huge/llama2_70b_lora/result_0.txt"] = b":::MLLOG " + b"x" * (100 * 1024 * 1024)  # one 100 MB line
    logs.append("Mutant/results/huge/llama2_70b_lora/result_0.txt")
    return files, logs, systems


def accounted(con, table: str, paths: list[str]) -> list[str]:
    loaded = {p for (p,) in con.execute(f"select source_path from {table}").fetchall()}
    rejected = {p for (p,) in con.execute("select source_path from rejects where reason <> ''").fetchall()}
    return [p for p in paths if p not in loaded and p not in rejected]


def test_a_thousand_mutations_of_real_files(tmp_path, prefect_harness):
    rng = random.Random(SEED)
    training = make_repo(tmp_path / "upstream" / "training_results_v4.0", "training_results_v4.0")
    files, logs, systems = _training_mutants(rng)
    commit_files(training, files, "mutants")
    inference = make_repo(tmp_path / "upstream" / "inference_results_v4.1", "inference_results_v4.1")
    details = {f"closed/Mutant/results/m{i}/resnet50/Offline/performance/run_1/mlperf_log_detail.txt":
               mutate(DETAIL, rng, mllog_mutation) for i in range(300)}
    commit_files(inference, details, "mutants")
    assert len(logs) + len(systems) + len(details) > 1000

    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", sync_retries=0,
                        repos=(url(training), url(inference)))
    summary = ingest(settings)
    assert summary.failed == {}
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert accounted(con, "training_runs", logs) == []
        assert accounted(con, "systems", systems) == []
        assert accounted(con, "inference_results", list(details)) == []
        huge = con.execute("select stage, reason from rejects where source_path like 'Mutant/results/huge/%'").fetchall()
        assert huge == [("read", f"file is {100 * 1024 * 1024 + 9} bytes, above the {64 * 1024 * 1024}-byte limit: not read")]
        # every real file of the same commits still loads
        assert con.execute("select count(*) from training_runs where submitter <> 'Mutant'").fetchone() == (143,)
        assert con.execute("select count(*) from systems where submitter <> 'Mutant' and suite = 'training'").fetchone() == (97,)
        assert con.execute("select count(*), count(*) filter (where valid) from inference_results where submitter <> 'Mutant'").fetchone() == (68, 68)
        # and no number is non-finite
        assert con.execute("select count(*) from training_runs where not isfinite(time_to_train_minutes)").fetchone() == (0,)


def test_symlinks_and_submodules_are_reported_not_followed(tmp_path, prefect_harness):
    repo = make_repo(tmp_path / "upstream" / "training_results_v3.0", "training_results_v3.0")
    commit_files(repo, {}, "links", symlinks={
        "Dell/results/XE9680x8H100-SXM-80GB/ssd/result_9.txt": "/etc/passwd",
        "Dell/systems/escape.json": "../../../../etc/hostname",
    })
    # a submodule (gitlink) inside the results folder
    repo.git.update_index("--add", "--cacheinfo", f"160000,{repo.head.commit.hexsha},Dell/results/vendored")
    repo.index.commit("submodule", author=AUTHOR, committer=AUTHOR)
    settings = Settings(db_path=tmp_path / "w.duckdb", cache_dir=tmp_path / "cache", sync_retries=0, repos=(url(repo),))
    ingest(settings)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        rejects = dict(con.execute("select source_path, reason from rejects").fetchall())
        assert rejects == {
            "Dell/results/XE9680x8H100-SXM-80GB/ssd/result_9.txt": "a symbolic link: not followed",
            "Dell/systems/escape.json": "a symbolic link: not followed",
            "Dell/results/vendored": "a git submodule: not followed",
        }
        assert con.execute("select count(*) from training_runs").fetchone() == (300,)
    # the clone has no work tree: nothing checked out, no link to follow, no submodule to populate
    clone = settings.cache_dir / "training_results_v3.0"
    assert [p.name for p in clone.iterdir()] == [".git"]


@pytest.mark.parametrize("line", [b":::MLLOG " + b"[" * 100_000, b":::MLLOG " + b'{"key": "' + b"k" * 1_000_000 + b'"}'])
def test_pathological_lines_do_not_hang_or_crash(line):
    from transform.common.source import Source
    from transform.training.run_log import parse_training_log

    parsed = parse_training_log(line + b"\n" + TRAINING_LOG, Source("training", "v4.0", "X/results/s/b/result_0.txt", "0" * 40))
    assert parsed.run is not None
