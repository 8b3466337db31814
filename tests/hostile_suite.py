"""The generated hostile suite: seeded cases through the real `mlperf-warehouse` command.

Four groups, all generated from one seed:
- files: real fixture files of every kind the warehouse reads (training logs, systems, scaling.json, detail logs,
  accuracy.txt, spl.txt, verify_*.txt), each mutated and committed, with the real files it is read with, under a
  submitter of its own beside the untouched fixture submitters; with them issue 16's worst cases;
- names: real files under hostile folder and file names;
- command: invalid `--repo` values beside a valid one, and one round given twice;
- warehouse: what can sit at `--db`.

What is counted: a crash is a traceback or an exit code other than the one the README lists for the case; a valid
row lost is a row of an untouched submitter that the clean ingest of the same repositories loads and the hostile one
does not; an unaccounted file is a hostile file that is neither a row nor a reject.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import orjson

from tests.conftest import FIXTURES, commit_files, make_repo, url
from tests.test_hostile_worst_cases import inference_hostile, training_hostile

TRAINING_FIXTURE, INFERENCE_FIXTURE = "training_results_v4.0", "inference_results_v3.0"
COMMAND = Path(sys.executable).with_name("mlperf-warehouse")
TABLES = ["systems", "training_runs", "training_evals", "training_scores", "inference_results", "inference_power",
          "inference_accuracy", "inference_compliance"]
ODD_VALUES = [None, True, -1, 0, 1.5, 2**64 - 1, -(2**63), 1e308, "", "N/A", "8", [], [1, "a"], {}, {"a": {"b": [None]}}, "x" * 5000]
ODD_NUMBERS = [b"1e400", b"-1", b"99999999999999999999999", b"nan", b"inf", b"-0", b"0", b"1e-400", b"0x10", b"1_000"]
HOSTILE_NAMES = ["Ünïcødé 名前", "with space", "quote'\"", "semi;colon", "-rf", "--db=x", "a" * 200, "%s%n%x",
                 "$(touch pwned)", "back\\slash", "tab\there", "new\nline", ".hidden", "..dots"]


# --- mutations of real bytes ------------------------------------------------------------------------------------

def mllog_mutation(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    kind = rng.randrange(6)
    if kind == 0:  # garble a payload
        line = bytearray(lines[i])
        for _ in range(rng.randint(1, 8)):
            if line:
                line[rng.randrange(len(line))] = rng.randrange(256)
        lines[i] = bytes(line)
    elif kind == 1:  # drop the payload, keep the marker
        lines[i] = b":::MLLOG"
    elif kind == 2:  # a field of the event gets another JSON type
        try:
            event = orjson.loads(lines[i].split(b":::MLLOG", 1)[1])
            event[rng.choice(["value", "time_ms", "key", "metadata"])] = rng.choice(ODD_VALUES)
            lines[i] = b":::MLLOG " + orjson.dumps(event)
        except (IndexError, orjson.JSONDecodeError, TypeError):
            lines[i] = b":::MLLOG {"
    elif kind == 3:  # duplicate, reorder or remove lines
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        lines.insert(j, lines[i])
        del lines[rng.randrange(len(lines))]
    elif kind == 4:  # invalid UTF-8 inside a line
        lines[i] = lines[i][: len(lines[i]) // 2] + b"\xff\xfe\xc3\x28" + lines[i][len(lines[i]) // 2:]
    else:  # deeply nested value
        lines[i] = b':::MLLOG {"key": "eval_accuracy", "value": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    return b"\n".join(lines)


def json_mutation(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return data[::-1]
        if isinstance(doc, dict) and doc:
            for key in rng.sample(sorted(doc), k=min(len(doc), rng.randint(1, 5))):
                doc[key] = rng.choice(ODD_VALUES)
        return orjson.dumps(doc)
    if kind == 1:  # duplicate keys with other values
        return data.replace(b"{", b'{"number_of_nodes": "many", "accelerators_per_node": [8], "scaling_factor": -1, ', 1)
    if kind == 2:  # a top level that is not an object
        return orjson.dumps(rng.choice([[], [data.decode("utf-8", "replace")], 3, "system", None]))
    return data.replace(b'"', b"'", rng.randint(1, 20))


def number_mutation(data: bytes, rng: random.Random) -> bytes:
    """Numbers of a text file replaced by ones out of range, not finite, or not numbers at all."""
    spans = [m.span() for m in re.finditer(rb"\d+(?:\.\d+)?", data)]
    for start, end in sorted(rng.sample(spans, k=min(len(spans), rng.randint(1, 6))), reverse=True):
        data = data[:start] + rng.choice(ODD_NUMBERS) + data[end:]
    return data


def mutate(data: bytes, rng: random.Random, structured) -> bytes:
    kind = rng.randrange(7)
    if kind == 0:
        return data[: rng.randrange(max(len(data), 1))]  # truncated
    if kind == 1:
        return b""  # empty
    if kind == 2:
        return rng.randbytes(rng.randint(1, 4096))  # binary
    if kind == 3:
        return data.replace(b"\n", b"\r\n")  # CRLF
    return structured(data, rng)


# --- the cases --------------------------------------------------------------------------------------------------

# kind → (suite, how a real file of that kind is found in its fixture, its mutation)
FILE_KINDS = {
    "training log": ("training", r"^[^/]+/results/[^/]+/[^/]+/result_\d+\.txt$", mllog_mutation),
    "training system": ("training", r"^[^/]+/systems/[^/]+\.json$", json_mutation),
    "scaling.json": ("training", r"/scaling\.json$", json_mutation),
    "detail log": ("inference", r"^[^/]+/[^/]+/results/.*/performance/run_1/mlperf_log_detail\.txt$", mllog_mutation),
    "inference system": ("inference", r"^[^/]+/[^/]+/systems/[^/]+\.json$", json_mutation),
    "accuracy.txt": ("inference", r"/results/.*/accuracy/accuracy\.txt$", number_mutation),
    "spl.txt": ("inference", r"/results/.*/performance/run_1/spl\.txt$", number_mutation),
    "verify_*.txt": ("inference", r"/TEST0\d/verify_\w+\.txt$", number_mutation),
}


@dataclass
class Suite:
    seed: int
    # suite → path → bytes, and each hostile path's group and kind
    files: dict[str, dict[str, bytes]] = field(default_factory=lambda: {"training": {}, "inference": {}})
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)
    submitters: set[str] = field(default_factory=set)  # the folders that hold a hostile file

    def add(self, suite: str, path: str, data: bytes, group: str, kind: str) -> None:
        self.files[suite][path] = data
        self.kinds[path] = (group, kind)
        self.submitters.add(_submitter(suite, path))


def _fixture_files(fixture: str) -> list[str]:
    root = FIXTURES / fixture
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != "SOURCE.md")


def _submitter(suite: str, path: str) -> str:
    return path.split("/")[1 if suite == "inference" else 0]


def _rehome(path: str, suite: str, submitter: str) -> str:
    """The path of a fixture file under another submitter folder."""
    parts = path.split("/")
    parts[1 if suite == "inference" else 0] = submitter
    return "/".join(parts)


def _context(path: str, files: list[str]) -> list[str]:
    """The other files of the folder a file is read with: a result's scenario folder, a score's benchmark folder."""
    if "/results/" not in path or "/systems/" in path:
        return []
    parts = path.split("/")
    depth = 6 if parts[0] in ("closed", "open", "network") else 4  # .../<scenario>/ or .../<benchmark>/
    folder = "/".join(parts[:depth]) + "/"
    return [f for f in files if f.startswith(folder) and f != path]


def generate(seed: int, per_kind: int = 12) -> Suite:
    rng = random.Random(seed)
    suite = Suite(seed)
    fixture = {"training": TRAINING_FIXTURE, "inference": INFERENCE_FIXTURE}
    available = {s: _fixture_files(f) for s, f in fixture.items()}
    for kind, (suite_name, pattern, structured) in FILE_KINDS.items():
        sources = [p for p in available[suite_name] if re.search(pattern, p)]
        for n in range(per_kind):
            source = rng.choice(sources)
            data = (FIXTURES / fixture[suite_name] / source).read_bytes()
            submitter = f"Hostile{kind.split()[0].title().replace('.', '').replace('_*', '')}{n:02d}"
            # the file among the real files it is read with (its scenario or benchmark folder), all moved together
            for sibling in _context(source, available[suite_name]):
                suite.files[suite_name][_rehome(sibling, suite_name, submitter)] = (
                    FIXTURES / fixture[suite_name] / sibling).read_bytes()
            suite.add(suite_name, _rehome(source, suite_name, submitter), mutate(data, rng, structured), "files", kind)
    for path, data in training_hostile().items():
        suite.add("training", path, data, "files", "issue 16 worst case")
    for path, data in inference_hostile().items():
        suite.add("inference", path, data, "files", "issue 16 worst case")
    log = "Dell/results/XE9680x8H100-SXM-80GB/bert/result_0.txt"
    detail = "closed/Qualcomm/results/r282_z93_q5e-qaic-v1.8.3.7-aic100/resnet50/offline/performance/run_1/mlperf_log_detail.txt"
    for name in HOSTILE_NAMES:
        training_log = (FIXTURES / TRAINING_FIXTURE / log).read_bytes()
        suite.add("training", f"{name}/results/XE9680x8H100-SXM-80GB/bert/result_0.txt", training_log, "names", "submitter")
        suite.add("training", f"HostileNames/results/{name}/bert/result_0.txt", training_log, "names", "system")
        suite.add("inference", detail.replace("/Qualcomm/", f"/{name}/"), (FIXTURES / INFERENCE_FIXTURE / detail).read_bytes(),
                  "names", "submitter")
    for number in ("99999999999999999999", "-1", "00", "1e3", "٣"):
        suite.add("training", f"HostileRunNames/results/sys/bert/result_{number}.txt",
                  (FIXTURES / TRAINING_FIXTURE / log).read_bytes(), "names", "result number")
    return suite


# --- running it through the command -----------------------------------------------------------------------------

@dataclass
class Figures:
    cases: dict[str, int] = field(default_factory=dict)  # group → cases
    rejects: int = 0  # reject rows of the hostile files
    # (group, kind) → [files, files loaded as rows, files rejected, their reject rows]
    by_kind: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    valid_rows_lost: int = 0
    unaccounted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # command and warehouse cases → the one line said


def command(*argv: str, env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run([str(COMMAND), *argv], capture_output=True, text=True, env=env, timeout=900)
    return done.returncode, done.stdout + done.stderr


def _said(output: str, workdir: Path) -> str:
    return output.strip().replace(str(workdir), "<workdir>")


def _rows(con, table: str, submitters: set[str]) -> set[tuple]:
    return set(con.execute(f"select * exclude (source_commit) from {table} where list_contains(?, submitter)",
                           [sorted(submitters)]).fetchall())


def run(suite: Suite, workdir: Path, env: dict[str, str]) -> Figures:
    figures = Figures(cases={})
    for group, _kind in suite.kinds.values():
        figures.cases[group] = figures.cases.get(group, 0) + 1
    training = make_repo(workdir / "upstream" / TRAINING_FIXTURE, TRAINING_FIXTURE)
    inference = make_repo(workdir / "upstream" / INFERENCE_FIXTURE, INFERENCE_FIXTURE)
    repos = ["--repo", url(training), "--repo", url(inference)]
    clean_db, db, cache = workdir / "clean.duckdb", workdir / "w.duckdb", workdir / "cache"

    def expect(case: str, code: int, argv: list[str]) -> str:
        got, output = command(*argv, env=env)
        if got != code or "Traceback" in output:
            figures.crashes.append(f"{case}: exit {got} (expected {code}) {output[-300:]}")
        return output

    expect("clean ingest", 0, ["ingest", "--db", str(clean_db), "--cache-dir", str(workdir / "clean-cache"), *repos])
    commit_files(training, suite.files["training"], "hostile")
    commit_files(inference, suite.files["inference"], "hostile")
    expect("hostile ingest", 0, ["ingest", "--db", str(db), "--cache-dir", str(cache), *repos])
    with duckdb.connect(str(clean_db), read_only=True) as clean, duckdb.connect(str(db), read_only=True) as con:
        untouched = {s for (s,) in clean.execute("select distinct submitter from systems").fetchall()} - suite.submitters
        for table in TABLES:
            figures.valid_rows_lost += len(_rows(clean, table, untouched) - _rows(con, table, untouched))
        loaded = {p for table in TABLES for (p,) in con.execute(f"select source_path from {table}").fetchall()}
        rejected = dict(con.execute("select source_path, count(*) from rejects where reason <> '' group by 1").fetchall())
    # a scaling.json is loaded as the scaling_factor of its folder's score
    figures.unaccounted = [p for p in suite.kinds if p not in loaded and p not in rejected
                           and not (p.endswith("/scaling.json") and p.rsplit("/", 1)[0] in loaded)]
    figures.rejects = sum(rejected.get(p, 0) for p in suite.kinds)
    for path, kind in suite.kinds.items():
        counts = figures.by_kind.setdefault(kind, [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += path in loaded
        counts[2] += path in rejected
        counts[3] += rejected.get(path, 0)

    _command_cases(suite, figures, workdir, repos, expect)
    _warehouse_cases(suite, figures, workdir, db, repos, expect)
    return figures


def _command_cases(suite: Suite, figures: Figures, workdir: Path, repos: list[str], expect) -> None:
    marker = workdir / "ran"
    hostile = [f"ext::sh -c touch% {marker}", "fd::3", f"--upload-pack=touch {marker}", "/srv/mirror/training_results_v4.0",
               "https://github.com/mlcommons/inference", "file:///nowhere/inference_results_v9.9", "ssh://-oProxyCommand=x/y_v1.0",
               "https://user:s3cret@127.0.0.1:9/mlcommons/training_results_v4.1"]
    rng = random.Random(suite.seed)
    rng.shuffle(hostile)
    db = workdir / "command.duckdb"
    argv = ["ingest", "--db", str(db), "--cache-dir", str(workdir / "cache"), "--sync-retries", "0", *repos]
    for value in hostile:
        argv += ["--repo", value]
    output = expect("invalid --repo beside valid ones", 1, argv)
    figures.cases["command"] = len(hostile) + 2
    if marker.exists():
        figures.crashes.append("a --repo value ran a command")
    with duckdb.connect(str(db), read_only=True) as con:
        if con.execute("select count(*) from training_runs").fetchone()[0] == 0:
            figures.crashes.append("the valid repositories were not loaded beside invalid ones")
        if "s3cret" in str(con.execute("select * from ingest_runs").fetchall()) or "s3cret" in output:
            figures.crashes.append("a credential was kept or printed")
    twice = repos[1].replace("file://", "file://localhost")
    figures.refused["one round, two URLs"] = _said(expect("one round, two URLs", 2, ["ingest", "--db", str(db), *repos, "--repo", twice]), workdir)
    expect("one URL twice", 0, ["ingest", "--db", str(db), "--cache-dir", str(workdir / "cache"), *repos, "--repo", repos[1]])


def warehouse_states(folder: Path, good: Path, rng: random.Random) -> dict[str, str]:
    """Files at `--db` a run must refuse, written into `folder`: name → what the refusal says."""
    folder.mkdir(exist_ok=True)
    data = good.read_bytes()
    (folder / "truncated.duckdb").write_bytes(data[: rng.randrange(len(data) // 4, 3 * len(data) // 4)])
    (folder / "tail_cut.duckdb").write_bytes(data[:-4096])  # opens, and its counts still answer
    (folder / "random.duckdb").write_bytes(rng.randbytes(1 << 16))
    (folder / "empty.duckdb").write_bytes(b"")
    (folder / "folder.duckdb").mkdir()
    with duckdb.connect(str(folder / "mine.duckdb")) as con:
        con.execute("create table my_notes (note varchar)")
        con.execute("insert into my_notes values ('keep me')")
    shutil.copy(good, folder / "ours_and_mine.duckdb")
    with duckdb.connect(str(folder / "ours_and_mine.duckdb")) as con:
        con.execute("create table my_notes (note varchar)")
    with sqlite3.connect(folder / "lite.duckdb") as lite:
        lite.execute("create table t (x int)")
    return {"truncated": "ingest again to rebuild it", "tail_cut": "ingest again to rebuild it",
            "random": "not a DuckDB file", "empty": "not a DuckDB file", "folder": "is not a file",
            "mine": "did not create (my_notes)", "ours_and_mine": "did not create (my_notes)", "lite": "not a DuckDB file"}


def _warehouse_cases(suite: Suite, figures: Figures, workdir: Path, good: Path, repos: list[str], expect) -> None:
    states = workdir / "states"
    says = warehouse_states(states, good, random.Random(suite.seed))
    figures.cases["warehouse"] = 0
    for name, expected in says.items():
        db = states / f"{name}.duckdb"
        before = db.read_bytes() if db.is_file() else None
        for verb in (["ingest", "--cache-dir", str(workdir / "cache"), *repos], ["status"]):
            figures.cases["warehouse"] += 1
            output = expect(f"{db.name} ({verb[0]})", 6, [verb[0], "--db", str(db), *verb[1:]])
            if len(output.strip().splitlines()) != 1 or expected not in output:
                figures.crashes.append(f"{db.name} ({verb[0]}): not the one line expected: {output[-300:]}")
            figures.refused[f"{db.name} ({verb[0]})"] = _said(output, workdir)
        if (db.read_bytes() if db.is_file() else None) != before:
            figures.crashes.append(f"{db.name}: changed by a refused run")


def environment(api_url: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env
