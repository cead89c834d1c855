"""The offline-evaluation metrics (``core.eval.metrics``) and the split of ``benchmarks/eval_quality.py``,
against hand-computed values."""

from __future__ import annotations

import math

import pytest

from benchmarks.eval_quality import Rating, UserSplit, popularity_row, rating_to_weight, split_users
from core.eval.metrics import ndcg_at_k, recall_at_k
from core import to_uuid

LOG2_3 = math.log2(3)  # discount of 0-based position 1 (rank 2)


def test_no_relevant_items_is_nan_for_both_metrics():
    assert math.isnan(ndcg_at_k(["a", "b"], set()))
    assert math.isnan(recall_at_k(["a", "b"], set()))
    assert math.isnan(recall_at_k([], [], capped=False))


def test_all_hits_score_one():
    assert ndcg_at_k(["a", "b", "c"], {"a", "b", "c"}) == pytest.approx(1.0)
    assert recall_at_k(["a", "b", "c"], {"a", "b", "c"}) == pytest.approx(1.0)


def test_single_hit_at_rank_two_with_one_relevant():
    assert ndcg_at_k(["x", "a", "y"], {"a"}) == pytest.approx(1 / LOG2_3)  # 0.6309
    assert recall_at_k(["x", "a", "y"], {"a"}) == 1.0


def test_single_hit_at_rank_two_with_two_relevant_is_normalised_by_the_ideal():
    # DCG = 1/log2(3); ideal DCG = 1 + 1/log2(3)
    assert ndcg_at_k(["x", "a"], {"a", "b"}) == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))  # 0.3869
    assert recall_at_k(["x", "a"], {"a", "b"}) == 0.5


def test_hits_at_ranks_one_and_three_of_three_relevant():
    # DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) + 1/2
    assert ndcg_at_k(["a", "x", "b", "y"], {"a", "b", "c"}) == pytest.approx(1.5 / (1.5 + 1 / LOG2_3))  # 0.7039


def test_no_hit_scores_zero():
    assert ndcg_at_k(["x", "y"], {"a"}) == 0.0
    assert recall_at_k(["x", "y"], {"a"}) == 0.0


def test_more_relevant_than_k_caps_the_ideal_and_the_recall_denominator():
    relevant = {f"r{i}" for i in range(15)}
    top = [f"r{i}" for i in range(10)]
    assert ndcg_at_k(top, relevant) == pytest.approx(1.0)
    assert recall_at_k(top, relevant) == pytest.approx(1.0)
    assert recall_at_k(top, relevant, capped=False) == pytest.approx(10 / 15)


def test_only_the_top_k_count():
    ranked = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg_at_k(ranked, {"a"}) == 0.0 and recall_at_k(ranked, {"a"}) == 0.0
    assert ndcg_at_k(ranked, {"a"}, k=11) == pytest.approx(1 / math.log2(12))


def test_a_repeated_item_counts_once():
    assert recall_at_k(["a", "a"], {"a", "b"}) == 0.5
    assert ndcg_at_k(["a", "a"], {"a", "b"}) == pytest.approx(1 / (1 + 1 / LOG2_3))


def test_k_must_be_positive():
    with pytest.raises(ValueError, match="k must be a positive integer"):
        ndcg_at_k(["a"], {"a"}, k=0)


@pytest.mark.parametrize("stars, weight", [(0.5, -1.0), (2.75, 0.0), (3.0, 1 / 9), (4.0, 5 / 9), (5.0, 1.0)])
def test_rating_to_weight(stars, weight):
    assert rating_to_weight(stars) == pytest.approx(weight)


def _ratings(pairs):
    """Ratings of items "m0", "m1", ... from ``(stars, timestamp)`` pairs."""
    return [Rating(to_uuid(f"m{i}"), stars, ts) for i, (stars, ts) in enumerate(pairs)]


def test_split_is_temporal_80_20_and_skips_users_with_few_ratings():
    # ten ratings given out of time order: m9 is the oldest, m0 and m1 are the newest two
    pairs = [(5.0, 100), (3.0, 90)] + [(4.0, 10 + i) for i in range(7)] + [(1.0, 0)]
    (split,) = split_users({1: _ratings(pairs), 2: _ratings(pairs[:9])})
    assert split.user == 1 and len(split.train) == 8
    assert split.train[0].item == to_uuid("m9") and split.train[-1].timestamp == 16
    assert split.relevant == {to_uuid("m0")}  # m1 is held out but rated 3: not relevant
    assert split.now.timestamp() == 16


def test_split_keeps_file_order_for_equal_timestamps():
    (split,) = split_users({1: _ratings([(4.0, 0)] * 10)})
    assert [r.item for r in split.train] == [to_uuid(f"m{i}") for i in range(8)]


def test_popularity_ranks_by_training_likes_and_skips_seen_items():
    a, b, c, d = (to_uuid(x) for x in "abcd")
    like = lambda item: Rating(item, 4.0, 0)  # noqa: E731
    u1 = UserSplit(1, to_uuid("u1"), (like(b), like(c), Rating(a, 2.0, 0)), frozenset({d}))
    u2 = UserSplit(2, to_uuid("u2"), (like(b), like(d)), frozenset({a}))
    # training likes: b 2, c 1, d 1, a 0 (a 2-star rating is not a like); ties in catalog order
    row = popularity_row([u1, u2], [u1], catalog=[a, b, c, d])
    assert row.ndcg == [1.0]  # u1 has seen a, b, c: its list is [d]
    row = popularity_row([u1, u2], [u2], catalog=[a, b, c, d])
    assert row.ndcg == [pytest.approx(1 / LOG2_3)]  # u2 has seen b, d: its list is [c, a]
