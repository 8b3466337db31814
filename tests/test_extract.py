"""Discovery and bounded reads straight from git, on a repository built from the real fixture files."""

from __future__ import annotations

import fcntl
import shutil
import threading
from pathlib import Path

import pytest
from git import Repo

from extract.discover import Kind, discover
from extract.git_sync import reading, sync
from extract.read_blobs import read_blobs
from extract.repo_id import repo_id
from tests.conftest import FIXTURES, commit_files, fixture_bytes, folder, make_repo, url
from transform.common import parse_cache
from transform.common.parse_repo import NO_LAYOUT, parse_checkout, partition, parts_of, submitter
from flows.runners import part_count


def test_discover_classifies_and_reads_are_bounded(tmp_path):
    repo = make_repo(tmp_path / "training_results_v4.0", "training_results_v4.0")
    commit = repo.head.commit.hexsha
    files, skipped = discover(repo.working_tree_dir, commit, "training")
    kinds = {f.path: f.kind for f in files}
    assert kinds["Dell/systems/XE9680x8H100-SXM-80GB.json"] is Kind.SYSTEM
    assert kinds["Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"] is Kind.TRAINING_LOG
    assert kinds["Dell/results/XE9680x8H100-SXM-80GB/resnet/scaling.json"] is Kind.TRAINING_SCALING
    # power logs one level deeper are power logs, never result logs
    power = {kind for path, kind in kinds.items() if "/power/" in path}
    assert power == {Kind.TRAINING_POWER}
    assert skipped == []

    wanted = [f for f in files if f.path.endswith(("ssd/result_0.txt", "XE9680x8H100-SXM-80GB.json"))]
    read = {ref.path: (size, data) for ref, size, data in read_blobs(repo.working_tree_dir, wanted, max_bytes=10_000)}
    log = fixture_bytes("training_results_v4.0/Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt")
    assert read["Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"] == (len(log), None)  # over the bound: unread
    system = fixture_bytes("training_results_v4.0/Dell/systems/XE9680x8H100-SXM-80GB.json")
    assert read["Dell/systems/XE9680x8H100-SXM-80GB.json"] == (len(system), system)


def blobs_in_store(path) -> set[str]:
    listing = Repo(path).git.execute(["git", "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectname)"])
    return {name for kind, name in (line.split() for line in listing.splitlines()) if kind == "blob"}


def test_the_clone_downloads_the_parsed_files_only(tmp_path):
    upstream = make_repo(tmp_path / "upstream" / "inference_results_v4.1", "inference_results_v4.1")
    checkout = sync(repo_id(url(upstream)), tmp_path / "cache")
    assert checkout.commit == upstream.head.commit.hexsha
    assert [p.name for p in checkout.path.iterdir()] == [".git"]  # no work tree
    files, _ = discover(checkout.path, checkout.commit, "inference")
    assert blobs_in_store(checkout.path) == {ref.blob for ref in files}
    assert checkout.unavailable == set()
    unparsed = [p for p in (FIXTURES / "inference_results_v4.1").rglob("*.json") if "systems" not in p.parts]
    assert len(unparsed) > 150  # accuracy and trace logs, server configs: never downloaded


@pytest.mark.parametrize("given_as", [url, folder])
def test_a_blob_upstream_cannot_send_is_reported_not_fatal(tmp_path, given_as):
    upstream = make_repo(tmp_path / "upstream" / "training_results_v4.0", "training_results_v4.0")
    files, _ = discover(upstream.git_dir, upstream.head.commit.hexsha, "training")
    lost = next(ref for ref in files if ref.path.endswith("ssd/result_0.txt"))
    loose = Path(upstream.git_dir) / "objects" / lost.blob[:2] / lost.blob[2:]
    loose.chmod(0o644)
    loose.unlink()  # as in a damaged upstream or a snapshot with files missing
    checkout = sync(repo_id(given_as(upstream)), tmp_path / "cache")
    assert checkout.unavailable == {lost.blob}
    read = {ref.path: (size, data) for ref, size, data in read_blobs(checkout.path, files, 1 << 26, checkout.unavailable)}
    assert read[lost.path] == (None, None)
    assert sum(data is not None for size, data in read.values()) == len(files) - 1
    parsed = parse_checkout(checkout, ("Dell",), 1 << 26, tmp_path / "parsed", reuse=False)
    assert [(r["source_path"], r["stage"], r["reason"]) for r in parsed.rejects if r["source_path"] == lost.path] == [
        (lost.path, "read", f"blob {lost.blob} could not be downloaded from upstream: not read")]
    dell = {(ref.path, ref.blob) for ref in files if ref.path.startswith("Dell/")}
    assert parse_cache.load(parse_cache.submitter_file(tmp_path / "parsed", "Dell")).keys() == dell - {(lost.path, lost.blob)}


def test_a_folder_that_is_itself_a_partial_clone_is_never_made_to_fetch(tmp_path):
    """A mirror that is a blob-less clone lacks the blobs it never fetched: they are absent from it, and it is not
    made to fetch them from its own upstream (asked for one, a partial clone would)."""
    upstream = make_repo(tmp_path / "upstream" / "training_results_v6.0", "training_results_v6.0")
    mirror = Repo(sync(repo_id(url(upstream)), tmp_path / "mirror").path)  # a partial clone
    log = "AMD/results/MI350X_EPYC_9575F_primus/llama2_70b_lora/result_0.txt"
    changed = commit_files(upstream, {log: fixture_bytes(f"training_results_v6.0/{log}") + b"\n"}, "one more")
    # the mirror's HEAD moves to the new commit without the changed log's content
    mirror.git.execute(["git", "fetch", "--quiet", "--update-head-ok", "--filter=blob:none", "origin",
                        f"+HEAD:{mirror.head.ref.path}"])
    lacking = upstream.git.rev_parse(f"{changed}:{log}")
    checkout = sync(repo_id(mirror.git_dir.removesuffix("/.git")), tmp_path / "cache")
    assert (checkout.commit, checkout.unavailable) == (changed, {lacking})
    assert lacking not in blobs_in_store(Path(mirror.working_tree_dir))
    # by its file:/// URL (served by git's transport, which filters only where allowed), the folder is asked the same way
    with mirror.config_writer() as config:
        config.set_value("uploadpack", "allowFilter", "true")
    checkout = sync(repo_id(url(mirror)), tmp_path / "cache by url")
    assert (checkout.commit, checkout.unavailable) == (changed, {lacking})
    assert lacking not in blobs_in_store(Path(mirror.working_tree_dir))


def test_a_folder_is_cloned_by_linking_its_objects_then_fetched_from_blob_less(tmp_path):
    upstream = make_repo(tmp_path / "upstream" / "training_results_v6.0", "training_results_v6.0")
    first = sync(repo_id(folder(upstream)), tmp_path / "cache")
    assert first.commit == upstream.head.commit.hexsha and first.unavailable == frozenset()
    assert [p.name for p in first.path.iterdir()] == [".git"]  # no work tree
    ref = first.files[0]
    blob = ref.blob
    assert first.sizes[blob] == (Path(upstream.working_tree_dir) / ref.path).stat().st_size

    def inode(git_dir, blob: str) -> int:
        return (Path(git_dir) / "objects" / blob[:2] / blob[2:]).stat().st_ino

    assert inode(first.path / ".git", blob) == inode(upstream.git_dir, blob)  # linked, not sent through git's transport
    log = "AMD/results/MI350X_EPYC_9575F_primus/llama2_70b_lora/result_0.txt"
    changed = commit_files(upstream, {log: fixture_bytes(f"training_results_v6.0/{log}") + b"\n",
                                      "AMD/benchmarks/llama2_70b_lora/notes.md": b"code, never parsed\n"}, "one more")
    (first.path / ".git" / "mark").touch()
    second = sync(repo_id(folder(upstream)), tmp_path / "cache")
    assert (second.commit, (second.path / ".git" / "mark").exists()) == (changed, True)  # fetched, not cloned anew
    # the refresh is blob-less: the changed log's content is fetched, the new file we never parse is not
    held = blobs_in_store(second.path)
    assert next(ref.blob for ref in second.files if ref.path == log) in held
    assert upstream.git.rev_parse(f"{changed}:AMD/benchmarks/llama2_70b_lora/notes.md") not in held

    # the same round by its file:// URL, and back: the clone is kept and fetched from its new origin
    for given_as in (url, folder):
        again = sync(repo_id(given_as(upstream)), tmp_path / "cache")
        assert (again.commit, (again.path / ".git" / "mark").exists()) == (changed, True)
        assert Repo(again.path).remotes.origin.url == given_as(upstream)


def test_a_part_is_handed_only_its_submitters_files_and_parses_the_same(tmp_path):
    upstream = make_repo(tmp_path / "upstream" / "training_results_v4.0", "training_results_v4.0")
    checkout = sync(repo_id(url(upstream)), tmp_path / "cache")
    groups = partition(checkout, 2)
    assert len(groups) == 2 and part_count(checkout, 1) == 1 and part_count(checkout, 2) == 2  # a few MB: one part per worker
    for n, (group, part) in enumerate(zip(groups, parts_of(checkout, groups), strict=True)):
        assert part.files and {submitter("training", ref.path) for ref in part.files} <= set(group)
        assert set(part.sizes) == {ref.blob for ref in part.files}
        whole = parse_checkout(checkout, group, 1 << 26, tmp_path / f"whole{n}", reuse=False)
        assert parse_checkout(part, group, 1 << 26, tmp_path / f"part{n}", reuse=False) == whole


def test_a_round_in_a_layout_we_do_not_read_says_so(tmp_path):
    root = tmp_path / "upstream" / "training_results_v0.5"
    shutil.copytree(FIXTURES / "training_results_v3.0" / "Dell", root / "v0.5.0" / "Dell")  # as training v0.5 nests it
    upstream = Repo.init(root, initial_branch="main")
    with upstream.config_writer() as config:
        config.set_value("uploadpack", "allowFilter", "true")
    upstream.git.add("-A")
    upstream.index.commit("v0.5 layout")
    checkout = sync(repo_id(url(upstream)), tmp_path / "cache")
    parsed = parse_checkout(checkout, ("v0.5.0",), 1 << 26, tmp_path / "parsed", reuse=False)
    assert parsed.rejects == [{"suite": "training", "round": "v0.5", "source_path": ".", "source_commit": checkout.commit,
                               "stage": "discover", "reason": NO_LAYOUT["training"]}]


def test_a_scenario_folder_with_no_file_we_read_is_reported(tmp_path):
    repo = make_repo(tmp_path / "inference_results_v4.1", "inference_results_v4.1")
    folder = "closed/Lone/results/sys/resnet50/Offline"
    commit = commit_files(repo, {f"{folder}/performance/run_1/mlperf_log_summary.txt": b"Result is : VALID\n",
                                 f"{folder}/README.md": b"summary only\n"}, "a folder without a detail log")
    files, skipped = discover(repo.working_tree_dir, commit, "inference", "v4.1")
    assert [s.path for s in skipped] == [folder]
    assert skipped[0].reason.startswith("scenario folder without a file this round's results are read from")
    assert not any(f.path.startswith(folder) for f in files)


def test_a_clone_another_run_reads_is_not_cloned_anew_under_it(tmp_path):
    """Two warehouses share one cache folder: while one run reads a clone, another that must clone it anew waits."""
    upstream = make_repo(tmp_path / "training_results_v4.0", "training_results_v4.0")
    cache, repo = tmp_path / "cache", repo_id(url(upstream))
    with reading():
        checkout = sync(repo, cache)
        in_use = open(cache / ".training_results_v4.0.in-use", "a")
        with pytest.raises(BlockingIOError):  # held for reading
            fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # the other run finds the clone unusable (its remote gone) and must clone it anew
        Repo(checkout.path).delete_remote("origin")
        other: list = []
        cloning = threading.Thread(target=lambda: other.append(sync(repo, cache)))
        cloning.start()
        cloning.join(timeout=1)
        read = list(read_blobs(checkout.path, checkout.files, max_bytes=10**9))
        assert len(read) == len(checkout.files) and all(data is not None for _, _, data in read)
        assert other == []  # still waiting
    cloning.join()
    fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released with the block
    assert other[0].commit == checkout.commit and Repo(checkout.path).remotes.origin.url == repo.url
