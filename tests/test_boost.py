"""Weaviate's Boost on the engine (core/retrieval/boost.py): hand-computed scores for every condition and curve,
the checks that name the bad field, and the client-side path of a personalized search on the embedded store."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from weaviate.classes.query import Boost, Filter

from core import CollectionSpec, EmbeddedStore, InvalidInputError, Item, NotAvailableError, PersonaInteraction
from core import PersonalizationAgent
from core.retrieval.boost import duration, plan_boost, rescore

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
PROPS = {"pop", "price", "released", "kind", "title"}
Curve, Modifier = Boost.Curve, Boost.Modifier


def boosted(boost, rows, primary=(3.0, 2.0, 1.0)):
    """The final scores of candidates ``rows`` (primary scores ``primary``), filters evaluated on the rows."""
    from core.store.embedded.filter_eval import FilterEvaluator
    evaluator = FilterEvaluator(list(range(len(rows))), [{n: None for n in PROPS} | r for r in rows])
    plan = plan_boost(boost, PROPS, NOW)
    return rescore(plan, np.array(primary[:len(rows)], dtype=float), rows, evaluator.mask)


def day(n: float) -> str:
    return (NOW - timedelta(days=n)).isoformat()


def test_numeric_property_blends_half_and_half_by_default():
    # primary [3,2,1] -> [1, .5, 0]; pop [0, 10, missing] -> [0, 1, 0]; .5/.5 -> [.5, .75, 0] -> renormalized
    got = boosted(Boost.numeric_property("pop"), [{"pop": 0}, {"pop": 10}, {}])
    np.testing.assert_allclose(got, [2 / 3, 1, 0])


def test_modifiers():
    # sqrt [4, 16, 1] -> [2, 4, 1] -> [1/3, 1, 0]; weight .6: .4 * [1, .5, 0] + .6 * that = [.6, .8, 0]
    got = boosted(Boost.numeric_property("pop", modifier=Modifier.SQRT, weight=0.6), [{"pop": v} for v in (4, 16, 1)])
    np.testing.assert_allclose(got, [0.75, 1, 0])
    # log1p [0, e-1, e^3-1, -5 (counts as 0)] -> [0, 1, 3, 0] -> [0, 1/3, 1, 0]; weight 1: the boost alone
    rows = [{"pop": v} for v in (0, math.e - 1, math.e ** 3 - 1, -5)]
    got = boosted(Boost.numeric_property("pop", modifier=Modifier.LOG1P, weight=1), rows, (4, 3, 2, 1))
    np.testing.assert_allclose(got, [0, 1 / 3, 1, 0])


@pytest.mark.parametrize("curve, values, offset, expected", [
    (Curve.EXPONENTIAL, (50, 60, 70, None), None, [1, 1 / 3, 0, 0]),       # [1, .5, .25, -] scaled
    (None, (50, 60, 70, None), None, [1, 1 / 3, 0, 0]),                     # exp is the default
    (Curve.GAUSSIAN, (50, 60, 70, 40), None, [1, 0.4375 / 0.9375, 0, 0.4375 / 0.9375]),  # [1, .5, .5^4, .5]
    (Curve.LINEAR, (50, 60, 70, 75), None, [1, 0.5, 0, 0]),                 # 1 - .5 d/10, clipped at 0
    (Curve.LINEAR, (52, 60, 70, 45), 5.0, [1, 2 / 3, 0, 1]),                # d = |x - 50| - 5 -> [1, .75, .25, 1]
])
def test_numeric_decay_curves(curve, values, offset, expected):
    boost = Boost.numeric_decay("price", origin=50, scale=10, offset=offset, curve=curve, weight=1)
    got = boosted(boost, [{"price": v} for v in values], (4, 3, 2, 1))
    np.testing.assert_allclose(got, expected)


def test_decay_value_sets_the_score_at_scale():
    # decay .2 at scale 10: exp [1, .2, .04] -> (x - .04) / .96
    got = boosted(Boost.numeric_decay("price", origin=0, scale=10, decay=0.2, weight=1), [{"price": v} for v in
                                                                                          (0, -10, 20)])
    np.testing.assert_allclose(got, [1, 0.16 / 0.96, 0])


def test_time_decay_from_now_with_durations():
    rows = [{"released": day(0)}, {"released": day(1)}, {"released": day(2)}, {"released": "not a date"}]
    got = boosted(Boost.time_decay("released", scale="1d", weight=1), rows, (4, 3, 2, 1))
    np.testing.assert_allclose(got, [1, 1 / 3, 0, 0])  # [1, .5, .25, missing]
    # gauss, 12h offset, scale 24h: 36h old -> d = 24h -> .5; 60h old -> d = 48h -> .5^4; 6h old -> 1
    rows = [{"released": (NOW - timedelta(hours=h)).isoformat()} for h in (6, 36, 60)]
    got = boosted(Boost.time_decay("released", scale=timedelta(hours=24), offset="12h", curve=Curve.GAUSSIAN,
                                   weight=1), rows)
    np.testing.assert_allclose(got, [1, 0.4375 / 0.9375, 0])
    # an RFC 3339 origin: linear from 2024-05-01, scale 10 days
    origin = datetime(2024, 5, 1, tzinfo=timezone.utc)
    rows = [{"released": (origin + timedelta(days=d)).isoformat()} for d in (0, 5, 30)]
    got = boosted(Boost.time_decay("released", origin=origin, scale="10d", curve=Curve.LINEAR, weight=1), rows)
    np.testing.assert_allclose(got, [1, 0.75 / 1, 0])  # [1, .75, 0]


def test_a_filter_condition_is_one_or_zero_and_ties_keep_the_primary_order():
    # primary [1, .5, 0] + filter [0, 0, 1] at .5 -> [.5, .25, .5] -> [1, 0, 1]
    got = boosted(Boost.filter(Filter.by_property("kind").equal("new")), [{"kind": "old"}, {"kind": "old"},
                                                                          {"kind": "new"}])
    np.testing.assert_allclose(got, [1, 0, 1])


def test_blend_weights_per_condition_may_demote():
    # pop [0, 5, 10] -> [0, .5, 1] x 2; filter [0, 0, 1] x -1 -> [0, 1, 1] (already [0, 1]);
    # .5 [1, .5, 0] + .5 [0, 1, 1] = [.5, .75, .5] -> [0, 1, 0]
    boost = Boost.blend([Boost.numeric_property("pop", weight=2.0),
                         Boost.filter(Filter.by_property("kind").equal("ad"), weight=-1.0)])
    got = boosted(boost, [{"pop": 0, "kind": "x"}, {"pop": 5, "kind": "x"}, {"pop": 10, "kind": "ad"}])
    np.testing.assert_allclose(got, [0, 1, 0])


def test_weight_zero_keeps_the_primary_scores():
    np.testing.assert_allclose(boosted(Boost.numeric_property("pop", weight=0), [{"pop": 9}, {"pop": 1}, {}]),
                               [1, 0.5, 0])


def test_durations():
    assert [duration(t, "d") for t in ("90s", "30m", "24h", "7d", "1h30m", "1.5s", "250ms")] == \
        [90, 1800, 86400, 604800, 5400, 1.5, 0.25]


@pytest.mark.parametrize("boost, message", [
    (Boost.numeric_property("pop", weight=1.5), r"boost.weight must be in \[0, 1\], got 1.5"),
    (Boost.numeric_property("pop", depth=0), "boost.depth must be an integer >= 1"),
    (Boost.blend([Boost.numeric_property("pop")] * 21), "1 to 20 conditions, got 21"),
    (Boost.numeric_property("popularity"), r"conditions\[0\].property_value.property 'popularity' is not a property"),
    (Boost.time_decay("released", scale="7 days"), r"conditions\[0\].time_decay.scale must be a duration"),
    (Boost.time_decay("released", scale="7d", origin="yesterday"), r"time_decay.origin must be 'now' or an RFC 3339"),
    (Boost.numeric_decay("price", origin=0, scale=1, decay=0), r"numeric_decay.decay must be in \(0, 1\], got 0"),
    (Boost.numeric_decay("price", origin=0, scale=1, decay=1.5), r"decay must be in \(0, 1\]"),
    (Boost.numeric_decay("price", origin=0, scale=0), "scale must be > 0"),
    (Boost.filter(Filter.by_property("title").like("a*")), "operator 'like' is not allowed in a boost"),
    (Boost.filter(Filter.by_property("nope").equal(1)), r"filter: 'nope' is not a property"),
    (Boost.blend([Boost.numeric_property("pop", weight=float("nan"))]), r"conditions\[0\].weight must be a finite"),
    ("pop", "boost must be a weaviate.classes.query.Boost"),
])
def test_bad_boosts_name_the_field(boost, message):
    with pytest.raises(InvalidInputError, match=message):
        plan_boost(boost, PROPS, NOW)


# the client-side path of a personalized search ------------------------------------------------------------------
@pytest.fixture
def shop():
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Shop", 2, text_fields=("title",)))
    rows = [("a", 1, 0), ("b", 50, 3), ("c", 5, 1), ("d", 500, 30), ("e", 20, 2), ("f", 2, None)]
    store.add_items("Shop", [Item(uuid=n, properties={"title": "lamp " + "lamp " * (5 - i), "pop": p,
                                                      "released": None if age is None else day(age)})
                             for i, (n, p, age) in enumerate(rows)],
                    np.array([[1, 0.1 * i] for i in range(6)], dtype=np.float32))
    agent = PersonalizationAgent.create(store, "Shop")
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id="f", weight=1.0, created_at=NOW)])
    yield agent
    store.close()


def titles(response):
    return [o.uuid for o in response.objects]


def test_the_engine_boosts_bm25_before_the_persona_mix(shop):
    plain = shop.query("p", strength=0.0, now=NOW).bm25("lamp", limit=6)
    boost = Boost.numeric_property("pop", modifier=Modifier.LOG1P, weight=0.8)
    got = shop.query("p", strength=0.0, now=NOW).bm25("lamp", limit=6, boost=boost)
    store, ids = shop.store, titles(plain)
    primary = np.array([o.metadata.search_score for o in plain.objects])
    pops = [store.get_items("Shop", [u])[u].properties["pop"] for u in ids]
    logs = np.log1p(pops)
    expected = 0.2 * primary + 0.8 * (logs - logs.min()) / (logs.max() - logs.min())
    expected = (expected - expected.min()) / (expected.max() - expected.min())
    assert titles(got) == [ids[i] for i in np.argsort(-expected, kind="stable")]
    np.testing.assert_allclose(sorted((o.metadata.search_score for o in got.objects), reverse=True),
                               sorted(expected, reverse=True))
    (search,) = [s for s in got.trace if s.name == "search"]
    assert search.details["boosted_by"] == "engine" and search.details["boost"] == ["value of pop (log1p)"]
    assert "rescored by the request's boost on the engine" in got.objects[0].metadata.explain_score
    mixed = shop.query("p", strength=0.5, now=NOW).bm25("lamp", limit=6, boost=boost)
    for o in mixed.objects:  # the persona mixes with the boosted search score
        assert o.metadata.score == pytest.approx(0.5 * o.metadata.search_score + 0.5 * o.metadata.persona_score)


def test_depth_widens_the_candidates_beyond_the_overfetch(shop):
    top = shop.query("p", strength=0.0, overfetch_factor=1, now=NOW).bm25("lamp", limit=1)
    boost = Boost.numeric_property("pop", weight=1, depth=6)
    got = shop.query("p", strength=0.0, overfetch_factor=1, now=NOW).bm25("lamp", limit=1, boost=boost)
    assert got.objects[0].properties["pop"] == 500  # d, fifth by BM25, pulled in by depth 6
    shallow = shop.query("p", strength=0.0, overfetch_factor=1, now=NOW).bm25(
        "lamp", limit=1, boost=Boost.numeric_property("pop", weight=1, depth=1))
    assert titles(shallow) == titles(top)


def test_hybrid_boosts_on_the_engine_by_recency(shop):
    boost = Boost.time_decay("released", scale="2d", weight=1)
    got = shop.query("p", strength=0.0, now=NOW).hybrid(None, vector=[1, 0], alpha=1, limit=6, boost=boost)
    ages = [o.properties["released"] for o in got.objects]
    assert ages[:4] == [day(0), day(1), day(2), day(3)]  # the newest first; none (f) and 30 days old last
    (search,) = [s for s in got.trace if s.name == "search"]
    assert search.details["boosted_by"] == "engine"


def test_the_embedded_store_refuses_a_boost_itself(shop):
    with pytest.raises(NotAvailableError, match="boost"):
        shop.store.bm25("Shop", "lamp", 3, boost=Boost.numeric_property("pop"))
    assert shop.store.capabilities.boost is False


def test_a_bad_boost_fails_before_the_search(shop):
    with pytest.raises(InvalidInputError, match="'likes' is not a property"):
        shop.query("p", now=NOW).bm25("lamp", boost=Boost.numeric_property("likes"))
    with pytest.raises(InvalidInputError, match="boost must be a weaviate.classes.query.Boost"):
        shop.query("p", now=NOW).bm25("lamp", boost={"pop": 1})
