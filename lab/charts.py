"""Pure Plotly figure builders for the lab: rank changes, time decay and an embedding map.

Nothing here imports streamlit; a page builds a figure and calls ``st.plotly_chart(fig)``.
Item text (titles) always enters a figure as data (``hovertext``); every hover template is a
fixed string of this module that only refers to ``%{hovertext}`` and numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import (DEFAULT_HALF_LIFE_DAYS, InvalidInputError, PersonalizationAgentGetObjectsResponse, WeightedInteraction,
                  check_decay, decay_factor, display_title)

ROSE, FELL, UNCHANGED = "rose", "fell", "unchanged"
ENTERED, LEFT = "entered from agent searches", "left"
CATEGORIES = (ROSE, FELL, UNCHANGED, ENTERED, LEFT)
# Okabe-Ito colours (colour-blind safe); the marker symbol tells the categories apart too.
_RANK_STYLE = {
    ROSE: ("#009E73", "triangle-up", "solid"), FELL: ("#D55E00", "triangle-down", "solid"),
    UNCHANGED: ("#999999", "circle", "solid"), ENTERED: ("#0072B2", "star", "dash"),
    LEFT: ("#E69F00", "x", "dot"),
}
_RANK_HOVER = "%{hovertext}<br>vector-only: %{customdata[0]}<br>agent: %{customdata[1]}"
OFF_LIST = "not in list"


# --- rank changes ---------------------------------------------------------------------------

def rank_change_table(vector: PersonalizationAgentGetObjectsResponse, agent: PersonalizationAgentGetObjectsResponse,
                      *, title_of: Callable[[dict[str, Any]], str] = display_title) -> list[dict[str, Any]]:
    """One row per item: ``title``, ``vector_rank``, ``agent_rank``, ``change``, ``category``.

    Agent items come first in agent order, then the vector-only items the agent dropped. The
    vector rank of an agent item is its ``original_rank`` (its rank in the agent's over-fetched
    vector list, which may lie below the shown vector-only list), else its rank in ``vector``;
    ``change`` is ``vector_rank - agent_rank`` (positive = rose), None for entered/left items.
    """
    vector_ranks = {o.uuid: _rank(o, i) for i, o in enumerate(vector.objects)}
    rows, kept = [], set()
    for i, obj in enumerate(agent.objects):
        kept.add(obj.uuid)
        before = obj.original_rank if obj.original_rank is not None else vector_ranks.get(obj.uuid)
        after = _rank(obj, i)
        change = None if before is None else before - after
        category = ENTERED if change is None else ROSE if change > 0 else FELL if change < 0 else UNCHANGED
        rows.append(_row(title_of, obj, before, after, change, category))
    for i, obj in enumerate(vector.objects):
        if obj.uuid not in kept:
            rows.append(_row(title_of, obj, _rank(obj, i), None, None, LEFT))
    return rows


def rank_change_figure(vector: PersonalizationAgentGetObjectsResponse, agent: PersonalizationAgentGetObjectsResponse,
                       *, title_of: Callable[[dict[str, Any]], str] = display_title) -> go.Figure:
    """A slope chart from the vector-only rank (x = "vector-only") to the agent rank (x = "agent").

    One line trace per item, named by its category (legend group, colour and marker symbol per
    category). Items that entered from the agent's searches start on an off-list row below the
    last rank (dashed); items the agent dropped end on that row (dotted). Rank 1 is on top.
    """
    rows = rank_change_table(vector, agent, title_of=title_of)
    ranks = sorted({r[k] for r in rows for k in ("vector_rank", "agent_rank") if r[k] is not None})
    off = max(ranks, default=0) + 1
    fig = go.Figure()
    shown: set[str] = set()
    for r in rows:
        colour, symbol, dash = _RANK_STYLE[r["category"]]
        fig.add_trace(go.Scatter(
            x=["vector-only", "agent"],
            y=[_or(r["vector_rank"], off), _or(r["agent_rank"], off)],
            mode="lines+markers", name=r["category"], legendgroup=r["category"],
            showlegend=r["category"] not in shown, line={"color": colour, "dash": dash},
            marker={"symbol": symbol, "size": 11, "color": colour},
            hovertext=[r["title"], r["title"]], customdata=[[_fmt(r["vector_rank"]), _fmt(r["agent_rank"])]] * 2,
            hovertemplate=_RANK_HOVER))
        shown.add(r["category"])
    fig.update_yaxes(autorange="reversed", title_text="rank", tickvals=ranks + [off],
                     ticktext=[str(v) for v in ranks] + [OFF_LIST], zeroline=False)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=["vector-only", "agent"])
    fig.update_layout(title_text="Vector-only rank → agent rank", legend_title_text="",
                      height=min(900, max(360, 30 * (len(ranks) + 2))), hovermode="closest")
    return fig


def _rank(obj: Any, index: int) -> int:
    return obj.personalized_rank if obj.personalized_rank is not None else index + 1


def _row(title_of: Callable[[dict[str, Any]], str], obj: Any, before: int | None, after: int | None,
         change: int | None, category: str) -> dict[str, Any]:
    title = title_of(obj.properties) or str(obj.uuid)
    return {"title": title, "vector_rank": before, "agent_rank": after, "change": change, "category": category}


def _or(rank: int | None, off: int) -> int:
    return off if rank is None else rank


def _fmt(rank: int | None) -> str:
    return "—" if rank is None else f"#{rank}"


# --- time decay -----------------------------------------------------------------------------

_DECAY_HOVER = ("%{hovertext}<br>%{customdata[0]}, %{x:.1f} days old<br>"
                "weight %{customdata[1]:.2f} × decay %{customdata[2]:.3f} = %{customdata[3]:.3f}<extra></extra>")
_SIGNS = (("liked", "#009E73", lambda w: w > 0), ("disliked", "#D55E00", lambda w: w < 0),
          ("neutral", "#999999", lambda w: w == 0))


def decay_figure(rows: Sequence[tuple[str, WeightedInteraction]], decay_rate: float,
                 half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> go.Figure:
    """Each interaction's weight (open marker) and effective weight after decay (filled, on a stem).

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
    fig.update_yaxes(title_text="weight", range=[-1.1, 1.1], zeroline=True, secondary_y=False)
    fig.update_yaxes(title_text="decay factor", range=[0, 1.05], showgrid=False, secondary_y=True)
    fig.update_xaxes(title_text="age (days before now)")
    fig.update_layout(title_text=f"Time decay (decay_rate {decay_rate:g}, half-life {half_life_days:g} days)",
                      hovermode="closest")
    return fig


def _add_lollipops(fig: go.Figure, label: str, colour: str, picked: list[tuple[str, WeightedInteraction]]) -> None:
    ages = [it.age_days for _, it in picked]
    weights = [float(it.weight) for _, it in picked]
    effective = [it.effective_weight for _, it in picked]
    titles = [title for title, _ in picked]
    custom = [[it.created_at.strftime("%Y-%m-%d"), it.weight, it.decay, it.effective_weight] for _, it in picked]
    stems_x = [v for a in ages for v in (a, a, None)]
    stems_y = [v for w in weights for v in (0.0, w, None)]
    common = {"legendgroup": label, "hovertext": titles, "customdata": custom, "hovertemplate": _DECAY_HOVER}
    fig.add_trace(go.Scatter(x=stems_x, y=stems_y, mode="lines", line={"color": colour, "width": 1},
                             hoverinfo="skip", showlegend=False, legendgroup=label, name=f"{label} stem"))
    fig.add_trace(go.Scatter(x=ages, y=weights, mode="markers", name=f"{label}: weight",
                             marker={"symbol": "circle-open", "size": 10, "color": colour}, **common))
    fig.add_trace(go.Scatter(x=ages, y=effective, mode="markers", name=f"{label}: after decay",
                             marker={"symbol": "circle", "size": 9, "color": colour}, **common))


# --- embedding map --------------------------------------------------------------------------

ROLE_STYLE = {  # drawing order: later roles on top
    "catalog": {"color": "#BBBBBB", "size": 5, "symbol": "circle", "opacity": 0.5},
    "recommended": {"color": "#0072B2", "size": 10, "symbol": "diamond", "opacity": 0.9},
    "liked": {"color": "#009E73", "size": 11, "symbol": "triangle-up", "opacity": 0.95},
    "disliked": {"color": "#D55E00", "size": 11, "symbol": "triangle-down", "opacity": 0.95},
    "profile": {"color": "#000000", "size": 20, "symbol": "star", "opacity": 1.0},
}
_OTHER_STYLE = {"color": "#CC79A7", "size": 8, "symbol": "square", "opacity": 0.9}
FIT_ROWS = 20_000  # PCA is fitted on a seeded sample of at most this many catalog rows


def embedding_map_figure(points: np.ndarray, titles: Sequence[str], roles: Sequence[str], *,
                         title: str = "Catalog map (PCA of item vectors)", webgl: bool = False) -> go.Figure:
    """A 2-D scatter with one trace per role (``"catalog"``, ``"liked"``, ``"disliked"``,
    ``"recommended"``, ``"profile"`` as big stars, any other role in a default style); hover shows
    each point's title. ``webgl=True`` uses ``Scattergl`` for large catalogs.
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or not len(titles) == len(roles) == len(points):
        raise InvalidInputError(f"points must be (n, 2) with n titles and n roles, got points {points.shape}, "
                                f"{len(titles)} titles, {len(roles)} roles")
    trace = go.Scattergl if webgl else go.Scatter
    order = list(ROLE_STYLE) + sorted(set(roles) - set(ROLE_STYLE))
    fig = go.Figure()
    for role in order:
        idx = [i for i, r in enumerate(roles) if r == role]
        if not idx:
            continue
        style = dict(ROLE_STYLE.get(role, _OTHER_STYLE))
        opacity = style.pop("opacity")
        fig.add_trace(trace(x=points[idx, 0], y=points[idx, 1], mode="markers", name=role, opacity=opacity,
                            marker={**style, "line": {"width": 0.5, "color": "#FFFFFF"}},
                            hovertext=[titles[i] for i in idx], hovertemplate="%{hovertext}"))
    fig.update_xaxes(title_text="PC 1", zeroline=False)
    fig.update_yaxes(title_text="PC 2", zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(title_text=title, hovermode="closest")
    return fig


def project_2d(vectors: np.ndarray, extra: np.ndarray | None = None,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """PCA of the catalog ``vectors`` (n, d) to (n, 2), and ``extra`` (m, d) with the same components.

    SVD of the centred catalog matrix; each component's sign is fixed so that its largest
    |loading| is positive, so the map is deterministic. Catalogs above ``FIT_ROWS`` rows are fitted
    on a sample drawn with ``seed`` (all rows are projected). Missing dimensions (n or d < 2) are 0.
    """
    X = _matrix(vectors, "vectors")
    E = None if extra is None else _matrix(extra, "extra")
    if E is not None and E.shape[1] != X.shape[1]:
        raise InvalidInputError(f"extra must have {X.shape[1]} columns like vectors, got {E.shape[1]}")
    if not len(X):
        return np.zeros((0, 2)), None if E is None else np.zeros((len(E), 2))
    fit = X if len(X) <= FIT_ROWS else X[np.random.default_rng(seed).choice(len(X), FIT_ROWS, replace=False)]
    mean = fit.mean(axis=0)
    _, _, vt = np.linalg.svd(fit - mean, full_matrices=False)
    components = np.zeros((2, X.shape[1]))
    components[: min(2, len(vt))] = vt[:2]
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(axis=1)])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    return (X - mean) @ components.T, None if E is None else (E - mean) @ components.T


def _matrix(values: np.ndarray, what: str) -> np.ndarray:
    M = np.asarray(values, dtype=float)
    if M.ndim != 2 or not np.isfinite(M).all():
        raise InvalidInputError(f"{what} must be a finite 2-D array (rows × dimensions), got shape {M.shape}")
    return M
