"""The generated hostile suite: seeded cases through the real `mlperf-warehouse` command.

Groups, all generated from one seed:
- files: real fixture files of every kind the warehouse reads (training logs, systems, scaling.json, detail logs,
  accuracy.txt, spl.txt, verify_*.txt), each mutated and committed, with the real files it is read with, under a
  submitter of its own beside the untouched fixture submitters; with them issue 16's worst cases;
- numbers: impossible numbers in real files (a run whose stop is at or before its start, scaling factors from 1e308
  to 5e-324, inference results of 0, below 0, NaN or infinite);
- layouts: real files under a layout folder spelled with capitals (`Results/`, `Systems/`, `Performance/`, ...) and
  training benchmark folders without a result log;
- names: real files under hostile folder and file names (terminal escapes among them);
- command: invalid `--repo` values beside a valid one (credentials of every scheme among them), one round given twice;
- settings: bad settings from a config file, the environment or a flag;
- warehouse: what can sit at `--db`;
- upstream: refreshes after upstream renamed, switched or detached its HEAD, moved every submitter under a new top
  folder or lost most of its rows, with the leftovers of killed runs in the cache (git lock files, damaged parse-cache
  files, a partial clone), and two warehouses syncing from one cache folder at once;
- readers: `brief` and `estimate --extrapolate` on curves with impossible runs; `export` after the clock stepped back
  and three overlapping exports.

What is counted: a crash is a traceback or an exit code other than the one the README lists for the case; a valid
row lost is a row of an untouched submitter that the clean ingest of the same repositories loads and the hostile one
does not; an unaccounted file is a hostile file that is neither a row nor a reject (itself or a folder above it); a
falsified number is a valid score, energy or result that is not a finite positive number of plausible parts, or a
scaling step that is not finite; a round wiped or stale is a refresh after which the warehouse's rows are not those
of the commit it should hold, or its commit is not upstream's HEAD; an injection is a control character (a terminal
escape) in what a command prints, or a credential in its output, in the warehouse or in Prefect's database.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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
                 "$(touch pwned)", "back\\slash", "tab\there", "new\nline", ".hidden", "..dots", "esc\x1b[2Jclear",
                 "title\x1b]0;owned\x07"]
SCALING_FACTORS = [b"1e308", b"1.7976931348623157e308", b"1e300", b"101", b"1e6", b"0.5", b"1e-308", b"5e-324", b"0.999",
                   b"1e400"]
IMPOSSIBLE_RESULTS = [b"0", b"0.0", b"-0", b"-5", b"1e400", b"-1e400", b"NaN", b"Infinity"]
TRAINING_CAPITALS = [(1, "Results"), (1, "RESULTS"), (1, "Systems"), (1, "SYSTEMS")]
INFERENCE_CAPITALS = [(2, "Results"), (2, "Systems"), (2, "Compliance"), (6, "Performance"), (6, "Accuracy")]
SECRET = "s3cret"


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


def instant(data: bytes, earlier_ms: int = 0) -> bytes:
    """A training log whose run_stop is at its run_start's time (or `earlier_ms` before it)."""
    start = re.search(rb'"time_ms": (\d+)[^\n]*"key": "run_start"', data)
    if start is None:
        return data
    stop = str(int(start[1]) - earlier_ms).encode()
    return re.sub(rb'("time_ms": )\d+([^\n]*"key": "run_stop")', lambda m: m[1] + stop + m[2], data)


def impossible_result(data: bytes, value: bytes) -> bytes:
    """A detail log whose every numeric result_* value is `value` (the headline metric among them)."""
    return re.sub(rb'("key": "result_[^"]*", "value": )-?[0-9][0-9.eE+-]*', lambda m: m[1] + value, data)


def _recase(path: str, depth: int, name: str) -> str:
    parts = path.split("/")
    parts[depth] = name
    return "/".join(parts)


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
    _numbers(suite, rng, per_kind, available, fixture)
    _layouts(suite, rng, per_kind, available, fixture)
    return suite


def _folder_case(suite: Suite, suite_name: str, fixture: str, source: str, available: list[str], submitter: str,
                 group: str, kind: str, change=lambda path, data: data, where=lambda path: path) -> None:
    """`source` and the files it is read with under `submitter`, each through `change`, at `where` their path."""
    for path in [source, *_context(source, available)]:
        data = change(path, (FIXTURES / fixture / path).read_bytes())
        target = where(_rehome(path, suite_name, submitter))
        if path == source:
            suite.add(suite_name, target, data, group, kind)
        else:
            suite.files[suite_name][target] = data


def _small(fixture: str, available: list[str], paths: list[str], limit: int = 2_000_000) -> list[str]:
    """Those of `paths` read with under `limit` bytes of other files (CI time: unet3d's 40 logs are 6 MB)."""
    return [p for p in paths if sum((FIXTURES / fixture / f).stat().st_size for f in _context(p, available)) < limit]


def _numbers(suite: Suite, rng: random.Random, per_kind: int, available: dict, fixture: dict) -> None:
    logs = _small(fixture["training"], available["training"],
                  [p for p in available["training"] if re.search(FILE_KINDS["training log"][1], p)])
    scalings = _small(fixture["training"], available["training"], [p for p in available["training"] if p.endswith("/scaling.json")])
    details = _small(fixture["inference"], available["inference"],
                     [p for p in available["inference"] if re.search(FILE_KINDS["detail log"][1], p)])
    for n in range(per_kind):
        source, every, earlier = rng.choice(logs), n % 2 == 0, (0, 0, 60_000)[n % 3]
        _folder_case(suite, "training", fixture["training"], source, available["training"], f"HostileInstant{n:02d}",
                     "numbers", "run_stop at or before run_start",
                     lambda path, data, source=source, every=every, earlier=earlier: instant(data, earlier) if (
                         path == source or (every and "/result_" in path)) else data)
        factor = SCALING_FACTORS[n % len(SCALING_FACTORS)]
        _folder_case(suite, "training", fixture["training"], rng.choice(scalings), available["training"],
                     f"HostileFactor{n:02d}", "numbers", "scaling factor",
                     lambda path, data, factor=factor: b'{"scaling_factor": ' + factor + b"}" if path.endswith(
                         "scaling.json") else data)
        value = IMPOSSIBLE_RESULTS[n % len(IMPOSSIBLE_RESULTS)]
        source = rng.choice(details)
        _folder_case(suite, "inference", fixture["inference"], source, available["inference"], f"HostileResult{n:02d}",
                     "numbers", "inference result",
                     lambda path, data, source=source, value=value: impossible_result(data, value) if path == source else data)


def _layouts(suite: Suite, rng: random.Random, per_kind: int, available: dict, fixture: dict) -> None:
    kinds = {kind: _small(fixture[FILE_KINDS[kind][0]], available[FILE_KINDS[kind][0]],
                          [p for p in available[FILE_KINDS[kind][0]] if re.search(FILE_KINDS[kind][1], p)])
             for kind in FILE_KINDS}
    for n in range(per_kind):
        depth, name = TRAINING_CAPITALS[n % len(TRAINING_CAPITALS)]
        source = rng.choice(kinds["training log" if name.lower() == "results" else "training system"])
        _folder_case(suite, "training", fixture["training"], source, available["training"], f"HostileCaps{n:02d}",
                     "layouts", "training folder spelled with capitals",
                     where=lambda path, depth=depth, name=name: _recase(path, depth, name))
        depth, name = INFERENCE_CAPITALS[n % len(INFERENCE_CAPITALS)]
        kind = {"Systems": "inference system", "Compliance": "verify_*.txt"}.get(name, "detail log")
        _folder_case(suite, "inference", fixture["inference"], rng.choice(kinds[kind]), available["inference"],
                     f"HostileCaps{n:02d}", "layouts", "inference folder spelled with capitals",
                     where=lambda path, depth=depth, name=name: _recase(path, depth, name))
        # a benchmark folder of a log under another name (training v0.7 Alibaba's <job>_<n>.log)
        source = rng.choice(kinds["training log"])
        suite.add("training", re.sub(r"/result_(\d+)\.txt$", r"/200711025203744603517_\1.log",
                                     _rehome(source, "training", f"HostileNoLog{n:02d}")),
                  (FIXTURES / fixture["training"] / source).read_bytes(), "layouts",
                  "training benchmark folder without a result log")


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
    falsified: list[str] = field(default_factory=list)
    wiped_or_stale: list[str] = field(default_factory=list)
    injections: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # command and warehouse cases → the one line said
    # operation cases (group, what was done) → what the command did
    operations: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each part of the run

    def case(self, group: str, what: str, outcome: str) -> None:
        self.cases[group] = self.cases.get(group, 0) + 1
        self.operations[(group, what)] = outcome


def command(*argv: str, env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run([str(COMMAND), *argv], capture_output=True, text=True, env=env, timeout=900)
    return done.returncode, done.stdout + done.stderr


def _said(output: str, workdir: Path) -> str:
    return output.strip().replace(str(workdir), "<workdir>")


def _rows(con, table: str, submitters: set[str]) -> set[tuple]:
    return set(con.execute(f"select * exclude (source_commit) from {table} where list_contains(?, submitter)",
                           [sorted(submitters)]).fetchall())


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")  # what a terminal acts on, but newline and tab


def run(suite: Suite, workdir: Path, env: dict[str, str]) -> Figures:
    started = time.perf_counter()
    figures = Figures(cases={})
    for group, _kind in suite.kinds.values():
        figures.cases[group] = figures.cases.get(group, 0) + 1
    training = make_repo(workdir / "upstream" / TRAINING_FIXTURE, TRAINING_FIXTURE)
    inference = make_repo(workdir / "upstream" / INFERENCE_FIXTURE, INFERENCE_FIXTURE)
    repos = ["--repo", url(training), "--repo", url(inference)]
    clean_db, db, cache = workdir / "clean.duckdb", workdir / "w.duckdb", workdir / "cache"

    def expect(case: str, code: int | tuple[int, ...], argv: list[str]) -> str:
        got, output = command(*argv, env=env)
        return judge(case, code, got, output)

    def judge(case: str, code: int | tuple[int, ...], got: int, output: str) -> str:
        if got not in (code if isinstance(code, tuple) else (code,)) or "Traceback" in output:
            figures.crashes.append(f"{case}: exit {got} (expected {code}) {output[-300:]}")
        if _CONTROL.search(output) or SECRET in output:
            figures.injections.append(f"{case}: {output[-300:]!r}")
        return output

    # the clean ingest and the command cases' ingest of the same repositories: two warehouses at once, one cache
    with ThreadPoolExecutor(2) as pool:
        clean_run = pool.submit(expect, "clean ingest", 0, ["ingest", "--db", str(clean_db), "--cache-dir", str(cache), *repos])
        _command_cases(suite, figures, workdir, repos, expect)
        clean_run.result()
    _same_rows(figures, clean_db, workdir / "command.duckdb", "two warehouses synced at once from one cache folder")
    figures.case("upstream", "two warehouses syncing from one cache folder at once", "both whole")
    commit_files(training, suite.files["training"], "hostile")
    commit_files(inference, suite.files["inference"], "hostile")
    expect("hostile ingest", 0, ["ingest", "--db", str(db), "--cache-dir", str(cache), *repos])
    with duckdb.connect(str(clean_db), read_only=True) as clean, duckdb.connect(str(db), read_only=True) as con:
        untouched = {s for (s,) in clean.execute("select distinct submitter from systems").fetchall()} - suite.submitters
        for table in TABLES:
            figures.valid_rows_lost += len(_rows(clean, table, untouched) - _rows(con, table, untouched))
        loaded = {p for table in TABLES for (p,) in con.execute(f"select source_path from {table}").fetchall()}
        rejected = dict(con.execute("select source_path, count(*) from rejects where reason <> '' group by 1").fetchall())
        figures.falsified = _falsified(con, suite.submitters)
    for path, kind in suite.kinds.items():
        counts = figures.by_kind.setdefault(kind, [0, 0, 0, 0])
        # a file is rejected itself, or with a folder above it (a folder the layout does not read)
        rejected_as = next((f for f in _folders(path) if f in rejected), None)
        # a scaling.json is loaded as the scaling_factor of its folder's score, unless it is rejected itself
        is_row = path in loaded or (path.endswith("/scaling.json") and path.rsplit("/", 1)[0] in loaded
                                    and path not in rejected)
        if not is_row and rejected_as is None:
            figures.unaccounted.append(path)
        counts[0] += 1
        counts[1] += is_row
        counts[2] += rejected_as is not None
        counts[3] += rejected.get(rejected_as, 0)
        figures.rejects += rejected.get(rejected_as, 0)

    figures.seconds["clean and hostile ingests"] = time.perf_counter() - started
    for part, cases in (("settings", lambda: _settings_cases(suite, figures, workdir, repos, env, judge)),
                        ("warehouse", lambda: _warehouse_cases(suite, figures, workdir, db, repos, expect)),
                        ("readers", lambda: _reader_cases(suite, figures, workdir, db, env, expect, judge)),
                        ("upstream", lambda: _upstream_cases(figures, workdir, training, inference, db, cache, repos, env,
                                                             expect, judge))):
        began = time.perf_counter()
        cases()
        figures.seconds[part] = time.perf_counter() - began
    _prefect_stores_hold_no_secret(figures, env)
    return figures


def _folders(path: str) -> list[str]:
    """`path` and every folder above it, itself first."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _falsified(con, submitters: set[str]) -> list[str]:
    """Valid numbers of the hostile submitters that are no finite positive number of plausible parts."""
    hostile = sorted(submitters)
    found = con.execute("""
        select 'training score ' || s.source_path || ': ' || coalesce(s.score_minutes::varchar, 'null') || ' min, factor '
               || s.scaling_factor || ', energy ' || coalesce(s.energy_j::varchar, 'null')
        from training_scores s
        where s.valid and list_contains(?, s.submitter) and (
            s.score_minutes is null or not isfinite(s.score_minutes) or s.score_minutes <= 0
            or s.scaling_factor < 1 or s.scaling_factor > 100
            or (s.energy_j is not null and (not isfinite(s.energy_j) or s.energy_j <= 0))
            or exists (select 1 from training_runs r where (r.round, r.submitter, r.system, r.benchmark)
                       = (s.round, s.submitter, s.system, s.benchmark) and r.time_to_train_minutes <= 0
                       and coalesce(r.reached_target, r.status = 'success')))
        union all
        select 'inference result ' || source_path || ': ' || coalesce(result::varchar, 'null')
        from inference_results
        where valid and list_contains(?, submitter) and (result is null or not isfinite(result) or result <= 0)
        union all
        select 'scaling step ' || benchmark || ' ' || accelerator || ' ' || accelerators_total
        from training_scaling where not isfinite(speedup) or not isfinite(scaling_efficiency)
        order by 1""", [hostile, hostile]).fetchall()
    return [row[0] for row in found]


def _command_cases(suite: Suite, figures: Figures, workdir: Path, repos: list[str], expect) -> None:
    marker = workdir / "ran"
    hostile = [f"ext::sh -c touch% {marker}", "fd::3", f"--upload-pack=touch {marker}", "srv/mirror/training_results_v4.0",
               "https://github.com/mlcommons/inference", "file:///nowhere/inference_results_v9.9", "ssh://-oProxyCommand=x/y_v1.0",
               # credentials of every scheme, each for a round of its own (port 9 of this machine answers nothing)
               f"https://user:{SECRET}@127.0.0.1:9/mlcommons/training_results_v4.1",
               f"https://{SECRET}@127.0.0.1:9/mlcommons/inference_results_v4.1",
               f"ssh://user:{SECRET}@127.0.0.1:9/mlcommons/training_results_v5.0",
               f"git://user:{SECRET}@127.0.0.1:9/mlcommons/inference_results_v5.0",
               f"user:{SECRET}@127.0.0.1:mlcommons/training_results_v5.1",
               f"file://user:{SECRET}@localhost/nowhere/inference_results_v5.1"]
    rng = random.Random(suite.seed)
    rng.shuffle(hostile)
    db = workdir / "command.duckdb"
    # the valid ones given twice: one repository each
    argv = ["ingest", "--db", str(db), "--cache-dir", str(workdir / "cache"), "--sync-retries", "0", *repos, *repos]
    for value in hostile:
        argv += ["--repo", value]
    output = expect("invalid --repo beside valid ones", 1, argv)
    figures.cases["command"] = len(hostile) + 2
    if marker.exists():
        figures.crashes.append("a --repo value ran a command")
    with duckdb.connect(str(db), read_only=True) as con:
        if con.execute("select count(*) from training_runs").fetchone()[0] == 0:
            figures.crashes.append("the valid repositories were not loaded beside invalid ones")
        kept = str(con.execute("select * from ingest_runs").fetchall()) + str(con.execute("select * from sources").fetchall())
        if SECRET in kept or SECRET in output:
            figures.injections.append("a credential was kept or printed")
    twice = repos[1].replace("file://", "file://localhost")
    figures.refused["one round, two URLs"] = _said(expect("one round, two URLs", 2, ["ingest", "--db", str(db), *repos, "--repo", twice]), workdir)


# What a settings file, the environment or a flag may say that must be refused whole before a run: (how, setting, value)
BAD_SETTINGS = [
    *(("config", "sync_retry_delays", v) for v in ("[-1]", "[nan]", "[inf]", "[]", "[10, -5]", '["soon"]')),
    *(("environment", "sync_retry_delays", v) for v in ("-1", "nan", "1e999")),
    *(("config", "sync_retries", v) for v in ("-1", "101")),
    *(("config", "workers", v) for v in ("0", "100000")),
    ("config", "max_file_bytes", "0"),
    *(("config", "organization_url", v) for v in ('"ext::sh -c touch% x"', '"--upload-pack=touch x"',
                                                  f'"https://user:{SECRET}@127.0.0.1:9/mlcommons x"')),
    ("config", "schedule_timezone", '"Mars/Olympus"'),
    ("config", "no_such_setting", "1"),
    ("config", "db_path", "["),
    ("config", "repos", f'["https://a:{SECRET}@h/training_results_v4.0", "ssh://b:{SECRET}@h/training_results_v4.0"]'),
    ("flag", "--sync-retries", "-1"),
    ("flag", "--workers", "0"),
]

def _settings_cases(suite: Suite, figures: Figures, workdir: Path, repos: list[str], env: dict[str, str], judge) -> None:
    """Each bad setting refused in one line (exit 2) before anything runs: no warehouse is created."""
    folder = workdir / "settings"
    folder.mkdir()

    def one(n: int, how: str, name: str, value: str) -> tuple[str, int, str, Path]:
        db, config, extra_env, flags = folder / f"{n}.duckdb", folder / f"{n}.toml", {}, []
        config.write_text("")
        if how == "config":
            config.write_text(f"{name} = {value}\n")
        elif how == "environment":
            extra_env[f"MLPERF_WAREHOUSE_{name.upper()}"] = value
        else:
            flags = [name, value]
        # flags come first: a setting of the file is tried without the --repo flags that would override it
        given = [] if name == "repos" else repos
        got, output = command("--config", str(config), "ingest", "--db", str(db), "--cache-dir", str(workdir / "cache"),
                              *given, *flags, env={**env, **extra_env})
        return f"{name} = {value} ({how})", got, output, db

    with ThreadPoolExecutor(4) as pool:  # each refusal is a second of Python starting up, mostly waiting
        outcomes = list(pool.map(lambda case: one(*case), [(n, *bad) for n, bad in enumerate(BAD_SETTINGS)]))
    for case, got, output, db in outcomes:
        judge(case, 2, got, output)
        if len(output.strip().splitlines()) != 1 or db.exists():
            figures.crashes.append(f"{case}: not refused in one line before the run: {output[-300:]}")
        figures.case("settings", case, _said(output, workdir))


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
    verbs = (["ingest", "--cache-dir", str(workdir / "cache"), *repos], ["status"])
    figures.cases["warehouse"] = len(says) * len(verbs)

    def refused(name: str) -> None:
        db = states / f"{name}.duckdb"
        before = db.read_bytes() if db.is_file() else None
        for verb in verbs:
            output = expect(f"{db.name} ({verb[0]})", 6, [verb[0], "--db", str(db), *verb[1:]])
            if len(output.strip().splitlines()) != 1 or says[name] not in output:
                figures.crashes.append(f"{db.name} ({verb[0]}): not the one line expected: {output[-300:]}")
            figures.refused[f"{db.name} ({verb[0]})"] = _said(output, workdir)
        if (db.read_bytes() if db.is_file() else None) != before:
            figures.crashes.append(f"{db.name}: changed by a refused run")

    with ThreadPoolExecutor(4) as pool:  # each refusal is a second of Python starting up, mostly waiting
        list(pool.map(refused, says))


def _reader_cases(suite: Suite, figures: Figures, workdir: Path, db: Path, env: dict[str, str], expect, judge) -> None:
    """The readers on the hostile warehouse: brief and estimate on curves with impossible runs, and export."""
    with duckdb.connect(str(db), read_only=True) as con:
        systems = [s for (s,) in con.execute(
            "select distinct system from training_runs where time_to_train_minutes <= 0 order by 1").fetchall()]
        benchmarks = [b for (b,) in con.execute(
            "select distinct benchmark from training_runs where submitter like 'HostileInstant%' order by 1").fetchall()]
    for system in systems[:1]:
        expect(f"brief {system}", 0, ["brief", system, "--db", str(db)])
        figures.case("readers", f"brief of {system}, on a curve with instant runs", "exit 0")
    for benchmark in benchmarks[:1]:
        argv = ["estimate", "--db", str(db), "--suite", "training", "--benchmark", benchmark, "--accelerator", "H100",
                "--target-minutes", "0.01", "--extrapolate"]
        expect(f"estimate {benchmark}", (0, 1), argv)  # 1: the data cannot answer, said in a line
        figures.case("readers", f"estimate --extrapolate of {benchmark} on H100 beside instant runs", "exit 0 or 1")
    out = workdir / "exports" / "export"
    out.parent.mkdir()
    # an export made while the clock was ahead (a VM restored, NTP): its folder's name sorts after any made now
    ahead = out.with_name(".export.99991231T235959999999Z")
    ahead.mkdir()
    (ahead / "systems.parquet").write_bytes(b"an older export")
    runs = [subprocess.Popen([str(COMMAND), "export", str(out), "--db", str(db)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    for n, process in enumerate(runs):
        judge(f"overlapping export {n}", 0, process.wait(timeout=600), process.stdout.read())
    figures.case("readers", "three overlapping exports after the clock stepped back",
                 _export_state(figures, out, "overlapping exports after the clock stepped back"))


def _export_state(figures: Figures, out: Path, case: str) -> str:
    target = out.resolve()
    folders = [p for p in out.parent.iterdir() if p.is_dir() and not p.is_symlink()]
    if not (out.is_symlink() and target.is_dir() and len(list(target.glob("*.parquet"))) > 20):
        figures.crashes.append(f"{case}: the export link points at {target.name}, which is gone or not a whole export")
    if len(folders) > 2:
        figures.crashes.append(f"{case}: {len(folders)} export folders left")
    return f"link to a whole export, {len(folders)} folders kept"


def _state(db: Path) -> tuple:
    """The warehouse's rows, without the commit every row carries, and each round's commit."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = tuple(con.execute(f"select count(*), md5(string_agg(t::varchar, chr(10) order by t::varchar)) "
                                 f"from (select * exclude (source_commit) from {table}) t").fetchone() for table in TABLES)
        return rows, dict(con.execute("select suite || ' ' || round, commit_sha from sources").fetchall())


def _leftovers(cache: Path, rng: random.Random) -> list[str]:
    """What killed runs leave in a cache: git lock files, damaged parse-cache files, a partial clone."""
    left = []
    for name in (TRAINING_FIXTURE, INFERENCE_FIXTURE):
        git = cache / name / ".git"
        for lock in ("refs/warehouse/upstream.lock", "packed-refs.lock", "HEAD.lock", "config.lock", "index.lock",
                     "shallow.lock", "refs/remotes/origin/HEAD.lock"):
            (git / lock).parent.mkdir(parents=True, exist_ok=True)
            (git / lock).write_text("0000000000000000000000000000000000000000\n")
            left.append(f"{name}: {lock} of a killed git")
        damages = {
            "one flipped bit": lambda d: d[:len(d) // 2] + bytes([d[len(d) // 2] ^ 1 << rng.randrange(8)]) + d[len(d) // 2 + 1:],
            "cut short": lambda d: d[:rng.randrange(1, max(len(d), 2))],
            "empty": lambda d: b"",
            "random bytes": lambda d: rng.randbytes(len(d)),
            "a huge length prefix": lambda d: d[:40] + b"\x95\xff\xff\xff\xff\xff\xff\xff\x7f" + d[49:],
            "a pickle that runs code": lambda d: b"cos\nsystem\n(S'touch pwned'\ntR.",
        }
        files = sorted((cache / f"{name}.parsed").glob("*.pickle"))
        for (what, damage), file in zip(damages.items(), files):
            file.write_bytes(damage(file.read_bytes()))
            left.append(f"{name}: parse-cache file with {what}")
    partial = cache / f"{TRAINING_FIXTURE}.partial"
    (partial / ".git").mkdir(parents=True)
    (partial / ".git" / "HEAD").write_text("ref: refs/heads/nothing\n")
    left.append("a partial clone of a killed first clone, beside the clone")
    (cache / INFERENCE_FIXTURE / ".git" / "HEAD").write_bytes(b"\0\xff damaged")
    left.append("a clone git cannot read (its HEAD file damaged): cloned anew")
    return left


def _upstream_cases(figures: Figures, workdir: Path, training, inference, db: Path, cache: Path, repos: list[str],
                    env: dict[str, str], expect, judge) -> None:
    """Refreshes after upstream changed how its HEAD is named, or its layout, with a cache left by killed runs."""
    ingest = ["ingest", "--db", str(db), "--cache-dir", str(cache), *repos]
    rows, _commits = _state(db)

    def refreshed(case: str, code: int, moved: bool) -> str:
        output = expect(case, code, ingest)
        now_rows, commits = _state(db)
        heads = {fixture.replace("_results_", " "): repo.head.commit.hexsha
                 for fixture, repo in ((TRAINING_FIXTURE, training), (INFERENCE_FIXTURE, inference))}
        if now_rows != rows:
            figures.wiped_or_stale.append(f"{case}: the rows changed")
        if moved and commits != heads:
            figures.wiped_or_stale.append(f"{case}: the warehouse holds {commits}, upstream is at {heads}")
        if not moved and commits == heads:
            figures.wiped_or_stale.append(f"{case}: a commit whose rows were refused is recorded as ingested")
        return output

    # 1. master → main in training (the branch renamed, the old one gone), the default branch switched in inference
    # (the old one kept, and stale), with every leftover of killed runs in the cache
    for what in _leftovers(cache, random.Random(1)):
        figures.case("upstream", what, "ignored or cleared; the refresh succeeds")
    training.git.branch("-m", "trunk")
    inference.git.checkout("-b", "next")
    for repo in (training, inference):
        commit_files(repo, {"README.md": b"moved on\n"}, "another default branch")
    refreshed("default branch renamed or switched, leftovers in the cache", 0, moved=True)
    figures.case("upstream", "default branch renamed (the old one deleted)", "followed")
    figures.case("upstream", "default branch switched (the old one kept)", "followed")
    # 2. HEAD detached on a commit that moves every submitter under a new top folder (training); all but two
    # submitters gone (inference): failed repositories naming the commit they refused, the previous rows kept
    training.git.checkout("--detach")
    root = Path(training.working_tree_dir)
    (root / "results_v4.0").mkdir()
    for folder in [p for p in root.iterdir() if p.name not in (".git", "README.md", "results_v4.0")]:
        folder.rename(root / "results_v4.0" / folder.name)
    moved = commit_files(training, {}, "every submitter under a new top folder")
    closed = Path(inference.working_tree_dir, "closed")
    for folder in sorted(closed.iterdir())[2:]:
        shutil.rmtree(folder)
    shrunk = commit_files(inference, {}, "most submitters gone")
    output = refreshed("layout moved, most rows gone", 1, moved=False)
    if moved[:10] not in output or shrunk[:10] not in output:
        figures.wiped_or_stale.append(f"HEAD detached: the refused commits are not upstream's HEAD: {output[-300:]}")
    if "nothing published: " not in output or "could be synced" in output:  # synced, then refused: not the network
        figures.wiped_or_stale.append(f"every round refused is said as a sync failure: {output[-300:]}")
    figures.case("upstream", "HEAD detached", "followed (the refusal names its commit)")
    figures.case("upstream", "every submitter moved under a new top folder", "a failed repository; previous rows kept")
    figures.case("upstream", "a round losing most of its rows at once", "a failed repository; previous rows kept")


def _same_rows(figures: Figures, one: Path, other: Path, case: str) -> None:
    if _state(one)[0] != _state(other)[0]:
        figures.wiped_or_stale.append(f"{case}: not the same rows")


def _prefect_stores_hold_no_secret(figures: Figures, env: dict[str, str]) -> None:
    """Prefect's databases (the test's server, or each command's temporary one under the PREFECT_HOME of the
    commands' environment `env`) never hold a credential: the flow's parameters and logs are stored there."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL, PREFECT_HOME

    # the commands' own PREFECT_HOME: tests/conftest.py sets one after this process's Prefect read its settings
    stores = list(Path(env.get("PREFECT_HOME") or PREFECT_HOME.value()).expanduser().rglob("*.db*"))
    database = str(PREFECT_API_DATABASE_CONNECTION_URL.value() or "")
    if database.startswith("sqlite"):
        stores += list(Path(database.split(":///", 1)[1]).parent.glob("*.db*"))
    if not stores:
        figures.crashes.append("no Prefect database found to search for credentials")
    for store in stores:
        if SECRET.encode() in store.read_bytes():
            figures.injections.append(f"a credential in Prefect's database {store.name}")


def environment(api_url: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env
