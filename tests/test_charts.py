"""Known-answer tests for the lab's pure figure builders (lab/charts.py)."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import numpy as np
import pytest

from core import (InvalidInputError, Persona, PersonaInteraction, PersonalizationAgentGetObjectsResponse, PersonalizedObject,
                  decay_factor, weighted_interactions)
from lab.charts import (ENTERED, FELL, LEFT, ROSE, UNCHANGED, decay_figure, embedding_map_figure, project_2d,
                        rank_change_figure, rank_change_table)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def _obj(n: int, title: str, original: int | None, rank: int) -> PersonalizedObject:
    return PersonalizedObject(uuid=UUID(int=n), original_rank=original, personalized_rank=rank,
                              properties={"title": title}, score=1.0 / rank)


@pytest.fixture
def responses():
    """Vector-only A B C D; the agent returns C (from 3), A (1), B (2), E (searches), F (its rank 7)."""
    vector = PersonalizationAgentGetObjectsResponse(objects=[
        _obj(1, "A", 1, 1), _obj(2, "B", 2, 2), _obj(3, "C", 3, 3), _obj(4, "<b>D</b> & co", 4, 4)])
    agent = PersonalizationAgentGetObjectsResponse(objects=[
        _obj(3, "C", 3, 1), _obj(1, "A", 1, 2), _obj(2, "B", 2, 3), _obj(5, "E", None, 4), _obj(6, "F", 7, 5)],
        ranker="local agent (no LLM)")
    return vector, agent


def test_rank_change_table_known_answer(responses):
    assert rank_change_table(*responses) == [
        {"title": "C", "vector_rank": 3, "agent_rank": 1, "change": 2, "category": ROSE},
        {"title": "A", "vector_rank": 1, "agent_rank": 2, "change": -1, "category": FELL},
        {"title": "B", "vector_rank": 2, "agent_rank": 3, "change": -1, "category": FELL},
        {"title": "E", "vector_rank": None, "agent_rank": 4, "change": None, "category": ENTERED},
        {"title": "F", "vector_rank": 7, "agent_rank": 5, "change": 2, "category": ROSE},
        {"title": "<b>D</b> & co", "vector_rank": 4, "agent_rank": None, "change": None, "category": LEFT},
    ]


def test_unchanged_and_title_fallback():
    same = PersonalizationAgentGetObjectsResponse(objects=[
        PersonalizedObject(uuid=UUID(int=9), original_rank=1, personalized_rank=1, properties={}, score=1.0)])
    (row,) = rank_change_table(same, same)
    assert row["category"] == UNCHANGED and row["change"] == 0
    assert row["title"] == str(UUID(int=9))
    assert rank_change_table(same, same, title_of=lambda p: "custom")[0]["title"] == "custom"


def test_rank_change_figure_matches_the_table(responses):
    fig = rank_change_figure(*responses)
    rows = rank_change_table(*responses)
    off = 8  # one below the deepest rank (F's original rank 7)
    assert len(fig.data) == len(rows)
    for trace, row in zip(fig.data, rows):
        assert trace.name == trace.legendgroup == row["category"]
        assert list(trace.x) == ["vector-only", "agent"]
        assert list(trace.y) == [row["vector_rank"] or off, row["agent_rank"] or off]
        assert list(trace.hovertext) == [row["title"]] * 2
        assert "%{hovertext}" in trace.hovertemplate and row["title"] not in trace.hovertemplate
    entered = next(t for t in fig.data if t.name == ENTERED)
    left = next(t for t in fig.data if t.name == LEFT)
    assert entered.line.dash == "dash" and list(entered.y) == [off, 4]
    assert list(left.y) == [4, off] and left.hovertext[0] == "<b>D</b> & co"
    # one legend entry per category; colour and symbol differ between categories
    assert sorted(t.name for t in fig.data if t.showlegend) == sorted({ROSE, FELL, ENTERED, LEFT})
    styles = {t.name: (t.line.color, t.marker.symbol) for t in fig.data}
    assert len({c for c, _ in styles.values()}) == len({s for _, s in styles.values()}) == len(styles)
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.yaxis.ticktext[-1] == "not in list" and fig.layout.yaxis.tickvals[-1] == off


def test_rank_change_figure_of_empty_responses():
    empty = PersonalizationAgentGetObjectsResponse(objects=[])
    assert rank_change_figure(empty, empty).data == ()
    assert rank_change_table(empty, empty) == []


def test_decay_figure_draws_the_engines_effective_weights(agent):
    agent.add_persona(Persona(persona_id="p", properties={}))
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id="a", weight=1.0, created_at=NOW),
                            PersonaInteraction(persona_id="p", item_id="b", weight=0.8, created_at=NOW - timedelta(days=30)),
                            PersonaInteraction(persona_id="p", item_id="c", weight=-1.0, created_at=NOW - timedelta(days=60)),
                            PersonaInteraction(persona_id="p", item_id="d", weight=-0.5, created_at=datetime(2024, 5, 2, 12, 0))])  # naive: UTC
    weighted = weighted_interactions(agent, "p", decay_rate=1.0, now=NOW)  # newest first
    fig = decay_figure([(f"Item {w.item_id.hex[:4]}", w) for w in weighted], decay_rate=1.0)
    by_name = {t.name: t for t in fig.data}
    liked, disliked = by_name["liked: after decay"], by_name["disliked: after decay"]
    # by hand: 0.5 ** (1.0 * age / 30)
    assert list(liked.x) == pytest.approx([0.0, 30.0]) and list(liked.y) == pytest.approx([1.0, 0.4])
    assert list(disliked.x) == pytest.approx([30.0, 60.0]) and list(disliked.y) == pytest.approx([-0.25, -0.25])
    assert list(by_name["liked: weight"].y) == [1.0, 0.8]
    assert len(liked.hovertext) == 2 and liked.marker.color != disliked.marker.color
    curve = by_name["decay factor"]
    assert curve.yaxis == "y2" and curve.y[0] == 1.0
    assert curve.y[-1] == pytest.approx(decay_factor(curve.x[-1], 1.0))
    slow = decay_figure([], decay_rate=0.1, half_life_days=3.0)
    assert slow.data[0].y[-1] == pytest.approx(decay_factor(slow.data[0].x[-1], 1.0))  # 0.1 / 3 days = 1.0 / 30


def test_decay_figure_rejects_bad_rate_and_handles_no_rows():
    with pytest.raises(InvalidInputError, match="decay_rate must be a number in"):
        decay_figure([], decay_rate=2.0)
    assert [t.name for t in decay_figure([], decay_rate=0.1).data] == ["decay factor"]


def test_pca_of_points_on_a_line_puts_all_variance_on_the_first_axis():
    direction = np.array([1.0, -2.0, 0.5, 3.0]) / np.linalg.norm([1.0, -2.0, 0.5, 3.0])
    t = np.array([-2.0, -1.0, 0.0, 0.5, 4.0])
    X = 7.0 + t[:, None] * direction
    coords, extra = project_2d(X)
    assert extra is None and coords.shape == (5, 2)
    assert np.allclose(coords[:, 1], 0.0)
    assert np.allclose(np.abs(coords[:, 0] - coords[:, 0].mean()), np.abs(t - t.mean()))
    # sign fixed: the largest |loading| (3.0, positive) keeps the line's direction
    assert np.allclose(coords[:, 0], t - t.mean())


def test_project_2d_extra_uses_the_catalog_components():
    X = np.random.default_rng(1).normal(size=(30, 6))
    coords, extra = project_2d(X, extra=np.vstack([X[4], X.mean(axis=0)]))
    assert np.allclose(extra[0], coords[4]) and np.allclose(extra[1], 0.0)
    again, _ = project_2d(X[::-1].copy())
    assert np.allclose(again[::-1], coords)  # deterministic: row order and SVD signs do not matter
    assert project_2d(np.ones((1, 3)))[0].shape == (1, 2)
    with pytest.raises(InvalidInputError):
        project_2d(X, extra=np.ones((1, 5)))


def test_embedding_map_one_trace_per_role_with_titles():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [3.0, 3.0], [1.5, 1.5]])
    titles = ["Cat 1", "Loved", "<i>Hated</i>", "Cat 2", "your profile"]
    roles = ["catalog", "liked", "disliked", "catalog", "profile"]
    fig = embedding_map_figure(points, titles, roles)
    by_name = {t.name: t for t in fig.data}
    assert [t.name for t in fig.data] == ["catalog", "liked", "disliked", "profile"]
    assert list(by_name["catalog"].hovertext) == ["Cat 1", "Cat 2"] and list(by_name["catalog"].x) == [0.0, 3.0]
    assert list(by_name["disliked"].hovertext) == ["<i>Hated</i>"]
    assert by_name["profile"].marker.symbol == "star" and by_name["profile"].marker.size > by_name["liked"].marker.size
    assert all(t.hovertemplate == "%{hovertext}" for t in fig.data)
    assert type(embedding_map_figure(points, titles, roles, webgl=True).data[0]).__name__ == "Scattergl"
    with pytest.raises(InvalidInputError):
        embedding_map_figure(points, titles[:2], roles)


def test_charts_module_is_pure():
    tree = ast.parse((Path(__file__).resolve().parent.parent / "lab" / "charts.py").read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "streamlit" not in imported
