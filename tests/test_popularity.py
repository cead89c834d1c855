"""Popularity and like counts, computed by the engine from the store's interactions (known answers)."""

from __future__ import annotations

import numpy as np
import pytest

from core import to_uuid
from core.retrieval.popularity import POPULARITY_SCALE_FLOOR, popularity
from core.store.base import StoredInteraction

from .store_contract import NOW, uid


def test_like_counts_count_personas_with_positive_interactions(store):
    rows = [StoredInteraction(to_uuid(p), uid(i), w, NOW)
            for p, i, w in (("u1", "a", 1.0), ("u1", "a", 0.5), ("u2", "a", 0.2), ("u3", "a", -1.0),
                            ("u1", "f", 1.0), ("u2", "c", 0.0))]
    store.add_interactions("Things", rows, create_personas=[to_uuid(p) for p in ("u1", "u2", "u3")])
    popular = popularity(store, "Things")
    assert popular.like_counts([uid("a"), uid("f"), uid("c"), uid("e")]).tolist() == [2, 1, 0, 0]
    # log1p(count) / log1p(max(max count = 2, floor 100))
    np.testing.assert_allclose(popular.scaled([uid("a"), uid("f"), uid("c")]),
                               [np.log(3) / np.log(101), np.log(2) / np.log(101), 0.0], rtol=1e-6)
    assert POPULARITY_SCALE_FLOOR == 100
    store.delete_persona("Things", to_uuid("u2"))
    assert popularity(store, "Things").like_counts([uid("a")]).tolist() == [1]


def test_prior_inside_search_max_ranks_liked_items_first(store):
    rows = [StoredInteraction(to_uuid(p), uid(i), 1.0, NOW) for p, i in (("u1", "a"), ("u2", "a"), ("u1", "f"))]
    store.add_interactions("Things", rows, create_personas=[to_uuid("u1"), to_uuid("u2")])
    zero = np.zeros((1, 4), np.float32)
    hits = store.search_max("Things", zero, np.ones(1), 2, prior=popularity(store, "Things").prior(0.5))
    assert [h.uuid for h in hits] == [uid("a"), uid("f")]
    assert hits[0].score == pytest.approx(0.5 * np.log(3) / np.log(101))


def test_popularity_is_memoised_until_the_next_write(store):
    first = popularity(store, "Things")
    assert popularity(store, "Things") is first
    store.add_interactions("Things", [StoredInteraction(to_uuid("u1"), uid("b"), 1.0, NOW)],
                           create_personas=[to_uuid("u1")])
    again = popularity(store, "Things")
    assert again is not first and again.like_counts([uid("b")]).tolist() == [1]
