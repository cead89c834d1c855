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
from core import TraceStep
from lab.charts import (ENTERED, FELL, LEFT, OUTSIDE, ROSE, SEARCHES, UNCHANGED, decay_figure, move_reason,
                        plotly_lines, plotly_text, rank_change_figure, rank_change_table)
from lab.map_chart import embedding_map_figure, fit_projection, project_2d
from lab.parts_chart import has_parts, parts_figure, parts_rows

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def _obj(n: int, title: str, original: int | None, rank: int, why: str | None = None) -> PersonalizedObject:
    return PersonalizedObject(uuid=UUID(int=n), original_rank=original, personalized_rank=rank,
                              properties={"title": title}, score=1.0 / rank, explanation=why)


@pytest.fixture
def responses():
    """Vector-only A B C D; the agent returns C (from 3), A (1), B (2), E (searches), F (its rank 7)."""
    vector = PersonalizationAgentGetObjectsResponse(objects=[
        _obj(1, "A", 1, 1), _obj(2, "B", 2, 2), _obj(3, "C", 3, 3), _obj(4, "<b>D</b> & co", 4, 4)])
    agent = PersonalizationAgentGetObjectsResponse(objects=[
        _obj(3, "C", 3, 1, "Close to what you liked (A).\nClosest to your like 'A' (similarity 0.90)."),
        _obj(1, "A", 1, 2, "Moved down to add variety."), _obj(2, "B", 2, 3), _obj(5, "E", None, 4, "LLM: new & <b>fun</b>"),
        _obj(6, "F", 7, 5)], ranker="local agent (no LLM)")
    return vector, agent


def test_rank_change_table_known_answer(responses):
    assert rank_change_table(*responses) == [
        {"title": "C", "vector_rank": 3, "agent_rank": 1, "change": 2, "category": ROSE,
         "why": "Close to what you liked (A)."},
        {"title": "A", "vector_rank": 1, "agent_rank": 2, "change": -1, "category": FELL,
         "why": "Moved down to add variety."},
        {"title": "B", "vector_rank": 2, "agent_rank": 3, "change": -1, "category": FELL, "why": ""},
        {"title": "E", "vector_rank": None, "agent_rank": 4, "change": None, "category": ENTERED,
         "why": "the LLM's reason: new & <b>fun</b>"},
        {"title": "F", "vector_rank": 7, "agent_rank": 5, "change": 2, "category": ROSE, "why": ""},
        {"title": "<b>D</b> & co", "vector_rank": 4, "agent_rank": None, "change": None, "category": LEFT,
         "why": "not in the top 5 after reranking"},
    ]


def test_move_reason_falls_back_to_the_rerank_trace():
    obj = _obj(1, "A", 2, 1)
    trace = [TraceStep(name="rerank", seconds=0.0, details={"details": {"items": {str(obj.uuid): {
        "like": 0.62, "dislike": -0.1, "popularity": 0.2, "property": 0.0, "relevance": 0.72}}}})]
    response = PersonalizationAgentGetObjectsResponse(objects=[obj], trace=trace)
    assert move_reason(response, obj) == "strongest signals: like +0.62, popularity +0.20, dislike -0.10"
    assert move_reason(PersonalizationAgentGetObjectsResponse(objects=[obj]), obj) == ""


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
    assert len(fig.data) == len(rows)
    for trace, row in zip(fig.data, rows):
        assert trace.name == trace.legendgroup == row["category"]
        assert list(trace.x) == [0, 1] and list(trace.customdata[0])[1:] == [row["vector_rank"], row["agent_rank"]]
        assert row["title"] not in trace.hovertemplate and trace.hovertemplate == "%{hovertext}<extra></extra>"
    # one legend entry per category; colour and symbol differ between categories
    assert sorted(t.name for t in fig.data if t.showlegend) == sorted({ROSE, FELL, ENTERED, LEFT})
    styles = {t.name: (t.line.color, t.marker.symbol) for t in fig.data}
    assert len({c for c, _ in styles.values()}) == len({s for _, s in styles.values()}) == len(styles)
    assert fig.layout.yaxis.autorange == "reversed"
    assert list(fig.layout.xaxis.ticktext) == ["vector-only", "agent"]


def test_in_list_ranks_get_a_row_each_and_outsiders_a_band_below(responses):
    fig = rank_change_figure(*responses)
    y = {t.customdata[0][0]: list(t.y) for t in fig.data}
    # the lists hold 4 and 5 items: ranks 1-5 are rows 1-5, evenly spaced, whatever the deepest rank (7)
    assert y["C"] == [3, 1] and y["A"] == [1, 2] and y["B"] == [2, 3]
    assert y["F"] == [7, 5]  # F came from rank 7, outside the list: the band below row 5
    assert y["E"] == [8.5, 4]  # E only the agent's searches found: the last row
    assert y["&lt;b&gt;D&lt;/b&gt; &amp; co"] == [4, 7]  # dropped by the agent: the band on its side
    ticks = dict(zip(fig.layout.yaxis.ticktext, fig.layout.yaxis.tickvals))
    assert [ticks[f"#{r}"] for r in range(1, 6)] == [1, 2, 3, 4, 5] and "#7" not in ticks
    assert ticks[OUTSIDE] == 7 and ticks[SEARCHES] == 8.5
    [band] = fig.layout.shapes  # shaded: rows 6-8; the searches' row lies below it
    assert (band.y0, band.y1) == (6, 8)


def test_outsiders_are_spread_over_the_band_in_rank_order():
    vector = PersonalizationAgentGetObjectsResponse(objects=[_obj(n, f"v{n}", n, n) for n in (1, 2, 3)])
    agent = PersonalizationAgentGetObjectsResponse(objects=[_obj(9, "deep", 9, 1), _obj(5, "mid", 5, 2),
                                                            _obj(1, "v1", 1, 3)])
    y = {t.customdata[0][0]: list(t.y) for t in rank_change_figure(vector, agent).data}
    assert y["mid"][0] == 4.5 and y["deep"][0] == 5.5  # the band spans rows L + 1.5 … L + 2.5, rank order
    assert y["v2"][1] == 4.5 and y["v3"][1] == 5.5  # dropped, in their vector-only order
    many = PersonalizationAgentGetObjectsResponse(objects=[_obj(n, f"v{n}", n, n) for n in range(1, 8)])
    one = PersonalizationAgentGetObjectsResponse(objects=[_obj(1, "v1", 1, 1)])
    dropped = sorted(t.y[1] for t in rank_change_figure(many, one).data if t.y[1] > 7)
    assert dropped == pytest.approx([8.5, 8.9, 9.3, 9.7, 10.1, 10.5])  # the band grows: 0.4 rows per extra end


def test_every_line_is_labelled_and_big_moves_are_thicker(responses):
    fig = rank_change_figure(*responses)
    labels = {t.customdata[0][0]: list(t.text) for t in fig.data}
    assert labels["C"] == ["C", "C"] and labels["F"] == ["", "F"] and labels["E"] == ["", "E"]
    assert labels["&lt;b&gt;D&lt;/b&gt; &amp; co"] == ["&lt;b&gt;D&lt;/b&gt; &amp; co", ""]
    assert all(any(t.text) for t in fig.data)
    width = {t.customdata[0][0]: t.line.width for t in fig.data}
    assert width["E"] == width["&lt;b&gt;D&lt;/b&gt; &amp; co"] > width["F"] == width["C"]  # 2 places: not big


def test_hover_says_the_move_and_the_rankers_reason_and_escapes_item_text(responses):
    fig = rank_change_figure(*responses, sides=("plain search", "personalized"))
    hover = {t.customdata[0][0]: t.hovertext[0] for t in fig.data}
    assert hover["C"] == "<b>C</b><br>plain search: #3 → personalized: #1<br>why: Close to what you liked (A)."
    assert hover["E"].endswith("why: the LLM's reason: new &amp; &lt;b&gt;fun&lt;/b&gt;")
    assert "<b>&lt;b&gt;D&lt;/b&gt; &amp; co</b>" in hover["&lt;b&gt;D&lt;/b&gt; &amp; co"]
    assert "not in the list" in hover["&lt;b&gt;D&lt;/b&gt; &amp; co"]
    assert list(fig.layout.xaxis.ticktext) == ["plain search", "personalized"]


def test_plotly_text_escapes_markup_and_keeps_text():
    hostile = '<a href="http://evil.example">click</a> <b>bold</b> <img src=x onerror=alert(1)> Tom & Jerry'
    text = plotly_text(hostile)
    assert "<" not in text and ">" not in text
    assert text == ('&lt;a href="http://evil.example"&gt;click&lt;/a&gt; &lt;b&gt;bold&lt;/b&gt; '
                    "&lt;img src=x onerror=alert(1)&gt; Tom &amp; Jerry")
    assert plotly_text("a\nb  <br>c") == "a b &lt;br&gt;c"  # a newline would become a line break
    assert plotly_text("&lt;already&gt;") == "&amp;lt;already&amp;gt;"  # entities stay literal
    assert plotly_text("x" * 50, 10) == "x" * 9 + "…"
    assert plotly_lines("<b>" + " word" * 30, 20).count("<br>") >= 5 and "<b>" not in plotly_lines("<b> x")


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
    assert list(liked.text) == [f"Item {w.item_id.hex[:4]}" for w in weighted if w.weight > 0]  # labelled points
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
    assert fit_projection(X).explained == pytest.approx(
        (np.linalg.svd(X - X.mean(axis=0), compute_uv=False)[:2] ** 2).sum() / ((X - X.mean(axis=0)) ** 2).sum())
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
    assert list(by_name["disliked"].hovertext) == ["&lt;i&gt;Hated&lt;/i&gt;"]
    assert list(by_name["disliked"].text) == ["&lt;i&gt;Hated&lt;/i&gt;"] and by_name["catalog"].text is None
    assert by_name["profile"].marker.symbol == "star" and by_name["profile"].marker.size > by_name["liked"].marker.size
    assert all(t.hovertemplate.startswith("%{hovertext}<extra>") for t in fig.data)
    linked = embedding_map_figure(points, titles, roles, links=[(1, 4)])
    assert linked.data[0].name == "closest like" and list(linked.data[0].x) == [1.0, 1.5, None]
    gl = embedding_map_figure(points, titles, roles, webgl=True).data
    assert type(gl[0]).__name__ == "Scattergl" and type(gl[1]).__name__ == "Scatter"  # labels need SVG
    with pytest.raises(InvalidInputError):
        embedding_map_figure(points, titles[:2], roles)


def _blended(n: int, title: str, content: float, behaviour: float, popularity: float, because: str | None):
    signals = {"content_part": content, "behaviour_part": behaviour, "popularity_boost": popularity}
    if because:
        signals["because_of"] = because
    return PersonalizedObject(uuid=UUID(int=n), original_rank=n, personalized_rank=n, properties={"title": title},
                              score=content + behaviour + popularity, signals=signals)


def test_score_parts_rows_and_stacked_bars_known_answer():
    response = PersonalizationAgentGetObjectsResponse(objects=[
        _blended(1, "A", 0.08, 0.27, 0.05, "<b>Pie</b>"), _blended(2, "<i>B</i>", -0.02, 0.0, 0.05, None)])
    rows = parts_rows(response)
    assert rows == [
        {"rank": 1, "title": "A", "content": 0.08, "behaviour": 0.27, "popularity": 0.05, "properties": 0.0,
         "score": pytest.approx(0.40), "because of": "<b>Pie</b>"},
        {"rank": 2, "title": "<i>B</i>", "content": -0.02, "behaviour": 0.0, "popularity": 0.05, "properties": 0.0,
         "score": pytest.approx(0.03), "because of": ""}]
    fig = parts_figure(rows)
    assert [t.name.split(" ")[0] for t in fig.data] == ["content", "behaviour", "popularity"]  # no properties part
    assert [list(t.x) for t in fig.data] == [[0.08, -0.02], [0.27, 0.0], [0.05, 0.05]]
    assert list(fig.data[0].y) == ["#1 A", "#2 &lt;i&gt;B&lt;/i&gt;"] and fig.layout.barmode == "relative"
    assert fig.data[1].customdata[0][2] == "<br>people who liked &lt;b&gt;Pie&lt;/b&gt; also liked this"
    assert fig.data[1].customdata[1][2] == "" and fig.data[0].customdata[0][2] == ""  # only where behaviour counts
    assert has_parts(response) and not has_parts(PersonalizationAgentGetObjectsResponse(objects=[_obj(1, "A", 1, 1)]))


@pytest.mark.parametrize("module", ["charts.py", "map_chart.py", "parts_chart.py"])
def test_chart_modules_are_pure(module):
    tree = ast.parse((Path(__file__).resolve().parent.parent / "lab" / module).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "streamlit" not in imported
