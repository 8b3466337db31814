"""Capacity-planning views, the estimator, exports, the data dictionary, SQLAlchemy access and the HTML report."""

from __future__ import annotations

import math
import shutil
import subprocess

import pandera.polars as pa
import pyarrow.parquet as pq
import polars as pl
import pytest
import sqlalchemy

from flows.cli import main
from tests.test_training_ingest import _official_scores
from warehouse.dictionary import DOC, dictionary, undocumented
from planner.estimate import estimate_inference, estimate_training


def official(round_: str, system: str, benchmark: str) -> float:
    return next(s for r, _, sy, b, s in _official_scores() if (r, sy, b) == (round_, system, benchmark))


def test_accelerators_are_normalised(warehouse, inference_warehouse):
    con, *_ = warehouse
    dell = con.execute("""
        select accelerator_model_name, accelerator_vendor, accelerator_chip, accelerator, accelerators_total, cpu_only
        from system_hardware where round = 'v3.0' and system = 'XE9680x8H100-SXM-80GB'""").fetchall()
    assert dell == [("NVIDIA H100-SXM5-80GB", "NVIDIA", "H100", "H100 SXM 80GB", 8, False)]
    # the same chip spelled another way by another submitter
    azure = con.execute("select accelerator_model_name, accelerator from system_hardware where system = 'ND_H100_v5_pytorch'").fetchall()
    assert azure[0][1] == "H100 SXM 80GB" and azure[0][0] != dell[0][0]
    cpu = con.execute("select accelerator, cpu_only, host_processors_total from system_hardware where system = '8-nodes-SPR-pytorch'").fetchall()
    assert cpu == [(None, True, 16)]
    icon, _ = inference_warehouse
    assert icon.execute("select * from unmapped_accelerators").fetchall() == []
    # names that say no chip are explicit verdicts with a reason, out of per-chip comparisons
    unknown = icon.execute("""select distinct accelerator_model_name, accelerator from system_hardware
                              where accelerator_chip = 'unknown' order by 1""").fetchall()
    assert unknown == [("NPU 3.0", None), ("tensorflow-metal PluggableDevice", None)]


def test_accelerator_minutes_and_scaling_efficiency(warehouse):
    con, *_ = warehouse
    ssd = con.execute("""
        select accelerator_minutes from training_accelerator_minutes
        where round = 'v3.0' and system = 'XE9680x8H100-SXM-80GB' and benchmark = 'ssd'""").fetchone()[0]
    assert ssd == pytest.approx(official("v3.0", "XE9680x8H100-SXM-80GB", "ssd") * 8)
    t8, t16 = official("v3.0", "XE9680x8H100-SXM-80GB", "resnet"), official("v3.0", "2xXE9680x8H100-SXM-80GB", "resnet")
    curve = con.execute("""
        select accelerators_total, score_minutes, scaling_efficiency from training_scaling
        where round = 'v3.0' and benchmark = 'resnet' and accelerator = 'H100 SXM 80GB' order by accelerators_total""").fetchall()
    assert [(n, s) for n, s, _ in curve[:2]] == [(8, t8), (16, t16)]
    assert curve[0][2] == 1.0 and curve[1][2] == pytest.approx((t8 * 8) / (t16 * 16))
    assert curve[2][0] == 64  # NVIDIA's 8-node system


def test_training_estimate_interpolates_the_observed_curve(warehouse):
    *_, settings = warehouse
    t16, t64 = official("v3.0", "2xXE9680x8H100-SXM-80GB", "resnet"), official("v3.0", "dgxh100_n8_ngc23.04_mxnet", "resnet")
    needed = 16 * (t16 / 5) ** (math.log(64 / 16) / math.log(t16 / t64))  # by hand: ≈ 28.5 accelerators
    result = estimate_training(settings.db_path, "resnet", "H100", 5, "v3.0")
    assert result.accelerators == math.ceil(needed / 8) * 8 == 32
    assert result.systems == 4
    assert result.assumed_efficiency == pytest.approx((t16 * 16) / (t64 * 64))
    assert any("2xXE9680x8H100-SXM-80GB" in c for c in result.cited) and any("dgxh100_n8" in c for c in result.cited)
    unknown = estimate_training(settings.db_path, "resnet", "B200", 5)
    assert unknown.accelerators is None and "cannot answer" in unknown.answer
    too_fast = estimate_training(settings.db_path, "resnet", "H100", 0.01)
    assert too_fast.accelerators is None and "would extrapolate beyond the measured sizes" in too_fast.answer


def test_inference_estimate_counts_replicas(inference_warehouse, tmp_path):
    con, _ = inference_warehouse
    db = con.execute("select file from pragma_database_list where name = current_database()").fetchone()[0]
    result = estimate_inference(db, "resnet", "Server", 2_000_000, "H100", "v4.1")
    assert (result.systems, result.accelerators) == (math.ceil(2_000_000 / 584207.0), 32)
    assert "XE9680_H100_SXM_80GBx8_TRT" in result.cited[0]


def test_export_round_trips_through_parquet(warehouse, tmp_path):
    con, *_ = warehouse
    *_, settings = warehouse
    assert main(["export", str(tmp_path / "out"), "--db", str(settings.db_path)]) == 0
    names = [n for (n,) in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
    for name in names:
        exported = con.sql(f"select * from read_parquet('{tmp_path / 'out' / f'{name}.parquet'}')")
        assert exported.types == con.sql(f'select * from "{name}"').types, name  # JSON stays JSON
        assert exported.pl().equals(con.sql(f'select * from "{name}"').pl()), name
    assert str(pq.ParquetFile(tmp_path / "out" / "ingest_runs.parquet").schema.column(6).logical_type) == "JSON"
    assert main(["export", str(tmp_path / "csv"), "--db", str(settings.db_path), "--format", "csv"]) == 0
    assert pl.read_csv(tmp_path / "csv" / "training_scores.csv").height == con.execute("select count(*) from training_scores").fetchone()[0]


def test_data_dictionary_is_current_and_complete():
    assert DOC.read_text() == dictionary(), "run `python -m warehouse.dictionary` and commit docs/data_dictionary.md"


def test_data_dictionary_check_fails_on_an_undocumented_column():
    class Careless(pa.DataFrameModel):
        documented: int = pa.Field(description="has a meaning")
        forgotten: int

    assert undocumented({"careless": Careless}) == ["careless.forgotten"]
    with pytest.raises(ValueError, match="careless.forgotten"):
        dictionary({"careless": Careless})


def test_bi_tools_connect_through_sqlalchemy(warehouse, tmp_path):
    *_, settings = warehouse
    # a copy: this test process already holds the file open with another configuration, a BI tool would not
    db = shutil.copy(settings.db_path, tmp_path / "bi.duckdb")
    engine = sqlalchemy.create_engine(f"duckdb:///{db}", connect_args={"read_only": True})
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text(
            "select system, rank from training_fastest where round = :round and benchmark = :benchmark order by rank"),
            {"round": "v3.0", "benchmark": "ssd"}).fetchall()
    assert rows[0] == ("dgxh100_ngc23.04_pytorch", 1)
    assert "training_scaling" in sqlalchemy.inspect(engine).get_view_names()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is installed by .ci/run")
def test_report_renders_in_headless_chromium(warehouse, tmp_path):
    *_, settings = warehouse
    page = tmp_path / "report.html"
    assert main(["report", str(page), "--db", str(settings.db_path)]) == 0
    html = page.read_text()
    assert "cdn.jsdelivr" not in html and "<script" in html  # everything inline: no network needed
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert dom.count('class="marks"') >= 1  # vega-embed drew the charts
    assert "Error" not in dom.split('class="marks"')[0][-2000:]
