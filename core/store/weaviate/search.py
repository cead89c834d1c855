"""Searches on Weaviate: near_vector, BM25 and the engine's weighted max-of-queries (a mixin).

- The caller's weaviate ``Filter`` objects go to the server unchanged (every operator and target
  Weaviate has: references, geo ranges, creation times, ...). Excluded ids become
  ``Filter.by_id().contains_none(...)`` on servers >= 1.33; older ones get ``limit + len(exclude)``
  results and the excluded ones are dropped here.
- Scores are exact: each hit's vector comes back with it and is scored here as the dot product of
  its unit vector with the query (what the embedded store computes), so a user's collection with
  another distance metric ranks the same way. *Which* items come back is Weaviate's HNSW: approximate.
- ``search_max`` runs one near_vector per query and rescores the union exactly (the top items by the
  weighted maximum are among the union of each query's top items). With a prior that has a native
  form (``prior.vector`` and ``prior.learned``: the blend's behaviour part) a near_vector on the
  learned vectors' collection adds the items the prior favours; every candidate is then rescored
  with ``prior.aligned(ids)``: exact over the candidate set. A prior without one (the popularity
  prior) over-fetches each query by :data:`PRIOR_FETCH` and rescores.
- ``boost=`` (a weaviate ``Boost``, servers >= 1.38 only: else :class:`~core.errors.NotAvailableError`) goes
  to the server with ``near_vector`` / ``bm25``; those hits are NOT rescored exactly: their scores are the
  server's boosted ``metadata.score``, in the server's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError
from core.store.base import Hit, ItemPrior
from core.store.inputs import check_limit, check_queries, no_boost
from core.store.weaviate import names

PRIOR_FETCH = 3
"""Each query's over-fetch factor when a prior without a native form is added."""


def ranked(scores: dict[UUID, float], limit: int) -> list[Hit]:
    """The top ``limit`` of ``scores``, best first; ties by uuid, so repeated searches agree."""
    order = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0].int))
    return [Hit(u, float(s)) for u, s in order[:limit]]


def server_order(objects: Sequence[Any], excluded: set[UUID], limit: int) -> list[Hit]:
    """Boosted results as the server ranked them, with its ``metadata.score`` (no exact rescoring)."""
    hits = [Hit(UUID(str(o.uuid)), float(o.metadata.score or 0.0)) for o in objects]
    return [h for h in hits if h.uuid not in excluded][:limit]


class Search:
    """The search methods of the store protocol over Weaviate (see the module docstring)."""

    def check_filter(self, filters: Any) -> None:
        if filters is None:
            return
        from weaviate.collections.classes.filters import _Filters
        if not isinstance(filters, _Filters):
            raise InvalidInputError(f"filters must be a weaviate Filter (weaviate.classes.query.Filter), got "
                                    f"{type(filters).__name__}")

    def _narrowed(self, filters: Any, exclude: Iterable[UUID]) -> tuple[Any, int, set[UUID]]:
        """The filter to send, the extra results to ask for, and the excluded ids (dropped here too)."""
        self.check_filter(filters)
        excluded = set(exclude)
        if not excluded:
            return filters, 0, excluded
        if not self._contains_none:
            return filters, len(excluded), excluded
        from weaviate.classes.query import Filter
        out = Filter.by_id().contains_none(sorted(excluded, key=lambda u: u.int))
        return (out if filters is None else Filter.all_of([filters, out])), 0, excluded

    def _near(self, physical: str, name: str, query: np.ndarray, limit: int, filters: Any,
              boost: Any = None) -> list[Any]:
        from weaviate.classes.query import MetadataQuery
        legacy = self._legacy(physical)
        extra = {} if boost is None else {"boost": boost}
        return self._handle(physical).query.near_vector(
            near_vector=query.tolist(), target_vector=None if legacy else name, limit=limit, filters=filters,
            include_vector=True if legacy else [name], return_properties=[],
            return_metadata=MetadataQuery(distance=True, score=boost is not None), **extra).objects

    def _check_boost(self, boost: Any) -> None:
        if boost is not None and not self.capabilities.boost:
            no_boost(boost, f"Weaviate {'.'.join(map(str, self.version))} (boosts need 1.38)")

    def near_vectors(self, collection: str, queries: np.ndarray, limit: int, *, filters: Any = None,
                     exclude: Iterable[UUID] = (), vector_name: str | None = None,
                     boost: Any = None) -> list[list[Hit]]:
        self._check_boost(boost)
        physical = self._physical(collection)
        name, dims = self._spec_of(collection, physical).vector(vector_name)
        q = check_queries(queries, dims, name)
        limit = check_limit(limit)
        sent, extra, excluded = self._narrowed(filters, exclude)
        out = []
        for row in q:
            found = self._near(physical, name, row, limit + extra, sent, boost)
            if boost is not None:
                out.append(server_order(found, excluded, limit))
                continue
            scores = {u: s for u, s in self._scored(found, name, row[None], np.ones(1)).items() if u not in excluded}
            out.append(ranked(scores, limit))
        return out

    def _scored(self, objects: Sequence[Any], name: str, q: np.ndarray, w: np.ndarray) -> dict[UUID, float]:
        """``max_j w[j] * (unit(x) . q[j])`` of each object, from its returned vector."""
        from core.store.weaviate.items import unit_rows, vector_of
        if not objects:
            return {}
        ids = [UUID(str(o.uuid)) for o in objects]
        x = unit_rows([vector_of(o, name) for o in objects])
        best = (x @ (q * w[:, None]).T).max(axis=1)
        return dict(zip(ids, best.tolist()))

    def search_max(self, collection: str, queries: np.ndarray, weights: np.ndarray, limit: int, *,
                   filters: Any = None, exclude: Iterable[UUID] = (), prior: ItemPrior | None = None,
                   vector_name: str | None = None) -> list[Hit]:
        physical = self._physical(collection)
        name, dims = self._spec_of(collection, physical).vector(vector_name)
        q = np.asarray(queries, dtype=np.float32)
        w = np.asarray(weights, dtype=np.float32)
        if q.ndim != 2 or q.shape[1] != dims or w.shape != (len(q),) or not len(q) or not (w > 0).all():
            raise InvalidInputError(f"search_max needs (m, {dims}) queries and m positive weights, got {q.shape} "
                                    f"and {w.shape}")
        check_queries(q, dims, name)
        if not np.isfinite(w).all():
            raise InvalidInputError(f"search_max weights must be finite positive numbers, got {w.tolist()[:8]}")
        limit = check_limit(limit)
        sent, extra, excluded = self._narrowed(filters, exclude)
        native = prior is not None and getattr(prior, "vector", None) is not None and getattr(prior, "learned", None)
        fetch = limit + extra if prior is None or native else limit * PRIOR_FETCH + extra
        found = {UUID(str(o.uuid)): o for row in q for o in self._near(physical, name, row, fetch, sent)}
        if native:
            for uid, obj in self._prior_candidates(physical, name, prior, fetch, sent, set(found)).items():
                found.setdefault(uid, obj)
        scores = self._scored(list(found.values()), name, q, w)
        ids = [u for u in scores if u not in excluded]
        if prior is not None and ids:
            values = np.asarray(prior.aligned(ids), dtype=np.float64)
            scores = {u: scores[u] + float(v) for u, v in zip(ids, values)}
        return ranked({u: scores[u] for u in ids}, limit)

    def _prior_candidates(self, physical: str, name: str, prior: Any, limit: int, filters: Any,
                          have: set[UUID]) -> dict[UUID, Any]:
        """The items the prior's native form favours (near_vector on the learned vectors), passing ``filters``."""
        from weaviate.classes.query import Filter
        learned = names.learned_collection(physical, prior.learned)
        if not self._client.collections.exists(learned):
            return {}
        vector = np.asarray(prior.vector, dtype=np.float32)
        near = self._client.collections.get(learned).query.near_vector(
            near_vector=vector.tolist(), target_vector="behaviour", limit=limit, return_properties=[])
        new = [UUID(str(o.uuid)) for o in near.objects if UUID(str(o.uuid)) not in have]
        if not new:
            return {}
        ids = Filter.by_id().contains_any(new)
        legacy = self._legacy(physical)
        found = self._handle(physical).query.fetch_objects(
            filters=ids if filters is None else Filter.all_of([filters, ids]), limit=len(new),
            include_vector=True if legacy else [name], return_properties=[])
        return {UUID(str(o.uuid)): o for o in found.objects}

    def bm25(self, collection: str, query: str, limit: int, *, filters: Any = None,
             exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None,
             boost: Any = None) -> list[Hit]:
        from weaviate.classes.query import MetadataQuery
        self._check_boost(boost)
        physical = self._physical(collection)
        spec = self._spec_of(collection, physical)
        if not isinstance(query, str):
            raise InvalidInputError(f"a BM25 query is text, got {type(query).__name__}")
        limit = check_limit(limit)
        if not query.strip():
            return []
        fields = self._keyword_fields(physical, spec, query_properties)
        if fields == []:
            return []
        sent, extra, excluded = self._narrowed(filters, exclude)
        found = self._handle(physical).query.bm25(query=query, query_properties=fields, limit=limit + extra,
                                                  filters=sent, return_properties=[],
                                                  return_metadata=MetadataQuery(score=True),
                                                  **({} if boost is None else {"boost": boost})).objects
        if boost is not None:
            return server_order(found, excluded, limit)
        scores = {UUID(str(o.uuid)): float(o.metadata.score or 0.0) for o in found}
        return ranked({u: s for u, s in scores.items() if u not in excluded}, limit)

    def _keyword_fields(self, physical: str, spec: Any, query_properties: Sequence[str] | None) -> list[str] | None:
        """The properties BM25 searches: ``query_properties``, else the collection's text fields (None: every text
        property). A store-made collection's text fields that no item has yet are not in the schema: left out,
        and ``[]`` when none is left (nothing to search). Once all are there (a property is never removed) that
        is remembered for the collection's record version, so a search is one request."""
        fields = list(query_properties) if query_properties else list(spec.text_fields) or None
        if not fields or query_properties or not self._owned(physical):
            return fields
        version = self._specs.get(physical, ("",))[0]
        if self._searchable.get(physical) == version:
            return fields
        from core.store.weaviate.schema import property_types
        known = property_types(self._handle(physical).config.get())
        kept = [f for f in fields if f in known]
        if len(kept) == len(fields):
            self._searchable[physical] = version
        return kept
