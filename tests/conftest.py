"""Shared test setup: local git repos built from the real MLCommons fixture files, cloned via file:// URLs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from git import Actor, Repo

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
AUTHOR = Actor("fixture", "fixture@example.invalid")

# Prefect reads these from the environment; keep the temporary API server local and patient.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


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


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
