"""Hybrid search for the store protocol: Weaviate's two fusions, the checks every backend runs, and the
fusion done here for a backend that has no native hybrid (:attr:`Capabilities.native_hybrid` False).

What :meth:`core.store.base.Store.hybrid` answers, on every backend:

- **Two parts.** The vector part is the nearest items to ``vector`` (cosine similarity; ``max_vector_distance``
  drops those farther than that cosine distance); the keyword part is BM25 of ``query`` over
  ``query_properties`` (default: the collection's text fields). ``alpha`` weighs the vector part, ``1 - alpha``
  the keyword part; ``alpha`` 0 skips the vector part, 1 the keyword part. Without ``vector`` the vector part needs a server
  vectorizer for the vector (:attr:`CollectionSpec.server_vectorizers`): the server embeds ``query`` itself. Without a keyword part (``query``
  None or blank, or no text field to search) the vector part weighs 1, as weaviate-client sends it.
- **The window.** Each part's top ``max(HYBRID_WINDOW, limit)`` items are fused, then the top ``limit`` are
  returned: Weaviate fuses over such a window (100 by default), so this fusion fetches the same one and both
  backends answer alike (a smaller window would change the relative scores: min-max runs over the window).
- **Scores.** ``"relative_score"`` (Weaviate's default): each part min-max scaled to [0, 1] over its window (all
  equal: 1), then ``alpha * vector + (1 - alpha) * keyword``, so a score is in [0, 1]. ``"ranked"``:
  ``alpha / (r_vector + 60) + (1 - alpha) / (r_keyword + 60)`` with ``r`` the 0-based rank in each part's window
  (a part that misses an item adds nothing). On Weaviate the scores are the server's own fused scores.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np

from core.checks import describe
from core.errors import InvalidInputError
from core.store.base import Hit, Store
from core.store.inputs import check_limit, check_queries
from core.store.spec import CollectionSpec

FUSIONS = ("relative_score", "ranked")
"""The fusion names (``HybridFusion.RELATIVE_SCORE`` / ``RANKED`` in weaviate-client)."""
HYBRID_WINDOW = 100
"""How many of each part's top items are fused (at least; ``limit`` if that is more), as Weaviate does."""
RANKED_FUSION_K = 60
"""Weaviate's constant in ranked fusion: a hit at 0-based rank ``r`` contributes ``weight / (r + 60)``."""


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


@dataclass(frozen=True)
class HybridRequest:
    """A checked hybrid search: ``vector`` is a unit float32 row (or None), ``vector_name`` the resolved name."""

    query: str | None
    vector: np.ndarray | None
    limit: int
    alpha: float
    fusion: str
    vector_name: str
    max_vector_distance: float | None

    @property
    def keyword(self) -> bool:
        """Whether there is a keyword part to run (a non-blank query and alpha below 1)."""
        return self.query is not None and self.alpha < 1

    @property
    def weight(self) -> float:
        """The vector part's weight: ``alpha``, or 1 without a query (weaviate-client's rule)."""
        return self.alpha if self.query is not None else 1.0

    @property
    def window(self) -> int:
        return max(HYBRID_WINDOW, self.limit)


def check_hybrid(spec: CollectionSpec, query: Any, vector: Any, limit: Any, *, alpha: Any, fusion: Any,
                 vector_name: str | None, max_vector_distance: Any) -> HybridRequest:
    """Every hybrid argument checked (clear errors naming the bad value), before anything is searched or sent."""
    if query is not None and not isinstance(query, str):
        raise InvalidInputError(f"a hybrid query is text or None, got {describe(query)}")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 <= alpha <= 1:
        raise InvalidInputError(f"alpha must be a number from 0 (keyword only) to 1 (vector only), got {describe(alpha)}")
    if fusion not in FUSIONS:
        raise InvalidInputError(f"fusion must be one of {list(FUSIONS)}, got {describe(fusion)}")
    if max_vector_distance is not None and (isinstance(max_vector_distance, bool) or not isinstance(
            max_vector_distance, numbers.Real) or not 0 <= max_vector_distance < math.inf):
        raise InvalidInputError(f"max_vector_distance must be a cosine distance >= 0 (or None), got "
                                f"{describe(max_vector_distance)}")
    name, dims = spec.vector(vector_name)
    unit = None
    if vector is not None:
        try:
            vector = np.asarray(vector, dtype=np.float32)
        except (TypeError, ValueError):
            raise InvalidInputError(f"the hybrid vector must be {dims} numbers, got {describe(vector)}") from None
        q = check_queries(vector, dims, name)
        norm = float(np.linalg.norm(q[0])) if len(q) == 1 else 0.0
        if len(q) != 1 or norm == 0:
            raise InvalidInputError(f"the hybrid vector must be one non-zero {dims}-d vector, got shape {q.shape}")
        unit = (q[0] / norm).astype(np.float32)
    if query is None and vector is None:
        raise InvalidInputError("hybrid needs a query, a vector, or both; got neither")
    text = query if query is not None and query.strip() else None
    if unit is None and alpha > 0 and text is not None and not spec.server_vectorizer(name):
        raise InvalidInputError(f"hybrid with alpha {alpha:g} needs a query vector (the engine embeds text; only a "
                                "server vectorizer of this vector could); pass vector=, or alpha=0 for keywords only")
    return HybridRequest(text, unit, check_limit(limit), float(alpha), fusion, name,
                         None if max_vector_distance is None else float(max_vector_distance))


def fused_by(store: Store) -> str:
    """Who fuses a hybrid search on ``store``: ``"weaviate"`` (one native request) or ``"engine"`` (here)."""
    return "weaviate" if getattr(store.capabilities, "native_hybrid", False) else "engine"


def engine_hybrid(store: Store, collection: str, request: HybridRequest, *, filters: Any = None,
                  exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None,
                  dense: list[Hit] | None = None) -> list[Hit]:
    """:meth:`Store.hybrid` by fusing the store's own ``near_vectors`` and ``bm25`` (see the module docstring).

    ``dense``: the vector part already searched (at least ``request.window`` deep; a caller batching several
    searches' vector parts in one ``near_vectors`` call), cut here to the window."""
    exclude = list(exclude)
    alpha = request.weight
    if request.vector is None or alpha == 0:
        dense = []
    elif dense is not None:
        dense = dense[:request.window]
    else:
        dense = store.near_vectors(collection, request.vector, request.window, filters=filters, exclude=exclude,
                                   vector_name=request.vector_name)[0]
    if dense and request.max_vector_distance is not None:
        dense = [h for h in dense if 1 - h.score <= request.max_vector_distance + 1e-6]
    sparse = store.bm25(collection, request.query, request.window, filters=filters, exclude=exclude,
                        query_properties=query_properties) if request.keyword else []
    fuse = fuse_ranked if request.fusion == "ranked" else fuse_relative
    return fuse(dense, sparse, alpha)[:request.limit]
