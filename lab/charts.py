"""Pure Plotly figure builders for the lab: rank changes and time decay (the map: ``lab.map_chart``).

Nothing here imports streamlit; a page builds a figure and calls ``st.plotly_chart(fig)``.
Plotly reads a subset of HTML in every text it draws (``<a href>`` becomes a live link, ``<b>``
bold, ``&lt;`` an entity), so item text enters a figure only through :func:`plotly_text`, which
escapes ``&``, ``<`` and ``>``; hover templates are fixed strings of this module.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import (DEFAULT_HALF_LIFE_DAYS, PersonalizationAgentGetObjectsResponse, WeightedInteraction, check_decay,
                  decay_factor, display_title)

ROSE, FELL, UNCHANGED = "rose", "fell", "unchanged"
ENTERED, LEFT = "entered from agent searches", "left"
CATEGORIES = (ROSE, FELL, UNCHANGED, ENTERED, LEFT)
# Okabe-Ito colours (colour-blind safe); the marker symbol tells the categories apart too.
_RANK_STYLE = {
    ROSE: ("#009E73", "triangle-up", "solid"), FELL: ("#D55E00", "triangle-down", "solid"),
    UNCHANGED: ("#999999", "circle", "solid"), ENTERED: ("#0072B2", "star", "dash"),
    LEFT: ("#E69F00", "x", "dot"),
}
SIDES = ("vector-only", "agent")
OUTSIDE, SEARCHES = "from outside the list", "agent's searches"
BIG_MOVE = 3
"""A move of at least this many places (or into / out of the list) is drawn thicker."""
LABEL_CHARS, WRAP_CHARS = 32, 60


def plotly_text(value: Any, limit: int | None = None) -> str:
    """``value`` as text Plotly shows literally: whitespace collapsed (a newline would break the line),
    cut to ``limit`` characters, then ``&``, ``<`` and ``>`` escaped (no link, tag or entity survives)."""
    text = " ".join(str(value).split())
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    return html.escape(text, quote=False)


def plotly_lines(text: str, width: int = WRAP_CHARS) -> str:
    """Long text wrapped at ``width`` and escaped line by line, joined with Plotly's ``<br>``."""
    return "<br>".join(plotly_text(line) for line in textwrap.wrap(" ".join(text.split()), width)) or ""


# --- rank changes ---------------------------------------------------------------------------

def rank_change_table(vector: PersonalizationAgentGetObjectsResponse, agent: PersonalizationAgentGetObjectsResponse,
                      *, title_of: Callable[[dict[str, Any]], str] = display_title) -> list[dict[str, Any]]:
    """One row per item: ``title``, ``vector_rank``, ``agent_rank``, ``change``, ``category``, ``why``.

    Agent items come first in agent order, then the vector-only items the agent dropped. The
    vector rank of an agent item is its ``original_rank`` (its rank in the agent's over-fetched
    vector list, which may lie below the shown vector-only list), else its rank in ``vector``;
    ``change`` is ``vector_rank - agent_rank`` (positive = rose), None for entered/left items.
    ``why`` is the ranker's own reason (:func:`move_reason`).
    """
    vector_ranks = {o.uuid: _rank(o, i) for i, o in enumerate(vector.objects)}
    rows, kept = [], set()
    for i, obj in enumerate(agent.objects):
        kept.add(obj.uuid)
        before = obj.original_rank if obj.original_rank is not None else vector_ranks.get(obj.uuid)
        after = _rank(obj, i)
        change = None if before is None else before - after
        category = ENTERED if change is None else ROSE if change > 0 else FELL if change < 0 else UNCHANGED
        rows.append(_row(title_of, obj, before, after, change, category, move_reason(agent, obj)))
    for i, obj in enumerate(vector.objects):
        if obj.uuid not in kept:
            rows.append(_row(title_of, obj, _rank(obj, i), None, None, LEFT,
                             f"not in the top {len(agent.objects)} after reranking"))
    return rows


def move_reason(response: PersonalizationAgentGetObjectsResponse, obj: Any) -> str:
    """Why the ranker put ``obj`` where it is, from the decision itself: the first line of its
    explanation (an LLM's own words say so), else the strongest components in the trace's rerank step."""
    if obj.explanation:
        first = obj.explanation.split("\n", 1)[0]
        return "the LLM's reason: " + first[5:] if first.startswith("LLM: ") else first
    for step in response.trace:
        items = step.details.get("details", {}).get("items", {}) if step.name == "rerank" else {}
        parts = items.get(str(obj.uuid))
        if parts:
            named = [(k, v) for k, v in parts.items() if isinstance(v, (int, float)) and k != "relevance" and v]
            top = sorted(named, key=lambda kv: -abs(kv[1]))[:3]
            return "strongest signals: " + ", ".join(f"{k.replace('_', ' ')} {v:+.2f}" for k, v in top)
    return ""


def rank_change_figure(vector: PersonalizationAgentGetObjectsResponse, agent: PersonalizationAgentGetObjectsResponse,
                       *, title_of: Callable[[dict[str, Any]], str] = display_title,
                       sides: tuple[str, str] = SIDES) -> go.Figure:
    """A slope chart from the vector-only rank (x = 0, ``sides[0]``) to the agent rank (x = 1).

    One line trace per item, named by its category (legend group, colour and marker symbol per
    category), labelled with its title at each end that is in the list, with the move and the
    ranker's reason on hover; ``customdata`` holds ``[escaped title, vector rank, agent rank]``. Ranks 1…L (L the longer list) take one row each, rank 1 on top; below
    them a shaded band holds everything from outside the list, in rank order: items from further
    down the agent's vector list and, on the agent side, the items it dropped; items only the
    agent's searches found start on a last row of their own.
    """
    rows = rank_change_table(vector, agent, title_of=title_of)
    in_list = max(len(vector.objects), len(agent.objects))
    place = _places(rows, in_list)
    fig = go.Figure()
    shown: set[str] = set()
    for r, ys in zip(rows, place):
        colour, symbol, dash = _RANK_STYLE[r["category"]]
        big = r["change"] is None or abs(r["change"]) >= BIG_MOVE
        ends = (r["vector_rank"], r["agent_rank"])
        labels = [plotly_text(r["title"], LABEL_CHARS) if e is not None and e <= in_list else "" for e in ends]
        fig.add_trace(go.Scatter(
            x=[0, 1], y=list(ys),
            mode="lines+markers+text", name=r["category"], legendgroup=r["category"],
            showlegend=r["category"] not in shown, line={"color": colour, "dash": dash, "width": 3 if big else 1.5},
            marker={"symbol": symbol, "size": 11, "color": colour}, text=labels,
            textposition=["middle left", "middle right"], textfont={"size": 12},
            hovertext=[_hover(r, sides)] * 2, hovertemplate="%{hovertext}<extra></extra>",
            customdata=[[plotly_text(r["title"]), r["vector_rank"], r["agent_rank"]]] * 2))
        shown.add(r["category"])
    _rank_axes(fig, in_list, place, sides, _band(rows, in_list))
    return fig


def _places(rows: list[dict[str, Any]], in_list: int) -> list[tuple[float, float]]:
    """The y of both ends of every row: its rank in the list, else a spot in the outside band (in
    rank order, :func:`_band` rows from ``in_list + 1.5``), else (found only by the agent's
    searches) the row below the band."""
    ys = [[0.0, 0.0] for _ in rows]
    bands = [[(float("inf") if r[key] is None else r[key], n) for n, r in enumerate(rows)
              if (r[key] is None and key == "agent_rank") or (r[key] is not None and r[key] > in_list)]
             for key in ("vector_rank", "agent_rank")]
    span = _band(rows, in_list)
    for side, key in enumerate(("vector_rank", "agent_rank")):
        for n, r in enumerate(rows):
            if r[key] is not None and r[key] <= in_list:
                ys[n][side] = float(r[key])
            elif r[key] is None and side == 0:
                ys[n][side] = in_list + span + 2.5
        band = sorted(bands[side])
        for k, (_, n) in enumerate(band):
            ys[n][side] = in_list + 1.5 + (k * span / (len(band) - 1) if len(band) > 1 else span / 2)
    return [(a, b) for a, b in ys]


def _band(rows: list[dict[str, Any]], in_list: int) -> float:
    """The outside band's height in rows: 1, or 0.4 per line end beyond the first three on its busier side."""
    ends = max(sum(1 for r in rows if r["vector_rank"] is not None and r["vector_rank"] > in_list),
               sum(1 for r in rows if r["agent_rank"] is None))
    return max(1.0, 0.4 * (ends - 1))


def _rank_axes(fig: go.Figure, in_list: int, place: list[tuple[float, float]], sides: tuple[str, str],
               span: float) -> None:
    ticks: list[float] = list(range(1, in_list + 1))
    texts = [f"#{t}" for t in ticks]
    deepest = max((y for ys in place for y in ys), default=in_list)
    if deepest > in_list:
        fig.add_hrect(y0=in_list + 1, y1=in_list + span + 2, fillcolor="#EEEEEE", line_width=0, layer="below")
        ticks.append(in_list + 1.5 + span / 2)
        texts.append(OUTSIDE)
    if deepest > in_list + span + 2:
        ticks.append(in_list + span + 2.5)
        texts.append(SEARCHES)
    fig.update_yaxes(autorange="reversed", title_text="rank", tickvals=ticks, ticktext=texts, zeroline=False,
                     showgrid=False)
    fig.update_xaxes(tickvals=[0, 1], ticktext=list(sides), range=[-0.8, 1.8], zeroline=False, showgrid=False)
    fig.update_layout(title_text=f"{sides[0]} rank → {sides[1]} rank", legend_title_text="",
                      height=min(1100, max(380, int(32 * (deepest + 1)) + 120)), hovermode="closest")


def _hover(r: dict[str, Any], sides: tuple[str, str]) -> str:
    move = f"{sides[0]}: {_fmt(r['vector_rank'])} → {sides[1]}: {_fmt(r['agent_rank'])}"
    why = f"<br>why: {plotly_lines(r['why'])}" if r["why"] else ""
    return f"<b>{plotly_text(r['title'], 80)}</b><br>{move}{why}"


def _rank(obj: Any, index: int) -> int:
    return obj.personalized_rank if obj.personalized_rank is not None else index + 1


def _row(title_of: Callable[[dict[str, Any]], str], obj: Any, before: int | None, after: int | None,
         change: int | None, category: str, why: str) -> dict[str, Any]:
    title = title_of(obj.properties) or str(obj.uuid)
    return {"title": title, "vector_rank": before, "agent_rank": after, "change": change, "category": category,
            "why": why}


def _fmt(rank: int | None) -> str:
    return "not in the list" if rank is None else f"#{rank}"


# --- time decay -----------------------------------------------------------------------------

_DECAY_HOVER = ("%{hovertext}<br>%{customdata[0]}, %{x:.1f} days old<br>"
                "weight %{customdata[1]:.2f} × decay %{customdata[2]:.3f} = %{customdata[3]:.3f}<extra></extra>")
_SIGNS = (("liked", "#009E73", lambda w: w > 0), ("disliked", "#D55E00", lambda w: w < 0),
          ("neutral", "#999999", lambda w: w == 0))
DECAY_LABEL_CHARS = 24


def decay_figure(rows: Sequence[tuple[str, WeightedInteraction]], decay_rate: float,
                 half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> go.Figure:
    """Each interaction's weight (open marker) and effective weight after decay (filled, on a stem,
    labelled with the item's title).

    ``rows`` are ``(title, interaction)`` with the interactions as the engine weighed them
    (``core.weighted_interactions`` at the same ``decay_rate``), so x is their age in days and
    the filled markers are the engine's effective weights. The decay curve
    ``core.decay_factor(age, decay_rate, half_life_days)`` is drawn against the right-hand axis.
    """
    check_decay(decay_rate, half_life_days)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for label, colour, keep in _SIGNS:
        picked = [(title, it) for title, it in rows if keep(it.weight)]
        if picked:
            _add_lollipops(fig, label, colour, picked)
    xs = np.linspace(0.0, max([half_life_days, *(max(it.age_days, 0.0) for _, it in rows)]) * 1.05, 200)
    fig.add_trace(go.Scatter(x=xs, y=[decay_factor(x, decay_rate, half_life_days) for x in xs], mode="lines",
                             name="decay factor", line={"color": "#0072B2", "dash": "dash"},
                             hovertemplate="%{x:.0f} days: × %{y:.3f}<extra></extra>"), secondary_y=True)
    fig.update_yaxes(title_text="weight", range=[-1.2, 1.2], zeroline=True, secondary_y=False)
    fig.update_yaxes(title_text="decay factor", range=[0, 1.05], showgrid=False, secondary_y=True)
    fig.update_xaxes(title_text="age (days before now)")
    fig.update_layout(title_text=f"Time decay (decay_rate {decay_rate:g}, half-life {half_life_days:g} days)",
                      hovermode="closest")
    return fig


def _add_lollipops(fig: go.Figure, label: str, colour: str, picked: list[tuple[str, WeightedInteraction]]) -> None:
    ages = [it.age_days for _, it in picked]
    weights = [float(it.weight) for _, it in picked]
    effective = [it.effective_weight for _, it in picked]
    titles = [plotly_text(title, 80) for title, _ in picked]
    custom = [[it.created_at.strftime("%Y-%m-%d"), it.weight, it.decay, it.effective_weight] for _, it in picked]
    stems_x = [v for a in ages for v in (a, a, None)]
    stems_y = [v for w in weights for v in (0.0, w, None)]
    common = {"legendgroup": label, "hovertext": titles, "customdata": custom, "hovertemplate": _DECAY_HOVER}
    fig.add_trace(go.Scatter(x=stems_x, y=stems_y, mode="lines", line={"color": colour, "width": 1},
                             hoverinfo="skip", showlegend=False, legendgroup=label, name=f"{label} stem"))
    fig.add_trace(go.Scatter(x=ages, y=weights, mode="markers", name=f"{label}: weight",
                             marker={"symbol": "circle-open", "size": 10, "color": colour}, **common))
    fig.add_trace(go.Scatter(x=ages, y=effective, mode="markers+text", name=f"{label}: after decay",
                             marker={"symbol": "circle", "size": 9, "color": colour},
                             text=[plotly_text(t, DECAY_LABEL_CHARS) for t, _ in picked],
                             textposition="top center" if label != "disliked" else "bottom center",
                             textfont={"size": 11}, **common))
