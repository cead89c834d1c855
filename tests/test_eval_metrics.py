"""The offline-evaluation metrics (``core.eval.metrics``) against hand-computed values, and the pieces of
``core.eval`` the MovieLens quality benchmark's protocol stands on (``benchmarks/eval_quality.py``): the
temporal 80/20 split of a star-rated log with a minimum of ratings and relevance by rating, and most
popular skipping everything the user has seen."""

from __future__ import annotations

import math

import pytest

from core.eval.baselines import MostPopular, RandomBaseline
from core.eval.metrics import ndcg_at_k, recall_at_k
from core.eval.sources import LogSource, split_source
from core.eval.splits import LogRow

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


STARS = (0.5, 5.0)


def stars(rating: float) -> float:
    """A 0.5-5 star rating as its weight: 0.5 -> -1, 2.75 -> 0, 5 -> +1."""
    return (rating - 2.75) / 2.25


def _rows(user, pairs):
    """Rows of items "m0", "m1", ... from ``(stars, timestamp)`` pairs."""
    return [LogRow(user, f"m{i}", stars(rating), float(ts)) for i, (rating, ts) in enumerate(pairs)]


def _split(rows):
    """The quality benchmark's split: temporal 80/20, users with >= 10 ratings, a rating >= 4 relevant."""
    return split_source(LogSource("stars", "a star-rated log", rows, STARS), "temporal", test_fraction=0.2,
                        min_interactions=10, min_rating=4.0)


def test_split_is_temporal_80_20_and_skips_users_with_few_ratings():
    # ten ratings given out of time order: m9 is the oldest, m0 and m1 are the newest two
    pairs = [(5.0, 100), (3.0, 90)] + [(4.0, 10 + i) for i in range(7)] + [(1.0, 0)]
    split = _split(_rows(1, pairs) + _rows(2, pairs[:9]))
    assert list(split.train) == [1] and len(split.train[1]) == 8  # user 2 has 9 ratings: left out
    assert split.train[1][0].item == "m9" and split.train[1][-1].time == 16
    assert split.test[1] == {"m0"}  # m1 is held out but rated 3: not relevant
    assert split.protocol["min_rating"] == 4.0 and split.protocol["min_interactions"] == 10


@pytest.mark.parametrize("n", [10, 11, 14, 15, 16, 19, 59, 100, 101, 2698])
def test_the_held_out_part_is_the_latest_fifth_rounded_up(n):
    split = _split(_rows("u", [(4.0, t) for t in range(n)]))
    assert len(split.train["u"]) == math.floor(0.8 * n) and len(split.test["u"]) == n - math.floor(0.8 * n)


def test_split_keeps_file_order_for_equal_timestamps():
    split = _split(_rows(1, [(4.0, 0)] * 10))
    assert [r.item for r in split.train[1]] == [f"m{i}" for i in range(8)]


def test_most_popular_ranks_by_training_likes_and_skips_everything_seen():
    like = lambda user, item: LogRow(user, item, stars(4.0))  # noqa: E731
    rows = [like(1, "b"), like(1, "c"), LogRow(1, "a", stars(2.0)), like(2, "b"), like(2, "d")]
    # training likes: b 2, c 1, d 1, a 0 (a 2-star rating is a dislike); ties in catalog order
    model = MostPopular(rows, catalog=list("abcd"))
    assert model.recommend(1, 10) == ["d"]  # user 1 has seen a (disliked), b and c
    assert model.recommend(2, 10) == ["c", "a"]  # user 2 has seen b and d
    assert "a" not in RandomBaseline(rows, list("abcd")).recommend(1, 10)  # a dislike is never recommended back
