"""The planner's brief of the seed system (Dell PowerEdge XE9680, 8×H100): its figures against the raw fixture files,
its HTML in headless Chromium, and the report's page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from flows.cli import FAILED, OK, main
from flows.ingest import ingest
from flows.settings import Settings
from tests.conftest import FIXTURES, make_repo, url
from tests.test_analytics import official

SEED = "XE9680x8H100-SXM-80GB"
INFERENCE = FIXTURES / "inference_results_v3.0/closed/Dell/results/XE9680_H100_SXM_80GBx8_TRT/retinanet"


@pytest.fixture(scope="module")
def seed(tmp_path_factory, prefect_harness):
    """Both suites in one warehouse, as a planner has it: (its path, {repository: commit})."""
    root = tmp_path_factory.mktemp("seed")
    repos = [make_repo(root / "upstream" / name, name) for name in (
        "training_results_v3.0", "training_results_v4.0", "inference_results_v4.1", "inference_results_v3.0")]
    settings = Settings(db_path=root / "mlperf.duckdb", cache_dir=root / "cache", repos=tuple(map(url, repos)),
                        sync_retries=0)
    ingest(settings)
    return settings.db_path, {Path(r.working_tree_dir).name: r.head.commit.hexsha for r in repos}


def _brief(db, capsys, *flags: str) -> str:
    assert main(["brief", SEED, "--db", str(db), *flags]) == OK
    return capsys.readouterr().out


def _section(markdown: str, title: str) -> str:
    start = markdown.index(f"\n## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start: end if end > 0 else None]


def _number(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def _mllog(path) -> dict[str, dict]:
    events = {}
    for line in path.read_text().splitlines():
        if line.startswith(":::MLLOG "):
            event = json.loads(line.removeprefix(":::MLLOG "))
            events.setdefault(event["key"], event)
    return events


def _table_rows(section: str) -> dict[str, list[str]]:
    rows = {}
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows.setdefault(cells[0], cells[1:])
    return rows


@pytest.mark.parametrize("round_, folder, title, target", [
    ("v4.0", "ssd", "Training: retinanet (v4.0, closed)", "eval_accuracy >= 0.34"),
    ("v3.0", "maskrcnn", "Training: maskrcnn (v3.0, closed)", "BBOX >= 0.377 and BBOX < 1 and SEGM >= 0.339"),
])
def test_the_seed_brief_reproduces_every_training_run_and_the_score(seed, capsys, round_, folder, title, target):
    db, commits = seed
    section = _section(_brief(db, capsys), title)
    assert f"Quality target: {target}" in section
    score = float(re.search(r"Official score: \*\*([\d.]+) minutes\*\*", section).group(1))
    assert score == pytest.approx(official(round_, SEED, folder), abs=1e-4)
    runs = {cells[0]: cells for line in section.splitlines()
            if re.match(r"\| \d+ \| [\d.]+ \| [\w ]+ \| (success|aborted)", line)
            for cells in [[c.strip() for c in line.strip("|").split(" | ")]]}
    logs = sorted((FIXTURES / f"training_results_{round_}/Dell/results/{SEED}/{folder}").glob("result_*.txt"))
    assert len(runs) == len(logs) == 5
    minutes = {}
    for log in logs:
        events = _mllog(log)
        label = log.stem.removeprefix("result_")
        minutes[label] = (events["run_stop"]["time_ms"] - events["run_start"]["time_ms"]) / 60000
        assert float(runs[label][1]) == pytest.approx(minutes[label], abs=1e-4), log.name
        repo = f"training_results_{round_}"
        assert f"{log.relative_to(FIXTURES / repo)} @ {commits[repo][:10]}" in runs[label][-1]
    verdicts = {label: cells[7] for label, cells in runs.items()}
    assert all(re.fullmatch(r"\d+ min \d\d s", cells[2]) for cells in runs.values())  # the seed's min s
    assert verdicts[min(minutes, key=minutes.get)] == "dropped: fastest"
    assert verdicts[max(minutes, key=minutes.get)] == "dropped: slowest"
    assert list(verdicts.values()).count("counted") == 3
    assert "Rank in " in section and "systems with the H100 SXM 80GB" in section


def test_the_seed_brief_reproduces_retinanet_inference(seed, capsys):
    db, commits = seed
    markdown = _brief(db, capsys)
    section = _section(markdown, "Inference: retinanet (v3.0, closed)")
    for scenario, headline in (("Server", "result_scheduled_samples_per_sec"), ("Offline", "result_samples_per_second")):
        block = section[section.index(f"**{scenario}** on XE9680_H100_SXM_80GBx8_TRT"):]
        block = block[: block.find("**", block.index("Rank in "))]
        rows = _table_rows(block)
        detail = _mllog(INFERENCE / scenario / "performance/run_1/mlperf_log_detail.txt")
        assert _number(rows["result"][0]) == pytest.approx(detail[headline]["value"], rel=1e-6)
        # Offline's one query: when each sample completed, not a latency
        latency = "latency" if scenario == "Server" else "sample completion time"
        for label, key in (("p50", "50.00"), ("p90", "90.00"), ("p95", "95.00"), ("p97", "97.00"), ("p99", "99.00"),
                           ("p99.9", "99.90")):
            raw = detail[f"result_{key}_percentile_latency_ns"]["value"] / 1e6
            assert _number(rows[f"{latency} {label} (ms)"][0]) == pytest.approx(raw, abs=5e-4), (scenario, label)
        for label, key in (("min", "result_min_latency_ns"), ("mean", "result_mean_latency_ns"),
                           ("max", "result_max_latency_ns")):
            assert _number(rows[f"{latency} {label} (ms)"][0]) == pytest.approx(detail[key]["value"] / 1e6, abs=5e-4)
        accuracy = (INFERENCE / scenario / "accuracy/accuracy.txt").read_text()
        assert _number(rows["mAP"][0]) == pytest.approx(float(re.search(r"mAP=([\d.]+)%", accuracy).group(1)))
        assert rows["mAP"][3] == "yes" and "valid (loadgen: VALID" in block
    assert f"@ {commits['inference_results_v3.0'][:10]}" in section
    server = _mllog(INFERENCE / "Server/performance/run_1/mlperf_log_detail.txt")
    assert f"target latency {server['effective_target_latency_ns']['value'] / 1e6:g} ms" in section
    assert f"target QPS {server['effective_target_qps']['value']:,}" in section
    # the same server under its inference folder name, found from the training one and said so
    assert "inference v3.0 closed Dell/XE9680_H100_SXM_80GBx8_TRT" in markdown.split("## System")[0]
    system = json.loads((FIXTURES / "inference_results_v3.0/closed/Dell/systems/XE9680_H100_SXM_80GBx8_TRT.json").read_text())
    assert system["host_memory_capacity"] in _table_rows(_section(markdown, "System"))["host_memory_capacity"]


def test_brief_of_one_round_and_of_an_unknown_system(seed, capsys, tmp_path):
    db, _ = seed
    only = _brief(db, capsys, "--round", "v3.0")
    assert "## Training: retinanet (v3.0, closed)" in only and "(v4.0" not in only
    assert main(["brief", "no-such-system", "--db", str(db)]) == FAILED
    assert "no system 'no-such-system'" in capsys.readouterr().err
    assert main(["brief", SEED, "--db", str(db), "--out", str(tmp_path / "b.md")]) == OK
    assert (tmp_path / "b.md").read_text().startswith(f"# Brief: {SEED}")


def _chromium(page, tmp_path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", *flags, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is installed by .ci/run")
def test_the_brief_in_html_draws_its_charts_in_headless_chromium(seed, tmp_path):
    page = tmp_path / "brief.html"
    assert main(["brief", SEED, "--db", str(seed[0]), "--out", str(page)]) == OK
    html = page.read_text()
    assert "cdn.jsdelivr" not in html and "<h2>Training: maskrcnn (v3.0, closed)</h2>" in html
    dom = _chromium(page, tmp_path, "--dump-dom").stdout
    assert dom.count('class="marks"') == html.count('class="chart"') >= 2  # every convergence chart drawn
    assert "Error" not in dom.split('class="marks"')[0][-2000:]
    _chromium(page, tmp_path, "--window-size=1300,3000", f"--screenshot={tmp_path / 'brief.png'}")
    assert (tmp_path / "brief.png").stat().st_size > 50_000  # a drawn page, not a blank one


def test_report_titles_units_division_and_an_empty_warehouse(seed, tmp_path):
    page = tmp_path / "report.html"
    assert main(["report", str(page), "--db", str(seed[0])]) == OK
    html = page.read_text()
    for words in ("closed division", "time to train (minutes", "accelerators (count", "Read the slope",
                  "Queries/s per accelerator", "round (line style)", "accelerator (colour)"):
        assert words in html, words
    empty = tmp_path / "empty.duckdb"
    shutil.copy(seed[0], empty)
    with duckdb.connect(str(empty)) as con:
        for table in ("training_scores", "inference_results"):
            con.execute(f"delete from {table}")
    assert main(["report", str(tmp_path / "empty.html"), "--db", str(empty)]) == OK
    assert "holds no closed-division training score or inference result yet" in (tmp_path / "empty.html").read_text()


def test_tied_rows_come_in_the_same_order_on_every_query(warehouse):
    con, *_ = warehouse
    for view in ("training_fastest", "training_scaling", "system_hardware", "training_accelerator_minutes"):
        runs = {tuple(con.execute(f"select * from {view}").fetchall()) for _ in range(5)}
        assert len(runs) == 1, view
    keys = con.execute("select round, division, benchmark, rank, submitter, system from training_fastest").fetchall()
    assert keys == sorted(keys)


def _legends(chart: str) -> list[tuple[str, list[str], list[str]]]:
    """(title, labels, symbol paint) of each legend of one drawn chart's SVG."""
    found = []
    for legend in chart.split('aria-roledescription="legend"')[1:]:
        title = re.search(r"titled '([^']*)'", legend).group(1)
        entries = legend.split('role-legend-symbol')[1:]
        paths = [re.search(r"<path [^>]*>", e).group(0) for e in entries]
        paint = [(re.search(r'stroke-dasharray="([^"]*)"', p) or re.search(r'fill="(#[0-9a-f]+)"', p)
                  or re.search(r"(?s)^", p)).group(1) or "solid" for p in paths]  # colour, or the line's dashes
        labels = [re.search(r"role-legend-label.*?<text[^>]*>([^<]*)</text>", e, re.S).group(1) for e in entries]
        found.append((title, labels, paint))
    return found


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is installed by .ci/run")
def test_the_report_is_navigable_and_every_chart_says_what_it_encodes(seed, tmp_path):
    page = tmp_path / "report.html"
    assert main(["report", str(page), "--db", str(seed[0])]) == OK
    html = page.read_text()
    dom = _chromium(page, tmp_path, "--dump-dom").stdout
    body = re.search(r'<body data-drawn="(\d+)" data-height="(\d+)"', dom)
    charts = html.count('class="chart"')
    assert body and int(body.group(1)) == charts >= 4  # every chart drawn
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert len(sections) == charts and all(f'href="#{s}"' in html for s in sections)  # an index of every section
    assert int(body.group(2)) < 900 * charts  # sections of a screen or less each, not one 16,000 px figure
    assert [s for s in sections if "retinanet" in s and s.startswith("training")] == ["training-retinanet"]
    assert any("-Server-" in s for s in sections) and any("-Offline-" in s for s in sections)
    colour_of: dict[str, str] = {}
    drawn = dom.split('id="chart')[1:]
    assert len(drawn) == charts
    for chart in drawn:
        legends = {title: (labels, paint) for title, labels, paint in _legends(chart)}
        labels, paint = legends["accelerator (colour)"]
        assert len(set(paint)) == len(paint) == len(labels) >= 1  # no two accelerators share a colour
        for label, colour in zip(labels, paint):
            assert colour_of.setdefault(label, colour) == colour  # and each keeps its colour on every chart
        if "round (line style)" in legends:  # the rounds legend shows line styles, not identical dots
            labels, paint = legends["round (line style)"]
            assert len(set(paint)) == len(labels)


HOSTILE_HTML = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE_LABEL = "<!--<script>"
FORMULA = '=HYPERLINK("http://evil.example/","open")'
LINKS = "[click](http://evil.example/) ![i](http://evil.example/i.png) www.evil.example <http://evil.example/>"
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\r"


@pytest.fixture(scope="module")
def hostile(seed, tmp_path_factory):
    """The seed warehouse with hostile text in the fields a submitter writes (the parsers keep text as written)."""
    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(seed[0], db)
    with duckdb.connect(str(db)) as con:
        con.execute("""update systems set framework = ?, host_processor_model_name = ?, system_name = ?,
                       operating_system = ?, raw_json = json_object('framework', ?, 'notes', ?, 'os', ?, 'cmd', ?)
                       where submitter = 'Dell'""", [HOSTILE_HTML, LINKS, FORMULA, ESCAPES, HOSTILE_HTML,
                                                     HOSTILE_LABEL + "</script>", ESCAPES,
                                                     "+cmd|' /C calc'!A0"])
        for table in ("training_runs", "training_evals"):
            con.execute(f"update {table} set run_label = ? || run_label where system = ?", [HOSTILE_LABEL, SEED])
        con.execute("update training_scores set reason = ? where system = ?", [LINKS + HOSTILE_HTML, SEED])
        con.execute("update inference_results set result_validity = ?, sut_name = ? where submitter = 'Dell'",
                    [HOSTILE_HTML, "@SUM(1+1)"])
        con.execute("update systems set accelerator_model_name = ? "
                    "where submitter <> 'Dell'", [HOSTILE_LABEL + "</script>"])
    return db


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is installed by .ci/run")
def test_hostile_text_is_inert_in_the_brief_and_the_report_and_every_chart_draws(hostile, tmp_path, capsys):
    from markdown_it import MarkdownIt

    markdown = tmp_path / "brief.md"
    assert main(["brief", SEED, "--db", str(hostile), "--out", str(markdown)]) == OK
    text = markdown.read_text()
    assert "| \\<\\!--\\<script\\>0 |" in text  # the run label is there, as text
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    assert "onerror" in rendered and not re.search(r"<(img|script|a)\b|<!--", rendered), "markup passed through"
    assert "evil.example" not in "".join(re.findall(r'(?:href|src)="([^"]*)"', rendered))
    assert main(["brief", SEED, "--db", str(hostile)]) == OK
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed and "\\x1b" in printed  # shown, not sent

    page = tmp_path / "brief.html"
    assert main(["brief", SEED, "--db", str(hostile), "--out", str(page)]) == OK
    dom = _chromium(page, tmp_path, "--dump-dom").stdout
    assert "pwned" not in re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert not re.search(r"<img[^>]*onerror", dom)
    assert dom.count('class="marks"') == page.read_text().count('class="chart"') >= 2  # every chart drawn

    report = tmp_path / "report.html"
    assert main(["report", str(report), "--db", str(hostile)]) == OK
    dom = _chromium(report, tmp_path, "--dump-dom").stdout
    drawn = re.search(r'<body data-drawn="(\d+)"', dom)
    assert drawn and int(drawn.group(1)) == report.read_text().count('class="chart"') >= 4
    assert "&lt;!--&lt;script&gt;&lt;/script&gt; (unmapped)" in dom and not re.search(r"<img[^>]*onerror", dom)


PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not PLAIN_NUMBER.fullmatch(c)]


def test_hostile_text_cannot_run_as_a_formula_in_csv_and_numbers_read_back_equal(hostile, tmp_path, capsys):
    import csv

    out = tmp_path / "export"
    assert main(["export", str(out), "--db", str(hostile), "--format", "csv"]) == OK
    capsys.readouterr()
    for path in sorted(out.glob("*.csv")):
        with path.open(newline="") as file:
            assert _formula_cells(list(csv.reader(file))) == [], path.name
    with path.with_name("systems.csv").open(newline="") as file:
        assert "'" + FORMULA in {row["system_name"] for row in csv.DictReader(file)}
    with duckdb.connect(str(hostile), read_only=True) as con:
        scores = con.execute("select system, benchmark, score_minutes from training_scores order by all").fetchall()
        evals = con.execute("select sum(accuracy), count(accuracy) from training_evals").fetchone()
    with (out / "training_scores.csv").open(newline="") as file:
        exported = sorted((r["system"], r["benchmark"], float(r["score_minutes"]) if r["score_minutes"] else None)
                          for r in csv.DictReader(file))
    assert exported == sorted(scores)  # every number reads back equal
    with (out / "training_evals.csv").open(newline="") as file:
        values = [float(r["accuracy"]) for r in csv.DictReader(file) if r["accuracy"]]
    assert (pytest.approx(sum(values), rel=1e-12), len(values)) == evals

    query = ("select system_name, sut_name, result_validity, result, -result as negative from inference_results "
             "join systems using (round, division, submitter, system) where submitter = 'Dell' order by all")
    assert main(["sql", query, "--db", str(hostile), "--format", "csv"]) == OK
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert _formula_cells(rows) == [] and {r[0] for r in rows[1:]} == {"'" + FORMULA}
    assert {r[1] for r in rows[1:]} == {"'@SUM(1+1)"}
    assert all(float(r[4]) == -float(r[3]) for r in rows[1:])  # numbers stay numbers, minus sign and all
    assert main(["sql", "select operating_system from systems where submitter = 'Dell'", "--db", str(hostile)]) == OK
    assert "\x1b" not in capsys.readouterr().out


@pytest.mark.parametrize("suite, table", [("training", "benchmarks"), ("inference", "models")])
def test_every_benchmark_of_every_round_says_what_it_is_in_its_rules_file(suite, table):
    from transform.common.rules import round_rules, rounds_with_rules

    rounds = rounds_with_rules(suite)  # v6.0 and v6.1 included: a new round brings its own words
    assert len(rounds) >= 14
    for round_ in rounds:
        for name, entry in round_rules(suite, round_)[table].items():
            assert len(entry.get("description", "")) > 10, (round_, name)
            assert suite == "inference" or entry.get("metric"), (round_, name)
    flux1 = round_rules("training", "v5.1")["benchmarks"]["flux1"]
    assert flux1["metric"].startswith("validation loss")  # not "eval accuracy"
    assert "100 − word error rate" in round_rules("inference", "v3.0")["models"]["rnnt"]["accuracy_means"]["WER"]
