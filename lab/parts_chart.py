"""The parts of each item's score in a ``blend`` list: content, behaviour, popularity, persona properties.

Pure (no streamlit). :func:`parts_rows` reads the engine's own signals of a vector-only response
(``content_part``, ``behaviour_part``, ``popularity_boost``, ``property_boost``; they add up to the
item's score) and :func:`parts_figure` draws them as one stacked horizontal bar per item, rank 1
on top. Titles enter the figure through :func:`lab.charts.plotly_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from core import PersonalizationAgentGetObjectsResponse, display_title

from .charts import plotly_text

# signal, column, legend, Okabe-Ito colour (as in lab.charts)
PARTS = (("content_part", "content", "content (close to your likes)", "#0072B2"),
         ("behaviour_part", "behaviour", "behaviour (people who liked … also liked)", "#009E73"),
         ("popularity_boost", "popularity", "popularity", "#E69F00"),
         ("property_boost", "properties", "persona properties", "#CC79A7"))
TITLE_CHARS = 40


def has_parts(response: PersonalizationAgentGetObjectsResponse) -> bool:
    """Whether the response's items carry the blend's parts (a ``blend`` ranking)."""
    return any("content_part" in o.signals for o in response.objects)


def parts_rows(response: PersonalizationAgentGetObjectsResponse, *,
               title_of: Callable[[dict[str, Any]], str] = display_title) -> list[dict[str, Any]]:
    """One row per item in rank order: ``rank``, ``title``, each part (0 when absent), ``score`` and
    ``because of`` (the liked item whose part of the behaviour score is largest)."""
    rows = []
    for obj in response.objects:
        row: dict[str, Any] = {"rank": obj.personalized_rank, "title": title_of(obj.properties) or str(obj.uuid)}
        row.update({column: float(obj.signals.get(signal) or 0.0) for signal, column, _, _ in PARTS})
        row["score"] = float(obj.score)
        row["because of"] = obj.signals.get("because_of") or ""
        rows.append(row)
    return rows


def parts_figure(rows: list[dict[str, Any]]) -> go.Figure:
    """A stacked bar per row (:func:`parts_rows`): each part a segment (negative ones to the left)."""
    labels = [f"#{r['rank']} {plotly_text(r['title'], TITLE_CHARS)}" for r in rows]
    fig = go.Figure()
    for _, column, legend, colour in PARTS:
        values = [r[column] for r in rows]
        if column == "properties" and not any(values):
            continue
        fig.add_trace(go.Bar(
            x=values, y=labels, orientation="h", name=legend, marker={"color": colour},
            customdata=[[plotly_text(r["title"], 80), r["score"], _why(r, column)] for r in rows],
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{column} %{{x:+.3f}} of score "
                          "%{customdata[1]:.3f}%{customdata[2]}<extra></extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], title_text="")
    fig.update_xaxes(title_text="part of the score", zeroline=True)
    fig.update_layout(title_text="What each item's score is made of", barmode="relative", legend_title_text="",
                      height=max(300, 30 * len(rows) + 160), hovermode="closest",
                      legend={"orientation": "h", "y": -0.2})
    return fig


def _why(row: dict[str, Any], column: str) -> str:
    """The behaviour segment's hover line: the liked item that contributes most (escaped)."""
    if column != "behaviour" or not row["because of"] or not row["behaviour"]:
        return ""
    return f"<br>people who liked {plotly_text(row['because of'], 60)} also liked this"
