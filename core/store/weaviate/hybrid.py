"""Hybrid search on Weaviate: one native ``collection.query.hybrid`` request, fused by the server (a mixin).

The arguments are checked as on every backend (:func:`core.store.hybrid.check_hybrid`) before anything is
sent. The request carries the query, the unit query vector, ``alpha``, the fusion type
(``HybridFusion.RELATIVE_SCORE`` or ``RANKED``), the BM25 properties (defaulting as :meth:`Search.bm25` does:
a store-made collection's text fields no item has yet are left out; none left: the vector part only), the
target vector (none for a user's collection with one unnamed vector), ``max_vector_distance``, and the
caller's ``Filter`` unchanged, narrowed by the exclusions as the other searches are (``contains_none`` on
>= 1.33, else ``limit + len(exclude)`` results and the excluded dropped here: they were fused beside the
others, so relative scores are as with them). The scores are Weaviate's
fused scores; Weaviate fuses each part's top candidates over its own window (``max(100, limit)``), which the
engine's fusion for other backends matches (:mod:`core.store.hybrid`). ``max_vector_distance`` is in the
collection's distance metric: cosine for every collection this store creates. A ``boost`` (servers >= 1.38)
goes with the request: the server rescores the fused candidates, and the scores are its boosted ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.store.base import Hit
from core.store.hybrid import check_hybrid
from core.store.weaviate.search import ranked


class Hybrid:
    """:meth:`core.store.base.Store.hybrid` as one Weaviate request (see the module docstring)."""

    def hybrid(self, collection: str, query: str | None, vector: np.ndarray | None, limit: int, *, alpha: float,
               fusion: str = "relative_score", filters: Any = None, exclude: Iterable[UUID] = (),
               query_properties: Sequence[str] | None = None, vector_name: str | None = None,
               max_vector_distance: float | None = None, boost: Any = None) -> list[Hit]:
        from weaviate.classes.query import HybridFusion, MetadataQuery
        self._check_boost(boost)
        physical = self._physical(collection)
        spec = self._spec_of(collection, physical)
        request = check_hybrid(spec, query, vector, limit, alpha=alpha, fusion=fusion, vector_name=vector_name,
                               max_vector_distance=max_vector_distance)
        text, fields = request.query, None
        if request.keyword:
            fields = self._keyword_fields(physical, spec, query_properties)
            text = None if fields == [] else text
        if text is None and request.vector is None:
            return []  # nothing to search: no keyword part and no vector
        sent, extra, excluded = self._narrowed(filters, exclude)
        found = self._handle(physical).query.hybrid(
            query=text, vector=None if request.vector is None else request.vector.tolist(), alpha=request.alpha,
            fusion_type=HybridFusion.RANKED if request.fusion == "ranked" else HybridFusion.RELATIVE_SCORE,
            query_properties=fields or None, target_vector=None if self._legacy(physical) else request.vector_name,
            max_vector_distance=request.max_vector_distance, limit=request.limit + extra, filters=sent,
            return_metadata=MetadataQuery(score=True), return_properties=[],
            **({} if boost is None else {"boost": boost})).objects
        scores = {UUID(str(o.uuid)): float(o.metadata.score or 0.0) for o in found}
        return ranked({u: s for u, s in scores.items() if u not in excluded}, request.limit)
