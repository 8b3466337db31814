"""A self-contained HTML page of charts (Vega-Lite through Altair, its JavaScript inlined: no network to view it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import duckdb


def _scaling(con) -> alt.Chart:
    data = con.sql("""
        select benchmark, accelerator, round, accelerators_total, score_minutes, scaling_efficiency
        from training_scaling order by benchmark, accelerator, accelerators_total""").pl()
    return (
        alt.Chart(data, title="Training: time to train against accelerators (best score per count)")
        .mark_line(point=True)
        .encode(
            x=alt.X("accelerators_total:Q", scale=alt.Scale(type="log"), title="accelerators"),
            y=alt.Y("score_minutes:Q", scale=alt.Scale(type="log"), title="minutes to train"),
            color=alt.Color("accelerator:N"),
            detail="round:N",
            tooltip=["benchmark", "round", "accelerator", "accelerators_total", "score_minutes", "scaling_efficiency"],
        )
        .properties(width=260, height=200)
        .facet(facet=alt.Facet("benchmark:N", title=None), columns=3)
    )


def _per_accelerator(con) -> alt.Chart:
    data = con.sql("""
        select model || ' ' || scenario as benchmark, accelerator, round, best_result_per_accelerator, units
        from inference_round_over_round where scenario in ('Offline', 'Server')""").pl()
    return (
        alt.Chart(data, title="Inference: best throughput per accelerator, by round")
        .mark_bar()
        .encode(
            y=alt.Y("accelerator:N", title=None, sort="-x"),
            x=alt.X("best_result_per_accelerator:Q", title="result per accelerator"),
            color=alt.Color("round:N", scale=alt.Scale(scheme="tableau10")),
            yOffset="round:N",
            tooltip=["benchmark", "accelerator", "round", "best_result_per_accelerator", "units"],
        )
        .properties(width=260)
        .facet(facet=alt.Facet("benchmark:N", title=None), columns=3)
        .resolve_scale(y="independent", x="independent")
    )


def write_report(db: Path, output: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        charts = alt.vconcat(_scaling(con), _per_accelerator(con)).resolve_scale(color="independent").properties(
            title=f"MLPerf warehouse — generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from {db.name}"
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    charts.save(str(output), inline=True)
