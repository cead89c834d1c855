"""The Evaluate page's pure parts: settings crossed into configurations, sweep values, the checks
before a run, the user sample, and the figures' intervals (known answers, no Streamlit run)."""

from __future__ import annotations

import math

import pytest

from core import EngineConfig, InvalidInputError, Split
from lab.eval_charts import BETTER, UNSURE, WORSE, ab_figure, runs_figure, sweep_figure
from lab.eval_plan import MAX_CONFIGS, Plan, Protocol, Sweep, engine_configs, parse_values, problems, sample_users


def plan(**fields) -> Plan:
    return Plan("test log", lambda: None, **fields)


def test_engine_configs_are_every_combination_of_the_chosen_values():
    configs = engine_configs(["centroid", "knn"], [0.0, 0.5], [None], [True, False], [False], recent=20)
    assert len(configs) == 8
    assert configs[0] == EngineConfig(strategy="centroid", decay_rate=0.0, recent_interactions_count=20)
    assert configs[1].property_weight == 0.0  # persona properties off
    assert {c.strategy for c in configs[4:]} == {"knn"}
    assert engine_configs([], [0.1], [None], [True], [False]) == []
    blends = engine_configs(["auto", "knn"], [0.1], [None], [True], [False], content=[None, 0.4], behaviour=[0.0, 1.0])
    assert [(c.strategy, c.content_weight, c.behaviour_weight) for c in blends] == [
        ("auto", None, 0.0), ("auto", None, 1.0), ("auto", 0.4, 0.0), ("auto", 0.4, 1.0), ("knn", None, None)]
    assert blends[2].label == "auto · decay 0.1 · recent 100 · content 0.4 · behaviour 0"


def test_sweep_values_are_parsed_and_bad_ones_named():
    assert parse_values("decay_rate", "0, 0.1; 0.5,") == (0.0, 0.1, 0.5)
    assert parse_values("recent_interactions_count", "10, 20, 10") == (10, 20)
    with pytest.raises(InvalidInputError, match="'ten' is not an integer"):
        parse_values("recent_interactions_count", "5, ten")
    with pytest.raises(InvalidInputError, match="at least two different values"):
        parse_values("decay_rate", "0.1, 0.1")
    with pytest.raises(InvalidInputError, match="must be a finite number >= 0"):
        parse_values("popularity_weight", "-1, 2")
    assert parse_values("behaviour_query", "graded, binary") == ("graded", "binary")
    assert parse_values("ramp", "0, 3") == (0.0, 3.0)
    with pytest.raises(InvalidInputError, match="'fuzzy' is not a kind of behaviour query; the kinds: graded, binary"):
        parse_values("behaviour_query", "graded, fuzzy")
    with pytest.raises(InvalidInputError, match="cannot sweep 'limit'"):
        parse_values("limit", "1, 2")


def test_problems_name_what_keeps_a_plan_from_running():
    assert problems(plan(baselines=("random",))) == []
    assert problems(plan()) == ["Choose at least one engine configuration, baseline or sweep."]
    many = tuple(EngineConfig(decay_rate=n / 100) for n in range(MAX_CONFIGS + 1))
    assert "25 engine configurations were chosen" in problems(plan(configs=many))[0]
    untimed = plan(baselines=("random",), timed=False)
    assert "no timestamps, so a temporal split" in problems(untimed)[0]
    assert problems(plan(baselines=("random",), timed=False, protocol=Protocol("random"))) == []
    sweep = Sweep("decay_rate", (0.0, 1.0))
    assert "set a validation fraction above 0" in problems(plan(sweep=sweep))[0]
    assert "set validation interactions per user above 0" in problems(plan(sweep=sweep,
                                                                           protocol=Protocol("leave_last_k")))[0]
    assert problems(plan(sweep=sweep, protocol=Protocol(validation_fraction=0.2))) == []
    assert problems(plan(baselines=("random",), errors=("Sweep: bad",))) == ["Sweep: bad"]
    weight = Sweep("content_weight", (0.0, 0.4))
    validated = Protocol(validation_fraction=0.2)
    assert problems(plan(sweep=weight, protocol=validated)) == []  # no configuration: the base is auto
    [found] = problems(plan(sweep=weight, protocol=validated, configs=(EngineConfig(strategy="knn"),)))
    assert "content_weight is a weight of the blend" in found and "uses knn" in found


def test_the_user_sample_is_seeded_and_keeps_only_users_with_something_to_find():
    split = Split({}, train={f"u{n}": ["row"] for n in range(10)} | {"new": []},
                  test={f"u{n}": frozenset({"x"}) if n != 3 else frozenset() for n in range(10)}
                  | {"new": frozenset("y")})
    everyone = sample_users(split, None, seed=0)
    assert everyone == sorted(f"u{n}" for n in range(10) if n != 3)  # u3 has nothing relevant, "new" no history
    assert sample_users(split, 4, seed=1) == sample_users(split, 4, seed=1)
    assert len(sample_users(split, 4, seed=1)) == 4 and set(sample_users(split, 4, seed=1)) <= set(everyone)
    assert sample_users(split, 50, seed=1) == everyone


def test_runs_figure_draws_each_interval_around_its_mean():
    rows = [{"name": "centroid", "kind": "engine", "mean": 0.3, "low": 0.2, "high": 0.45, "users": 9},
            {"name": "<b>pop</b>", "kind": "baseline", "mean": 0.1, "low": math.nan, "high": math.nan, "users": 0}]
    fig = runs_figure(rows, "NDCG@10")
    engine, baseline = fig.data
    assert engine.error_x.array == pytest.approx((0.15,)) and engine.error_x.arrayminus == pytest.approx((0.1,))
    assert baseline.y == ("&lt;b&gt;pop&lt;/b&gt;",) and baseline.error_x.array == (0.0,)  # no interval: none drawn
    assert list(fig.layout.yaxis.categoryarray) == ["&lt;b&gt;pop&lt;/b&gt;", "centroid"]  # first run on top


def test_sweep_figure_marks_the_chosen_value_and_its_test_estimate():
    points = [{"value": 0.0, "mean": 0.2, "low": 0.1, "high": 0.3},
              {"value": 0.5, "mean": 0.4, "low": 0.3, "high": 0.5}]
    fig = sweep_figure(points, parameter="decay_rate", metric="NDCG@10", chosen=0.5,
                       test={"mean": 0.35, "low": 0.3, "high": 0.42})
    curve, chosen, test = fig.data
    assert curve.x == (0.0, 0.5) and chosen.x == (0.5,) and chosen.y == (0.4,) and test.y == (0.35,)
    assert test.error_y.array == pytest.approx((0.07,)) and fig.layout.xaxis.type == "linear"


def test_ab_figure_colours_a_difference_by_where_its_interval_lies():
    rows = [{"name": "NDCG", "mean": 0.1, "low": 0.05, "high": 0.15},
            {"name": "Recall", "mean": -0.1, "low": -0.2, "high": -0.01},
            {"name": "MRR", "mean": 0.0, "low": -0.1, "high": 0.1}]
    fig = ab_figure(rows, a="random", b="centroid")
    assert list(fig.data[0].marker.color) == [BETTER, WORSE, UNSURE]
    assert "B = centroid" in fig.layout.title.text and "A = random" in fig.layout.title.text
