"""A self-contained HTML page of charts (Vega-Lite through Altair, its JavaScript inlined: no network to view it).

One division (closed by default: open results are re-trained or pruned models, network ones measure a network, so
neither compares with closed), named in every title. The page opens with an index; each benchmark (training) and
each model × scenario (inference, Interactive included) is a section of its own, with one sentence on what to read
from it and a unit on every axis. Every accelerator keeps one colour across all charts (a palette as long as the
accelerators charted, so no two share one), and is also named on the chart itself (line ends, bar labels); an
accelerator the map does not know is charted under its raw name, marked "(unmapped)". Only the latest three rounds
of each panel are drawn, said in its sentence; the rest are in SQL (training_scaling, inference_per_accelerator).
A warehouse without results gets a page that says so.
"""

from __future__ import annotations

import colorsys
import html
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import duckdb
import polars as pl

from transform.common.rules import round_key
from transform.common.safe_text import script_json

ROUNDS_DRAWN = 3
_AXIS = {"labelOverlap": "greedy", "labelAngle": 0, "labelFontSize": 11, "titleFontSize": 12, "tickCount": 5}
# Ten well-separated hues first (Tableau 10), then as many more as needed, spread around the colour wheel.
_TABLEAU = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
            "#bab0ac"]


def _distance(a: tuple, b: tuple) -> float:
    """'Redmean' colour distance: a cheap approximation of how different two colours look."""
    mean = (a[0] + b[0]) / 2
    dr, dg, db = (x - y for x, y in zip(a, b))
    return ((2 + mean) * dr * dr + 4 * dg * dg + (3 - mean) * db * db) ** 0.5


def palette(n: int) -> list[str]:
    """n colours, each as far as possible from those before it: Tableau 10 first, then the candidate (hue ×
    lightness × saturation grid, none too pale on white) farthest from every colour already chosen."""
    rgb = lambda h: tuple(int(h[i:i + 2], 16) / 255 for i in (1, 3, 5))  # noqa: E731
    chosen = [rgb(c) for c in _TABLEAU[:n]]
    candidates = [colorsys.hls_to_rgb(h / 36, light, saturation) for h in range(36)
                  for light in (0.25, 0.4, 0.55, 0.7) for saturation in (0.55, 0.95)]
    while len(chosen) < n:
        chosen.append(max(candidates, key=lambda c: min(_distance(c, o) for o in chosen)))
    return [f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}" for r, g, b in chosen]


def _latest_rounds(frame: pl.DataFrame) -> pl.DataFrame:
    rounds = sorted(frame["round"].unique().to_list(), key=round_key)[-ROUNDS_DRAWN:]
    return frame.filter(pl.col("round").is_in(rounds))


def _training(con, division: str) -> pl.DataFrame:
    """Best score per benchmark, accelerator, round and count (a larger count only when faster: the curve)."""
    return con.sql("""
        -- a panel per benchmark across rounds, whatever its folder (RetinaNet is `ssd` until v4.1)
        select round, benchmark_name as panel,
               coalesce(accelerator, accelerator_model_name || ' (unmapped)') as accelerator,
               accelerators_total, min(score_minutes) as score_minutes,
               arg_min(submitter || '/' || system, score_minutes) as system
        from training_accelerator_minutes
        where division = ? and score_minutes is not null and accelerators_total > 0
        group by all order by all""", params=[division]).pl()


def _inference(con, division: str) -> pl.DataFrame:
    return con.sql("""
        select round, model as panel, scenario, units,
               coalesce(accelerator, accelerator_model_name || ' (unmapped)') as accelerator,
               max(result_per_accelerator) as per_accelerator,
               arg_max(submitter || '/' || system, result_per_accelerator) as system
        from inference_per_accelerator
        where division = ? and scenario in ('Offline', 'Server', 'Interactive') and result_per_accelerator > 0
          and coalesce(accelerator, accelerator_model_name) is not null
        group by all order by all""", params=[division]).pl()


def _colour(colours: dict[str, str], accelerators) -> alt.Scale:
    """The chart's accelerators only (its legend lists what it draws), each in its report-wide colour."""
    shown = sorted(set(accelerators))
    return alt.Scale(domain=shown, range=[colours[a] for a in shown])


def _training_chart(data: pl.DataFrame, colours: dict[str, str], title: str) -> alt.LayerChart:
    curves = data.sort("accelerators_total")
    kept = []  # only the counts faster than every smaller one: what a buyer would get by adding accelerators
    for (_,), group in curves.group_by(["accelerator"], maintain_order=True):
        for (_,), curve in group.group_by(["round"], maintain_order=True):
            best = float("inf")
            for row in curve.iter_rows(named=True):
                if row["score_minutes"] < best:
                    kept.append(row)
                    best = row["score_minutes"]
    curves = pl.DataFrame(kept, schema=data.schema)
    rounds = sorted(curves["round"].unique().to_list(), key=round_key, reverse=True)
    colours = _colour(colours, curves["accelerator"].to_list())
    base = alt.Chart(curves).encode(
        x=alt.X("accelerators_total:Q", scale=alt.Scale(type="log"), title="accelerators (count, log scale)",
                axis=alt.Axis(format="~s", **_AXIS)),
        y=alt.Y("score_minutes:Q", scale=alt.Scale(type="log"), title="time to train (minutes, log scale)",
                axis=alt.Axis(format="~g", **_AXIS)),
        color=alt.Color("accelerator:N", scale=colours, title="accelerator (colour)",
                        legend=alt.Legend(symbolType="square", labelLimit=220)),
    )
    lines = base.mark_line().encode(
        strokeDash=alt.StrokeDash("round:N", title="round (line style)", sort=rounds,
                                  legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2,
                                                    symbolStrokeColor="#333", symbolSize=300)))
    points = base.mark_point(filled=True, size=30).encode(
        tooltip=["round", "accelerator", "accelerators_total", "system",
                 alt.Tooltip("score_minutes:Q", title="minutes", format=".2f")])
    ends = curves.filter(pl.col("round") == rounds[0]).group_by("accelerator").agg(
        pl.all().sort_by("accelerators_total").last())
    labels = alt.Chart(ends).mark_text(align="left", dx=6, fontSize=10).encode(
        x="accelerators_total:Q", y="score_minutes:Q", text="accelerator:N",
        color=alt.Color("accelerator:N", scale=colours, legend=None))
    return (lines + points + labels).properties(width=520, height=260, title=title)


def _inference_chart(data: pl.DataFrame, colours: dict[str, str], title: str, units: str) -> alt.LayerChart:
    rounds = sorted(data["round"].unique().to_list(), key=round_key, reverse=True)
    colours = _colour(colours, data["accelerator"].to_list())
    order = (data.group_by("accelerator").agg(pl.col("per_accelerator").max())
             .sort("per_accelerator", descending=True)["accelerator"].to_list())
    base = alt.Chart(data).encode(
        y=alt.Y("accelerator:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
        yOffset=alt.YOffset("round:N", sort=rounds),
        x=alt.X("per_accelerator:Q", title=f"best {units} per accelerator", axis=alt.Axis(format="~s", **_AXIS)))
    bars = base.mark_bar().encode(
        color=alt.Color("accelerator:N", scale=colours, title="accelerator (colour)",
                        legend=alt.Legend(symbolType="square", labelLimit=220)),
        tooltip=["accelerator", "round", "system", alt.Tooltip("per_accelerator:Q", title=f"{units} per accelerator",
                                                                format=",.1f")])
    labels = base.mark_text(align="left", dx=3, fontSize=9, color="#333").encode(text="round:N")
    bars_drawn = data.height
    return (bars + labels).properties(width=520, height=alt.Step(max(9, 36 // len(rounds))) if bars_drawn else 40,
                                      title=title)


def _sections(con, division: str) -> list[tuple[str, str, str, alt.TopLevelMixin]]:
    """(anchor, heading, what to read, chart) of every section, training first."""
    training, inference = _training(con, division), _inference(con, division)
    accelerators = sorted(set(training["accelerator"].to_list() if training.height else [])
                          | set(inference["accelerator"].to_list() if inference.height else []))
    colours = dict(zip(accelerators, palette(len(accelerators))))
    sections = []
    for panel in sorted(set(training["panel"].to_list()) if training.height else []):
        data = _latest_rounds(training.filter(pl.col("panel") == panel))
        rounds = ", ".join(sorted(data["round"].unique().to_list(), key=round_key))
        sections.append((
            f"training-{panel}", f"Training: {panel}",
            f"Time to train against accelerators, {division} division, rounds {rounds} (the best score at each count, "
            f"only counts faster than every smaller one). Read the slope: a line falling as fast as the count rises "
            f"is linear scaling; a line flattening out is where adding accelerators stops paying.",
            _training_chart(data, colours, f"{panel}: time to train ({division} division)")))
    keys = sorted({(p, s, u) for p, s, u in inference.select("panel", "scenario", "units").iter_rows()}
                  if inference.height else set())
    for panel, scenario, units in keys:
        data = _latest_rounds(inference.filter((pl.col("panel") == panel) & (pl.col("scenario") == scenario)
                                               & (pl.col("units") == units)))
        rounds = ", ".join(sorted(data["round"].unique().to_list(), key=round_key))
        sections.append((
            f"inference-{panel}-{scenario}-{units}", f"Inference: {panel} {scenario} ({units})",
            f"Best {units} per accelerator, {division} division, rounds {rounds} (each bar labelled with its round). "
            "Read the bars of one accelerator across rounds: the gain is software on the same chip; across "
            "accelerators, the longest bar serves the most per chip.",
            _inference_chart(data, colours, f"{panel} {scenario}: {units} per accelerator ({division} division)",
                             units)))
    return sections


def _anchor(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def write_report(db: Path, output: Path, division: str = "closed") -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        sections = _sections(con, division)
    output.parent.mkdir(parents=True, exist_ok=True)
    generated = f"generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from {db.name}"
    if not sections:
        output.write_text(
            f"<!DOCTYPE html><html><head><meta charset='UTF-8'><title>MLPerf warehouse</title></head><body>"
            f"<h1>MLPerf warehouse — {html.escape(generated)}</h1><p>This warehouse holds no {division}-division "
            "training score or inference result yet, so there is nothing to chart. Run <code>mlperf-warehouse "
            "ingest</code> (see the README), then write the report again.</p></body></html>\n")
        return
    output.write_text(page(sections, division, generated))


def page(sections: list, division: str, generated: str) -> str:
    """The HTML page of these sections. When every chart is drawn, the body's data-drawn says how many and
    data-height how tall the page is (what a headless browser checks)."""
    from altair.utils._importers import import_vl_convert, vl_version_for_vl_convert

    bundle = import_vl_convert().javascript_bundle(vl_version=vl_version_for_vl_convert())
    index, body, specs = [], [], []
    for i, (anchor, heading, read, chart) in enumerate(sections):
        anchor = _anchor(anchor)
        index.append(f'<li><a href="#{html.escape(anchor)}">{html.escape(heading)}</a></li>')
        body.append(f'<section id="{html.escape(anchor)}"><h2>{html.escape(heading)}</h2>'
                    f'<p class="read">{html.escape(read)}</p><div class="chart" id="chart{i}"></div>'
                    '<p class="top"><a href="#index">index</a></p></section>')
        specs.append(chart.to_dict())
    training = sum(1 for a, *_ in sections if a.startswith("training-"))
    return f"""<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>MLPerf warehouse ({division} division)</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} .read{{color:#444}}
#index ul{{columns:3;font-size:13px}} .top{{font-size:12px}}</style>
<script>{bundle}</script></head>
<body><h1>MLPerf warehouse — {division} division</h1><p>{html.escape(generated)}. Each accelerator has one colour
on every chart.</p>
<nav id="index"><h2>Index</h2>{"".join(f"<h3>{name} ({len(items)})</h3><ul>{''.join(items)}</ul>"
                                      for name, items in (("Training", index[:training]),
                                                          ("Inference", index[training:])) if items)}</nav>
{chr(10).join(body)}
<script>const specs = {script_json(specs)};
Promise.all(specs.map((spec, i) => vegaEmbed('#chart' + i, spec, {{actions: false, renderer: 'svg'}})))
  .then(drawn => {{ document.body.dataset.drawn = drawn.length;
                    document.body.dataset.height = Math.round(document.body.getBoundingClientRect().height); }})
  .catch(error => {{ document.body.dataset.error = String(error); console.error(error); }});</script>
</body></html>
"""
