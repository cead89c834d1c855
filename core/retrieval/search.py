"""Personalized search: ``agent.query(persona_id, strength=...).near_text / bm25 / hybrid``.

The plain search fetches ``ceil(limit * overfetch_factor)`` results. Each result gets a search
score and a persona score (the agent's strategy scoring its vector, as in ``get_objects``); both
are min-max scaled to [0, 1] over the fetched results and mixed::

    score = (1 - strength) * search + strength * persona

so ``strength`` 0 returns the plain search order and 1 ranks the fetched results purely by the
persona. Ties keep the search order. Hybrid fuses BM25 and vector scores as Weaviate's
relative-score fusion does: each scaled to [0, 1], then ``alpha * vector + (1 - alpha) * bm25``.
"""

from __future__ import annotations

import math
import numbers
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError, NotAvailableError
from core.models import (GetObjectsOptions, Persona, PersonalizedQueryResponse, QueryMetadata, QueryObject)
from core.retrieval.vector_stage import Tracer, load_profile
from core.retrieval.fusion import fuse_relative, scale
from core.store.base import Hit
from core.retrieval.strategies import build_scorer

if TYPE_CHECKING:
    from core.personalization.sync import PersonalizationAgent


def _unit(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise InvalidInputError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


class PersonalizedQuery:
    """Search methods bound to one persona and personalization settings."""

    def __init__(self, agent: "PersonalizationAgent", persona: Persona, *, strength: float = 0.5,
                 overfetch_factor: float = 1.5, recent_interactions_count: int = 100, decay_rate: float = 0.1,
                 now: datetime | None = None) -> None:
        self.strength = _unit("strength", strength)
        if isinstance(overfetch_factor, bool) or not isinstance(overfetch_factor, numbers.Real) \
                or not 1 <= overfetch_factor <= 100:
            raise InvalidInputError(f"overfetch_factor must be a number from 1 to 100, got {overfetch_factor!r}")
        self.overfetch_factor = float(overfetch_factor)
        self.options = GetObjectsOptions(recent_interactions_count=recent_interactions_count, decay_rate=decay_rate,
                                         strategy=agent.strategy, now=now)
        self.agent, self.persona = agent, persona

    # the three search methods --------------------------------------------------------------
    def near_text(self, query: str | Sequence[str], *, limit: int | None = None, filters: Any = None,
                  **unsupported: Any) -> PersonalizedQueryResponse:
        _reject(unsupported)
        text = _text(query)
        vector = self._embed(text)
        return self._run("near_text", limit, filters, lambda k, f: self._near_vector(vector, k, f))

    def bm25(self, query: str, *, query_properties: list[str] | None = None, limit: int | None = None,
             filters: Any = None, **unsupported: Any) -> PersonalizedQueryResponse:
        _reject(unsupported)
        text = _text(query)
        store, coll = self.agent.store, self.agent.collection
        return self._run("bm25", limit, filters,
                         lambda k, f: store.bm25(coll, text, k, filters=f, query_properties=query_properties))

    def hybrid(self, query: str, *, alpha: float = 0.7, vector: Sequence[float] | None = None,
               query_properties: list[str] | None = None, limit: int | None = None, filters: Any = None,
               **unsupported: Any) -> PersonalizedQueryResponse:
        _reject(unsupported)
        alpha = _unit("alpha", alpha)
        text = _text(query)
        qvec = np.asarray(vector, dtype=np.float32) if vector is not None else (self._embed(text) if alpha > 0 else None)
        store, coll = self.agent.store, self.agent.collection

        def fused(k: int, f: Any) -> list[Hit]:
            dense = self._near_vector(qvec, k, f) if alpha > 0 else []
            sparse = store.bm25(coll, text, k, filters=f, query_properties=query_properties) if alpha < 1 else []
            return fuse_relative(dense, sparse, alpha)[:k]
        return self._run("hybrid", limit, filters, fused)

    # shared machinery ----------------------------------------------------------------------
    def _embed(self, text: str) -> np.ndarray:
        spec = self.agent.store.get_collection(self.agent.collection)
        embedder = self.agent.embedder
        if spec.dims != embedder.dims:
            raise NotAvailableError(f"collection {spec.name!r} has {spec.dims}-d vectors, but the text model "
                                    f"{embedder.name} makes {embedder.dims}-d ones; use bm25 or pass vector=")
        return embedder.embed_one(text)

    def _near_vector(self, vector: np.ndarray, k: int, filters: Any) -> list[Hit]:
        return self.agent.store.near_vectors(self.agent.collection, vector, k, filters=filters)[0]

    def _run(self, method: str, limit: int | None, filters: Any, search) -> PersonalizedQueryResponse:
        limit = 10 if limit is None else limit
        GetObjectsOptions(limit=limit)  # validates
        if filters is not None:
            self.agent.store.check_filter(filters)
        trace = Tracer()
        fetch = max(limit, math.ceil(limit * self.overfetch_factor))
        hits = search(fetch, filters)
        trace.record("search", method=method, fetched=len(hits), overfetch=fetch)
        persona_scores = self._persona_scores([h.uuid for h in hits])
        trace.record("persona_scores", strength=self.strength, personalized=persona_scores is not None)
        s_search = scale(np.array([h.score for h in hits]))
        s_persona = scale(persona_scores) if persona_scores is not None else np.zeros(len(hits))
        mixed = (1 - self.strength) * s_search + self.strength * s_persona
        order = sorted(range(len(hits)), key=lambda i: (-mixed[i], i))[:limit]
        items = self.agent.store.get_items(self.agent.collection, [hits[i].uuid for i in order])
        objects = [QueryObject(hits[i].uuid, items[hits[i].uuid].properties,
                               QueryMetadata(float(mixed[i]), float(s_search[i]), float(s_persona[i]), i + 1))
                   for i in order]
        trace.record("rank", returned=len(objects))
        return PersonalizedQueryResponse(objects=objects, trace=trace.steps)

    def _persona_scores(self, ids: list[UUID]) -> np.ndarray | None:
        store, coll = self.agent.store, self.agent.collection
        profile = load_profile(store, coll, self.persona, self.options, self.agent.config)
        if profile.is_empty or not ids:
            return None
        scorer = build_scorer(self.options.strategy, profile, self.agent.config.strategy)
        return scorer.score(store.get_vectors(coll, ids))[0]


def _text(query: Any) -> str:
    if isinstance(query, (list, tuple)) and query and all(isinstance(q, str) for q in query):
        query = " ".join(query)
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError(f"query must be a non-empty string, got {query!r}")
    return query


def _reject(unsupported: dict[str, Any]) -> None:
    used = {k: v for k, v in unsupported.items() if v not in (None, False)}
    if used:
        raise NotAvailableError(f"search options {sorted(used)} are not supported by this engine; "
                                "supported: query, limit, filters (+ query_properties for bm25/hybrid, alpha and "
                                "vector for hybrid)")
