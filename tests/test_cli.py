"""The `mlperf-warehouse sql` command on the ingested fixture warehouse."""

from __future__ import annotations

import json

from flows.cli import main

QUERY = "select system, score_min from training_scores where round = 'v3.0' and benchmark = 'ssd' order by score_min limit 2"


def test_sql_formats(warehouse, capsys):
    *_, settings = warehouse
    assert main(["sql", QUERY, "--db", str(settings.db_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["system"] for r in rows] == ["dgxh100_ngc23.04_pytorch", "XE9680x8H100-SXM-80GB"]
    assert main(["sql", QUERY, "--db", str(settings.db_path), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "system,score_min"
    assert main(["sql", QUERY, "--db", str(settings.db_path)]) == 0
    assert "dgxh100_ngc23.04_pytorch" in capsys.readouterr().out


def test_sql_is_read_only_and_reports_errors(warehouse, capsys):
    *_, settings = warehouse
    assert main(["sql", "delete from training_runs", "--db", str(settings.db_path)]) == 1
    assert "read-only" in capsys.readouterr().err.lower()
    assert main(["sql", "select 1", "--db", str(settings.db_path.with_name("missing.duckdb"))]) == 2
