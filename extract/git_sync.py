"""Clone or update one results repository as a blob-less partial clone with no work tree.

Commits and trees come with the clone; file contents are downloaded only for the files we parse,
in one request per refresh. Code, models and the large accuracy and trace logs beside the results
are never downloaded. A repository given as a local folder is cloned by linking its object files instead
(every blob is then at hand, in no time and, on the same file system, no disk), then fetched from blob-less.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from git import Git, Repo
from git.exc import GitCommandError

from extract.discover import FileRef, Kind, Skipped, discover
from extract.git_errors import git_failure
from extract.repo_id import RepoId, is_folder, local_folder

_NOT_OUR_REF = re.compile(r"not our ref ([0-9a-f]{40})")
# From training v6.0 MLCommons' workflow commits the result summarizer's table to this branch (absent before).
RESULTS_BRANCH, RESULTS_BRANCH_FILES = "results_branch", ("summary.csv",)
# Third-party repos: never run their hooks, never let them pull in submodules.
_SAFE_CONFIG = ["-c", "core.hooksPath=/dev/null", "-c", "submodule.recurse=false", "-c", "core.symlinks=false"]
# Where the clone keeps the commit upstream's HEAD was at, on the last fetch.
UPSTREAM = "refs/warehouse/upstream"
# The use locks of the clones the current run reads (see `reading`); None outside a run.
_READ_HOLDS: ContextVar[list | None] = ContextVar("read_holds", default=None)
# The Python half of a sync (reading the tree's listing, classifying its files, reading the object listing) holds the
# interpreter. The flow syncs every repository at once on threads (their fetches wait on the network); with all of
# the 22 local rounds' listings read at once, each other thread of the process got a 22nd of the interpreter, and the
# first parse began 12 s after the first sync ended. Two at a time keep a core busy.
_LISTING = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class Checkout:
    repo: RepoId
    path: Path
    commit: str
    files: tuple[FileRef, ...]  # what we parse at `commit`
    skipped: tuple[Skipped, ...]  # links and submodules among them, not followed
    unavailable: frozenset[str] = frozenset()  # blobs of `files` that upstream could not send
    sizes: Mapping[str, int] = field(default_factory=dict)  # bytes of each blob of `files` in the clone
    # MLCommons' own summary on `results_branch`, at that branch's commit (training from v6.0; else none)
    official_commit: str | None = None
    official_files: tuple[FileRef, ...] = ()


def sync(repo: RepoId, cache_dir: Path, progress: Callable[[str], None] = lambda line: None) -> Checkout:
    """Bring the local copy of `repo` to the commit upstream's HEAD is at (whatever its branch is called, or none),
    with the contents of the files we parse there, and return that commit.

    The clone is safe to leave in any state: one run at a time works in it (a lock per clone, so runs of several
    warehouses can share one cache folder), the lock files of a git killed mid-way are cleared, and a clone git
    still cannot bring to upstream's head is cloned anew. `progress` is told each progress line git writes while it
    clones and downloads (objects received, bytes)."""
    path = cache_dir / repo.name
    with _clone_lock(cache_dir, repo.name):
        if not (path / ".git").is_dir():
            _clone(repo, path, progress)
            return _held_for_reading(cache_dir, repo.name, _checkout(repo, path, progress))
        try:
            return _held_for_reading(cache_dir, repo.name, _checkout(repo, path, progress))
        except Exception as exc:  # noqa: BLE001 (a clone git cannot read or update, for any reason but the network)
            if git_failure(exc).network:
                raise
        _clone(repo, path, progress)
        return _held_for_reading(cache_dir, repo.name, _checkout(repo, path, progress))


@contextmanager
def reading():
    """The clones synced inside this block stay in use until it ends: a run of another warehouse sharing the cache
    folder that must clone one of them anew waits until this run has read its files, instead of deleting them under
    its parse. Fetching into a clone in use is harmless (objects are only added), so only cloning anew waits."""
    holds = []
    token = _READ_HOLDS.set(holds)
    try:
        yield
    finally:
        _READ_HOLDS.reset(token)
        for hold in holds:
            hold.close()  # closing the file releases its lock


def _held_for_reading(cache_dir: Path, name: str, checkout: Checkout) -> Checkout:
    holds = _READ_HOLDS.get()
    if holds is not None:  # taken under the clone lock: no re-clone can come between the sync and the hold
        hold = open(_use_lock(cache_dir, name), "a")
        fcntl.flock(hold, fcntl.LOCK_SH)
        holds.append(hold)
    return checkout


def _use_lock(cache_dir: Path, name: str) -> Path:
    return cache_dir / f".{name}.in-use"


def _checkout(repo: RepoId, path: Path, progress: Callable[[str], None]) -> Checkout:
    _clear_leftovers(path / ".git")
    local = Repo(path)
    try:
        if local.remotes.origin.url != repo.url:  # the same round from another place: what is here still serves
            local.git.execute(["git", "remote", "set-url", "origin", repo.url])
        # HEAD itself, not the branch the clone started on: upstream may rename, switch or delete branches or
        # detach its HEAD, and the results are whatever its HEAD is.
        local.git.execute(["git", *_SAFE_CONFIG, "fetch", "--quiet", "--no-write-fetch-head", "origin", f"+HEAD:{UPSTREAM}"])
        commit = local.git.rev_parse(f"{UPSTREAM}^{{commit}}")
        with _LISTING:
            files, skipped = discover(path, commit, repo.suite, repo.round)
            official_commit, official = _results_branch(local) if repo.suite == "training" else (None, ())
            wanted = {ref.blob for ref in (*files, *official)}
            present = _objects(local)
        missing = wanted - present.keys()
        # a folder (given by its path or a file:/// URL) that lacks a blob fails a fetch of it, and each such blob
        # would cost one fetch more to find: asked instead (whole training v4.0's mirror lacks 31, 0.3 s of fetches)
        folder = local_folder(repo.url)
        absent = _absent_in_folder(folder, missing) if missing and folder and Path(folder).is_dir() else set()
        unavailable = absent | _fetch_blobs(local, missing - absent, progress)
        if not wanted <= present.keys():  # listed again for the sizes of those fetched; a folder's clone has them
            with _LISTING:
                present = _objects(local)  # all, and its listing (every blob of the history) is the longest
        sizes = {blob: size for blob, size in present.items() if blob in wanted}
        return Checkout(repo, path, commit, tuple(files), tuple(skipped), frozenset(unavailable), sizes,
                        official_commit, official)
    finally:
        local.close()


@contextmanager
def _clone_lock(cache_dir: Path, name: str):
    """Hold the clone `name` for this process (waits while another run syncs it; released if the process dies)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _clear_leftovers(git_dir: Path) -> None:
    """Remove the lock files of a git process killed mid-way: under the clone's lock, no other git can hold them,
    and git refuses to update a ref whose lock file exists."""
    for folder, pattern in ((git_dir, "*.lock"), (git_dir / "refs", "**/*.lock"), (git_dir / "logs", "**/*.lock")):
        for leftover in folder.glob(pattern):
            leftover.unlink(missing_ok=True)


def _results_branch(local: Repo) -> tuple[str | None, tuple[FileRef, ...]]:
    """The summary files on upstream's `results_branch` and its commit; (None, ()) where there is no such branch,
    which is normal for rounds before training v6.0 (the clone is single-branch: the branch is fetched by name)."""
    ref = f"refs/remotes/origin/{RESULTS_BRANCH}"
    try:
        local.git.execute(["git", *_SAFE_CONFIG, "fetch", "--quiet", "--no-tags", "origin", f"+refs/heads/{RESULTS_BRANCH}:{ref}"])
    except GitCommandError as exc:
        if "couldn't find remote ref" in str(exc.stderr):
            return None, ()
        raise
    commit = local.git.rev_parse(f"{ref}^{{commit}}")
    listing = local.git.execute(["git", "ls-tree", commit, "--", *RESULTS_BRANCH_FILES])
    files = []
    for line in listing.splitlines():
        meta, name = line.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob" and mode in ("100644", "100755"):  # never a link
            files.append(FileRef(name, blob, Kind.OFFICIAL_TABLE))
    return commit, tuple(files)


def upstream_heads(repo: RepoId) -> tuple[str, str | None]:
    """The commits upstream's HEAD and (training) its `results_branch` are at, without fetching anything."""
    refs = ["HEAD", f"refs/heads/{RESULTS_BRANCH}"] if repo.suite == "training" else ["HEAD"]
    listing = Git().execute(["git", *_SAFE_CONFIG, "ls-remote", "--", repo.url, *refs])
    heads = dict(reversed(line.split("\t", 1)) for line in listing.splitlines() if "\t" in line)
    return heads.get("HEAD", ""), heads.get(f"refs/heads/{RESULTS_BRANCH}")  # no HEAD matches nothing held: the flow runs


def is_ancestor(path: Path, old: str, new: str) -> bool:
    """True when `old` is in the history of `new`; false after a force-push or rewrite (or if `old` is gone)."""
    repo = Repo(path)
    try:
        repo.git.execute(["git", "merge-base", "--is-ancestor", old, new])
        return True
    except GitCommandError:
        return False
    finally:
        repo.close()


def changed_paths(path: Path, old: str, new: str) -> set[str]:
    """The paths whose content differs between two commits: a comparison of trees, no file content is fetched."""
    repo = Repo(path)
    try:
        listing = repo.git.execute(["git", *_SAFE_CONFIG, "diff", "--no-renames", "--name-only", "-z", old, new])
    finally:
        repo.close()
    return {name for name in listing.split("\0") if name}


def _fetch_blobs(local: Repo, missing: set[str], progress: Callable[[str], None]) -> set[str]:
    """Download, in one request, the blobs `missing` from the clone; return the ones upstream does not have."""
    unavailable = set()
    while missing:
        # what git itself does to fill in a partial clone, for all of them at once instead of one by one
        with tempfile.TemporaryFile() as wants:
            wants.write("".join(f"{blob}\n" for blob in sorted(missing)).encode())
            wants.seek(0)
            try:
                _git_telling_progress(Path(local.working_dir), [*_SAFE_CONFIG, "-c", "fetch.negotiationAlgorithm=noop", "fetch", "--progress",
                                              "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no",
                                              "--filter=blob:none", "--stdin", "origin"], wants, progress)
                return unavailable
            except GitCommandError as exc:
                # a damaged upstream refuses the whole request over one object: set that one aside, ask again
                refused = set(_NOT_OUR_REF.findall(str(exc.stderr))) & missing
                if not refused:
                    raise
                unavailable |= refused
                missing -= refused
    return unavailable


# git's progress lines ("Receiving objects:  45% (1200/2666), 3.1 MiB | 2.0 MiB/s"), as opposed to what it has to say
_PROGRESS_LINE = re.compile(r"^(remote: )?[A-Za-z][A-Za-z ]*: +\d+% \(")


def _git_telling_progress(cwd: Path, args: list[str], stdin, progress: Callable[[str], None]) -> None:
    """`git args` in `cwd`, telling `progress` each progress line it writes as it goes; a failure raises
    GitCommandError with everything else git wrote (its `fatal:`/`error:` lines, each refused object)."""
    command = ["git", *args]
    # git's messages in English, as GitPython asks for them: failures are classified by their words (git_errors.py)
    process = subprocess.Popen(command, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ, "LANGUAGE": "C", "LC_ALL": "C"})
    said, pending = [], b""
    while chunk := process.stderr.read1(65536):
        *lines, pending = re.split(rb"[\r\n]", pending + chunk)  # a progress line is redrawn after a CR
        for line in (raw.decode(errors="replace").strip() for raw in lines):
            if _PROGRESS_LINE.match(line):
                progress(line)
            elif line:
                said.append(line)
    said.append(pending.decode(errors="replace").strip())
    if process.wait():
        raise GitCommandError(command, process.returncode, "\n".join(line for line in said if line))


def _objects(local: Repo) -> dict[str, int]:
    """Every object in the local store and its size (listing them never triggers a download, unlike asking for one)."""
    return _listed(local.git.execute(["git", "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objectsize)"]))


def _absent_in_folder(folder: str, blobs: set[str]) -> set[str]:
    """Those of `blobs` the repository in a local folder (the user's mirror) lacks."""
    git = Git(folder)
    promisors = git.execute(["git", "config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"],
                            with_exceptions=False)
    if any(line.split()[-1].lower() != "false" for line in promisors.splitlines() if line.strip()):
        # a partial clone itself: asked for a blob it lacks, it would fetch it from its own remote; listing all it
        # holds never does (a tenth of a second or more for a round)
        return blobs - _listed(git.execute(["git", *_SAFE_CONFIG, "cat-file", "--batch-all-objects",
                                            "--batch-check=%(objectname) %(objectsize)"])).keys()
    with tempfile.TemporaryFile() as asked:
        asked.write("".join(f"{blob}\n" for blob in sorted(blobs)).encode())
        asked.seek(0)
        said = git.execute(["git", *_SAFE_CONFIG, "cat-file", "--batch-check=%(objectname)"], istream=asked)
    return {line.split()[0] for line in said.splitlines() if line.endswith(" missing")}


def _listed(listing: str) -> dict[str, int]:
    pairs = listing.split()
    return {name: int(size) for name, size in zip(pairs[::2], pairs[1::2])}


def _clone(repo: RepoId, path: Path, progress: Callable[[str], None]) -> None:
    if path.exists():
        with open(_use_lock(path.parent, path.name), "a") as in_use:
            fcntl.flock(in_use, fcntl.LOCK_EX)  # until no other run reads it
            shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    if is_folder(repo.url):
        # git's local clone: the folder's object files are hard-linked (copied on another file system: no --local,
        # which would fail there), nothing is packed or indexed. A filter does not apply to a local clone, so the
        # clone is made a partial clone by hand: fetches stay blob-less, and a blob the folder lacks is unavailable
        # (a read reject), as over file://. Never --shared: a gc in the folder would delete objects the clone
        # borrows, where a linked file outlives its deletion there.
        how = ["-c", "remote.origin.promisor=true", "-c", "remote.origin.partialclonefilter=blob:none"]
    else:
        how = ["--filter=blob:none"]
    try:
        _git_telling_progress(path.parent, ["clone", "--progress", *how, "--no-checkout", "--single-branch",
                                            *_SAFE_CONFIG, "--", repo.url, str(partial)], subprocess.DEVNULL, progress)
    except GitCommandError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(path)
