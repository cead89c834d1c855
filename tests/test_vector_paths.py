"""The vector stage's paths (issue 10, "Fix the defects"): decay that never empties a persona, knn
and dislikes independent of the absolute decay scale, a cold start that keeps the most-liked list,
``limit`` items whenever the catalog has them, and a rationale naming the path taken.

Known answers on the contract's six axis items (a..f); popularity is ``log1p(likes) / log1p(100)``.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import Persona, PersonaInteraction

from .store_contract import NOW
from .test_agent import like, titles, vector_only
from .test_profile import A, B, C, D, E, F, profile

YEARS_20 = 7300
POPULARITY = {2: math.log(3) / math.log(101), 1: math.log(2) / math.log(101), 3: math.log(4) / math.log(101)}


def fans(agent):
    """u1 likes c and f, u2 likes f: f is liked by 2, c by 1."""
    like(agent, "u1", ("c", 1.0), ("f", 1.0))
    like(agent, "u2", ("f", 1.0))


# 1. decayed weights: float64, relative to the newest, never "empty" because old ---------------------------------

def test_a_twenty_year_old_history_keeps_its_weights_relative_to_the_newest():
    p = profile((A, 1.0, YEARS_20), (C, 1.0, YEARS_20 + 30), (E, -0.5, YEARS_20 + 60), decay_rate=1.0)
    # 243 halvings: float32 had made every weight 0 and the persona empty
    assert not p.is_empty and p.decayed_away
    np.testing.assert_allclose(p.effective, [1.0, 0.5, -0.125], rtol=1e-12)
    assert p.effective.dtype == np.float64 and p.newest.age_days == pytest.approx(YEARS_20)
    assert p.newest.decay == pytest.approx(0.5 ** (YEARS_20 / 30), rel=1e-9)


def test_a_fresh_history_is_weighed_exactly_by_the_decay_formula():
    p = profile((A, 0.8, 0), (C, 1.0, 60), decay_rate=1.0)
    np.testing.assert_allclose(p.effective, [0.8, 0.25])
    assert not p.decayed_away


def test_the_newest_decay_below_ten_half_lives_is_decayed_away():
    assert not profile((A, 1.0, 299), decay_rate=1.0).decayed_away   # 9.97 half-lives
    assert profile((A, 1.0, 301), decay_rate=1.0).decayed_away
    assert not profile((A, 1.0, 301), decay_rate=0.0).decayed_away


def test_a_history_that_decayed_away_ranks_as_it_would_fresh_and_says_so(agent):
    for fan in ("u1", "u2", "u3"):
        like(agent, fan, ("f", 1.0))
    like(agent, "old", ("a", 1.0), at=NOW - timedelta(days=YEARS_20 + 30))
    like(agent, "old", ("c", 1.0), at=NOW - timedelta(days=YEARS_20))
    like(agent, "fresh", ("a", 1.0), at=NOW - timedelta(days=30))
    like(agent, "fresh", ("c", 1.0), at=NOW)
    for strategy in ("centroid", "knn", "multi_interest"):
        old = vector_only(agent, "old", strategy=strategy, decay_rate=1.0, limit=4)
        fresh = vector_only(agent, "fresh", strategy=strategy, decay_rate=1.0, limit=4)
        assert titles(old) == titles(fresh) and len(old.objects) == 4, strategy
        np.testing.assert_allclose([o.score for o in old.objects], [o.score for o in fresh.objects], rtol=1e-6)
        step = old.trace[1].details
        assert step["decayed_away"] and step["newest_age_days"] == YEARS_20
        assert sorted(step["weights_used"].values()) == [0.5, 1.0]
        words, numbers = old.ranking_rationale.splitlines()
        assert "all old" in words and "cold start" not in old.ranking_rationale.lower()
        assert f"'{strategy}' strategy" in numbers and (strategy == "centroid") == ("centroid" in numbers)
        assert (f"All 2 interactions decayed away at decay_rate 1: the newest is 7,300 days old (decay "
                f"{0.5 ** (YEARS_20 / 30):.2g}), so they are weighed relative to the newest.") in numbers
    knn = vector_only(agent, "old", strategy="knn", decay_rate=1.0, limit=1).objects[0]
    assert knn.properties["original_id"] == "d" and knn.signals["like_similarity"] == pytest.approx(0.9 / 0.90554, 1e-4)


def test_a_like_decayed_below_float32s_range_still_searches(agent):
    like(agent, "alice", ("a", 1.0), at=NOW - timedelta(days=6000))   # 2 ** -200 of the newest
    like(agent, "alice", ("c", 1.0), at=NOW)
    got = vector_only(agent, strategy="knn", decay_rate=1.0, limit=4)
    assert titles(got)[0] == "d" and len(got.objects) == 4


# 2. knn, multi_interest and dislikes do not depend on the absolute decay scale ---------------------------------

def test_knn_weighs_likes_relative_to_the_newest():
    scores, signals = profile_scores("knn", (A, 1.0, 60), (C, 1.0, 90))
    # relative weights 1 and 0.5 (absolute 0.25 and 0.125 had scaled every like score down 4x)
    np.testing.assert_allclose(signals["like_similarity"], [0.9 / 0.90554, 0.5 * 0.9 / 0.90554, 0], atol=1e-5)


@pytest.mark.parametrize("strategy", ["centroid", "knn", "multi_interest"])
def test_shifting_a_history_in_time_changes_no_score(strategy):
    rows = [(A, 1.0, 0), (C, 0.6, 20), (E, -1.0, 45)]
    base = profile_scores(strategy, *rows)
    shifted = profile_scores(strategy, *[(v, w, age + 3650) for v, w, age in rows])
    np.testing.assert_allclose(shifted[0], base[0], atol=1e-6)
    np.testing.assert_allclose(shifted[1]["dislike_penalty"], base[1]["dislike_penalty"], atol=1e-6)
    assert base[1]["dislike_penalty"][2] > 0   # e itself is held back by the dislike


def test_an_old_knn_history_is_not_swamped_by_popularity(agent):
    for fan in ("u1", "u2", "u3"):
        like(agent, fan, ("f", 1.0))
    like(agent, "alice", ("a", 1.0), at=NOW - timedelta(days=300))
    # b: 0.994 (the like's own neighbour, weight 1 relative to the newest); f: 0.5 * log 4 / log 101 = 0.150
    got = vector_only(agent, strategy="knn", decay_rate=1.0, limit=2)
    assert titles(got) == ["b", "f"]
    assert got.objects[1].signals["popularity_boost"] == pytest.approx(0.5 * POPULARITY[3], 1e-5)


def profile_scores(strategy, *rows):
    from core.retrieval.strategies import build_scorer
    return build_scorer(strategy, profile(*rows, decay_rate=1.0)).score(np.array([B, D, E]))


# 3. cold start with persona properties: the most-liked list, re-ordered by the terms ---------------------------

def test_a_properties_only_persona_gets_the_most_liked_list_lifted_by_its_terms(agent):
    fans(agent)
    like(agent, "u3", ("d", 1.0))
    agent.add_persona(Persona(persona_id="carol", properties={"favorite_genres": ["Horror"]}))
    got = vector_only(agent, "carol")
    # cold_start_popularity_weight 2: f 2 * log 3 / log 101 = 0.476, c and d 2 * log 2 / log 101 = 0.300;
    # d, a horror film, also gets BM25 0.1 + property 0.1: 0.500, just above the more liked f
    assert titles(got) == ["d", "f", "c", "a", "b", "e"]
    np.testing.assert_allclose([o.score for o in got.objects[:3]],
                               [2 * POPULARITY[1] + 0.2, 2 * POPULARITY[2], 2 * POPULARITY[1]], atol=1e-6)
    assert [o.signals["source"] for o in got.objects] == ["most liked"] * 3 + ["catalog order"] * 3
    assert "text search" in got.objects[0].explanation and "(+0.10)" in got.objects[0].explanation
    assert "Liked by 2 persona" in got.objects[1].explanation


def test_a_term_match_nobody_liked_stays_below_the_most_liked(agent):
    fans(agent)
    agent.add_persona(Persona(persona_id="carol", properties={"favorite_genres": ["Horror"]}))
    got = vector_only(agent, "carol")
    assert titles(got) == ["f", "c", "d", "a", "b", "e"]   # d: 0.2 < c: 0.300
    assert got.objects[2].signals["source"] == "bm25 over persona terms"


def test_a_cold_start_does_not_use_the_popularity_prior_weight(agent):
    fans(agent)
    agent.add_persona(Persona(persona_id="carol", properties={"favorite_genres": ["Horror"]}))
    assert titles(vector_only(agent, "carol", popularity_weight=0)) == ["f", "c", "d", "a", "b", "e"]


# 4. limit items whenever the catalog has them ------------------------------------------------------------------

def test_a_filtered_cold_start_fills_up_in_catalog_order(agent):
    fans(agent)
    agent.add_persona(Persona(persona_id="newbie", properties={}))
    got = vector_only(agent, "newbie", limit=4, filters=Filter.by_property("year").greater_or_equal(2000),
                      exclude_items=["f"])
    assert titles(got) == ["c", "d", "e"]   # c liked; d, e topped up; a, b filtered out; f excluded
    assert got.trace[3].details["topped_up"] == 2 and got.trace[-1].details["sources"] == {
        "most liked": 1, "catalog order": 2}


def test_weight_zero_interactions_are_a_cold_start_with_a_full_list(agent):
    fans(agent)
    like(agent, "alice", ("a", 0.0), ("e", 0.0))
    got = vector_only(agent, limit=4)
    assert titles(got) == ["f", "c", "b", "d"]
    assert "your interactions all have weight 0" in got.ranking_rationale
    assert "the persona's 2 interactions all have weight 0" in got.ranking_rationale


def test_dislikes_only_fill_the_list_and_name_the_strategy(agent):
    like(agent, "alice", ("a", -1.0))
    got = vector_only(agent, strategy="knn", limit=6)
    assert len(got.objects) == 5 and titles(got)[-1] == "b"   # a excluded; b most like the dislike
    words, numbers = got.ranking_rationale.splitlines()
    assert words.startswith("Ranked by how far each item is from what you disliked")
    assert "'knn' strategy, away from the dislikes," in numbers and "centroid" not in numbers


# 5. the rationale names the path ------------------------------------------------------------------------------

def test_the_cold_start_rationale_names_each_source(agent):
    fans(agent)
    agent.add_persona(Persona(persona_id="carol", properties={"favorite_genres": ["Horror"]}))
    words, numbers = vector_only(agent, "carol").ranking_rationale.splitlines()
    assert words == ("A cold start: you have no likes or dislikes yet; these are the items other users liked most; "
                     "re-ordered by your profile (horror); 3 more fill the list in catalog order.")
    assert numbers == ("Cold start (no interactions): 2 from the most liked by other personas "
                       "(cold_start_popularity_weight 2 × popularity; ties by like count); BM25 over the persona "
                       "terms 'horror' (1 hit, +0.1 × bm25 / best; 1 returned only through it) and the "
                       "persona-property boost (property_weight 0.1 × share "
                       "of terms matched); 3 topped up in catalog order.")


def test_the_strategy_rationale_names_the_strategy_used(agent):
    like(agent, "alice", ("a", 1.0), ("e", -0.5))
    for strategy in ("centroid", "knn", "multi_interest"):
        numbers = vector_only(agent, strategy=strategy).ranking_rationale.splitlines()[1]
        assert numbers.startswith(f"Vector-only ranking with the '{strategy}' strategy from the persona's 2 most "
                                  "recent interactions (1 likes, 1 dislikes), decay_rate 0.1")
        assert "decayed away" not in numbers


def test_nothing_left_after_the_filters_says_so(agent):
    like(agent, "alice", ("a", 1.0))
    got = vector_only(agent, filters=Filter.by_property("year").greater_or_equal(3000))
    assert got.objects == [] and got.ranking_rationale.startswith("Nothing in the catalog passes")


def test_every_interaction_old_or_new_counts_in_the_trace(agent):
    agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="a", weight=1.0,
                                               created_at=NOW - timedelta(days=YEARS_20))])
    step = vector_only(agent, decay_rate=1.0).trace[1].details
    assert step["effective_weights"] == {str(next(iter(step["effective_weights"]))): 0.0}
    assert list(step["weights_used"].values()) == [1.0] and step["likes"] == 1
