"""A self-contained HTML page of charts (Vega-Lite through Altair, its JavaScript inlined: no network to view it).

One division (closed by default: open results are re-trained or pruned models, network ones measure a network, so
neither compares with closed), named in every title. Each chart is a titled section with one sentence on what to read
from it, and every axis says its unit. A warehouse without results gets a page that says so.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import duckdb

_AXIS = {"labelOverlap": "greedy", "labelAngle": 0, "labelFontSize": 11, "titleFontSize": 12, "tickCount": 5}


def _title(text: str, read: str) -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=read, anchor="start", fontSize=16, subtitleFontSize=12)


def _scaling(con, division: str) -> alt.Chart | None:
    data = con.sql("""
        select benchmark_name as benchmark, accelerator, round, accelerators_total, score_minutes, scaling_efficiency
        from training_scaling where division = ?
        order by benchmark, accelerator, round, accelerators_total""", params=[division]).pl()
    if data.is_empty():
        return None
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("accelerators_total:Q", scale=alt.Scale(type="log"), title="accelerators (count, log scale)",
                    axis=alt.Axis(format="~s", **_AXIS)),
            y=alt.Y("score_minutes:Q", scale=alt.Scale(type="log"), title="time to train (minutes, log scale)",
                    axis=alt.Axis(format="~g", **_AXIS)),
            color=alt.Color("accelerator:N", title="accelerator"),
            strokeDash=alt.StrokeDash("round:N", title="round (line style)"),
            tooltip=["benchmark", "round", "accelerator", "accelerators_total",
                     alt.Tooltip("score_minutes:Q", title="minutes", format=".2f"),
                     alt.Tooltip("scaling_efficiency:Q", title="efficiency vs smallest", format=".2f")],
        )
        .properties(width=260, height=200)
        .facet(facet=alt.Facet("benchmark:N", title=None, header=alt.Header(labelFontSize=13)), columns=3)
        .properties(title=_title(
            f"Training: time to train against accelerators ({division} division, best score per count)",
            "Read the slope: a line falling as fast as the count rises is linear scaling; a line flattening out "
            "is where adding accelerators stops paying."))
    )


def _per_accelerator(con, division: str) -> alt.Chart | None:
    data = con.sql("""
        select model || ' ' || scenario || ' (' || units || ' per accelerator)' as benchmark, accelerator, round,
               max(result_per_accelerator) as best_result_per_accelerator, units
        from inference_per_accelerator
        where division = ? and scenario in ('Offline', 'Server') and result_per_accelerator is not null
          and accelerator is not null
        group by all
        order by benchmark, accelerator, round""", params=[division]).pl()
    if data.is_empty():
        return None
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("accelerator:N", title=None, sort="-x", axis=alt.Axis(labelLimit=160)),
            x=alt.X("best_result_per_accelerator:Q", title="per accelerator (unit in the panel title)",
                    axis=alt.Axis(format="~s", **_AXIS)),
            color=alt.Color("round:N", title="round", scale=alt.Scale(scheme="tableau10")),
            yOffset="round:N",
            tooltip=["benchmark", "accelerator", "round",
                     alt.Tooltip("best_result_per_accelerator:Q", title="per accelerator", format=",.1f"), "units"],
        )
        .properties(width=260)
        .facet(facet=alt.Facet("benchmark:N", title=None, header=alt.Header(labelFontSize=12)), columns=3)
        .resolve_scale(y="independent", x="independent")
        .properties(title=_title(
            f"Inference: best throughput per accelerator, by round ({division} division)",
            "Read the bars of one accelerator across rounds: the gain is software on the same chip; across "
            "accelerators, the longest bar serves the most per chip."))
    )


def write_report(db: Path, output: Path, division: str = "closed") -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        charts = [c for c in (_scaling(con, division), _per_accelerator(con, division)) if c is not None]
    output.parent.mkdir(parents=True, exist_ok=True)
    generated = f"generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from {db.name}"
    if not charts:
        output.write_text(
            f"<!DOCTYPE html><html><head><meta charset='UTF-8'><title>MLPerf warehouse</title></head><body>"
            f"<h1>MLPerf warehouse — {html.escape(generated)}</h1><p>This warehouse holds no {division}-division "
            "training score or inference result yet, so there is nothing to chart. Run <code>mlperf-warehouse "
            "ingest</code> (see the README), then write the report again.</p></body></html>\n")
        return
    page = alt.vconcat(*charts, spacing=40).resolve_scale(color="independent", strokeDash="independent")
    page.properties(title=alt.TitleParams(f"MLPerf warehouse — {generated}", fontSize=18)).save(str(output),
                                                                                                inline=True)
