"""End to end: the training fixtures as local git repos, cloned through file:// and ingested by the Prefect flow."""

from __future__ import annotations

import pytest


def one(con, query: str, params=()):
    rows = con.execute(query, params).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_summary_and_sources(warehouse):
    con, summary, commits, _ = warehouse
    assert summary.failed == {}
    assert sorted(summary.repos) == [("training_results_v3.0", commits["v3.0"]), ("training_results_v4.0", commits["v4.0"])]
    rows = con.execute("select suite, round, commit_sha from sources order by round").fetchall()
    assert rows == [("training", "v3.0", commits["v3.0"]), ("training", "v4.0", commits["v4.0"])]
    assert summary.rows_loaded["training_runs"] == con.execute("select count(*) from training_runs").fetchone()[0]


def test_clone_is_partial_with_no_work_tree(warehouse):
    *_, settings = warehouse
    clone = settings.cache_dir / "training_results_v3.0"
    assert [p.name for p in clone.iterdir()] == [".git"]
    config = (clone / ".git" / "config").read_text()
    assert "partialclonefilter = blob:none" in config


def test_run_minutes_accuracy_and_batch_size(warehouse):
    con, *_ = warehouse
    run = one(con, """
        select time_to_train_minutes, final_eval_accuracy, global_batch_size, status, division, source_commit
        from training_runs where round = 'v3.0' and system = 'XE9680x8H100-SXM-80GB' and benchmark = 'ssd' and run_index = 0""")
    assert run[0] == (1683665274300 - 1683663029304) / 60 / 1000
    assert run[1:5] == (0.34362396004989426, 256, "success", "closed")
    assert run[5] == warehouse[2]["v3.0"]


def test_olympic_score_drops_fastest_and_slowest(warehouse):
    con, *_ = warehouse
    # Dell XE9680 ssd v3.0: five converged runs; the fastest and slowest are dropped, three averaged, no scaling.json.
    runs_ms = [1683665274300 - 1683663029304, 1683667650760 - 1683665410315, 1683670035044 - 1683667784758,
               1683672416215 - 1683670169429, 1683674790949 - 1683672549579]
    counted = sorted(runs_ms)[1:-1]
    score = one(con, """
        select score_minutes, runs_total, runs_counted, runs_failed, scaling_factor, valid
        from training_scores where round = 'v3.0' and system = 'XE9680x8H100-SXM-80GB' and benchmark = 'ssd'""")
    assert score[0] == pytest.approx(sum(m / 60 / 1000 for m in counted) / 3, rel=1e-12)
    assert score[1:] == (5, 3, 0, 1.0, True)


def test_aborted_run_is_the_dropped_slowest_and_scaling_applies(warehouse):
    con, *_ = warehouse
    # Dell XE9680 resnet v3.0: result_1 aborted; of the 4 converged runs only the fastest is dropped.
    converged_ms = [1683609698632 - 1683608893969, 1683611576107 - 1683610771592,
                    1683612492089 - 1683611687491, 1683613407569 - 1683612603107]
    counted = sorted(converged_ms)[1:]
    unscaled = sum(m / 60 / 1000 for m in counted) / 3
    score = one(con, """
        select score_minutes, unscaled_score_minutes, scaling_factor, runs_total, runs_counted, runs_failed, valid
        from training_scores where round = 'v3.0' and system = 'XE9680x8H100-SXM-80GB' and benchmark = 'resnet'""")
    assert score[1] == pytest.approx(unscaled, rel=1e-12)
    assert score[2] == 1.0042232277526395
    assert score[0] == pytest.approx(unscaled * 1.0042232277526395, rel=1e-12)
    assert score[3:] == (5, 3, 1, True)


def test_unet3d_drops_four_each_side(warehouse):
    con, *_ = warehouse
    rows = con.execute("""
        select runs_total, runs_counted from training_scores
        where round = 'v3.0' and benchmark = 'unet3d' and runs_failed = 0""").fetchall()
    assert rows and all(r == (40, 32) for r in rows)


def test_typed_systems(warehouse):
    con, *_ = warehouse
    intel = one(con, """
        select number_of_nodes, accelerators_per_node, accelerators_total, host_processors_per_node, division
        from systems where round = 'v3.0' and submitter = 'Intel' and system = '8-nodes-SPR-pytorch'""")
    assert intel == (8, 0, 0, 2, "closed")
    assert con.execute("select count(*) from systems where round = 'v3.0'").fetchone()[0] == 91
    assert con.execute("select count(*) from systems where round = 'v4.0' and submitter <> 'Broken'").fetchone()[0] == 97


def test_broken_files_are_rejected_and_the_rest_loads(warehouse):
    con, _, commits, _ = warehouse
    rejects = con.execute("""
        select source_path, stage, reason from rejects where round = 'v4.0' order by source_path, reason""").fetchall()
    by_path: dict[str, list[str]] = {}
    for path, stage, reason in rejects:
        assert path.startswith("Broken/"), path
        by_path.setdefault(path, []).append(f"{stage}: {reason}")
    assert by_path["Broken/systems/truncated.json"][0].startswith("parse: system description is not valid JSON")
    assert by_path["Broken/systems/list.json"] == ["parse: system description is a JSON list, not an object"]
    assert by_path["Broken/systems/passwd.json"] == ["discover: a symbolic link: not followed"]
    assert any("no run_stop event" in r for r in by_path["Broken/results/sys/ssd/result_0.txt"])
    assert len(by_path["Broken/results/sys/ssd/result_1.txt"]) == 1 and "not valid JSON" in by_path["Broken/results/sys/ssd/result_1.txt"][0]
    assert by_path["Broken/results/sys/ssd/result_2.txt"] == ["parse: no MLLOG events: not an MLLOG result log (or an empty file)"]
    assert by_path["Broken/results/sys/ssd/result_3.txt"] == ["parse: no MLLOG events: not an MLLOG result log (or an empty file)"]
    assert by_path["Broken/results/sys/ssd/result_4.txt"][0].startswith("validate: training_runs: global_batch_size failed greater_than_or_equal_to(0)")
    assert all(c == commits["v4.0"] for (c,) in con.execute("select source_commit from rejects").fetchall())
    # The garbled run still loads (one bad line), the valid rows of the same commit too.
    assert one(con, "select mllog_bad_lines from training_runs where source_path = 'Broken/results/sys/ssd/result_1.txt'") == (1,)
    assert con.execute("select count(*) from training_runs where round = 'v4.0' and submitter = 'Dell'").fetchone()[0] == 5 + 10 + 10 + 10 + 5 + 40


def test_views_answer_the_first_questions(warehouse):
    con, *_ = warehouse
    fastest = con.execute("""
        select system, rank from training_fastest where round = 'v3.0' and benchmark = 'ssd' order by rank""").fetchall()
    assert fastest[0] == ("dgxh100_ngc23.04_pytorch", 1)
    minutes = one(con, """
        select accelerators_total, accelerator_minutes, score_minutes from training_accelerator_minutes
        where round = 'v3.0' and system = 'XE9680x8H100-SXM-80GB' and benchmark = 'ssd'""")
    assert minutes[0] == 8 and minutes[1] == pytest.approx(minutes[2] * 8)
    cpu = one(con, """
        select accelerators_total, accelerator_minutes, processor_minutes, score_minutes from training_accelerator_minutes
        where system = '8-nodes-SPR-pytorch' and benchmark = 'bert'""")
    assert cpu[0] == 0 and cpu[1] is None and cpu[2] == pytest.approx(cpu[3] * 16)


def test_ingest_runs_records_the_run(warehouse):
    con, summary, *_ = warehouse
    row = one(con, "select repos, files_parsed, rejects from ingest_runs")
    assert row == (2, summary.files_parsed, sum(summary.rejects_by_stage.values()))


def _official_scores():
    import csv
    from pathlib import Path

    with open(Path(__file__).parent / "data" / "official_training_scores.csv", newline="") as f:
        return [(r["round"], r["submitter"], r["system"], r["benchmark"], float(r["official_score_min"])) for r in csv.DictReader(f)]


def test_every_score_equals_the_official_summarizer_to_the_last_bit(warehouse):
    con, *_ = warehouse
    official = _official_scores()
    assert len(official) == 37
    for round_, submitter, system, benchmark, expected in official:
        (score,) = one(con, """
            select score_minutes from training_scores
            where round = ? and submitter = ? and system = ? and benchmark = ?""", [round_, submitter, system, benchmark])
        assert score == expected, (round_, submitter, system, benchmark)
