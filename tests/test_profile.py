"""Decay and strategy scores against values computed by hand."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from core import InvalidInputError, Persona, to_uuid
from core.retrieval.strategies import STRATEGIES
from core.retrieval.profile import Profile, decay_factor, weigh
from core.store.base import StoredInteraction
from core.retrieval.strategies import StrategyConfig, build_scorer
from core.retrieval.strategies.multi_interest import weighted_kmeans

from .store_contract import NOW, VECTORS

UNIT = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
A, B, C, D, E, F = UNIT


@pytest.mark.parametrize("age, rate, expected", [
    (0, 1.0, 1.0), (30, 1.0, 0.5), (60, 1.0, 0.25), (300, 0.1, 0.5), (30, 0.0, 1.0), (-5, 1.0, 1.0),
    (15, 0.5, 0.5 ** 0.25),
])
def test_decay_factor_known_values(age, rate, expected):
    assert decay_factor(age, rate) == pytest.approx(expected)


def test_decay_half_life_is_configurable():
    assert decay_factor(7, 1.0, half_life_days=7) == pytest.approx(0.5)


def test_weigh_uses_explicit_now_and_weight():
    rows = [StoredInteraction(to_uuid("p"), to_uuid("a"), -0.8, NOW - timedelta(days=60))]
    (w,) = weigh(rows, NOW, 1.0)
    assert w.age_days == pytest.approx(60) and w.decay == pytest.approx(0.25)
    assert w.effective_weight == pytest.approx(-0.2)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.5", True, None])
def test_decay_rate_out_of_range_is_rejected(rate):
    with pytest.raises(InvalidInputError, match="decay_rate"):
        weigh([], NOW, rate)


def profile(*rows: tuple[np.ndarray, float, float], decay_rate: float = 0.0) -> Profile:
    """rows: (vector, weight, age in days)."""
    stored = [StoredInteraction(to_uuid("p"), to_uuid(f"i{n}"), w, NOW - timedelta(days=age))
              for n, (_, w, age) in enumerate(rows)]
    return Profile(Persona(persona_id="p"), weigh(stored, NOW, decay_rate), np.array([r[0] for r in rows]), NOW,
                   decay_rate)


def test_centroid_rocchio_with_dislike():
    scorer = build_scorer("centroid", profile((A, 1.0, 0), (E, -1.0, 0)))
    np.testing.assert_allclose(scorer.queries[0], A - 0.5 * E, atol=1e-6)
    scores, signals = scorer.score(np.array([B, C, D, F]))
    # b = (.9, .1, 0, 0)/|b|: 0.9/0.9055; d = (0, .9, .1, 0)/|d|: -0.5 * 0.1/0.9055
    np.testing.assert_allclose(scores, [0.9 / 0.90554, 0, -0.05 / 0.90554, 0], atol=1e-4)
    np.testing.assert_allclose(signals["dislike_penalty"], [0, 0, 0.05 / 0.90554, 0], atol=1e-4)


def test_dislike_pushes_similar_items_down_in_every_strategy():
    for strategy in STRATEGIES:
        liked_only = build_scorer(strategy, profile((A, 1.0, 0))).score(np.array([D, F]))[0]
        with_dislike = build_scorer(strategy, profile((A, 1.0, 0), (C, -1.0, 0))).score(np.array([D, F]))[0]
        assert with_dislike[0] < liked_only[0], strategy      # d resembles the disliked c
        assert with_dislike[1] == pytest.approx(liked_only[1]), strategy  # f does not


def test_knn_is_max_weighted_similarity():
    scores, _ = build_scorer("knn", profile((A, 1.0, 0), (C, 0.5, 0))).score(np.array([B, D, E]))
    np.testing.assert_allclose(scores, [0.9 / 0.90554, 0.5 * 0.9 / 0.90554, 0], atol=1e-4)


def test_multi_interest_keeps_each_interest():
    p = profile((A, 1.0, 0), (C, 0.5, 0))
    config = StrategyConfig(items_per_interest=1)
    scorer = build_scorer("multi_interest", p, config)
    assert len(scorer.queries) == 2
    scores, _ = scorer.score(np.array([B, D]))
    np.testing.assert_allclose(scores, [0.9 / 0.90554, 0.9 / 0.90554], atol=1e-4)
    # the centroid blends the two interests instead, so d (near the weaker like) loses
    centroid = build_scorer("centroid", p).score(np.array([B, D]))[0]
    assert centroid[1] < centroid[0]


def test_decay_changes_the_order():
    old_a_fresh_c = [(A, 1.0, 60), (C, 1.0, 0)]
    flat = build_scorer("centroid", profile(*old_a_fresh_c, decay_rate=0.0)).score(np.array([B, D]))[0]
    strong = build_scorer("centroid", profile(*old_a_fresh_c, decay_rate=1.0)).score(np.array([B, D]))[0]
    # no decay: (a + c)/2 -> b 0.552, d 0.497; decay 1: (0.25a + c)/1.25 -> b 0.287, d 0.795
    np.testing.assert_allclose(flat, [0.5 / 0.90554, 0.45 / 0.90554], atol=1e-4)
    np.testing.assert_allclose(strong, [0.325 / 1.25 / 0.90554, 0.9 / 1.25 / 0.90554], atol=1e-4)


def test_weighted_kmeans_is_deterministic_and_separates_clusters():
    X = np.array([A, B, C, D])
    labels, centroids = weighted_kmeans(X, np.ones(4), 2, 10)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    again, _ = weighted_kmeans(X, np.ones(4), 2, 10)
    assert (labels == again).all()
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1, atol=1e-6)


def test_unknown_strategy_names_the_choices():
    with pytest.raises(InvalidInputError, match="centroid"):
        build_scorer("magic", profile((A, 1.0, 0)))
