"""Pure Plotly figure builders for the Evaluate page: runs side by side, a sweep's curve, an A/B.

Nothing here imports streamlit. Every figure takes plain rows (``name``/``value``, ``mean``,
``low``, ``high``: an estimate and its 95 % interval) and draws the interval as an error bar, so
the same builder serves any metric. Names enter a figure only through
:func:`lab.charts.plotly_text` (an uploaded log's file name can be anything).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from .charts import plotly_text

# Okabe-Ito colours (colour-blind safe), as in lab.charts
KIND_COLOURS = {"engine": "#0072B2", "sweep": "#56B4E9", "baseline": "#999999"}
BETTER, WORSE, UNSURE = "#009E73", "#D55E00", "#999999"
NAME_CHARS = 70

Row = Mapping[str, Any]


def _errors(rows: Sequence[Row]) -> dict[str, Any]:
    """Asymmetric error bars from each row's ``low``/``high`` around its ``mean`` (0 where unknown)."""
    def gap(a: float, b: float) -> float:
        return 0.0 if math.isnan(a) or math.isnan(b) else max(0.0, a - b)
    return {"type": "data", "symmetric": False, "array": [gap(r["high"], r["mean"]) for r in rows],
            "arrayminus": [gap(r["mean"], r["low"]) for r in rows], "thickness": 1.5, "width": 4}


def runs_figure(rows: Sequence[Row], metric: str) -> go.Figure:
    """One horizontal bar per run (``name``, ``kind``: engine / sweep / baseline, ``mean``, ``low``,
    ``high``), in the given order top to bottom, with its interval; ``metric`` names the x axis."""
    fig = go.Figure()
    for kind, colour in KIND_COLOURS.items():
        picked = [r for r in rows if r["kind"] == kind]
        if not picked:
            continue
        fig.add_trace(go.Bar(
            x=[r["mean"] for r in picked], y=[plotly_text(r["name"], NAME_CHARS) for r in picked], orientation="h",
            name={"engine": "engine", "sweep": "sweep (on test)", "baseline": "baseline"}[kind],
            marker={"color": colour}, error_x=_errors(picked),
            customdata=[[r["low"], r["high"], r.get("users", 0)] for r in picked],
            hovertemplate="%{y}<br>%{x:.4f} [%{customdata[0]:.4f}, %{customdata[1]:.4f}] over %{customdata[2]} "
                          "users<extra></extra>"))
    order = [plotly_text(r["name"], NAME_CHARS) for r in rows]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], title_text="")
    fig.update_xaxes(title_text=f"{plotly_text(metric)} (mean over test users, 95 % CI)", rangemode="tozero")
    fig.update_layout(title_text=f"Runs side by side: {plotly_text(metric)}", barmode="overlay", legend_title_text="",
                      height=max(320, 44 * len(rows) + 140), hovermode="closest")
    return fig


def sweep_figure(points: Sequence[Row], *, parameter: str, metric: str, chosen: Any,
                 test: Row | None = None) -> go.Figure:
    """The validation curve of a sweep: ``metric`` (``mean``/``low``/``high``) against each point's
    ``value`` of ``parameter``, the ``chosen`` value marked, and the chosen setting's ``test``
    estimate beside it when given (the number to report)."""
    numeric = all(isinstance(p["value"], (int, float)) and not isinstance(p["value"], bool) for p in points)
    xs = [p["value"] if numeric else plotly_text(p["value"]) for p in points]
    fig = go.Figure(go.Scatter(
        x=xs, y=[p["mean"] for p in points], mode="lines+markers", name="validation", error_y=_errors(points),
        line={"color": KIND_COLOURS["engine"]}, marker={"size": 8},
        customdata=[[p["low"], p["high"]] for p in points],
        hovertemplate=f"{plotly_text(parameter)} %{{x}}<br>%{{y:.4f}} [%{{customdata[0]:.4f}}, "
                      "%{customdata[1]:.4f}]<extra>validation</extra>"))
    best = next((p for p in points if p["value"] == chosen), None)
    if best is not None:
        x = best["value"] if numeric else plotly_text(best["value"])
        fig.add_trace(go.Scatter(x=[x], y=[best["mean"]], mode="markers", name=f"chosen: {plotly_text(chosen)}",
                                 marker={"symbol": "star", "size": 18, "color": BETTER},
                                 hovertemplate="chosen on validation: %{y:.4f}<extra></extra>"))
        if test is not None:
            fig.add_trace(go.Scatter(x=[x], y=[test["mean"]], mode="markers", name="chosen, on test",
                                     marker={"symbol": "diamond", "size": 12, "color": WORSE}, error_y=_errors([test]),
                                     hovertemplate="on test: %{y:.4f}<extra></extra>"))
    fig.update_xaxes(title_text=plotly_text(parameter), type="linear" if numeric else "category")
    fig.update_yaxes(title_text=f"{plotly_text(metric)} (95 % CI)")
    fig.update_layout(title_text=f"{plotly_text(metric)} against {plotly_text(parameter)}: tuned on validation",
                      hovermode="closest", legend_title_text="")
    return fig


def _around_zero(rows: Sequence[Row]) -> list[float]:
    """An x range holding 0 and every interval, with a margin (0 must never sit on the plot's edge)."""
    ends = [v for r in rows for v in (r["low"], r["high"], r["mean"]) if not math.isnan(v)] + [0.0]
    low, high = min(ends), max(ends)
    pad = 0.1 * (high - low) or 0.01
    return [low - pad, high + pad]


def ab_figure(rows: Sequence[Row], *, a: str, b: str) -> go.Figure:
    """A/B: per metric (``name``), the mean per-user difference ``b - a`` with its paired 95 %
    interval; green when the interval is above 0, orange below, grey when it contains 0."""
    def colour(r: Row) -> str:
        return BETTER if r["low"] > 0 else WORSE if r["high"] < 0 else UNSURE
    fig = go.Figure(go.Bar(
        x=[r["mean"] for r in rows], y=[plotly_text(r["name"]) for r in rows], orientation="h",
        marker={"color": [colour(r) for r in rows]}, error_x=_errors(rows),
        customdata=[[r["low"], r["high"], r.get("users", 0)] for r in rows],
        hovertemplate="%{y}: %{x:+.4f} [%{customdata[0]:+.4f}, %{customdata[1]:+.4f}] over %{customdata[2]} "
                      "users<extra></extra>"))
    fig.add_vline(x=0, line_width=1, line_color="#333333")
    fig.update_yaxes(autorange="reversed", title_text="")
    fig.update_xaxes(title_text="B − A, per user (paired, 95 % CI)", zeroline=True, range=_around_zero(rows))
    fig.update_layout(title_text=f"A/B: B − A per user · A = {plotly_text(a, NAME_CHARS)}<br>"
                                 f"B = {plotly_text(b, NAME_CHARS)}",
                      height=max(300, 60 * len(rows) + 160), showlegend=False, hovermode="closest")
    return fig
