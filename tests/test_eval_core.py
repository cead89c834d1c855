"""``core.eval``: metric known answers, split invariants, baselines on tiny logs with known answers,
and confidence intervals (an A/B of a configuration against itself contains 0)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import InvalidInputError
from core.eval.baselines import EASE, ItemKNN, MostPopular, RandomBaseline
from core.eval.metrics import (coverage, hit_rate_at_k, intra_list_diversity, mean_ci, mrr_at_k, ndcg_at_k, novelty,
                               paired_difference, recall_at_k)
from core.eval.splits import LogRow, leave_last_k, random_split, temporal_split

LOG2_3 = math.log2(3)


# --- metrics ---------------------------------------------------------------------------------------

def test_empty_truth_is_nan_for_every_relevance_metric():
    for metric in (ndcg_at_k, recall_at_k, hit_rate_at_k, mrr_at_k):
        assert math.isnan(metric(["a", "b"], set()))


def test_known_answers():
    assert ndcg_at_k(["x", "a"], {"a", "b"}) == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))
    assert recall_at_k(["x", "a"], {"a", "b"}) == 0.5
    assert recall_at_k(["a"], {"a", "b", "c"}, k=1) == 1.0 and recall_at_k(["a"], {"a", "b"}, k=1, capped=False) == 0.5
    assert mrr_at_k(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3) and mrr_at_k(["x"], {"a"}) == 0.0
    assert hit_rate_at_k(["x", "a"], {"a"}, k=1) == 0.0 and hit_rate_at_k(["x", "a"], {"a"}, k=2) == 1.0
    assert ndcg_at_k(["a", "a", "b"], {"a", "b"}) == pytest.approx((1 + 1 / 2) / (1 + 1 / LOG2_3))  # repeat counts once


def test_k_must_be_positive():
    with pytest.raises(InvalidInputError, match="k must be a positive integer, got 0"):
        ndcg_at_k(["a"], {"a"}, k=0)


def test_coverage_diversity_and_novelty():
    assert coverage([["a", "b"], ["b", "c"]], catalog_size=10) == pytest.approx(0.3)
    vectors = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 1.0]), "c": np.array([1.0, 0.0])}
    assert intra_list_diversity(["a", "b"], vectors) == pytest.approx(1.0)
    assert intra_list_diversity(["a", "c"], vectors) == pytest.approx(0.0)
    assert math.isnan(intra_list_diversity(["a"], vectors))
    assert novelty(["a"], {"a": 3}, users=3) == pytest.approx(0.0)  # everyone liked it: no surprise
    assert novelty(["z"], {}, users=3) == pytest.approx(2.0)        # -log2(1/4)


def test_an_ab_of_a_configuration_against_itself_has_an_interval_around_zero():
    rng = np.random.default_rng(1)
    scores = {u: float(v) for u, v in enumerate(rng.random(200))}
    diff = paired_difference(scores, dict(scores))
    assert diff.mean == 0.0 and diff.low <= 0.0 <= diff.high and diff.users == 200
    better = {u: v + 0.1 for u, v in scores.items()}
    up = paired_difference(scores, better)
    assert up.low > 0.05 and up.mean == pytest.approx(0.1)
    est = mean_ci([0.0, 1.0, float("nan"), 1.0])
    assert est.users == 3 and est.mean == pytest.approx(2 / 3) and est.low <= est.mean <= est.high


# --- splits ----------------------------------------------------------------------------------------

def log(users: int = 20, per_user: int = 10, seed: int = 0) -> list[LogRow]:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(users):
        items = rng.choice(50, size=per_user, replace=False)
        for n, item in enumerate(items):
            rows.append(LogRow(f"u{u}", f"i{item}", float(rng.choice([-1.0, 1.0, 1.0])), float(1000 * u + n)))
    return rows


@pytest.mark.parametrize("make", [
    lambda rows: temporal_split(rows, test_fraction=0.3, validation_fraction=0.25),
    lambda rows: leave_last_k(rows, k=2, validation_k=2),
    lambda rows: random_split(rows, test_fraction=0.3, validation_fraction=0.25, seed=7),
])
def test_split_invariants(make):
    split = make(log())
    assert split.train and set(split.train) == set(split.test) == set(split.validation)
    for user, rows in split.train.items():
        seen = {r.item for r in rows}
        assert not (split.test[user] & seen) and not (split.validation[user] & seen)
        assert not (split.test[user] & split.validation[user])


def test_temporal_split_holds_out_the_latest_rows():
    rows = [LogRow("ann", f"i{n}", 1.0, float(n)) for n in range(10)]
    split = temporal_split(rows, test_fraction=0.2)
    assert split.test["ann"] == {"i8", "i9"} and [r.item for r in split.train["ann"]] == [f"i{n}" for n in range(8)]
    disliked = [LogRow("bob", f"i{n}", 1.0 if n < 9 else -1.0, float(n)) for n in range(10)]
    assert temporal_split(disliked, test_fraction=0.2).test["bob"] == {"i8"}  # a held-out dislike is not relevant


def test_random_split_is_reproducible_from_its_seed():
    one, two = random_split(log(), seed=3), random_split(log(), seed=3)
    assert one.test == two.test and random_split(log(), seed=4).test != one.test


def test_temporal_split_needs_timestamps():
    with pytest.raises(InvalidInputError, match="interaction #0 .* has no timestamp"):
        temporal_split([LogRow("ann", "a", 1.0, None)] * 5)


# --- baselines -------------------------------------------------------------------------------------

# a and b are always liked together, c and d together; e is liked by everyone.
TINY = [LogRow(u, i, 1.0) for u, items in {
    "u1": "abe", "u2": "abe", "u3": "cde", "u4": "cde", "u5": "ae", "u6": "ce"}.items() for i in items]
CATALOG = list("abcdef")


def test_most_popular_and_random_exclude_what_the_user_saw():
    assert MostPopular(TINY, CATALOG).recommend("u5", 3) == ["c", "b", "d"]  # a, e seen; c 3 likes, b and d 2 (catalog order)
    rand = RandomBaseline(TINY, CATALOG, seed=1)
    assert rand.recommend("u5", 4) == RandomBaseline(TINY, CATALOG, seed=1).recommend("u5", 4)
    assert not {"a", "e"} & set(rand.recommend("u5", 4))


@pytest.mark.parametrize("model", [ItemKNN, EASE])
def test_item_models_recommend_the_co_liked_item_first(model):
    fitted = model(TINY, CATALOG)
    assert fitted.recommend("u5", 1) == ["b"]  # u5 liked a, and a goes with b
    assert fitted.recommend("u6", 1) == ["d"]
    assert fitted.recommend("someone-new", 3)  # no history: still a list (all scores tie at 0)


# --- the runner on the workshop catalog --------------------------------------------------------------

@pytest.fixture(scope="module")
def workshop_eval():
    from core import EmbeddedStore, install_sample
    from core.eval.runner import Evaluation
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    items = store.iter_items("Workshop")
    cuisines: dict[str, list] = {}
    for item in items:
        cuisines.setdefault(item.properties["cuisine"], []).append(item.uuid)
    rng = np.random.default_rng(0)
    rows = []
    big = sorted(c for c, dishes in cuisines.items() if len(dishes) >= 8)
    for u in range(30):  # each user likes 8 dishes of one cuisine, at increasing times
        liked = cuisines[big[u % len(big)]]
        for n, item in enumerate(rng.permutation(liked)[:8]):
            rows.append(LogRow(f"cook{u}", item, 1.0, 1.7e9 + 3600 * n))
    return Evaluation(temporal_split(rows, test_fraction=0.25), store, "Workshop")


def test_runner_ranks_through_the_public_api_and_beats_random(workshop_eval):
    calls = []
    engine = workshop_eval.engine(progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(workshop_eval.users), len(workshop_eval.users)) and len(workshop_eval.users) == 30
    random = workshop_eval.baseline("random")
    assert random.versus(engine).low > 0.1  # the paired difference, engine - random, clearly above 0
    assert all(len(lst) == 10 for lst in engine.lists.values())
    for user, ranked in engine.lists.items():  # nothing from the user's training rows comes back
        assert not set(ranked) & {r.item for r in workshop_eval.split.train[user]}
    assert workshop_eval.store.list_personas("Workshop") == []  # the catalog's store was never written
    summary = engine.summary()
    assert summary["config"]["strategy"] == "auto" and summary["ndcg"]["users"] == 30


def test_an_ab_of_identical_engine_configs_contains_zero_and_cancel_stops(workshop_eval):
    from core import CancelledError
    from core.eval.runner import EngineConfig
    a, b = workshop_eval.engine(EngineConfig()), workshop_eval.engine(EngineConfig())
    diff = a.versus(b)
    assert diff.low <= 0.0 <= diff.high and diff.mean == 0.0
    with pytest.raises(CancelledError, match="cancelled after 0 of 30 users"):
        workshop_eval.engine(cancel=lambda: True)
    with pytest.raises(InvalidInputError, match="unknown baseline 'svd'"):
        workshop_eval.baseline("svd")


def test_a_run_keeps_each_users_time_and_the_engines_stage_times(workshop_eval):
    loaded = workshop_eval.load()
    assert loaded is workshop_eval.load()  # the personas are built once
    assert loaded.personas == 30 and loaded.seconds > 0
    assert loaded.interactions == len(workshop_eval.split.training_rows())
    run = workshop_eval.engine()
    assert set(run.call_seconds) == set(workshop_eval.users) and min(run.call_seconds.values()) > 0
    assert {"profile", "vector_search"} <= set(run.stage_seconds)
    assert sum(run.stage_seconds.values()) <= sum(run.call_seconds.values()) <= run.seconds
    assert run.call_ms(50) == pytest.approx(1000 * float(np.median(list(run.call_seconds.values()))))
    popular = workshop_eval.baseline("most_popular")
    assert popular.stage_seconds == {} and len(popular.call_seconds) == 30
    assert run.summary()["ms_per_call_p50"] == pytest.approx(run.call_ms(50), abs=1e-3)


def test_a_user_whose_training_items_are_all_off_the_catalog_still_gets_a_persona(workshop_eval):
    from core.eval.runner import Evaluation
    dish = workshop_eval.catalog[0]
    rows = [LogRow("ghost", f"not-in-the-catalog-{n}", 1.0, float(n)) for n in range(4)]
    split = temporal_split([*rows, LogRow("ghost", dish, 1.0, 9.0)], test_fraction=0.2)
    evaluation = Evaluation(split, workshop_eval.store, "Workshop")
    assert evaluation.unknown_items == 4 and evaluation.load().personas == 1 and evaluation.load().interactions == 0
    assert "ghost" in evaluation.engine().lists  # asked as a persona without history, not an unknown one
