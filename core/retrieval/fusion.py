"""Score fusion: min-max scaling, Weaviate's two hybrid fusions (relative score, ranked) of two hit lists,
and the hybrid search built on them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.store.base import Hit, Store


def scale(values: np.ndarray) -> np.ndarray:
    """Min-max scale to [0, 1]; a constant vector scales to all ones (nothing to tell apart)."""
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return values
    low, high = values.min(), values.max()
    return np.ones_like(values) if high - low < 1e-12 else (values - low) / (high - low)


def fuse_relative(dense: list[Hit], sparse: list[Hit], alpha: float) -> list[Hit]:
    """Weaviate's relative-score fusion: scale each list to [0, 1], weight, add, sort."""
    total: dict[UUID, float] = {}
    for hits, weight in ((dense, alpha), (sparse, 1 - alpha)):
        for hit, s in zip(hits, scale(np.array([h.score for h in hits]))):
            total[hit.uuid] = total.get(hit.uuid, 0.0) + weight * float(s)
    return sorted((Hit(u, s) for u, s in total.items()), key=lambda h: -h.score)


RANKED_FUSION_K = 60
"""Weaviate's constant in ranked fusion: a hit at 0-based rank ``r`` contributes ``weight / (r + 60)``."""


def fuse_ranked(dense: list[Hit], sparse: list[Hit], alpha: float) -> list[Hit]:
    """Weaviate's ranked (reciprocal-rank) fusion: ``alpha / (r_dense + 60) + (1 - alpha) / (r_sparse + 60)``.

    ``r`` is the 0-based rank in each list; a list that misses an item adds nothing. Ties keep the
    first-seen order (dense first).
    """
    total: dict[UUID, float] = {}
    for hits, weight in ((dense, alpha), (sparse, 1 - alpha)):
        for rank, hit in enumerate(hits):
            total[hit.uuid] = total.get(hit.uuid, 0.0) + weight / (rank + RANKED_FUSION_K)
    return sorted((Hit(u, s) for u, s in total.items()), key=lambda h: -h.score)


def hybrid_search(store: Store, collection: str, text: str, vector: Any, limit: int, alpha: float, *,
                  filters: Any = None, exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None,
                  vector_name: str | None = None,
                  fusion: Callable[[list[Hit], list[Hit], float], list[Hit]] = fuse_relative,
                  dense: list[Hit] | None = None) -> list[Hit]:
    """Weaviate-style hybrid search: ``alpha`` weighs the vector search (``vector``), ``1 - alpha`` BM25
    (``text``), fused by ``fusion`` (:func:`fuse_relative` or :func:`fuse_ranked`); ``alpha`` 1 skips BM25 and 0 skips the vector search.
    ``dense``: the vector side's hits when the caller has them (the server's own near_text; ``vector`` unused)."""
    if dense is None:
        dense = store.near_vectors(collection, vector, limit, filters=filters, exclude=exclude,
                                   vector_name=vector_name)[0] if alpha > 0 else []
    sparse = store.bm25(collection, text, limit, filters=filters, exclude=exclude,
                        query_properties=query_properties) if alpha < 1 else []
    return fusion(dense, sparse, alpha)[:limit]
