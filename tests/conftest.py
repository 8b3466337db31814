"""Shared test setup: local git repos built from the real MLCommons fixture files, cloned via file:// URLs."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from git import Actor, Repo

from flows.ingest import ingest
from flows.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
AUTHOR = Actor("fixture", "fixture@example.invalid")

# Prefect reads these from the environment; keep the temporary API server local and patient.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
# The CLI's temporary servers keep their database under PREFECT_HOME: one per test process (pytest-xdist runs
# several), never the user's ~/.prefect.
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="mlperf-warehouse-tests-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], True)


def fixture_bytes(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


def make_repo(directory: Path, fixture: str) -> Repo:
    """A one-commit repository holding the fixture's files, served like GitHub (filters allowed)."""
    shutil.copytree(FIXTURES / fixture, directory, ignore=shutil.ignore_patterns("SOURCE.md"))
    for path in directory.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    repo = Repo.init(directory, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("uploadpack", "allowFilter", "true")
        # GitHub serves from packs it delta-compressed once; a fixture repository's objects are loose, and git would
        # search deltas for every object of every clone (4.8 CPU-s per clone of training v3.0, 1.3 s without).
        config.set_value("pack", "window", "0")
        config.set_value("core", "compression", "1")
    repo.git.add("-A")
    repo.index.commit(f"{fixture} fixture", author=AUTHOR, committer=AUTHOR)
    return repo


def commit_files(repo: Repo, files: dict[str, bytes], message: str, symlinks: dict[str, str] | None = None) -> str:
    root = Path(repo.working_tree_dir)
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    for relative, target in (symlinks or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).symlink_to(target)
    repo.git.add("-A")
    return repo.index.commit(message, author=AUTHOR, committer=AUTHOR).hexsha


def url(repo: Repo) -> str:
    return Path(repo.working_tree_dir).as_uri()


def folder(repo: Repo) -> str:
    """The repository as a folder's path, which git clones by linking its objects instead of through its transport."""
    return repo.working_tree_dir


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


SSD_V40 = "Dell/results/XE9680x8H100-SXM-80GB/ssd/result_0.txt"


def _broken_files() -> dict[str, bytes]:
    """Deliberately broken inputs, each cut from a real file, under a submitter of their own."""
    log = fixture_bytes(f"training_results_v4.0/{SSD_V40}")
    lines = log.split(b"\n")
    garbled_at = next(i for i, line in enumerate(lines) if b'"key": "opt_name"' in line)
    garbled = b"\n".join(lines[:garbled_at] + [lines[garbled_at][:60]] + lines[garbled_at + 1:])
    system = fixture_bytes("training_results_v4.0/Dell/systems/XE9680x8H100-SXM-80GB.json")
    return {
        "Broken/systems/truncated.json": system[:100],
        "Broken/systems/list.json": b"[1, 2, 3]",
        "Broken/results/sys/ssd/result_0.txt": log[: len(log) // 2],
        "Broken/results/sys/ssd/result_1.txt": garbled,
        "Broken/results/sys/ssd/result_2.txt": b"",
        "Broken/results/sys/ssd/result_3.txt": bytes(range(256)) * 4,
        "Broken/results/sys/ssd/result_4.txt": log.replace(b'"value": 256,', b'"value": -256,', 1),
    }


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory, prefect_harness):
    root = tmp_path_factory.mktemp("training")
    v30 = make_repo(root / "upstream" / "training_results_v3.0", "training_results_v3.0")
    v40 = make_repo(root / "upstream" / "training_results_v4.0", "training_results_v4.0")
    broken_commit = commit_files(v40, _broken_files(), "broken files", symlinks={"Broken/systems/passwd.json": "/etc/passwd"})
    settings = Settings(db_path=root / "mlperf.duckdb", cache_dir=root / "cache", repos=(url(v30), url(v40)), sync_retries=0)
    summary = ingest(settings)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    yield con, summary, {"v3.0": v30.head.commit.hexsha, "v4.0": broken_commit}, settings
    con.close()


@pytest.fixture(scope="session")
def inference_warehouse(tmp_path_factory, prefect_harness):
    """Both inference fixtures as local repos; v4.1 gets a commit of broken files on top."""
    root = tmp_path_factory.mktemp("inference")
    v41 = make_repo(root / "upstream" / "inference_results_v4.1", "inference_results_v4.1")
    v30 = make_repo(root / "upstream" / "inference_results_v3.0", "inference_results_v3.0")
    scenario = "closed/Broken/results/sys/resnet50/Offline"
    accuracy = fixture_bytes("inference_results_v4.1/closed/Dell/results/XE9680_H100_SXM_80GBx8_TRT/resnet50/Offline/accuracy/accuracy.txt")
    commit_files(v41, {
        f"{scenario}/performance/run_1/mlperf_log_detail.txt": bytes(range(256)),
        f"{scenario}/accuracy/accuracy.txt": accuracy,
        "closed/Broken/systems/sys.json": b'{"division": "closed", ',
    }, "broken files")
    settings = Settings(db_path=root / "mlperf.duckdb", cache_dir=root / "cache", repos=(url(v41), url(v30)), sync_retries=0)
    summary = ingest(settings)
    con = duckdb.connect(str(settings.db_path), read_only=True)
    yield con, summary
    con.close()


# The test files that take longest, longest first: pytest-xdist hands files to its workers in collection order, so
# these start at once and the workers finish together instead of one waiting on the other's last long file.
LONGEST_FIRST = ("test_faults.py", "test_hostile_suite.py", "test_refresh.py", "test_serve.py",
                 "test_hostile_worst_cases.py", "test_brief.py", "test_history.py", "test_inference_formats.py",
                 "test_training_ingest.py", "test_parallel.py", "test_hostile_operations.py", "test_cli.py",
                 "test_estimate.py", "test_views_before_after.py")


def pytest_collection_modifyitems(items):
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FIRST)))  # stable: each file keeps its order
