"""Discovery and bounded reads straight from git, on a repository built from the real fixture files."""

from __future__ import annotations

from extract.discover import Kind, discover
from extract.read_blobs import read_blobs
from tests.conftest import fixture_bytes, make_repo


def test_discover_classifies_and_reads_are_bounded(tmp_path):
    repo = make_repo(tmp_path / "training_results_v4.0", "training_results_v4.0")
    commit = repo.head.commit.hexsha
    files, skipped = discover(repo.working_tree_dir, commit, "training")
    kinds = {f.path: f.kind for f in files}
    assert kinds["Dell/systems/XE9680x8H100-SXM-80GB.json"] is Kind.SYSTEM
    assert kinds["Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"] is Kind.TRAINING_LOG
    assert kinds["Dell/results/XE9680x8H100-SXM-80GB/resnet/scaling.json"] is Kind.TRAINING_SCALING
    # power logs one level deeper are not result logs
    assert not any("/power/" in path for path in kinds)
    assert skipped == []

    wanted = [f for f in files if f.path.endswith(("ssd/result_0.txt", "XE9680x8H100-SXM-80GB.json"))]
    read = {ref.path: (size, data) for ref, size, data in read_blobs(repo.working_tree_dir, wanted, max_bytes=10_000)}
    log = fixture_bytes("training_results_v4.0/Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt")
    assert read["Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"] == (len(log), None)  # over the bound: unread
    system = fixture_bytes("training_results_v4.0/Dell/systems/XE9680x8H100-SXM-80GB.json")
    assert read["Dell/systems/XE9680x8H100-SXM-80GB.json"] == (len(system), system)
