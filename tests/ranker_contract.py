"""The ranker contract: every :class:`core.ranking.base.Ranker` subclasses :class:`RankerContract`
and overrides the ``ranker`` fixture (implicit's one-mixin-per-model idea).

The promises checked, over seeded random pools and the edge cases (empty pool, limit 0, limit above
the pool, pools of 1 to 40 distinct items, with and without an instruction, explain on and off):

* ``rerank`` returns exactly ``min(limit, len(pool))`` distinct UUIDs, all from the pool;
  explanations and scores only for chosen items, and no explanations when ``explain=False``;
  the pool it was given is left as it was; a negative limit is an error naming it;
* ``plan`` returns at most ``max_searches`` :class:`PlannedSearch` with a non-empty query and a
  method the pipeline can run; none for ``max_searches=0``;
* the same input gives the same answer.
"""

from __future__ import annotations

import random
from uuid import UUID

import numpy as np
import pytest

from core.errors import InvalidInputError
from core.ranking.base import Candidate, Interest, PersonaSummary, PlannedSearch, RankContext

METHODS = {"hybrid", "near_text", "bm25"}
INSTRUCTIONS = (None, "something light and funny")
PERSONAS = (
    PersonaSummary({}, (), (), ()),
    PersonaSummary({"favorite_genres": ["Comedy", "Sci-Fi"], "bio": "likes long space operas and quiet dramas",
                    "age": 31}, (Interest(UUID(int=10**6), "Liked One", 0.9),),
                   (Interest(UUID(int=10**6 + 1), "Disliked One", -0.7),), ("comedy", "sci-fi")),
)
GENRES = ("Comedy", "Drama", "Sci-Fi", "Horror", "Romance")


def random_pool(size: int, seed: int) -> list[Candidate]:
    """``size`` distinct candidates with unit vectors and every signal the rankers read."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed).standard_normal((size, 8))
    pool = []
    for i in range(size):
        title = f"Item {seed}-{i}"
        signals = {"like_similarity": rng.uniform(-1, 1), "dislike_penalty": rng.uniform(0, 1),
                   "popularity": rng.random(), "liked_by": rng.randint(0, 50), "property_match": rng.random(),
                   "instruction_similarity": rng.uniform(-1, 1)}
        pool.append(Candidate(UUID(int=seed * 1000 + i + 1), title,
                              {"title": title, "genres": rng.sample(GENRES, rng.randint(0, 3)), "year": 1950 + i},
                              original_rank=i + 1 if rng.random() < 0.8 else None,
                              sources=("vector",) if rng.random() < 0.7 else ("search: comedy",),
                              vector=(vectors[i] / np.linalg.norm(vectors[i])).astype(np.float32), signals=signals))
    return pool


def cases() -> list[tuple[int, int, str | None, bool, int]]:
    """(pool size, limit, instruction, explain, persona) covering the edges and a seeded sample."""
    edges = [(0, 5, None, True, 0), (0, 0, None, False, 1), (1, 0, None, True, 0), (3, 0, "x", False, 1),
             (1, 1, None, True, 1), (1, 10, "x", False, 0), (5, 5, None, True, 1), (5, 9, None, True, 0),
             (40, 10, INSTRUCTIONS[1], True, 1), (40, 40, None, False, 0), (40, 41, None, True, 1)]
    rng = random.Random(2024)
    sampled = [(size := rng.randint(1, 40), rng.choice([1, 2, size // 2 or 1, size, size + 3]),
                rng.choice(INSTRUCTIONS), rng.random() < 0.5, rng.randint(0, 1)) for _ in range(14)]
    return edges + sampled


CASES = cases()


class RankerContract:
    """Behaviour every ranker must have; subclasses override the ``ranker`` fixture."""

    @pytest.fixture
    def ranker(self):  # pragma: no cover - overridden
        raise NotImplementedError

    @staticmethod
    def rerank(ranker, size: int, limit: int, instruction: str | None, explain: bool, persona: int, seed: int = 0):
        pool = random_pool(size, seed=size * 7 + seed)
        return pool, ranker.rerank(PERSONAS[persona], instruction, pool, limit, explain, RankContext())

    def test_rerank_returns_min_limit_pool_distinct_items_from_the_pool(self, ranker):
        for size, limit, instruction, explain, persona in CASES:
            pool, decision = self.rerank(ranker, size, limit, instruction, explain, persona)
            case = f"pool {size}, limit {limit}, instruction {instruction!r}, explain {explain}"
            pool_ids = [c.uuid for c in pool]
            assert len(decision.order) == min(limit, size), case
            assert len(set(decision.order)) == len(decision.order) and set(decision.order) <= set(pool_ids), case
            assert set(decision.explanations) <= set(decision.order), case
            assert set(decision.scores) <= set(decision.order), case
            assert all(isinstance(text, str) and text for text in decision.explanations.values()), case
            if not explain:
                assert decision.explanations == {}, case
            assert decision.rationale is None or isinstance(decision.rationale, str), case

    def test_rerank_leaves_the_pool_as_it_was(self, ranker):
        pool = random_pool(12, seed=5)
        snapshot = [(c.uuid, dict(c.signals), c.vector.copy()) for c in pool]
        ranker.rerank(PERSONAS[1], "x", pool, 6, True, RankContext())
        assert [(c.uuid, c.signals) for c in pool] == [(u, s) for u, s, _ in snapshot]
        assert all(np.array_equal(c.vector, v) for c, (_, _, v) in zip(pool, snapshot))

    def test_rerank_is_deterministic(self, ranker):
        for size, limit, instruction, explain, persona in CASES[::3]:
            first = self.rerank(ranker, size, limit, instruction, explain, persona)[1]
            again = self.rerank(ranker, size, limit, instruction, explain, persona)[1]
            assert (again.order, again.explanations, again.rationale) == \
                (first.order, first.explanations, first.rationale), f"pool {size}, limit {limit}"

    @pytest.mark.parametrize("limit", [-1, 1.5, True])
    def test_a_bad_limit_is_an_error_naming_it(self, ranker, limit):
        for size in (0, 4):
            with pytest.raises(InvalidInputError, match="limit") as info:
                ranker.rerank(PERSONAS[0], None, random_pool(size, seed=3), limit, True, RankContext())
            assert repr(limit) in str(info.value)

    def test_plan_returns_at_most_max_searches_runnable_searches(self, ranker):
        for max_searches in (0, 1, 2, 5):
            for instruction in INSTRUCTIONS:
                for persona in PERSONAS:
                    searches = ranker.plan(persona, instruction, max_searches, RankContext())
                    assert isinstance(searches, list) and len(searches) <= max_searches
                    for s in searches:
                        assert isinstance(s, PlannedSearch) and s.method in METHODS, s
                        assert isinstance(s.query, str) and s.query.strip() and isinstance(s.reason, str), s
                    assert ranker.plan(persona, instruction, max_searches, RankContext()) == searches
