"""The store contract's hybrid cases (:class:`tests.store_contract.StoreContract` inherits them), by hand.

The contract's catalog: a (1, 0, 0, 0), b (.9, .1, 0, 0), c (0, 1, 0, 0), ... with genres a Comedy, b Comedy+Drama,
c Drama. The filter ``genres contains_any [Comedy, Drama]`` leaves a, b, c, so no two items tie on either part:

- vector part for (1, 0, 0, 0): a 1, b .9 / |(.9, .1)| = .993884, c 0; min-max scaled a 1, b .993884, c 0;
- keyword part "drama": b and c match; c (shorter) scores higher on both backends; scaled c 1, b 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import InvalidInputError, to_uuid

Q = np.array([1, 0, 0, 0], np.float32)
B = 0.9 / np.hypot(0.9, 0.1)  # b's cosine to Q: .993884


def comedy_or_drama():
    return Filter.by_property("genres").contains_any(["Comedy", "Drama"])


def scored(hits):
    return [(h.uuid, round(h.score, 5)) for h in hits]


def named(*pairs):
    return [(to_uuid(n), round(s, 5)) for n, s in pairs]


class HybridContract:
    """Hybrid search with known answers; every backend gives the same (see the module docstring)."""

    def test_hybrid_relative_score_by_hand(self, store):
        got = store.hybrid("Things", "drama", Q, 3, alpha=0.6, filters=comedy_or_drama())
        assert scored(got) == named(("a", 0.6), ("b", 0.6 * B), ("c", 0.4))  # a .6*1; b .6*.99+.4*0; c .4*1
        assert scored(store.hybrid("Things", "drama", Q, 3, alpha=1.0, filters=comedy_or_drama())) == \
            named(("a", 1.0), ("b", B), ("c", 0.0))
        assert scored(store.hybrid("Things", "drama", Q, 3, alpha=0.0, filters=comedy_or_drama())) == \
            named(("c", 1.0), ("b", 0.0))  # keywords only: a does not match
        # no query: the vector part alone, weight 1 (as weaviate-client sends it), whatever alpha says
        assert scored(store.hybrid("Things", None, Q, 3, alpha=0.5, filters=comedy_or_drama())) == \
            named(("a", 1.0), ("b", B), ("c", 0.0))

    def test_hybrid_ranked_by_hand(self, store):
        got = store.hybrid("Things", "drama", Q, 3, alpha=0.6, fusion="ranked", filters=comedy_or_drama())
        # vector ranks a 0, b 1, c 2; keyword ranks c 0, b 1
        # b .6/61 + .4/61 = .016393; c .6/62 + .4/60 = .016344; a .6/60 = .01
        assert scored(got) == named(("b", 1 / 61), ("c", 0.6 / 62 + 0.4 / 60), ("a", 0.01))

    EXCLUDES_BEFORE_FUSING = True
    """False for a backend that drops excluded items from the fused list (Weaviate < 1.33: no ContainsNone)."""

    def test_hybrid_exclusions_and_max_vector_distance(self, store):
        got = store.hybrid("Things", "drama", Q, 3, alpha=0.6, filters=comedy_or_drama(), exclude=[to_uuid("a")])
        if self.EXCLUDES_BEFORE_FUSING:
            assert scored(got) == named(("b", 0.6), ("c", 0.4))  # without a: vector b 1, c 0; keyword c 1, b 0
        else:  # a was fused, then dropped: b keeps its score from beside a
            assert scored(got) == named(("b", 0.6 * B), ("c", 0.4))
        near = store.hybrid("Things", "drama", Q, 3, alpha=0.6, filters=comedy_or_drama(), max_vector_distance=0.5)
        # c (distance 1) leaves the vector part: a, b scale to 1, 0; keyword c 1, b 0
        assert scored(near) == named(("a", 0.6), ("c", 0.4), ("b", 0.0))

    def test_hybrid_limit_and_unfiltered(self, store):
        got = store.hybrid("Things", "horror", np.array([0, 0, 1, 0], np.float32), 1, alpha=0.3)
        # vector: e 1 (scaled 1), d .1/|(.9, .1)| = .110432 (scaled .110432), the rest 0; keyword: d only (1)
        assert scored(got) == named(("d", 0.3 * (0.1 / np.hypot(0.9, 0.1)) + 0.7))

    def test_hybrid_bad_input_is_refused_with_a_clear_error(self, store):
        for kwargs, message in (({"alpha": 1.5}, "alpha must be a number from 0"),
                                ({"alpha": 0.5, "fusion": "best"}, "fusion must be one of"),
                                ({"alpha": 0.5, "max_vector_distance": -1}, "max_vector_distance"),
                                ({"alpha": 0.5, "vector_name": "nope"}, "no vector named")):
            with pytest.raises(InvalidInputError, match=message):
                store.hybrid("Things", "drama", Q, 3, **kwargs)
        with pytest.raises(InvalidInputError, match="4 dimensions"):
            store.hybrid("Things", "drama", np.ones(3, np.float32), 3, alpha=0.5)
        with pytest.raises(InvalidInputError, match="needs a query vector"):
            store.hybrid("Things", "drama", None, 3, alpha=0.5)
        with pytest.raises(InvalidInputError, match="neither"):
            store.hybrid("Things", None, None, 3, alpha=0.5)
        with pytest.raises(InvalidInputError, match="limit"):
            store.hybrid("Things", "drama", Q, 0, alpha=0.5)
        assert scored(store.hybrid("Things", "drama", None, 3, alpha=0.0)) == named(("c", 1.0), ("b", 0.0))
