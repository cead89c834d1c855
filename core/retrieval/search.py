"""Personalized search: ``agent.query(persona_id, strength=...).near_text / bm25 / hybrid``.

The plain search fetches ``ceil((offset + limit) * overfetch_factor)`` results. Each gets a search
score and a persona score (the agent's strategy scoring its vector, as in ``get_objects``); both
are min-max scaled to [0, 1] over the fetched results and mixed::

    score = (1 - strength) * search + strength * persona

so ``strength`` 0 keeps the plain search order and 1 ranks the fetched results purely by the persona (ties keep
the search order). Then ``offset`` skips that many, ``limit`` caps the list and ``auto_limit`` (Weaviate's
autocut, :mod:`core.retrieval.autocut`) cuts it at a jump in ``score``. The searches themselves follow Weaviate:

- ``near_text``: the query texts' mean embedding, moved by ``move_to`` / ``move_away``
  (:mod:`core.retrieval.moves`); ``distance`` (cosine, at most) and ``certainty`` (``1 - distance / 2``, at
  least) drop hits before the mix. When the server vectorizes the target vector (a user's Weaviate collection
  with a module, :mod:`core.retrieval.server_text`) texts, moves and distance go to ``Store.near_text`` and
  hybrid sends no vector: the server embeds; the trace's ``vectorized_by`` says which;
- ``bm25``: the store's BM25 over ``query_properties`` (default: the collection's text fields);
- ``hybrid``: the store's :meth:`~core.store.base.Store.hybrid` (:mod:`core.store.hybrid`): vector and BM25
  hits fused by relative score (each scaled to [0, 1], then ``alpha * vector + (1 - alpha) * bm25``) or, with
  ``fusion_type=HybridFusion.RANKED``, by rank; on Weaviate the server fuses, in one request, elsewhere the
  engine (the ``search`` trace step's ``fused_by``); ``max_vector_distance`` drops far vector hits before
  fusing; ``query=None`` with a ``vector`` searches by the vector alone.

``boost=`` (a weaviate ``Boost``) rescores the plain search's candidates before the persona mix, so the
search score the persona mixes with is the boosted one: Weaviate >= 1.38 does it (the store sends it), the engine
everywhere else (:mod:`core.retrieval.boost_stage`); the ``search`` step records the conditions and ``boosted_by``.

Result shaping (``return_properties``, ``return_metadata``, ``include_vector``) is in
:mod:`core.retrieval.results`. Options this engine cannot honour raise ``NotAvailableError``
naming them; unknown keywords raise ``InvalidInputError`` naming them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import PipelineConfig
from core.errors import InvalidInputError, NotAvailableError, NotFoundError
from core.models import Persona, PersonalizedQueryResponse, QueryOptions, SearchOptions
from core.retrieval.autocut import autocut
from core.retrieval.boost import BoostPlan
from core.retrieval.boost_stage import boost_hits, boost_plan, boost_trace, boosted_by
from core.retrieval.moves import combine, move_away, move_to, unit
from core.retrieval.results import Found, shape_results
from core.retrieval.server_text import server_vectorizer, vectorized_by
from core.retrieval.strategies import build_scorer
from core.retrieval.vector_stage import filter_text, load_profile
from core.store.base import Hit, Store
from core.store.hybrid import fused_by, scale
from core.trace import Tracer

_COMMON = ("limit", "offset", "auto_limit", "filters", "rerank", "include_vector", "return_metadata",
           "return_properties", "return_references", "boost")
KEYWORDS = {
    "near_text": ("certainty", "distance", "move_to", "move_away", "target_vector", *_COMMON),
    "bm25": ("query_properties", *_COMMON),
    "hybrid": ("alpha", "vector", "query_properties", "fusion_type", "max_vector_distance", "target_vector", *_COMMON),
}
"""The official keyword arguments of each search method (weaviate-agents 1.8.0), and weaviate-client's ``boost``."""


def check_filters(store: Store, filters: Any) -> None:
    """Reject a filter the store cannot evaluate, before any work."""
    store.check_filter(filters)


class PersonalizedQuery:
    """Search methods bound to one persona and its personalization settings."""

    def __init__(self, store: Store, collection: str, persona: Persona, options: QueryOptions, *,
                 config: PipelineConfig, embedder: Callable[[], Any], vector_name: str | None = None) -> None:
        """``embedder`` is called (once) only when a search needs the text model."""
        self.store, self.collection, self.persona = store, collection, persona
        self.options, self.config, self.vector_name = options, config, vector_name
        self._embedder = embedder

    # the three official search methods -------------------------------------------------------
    def near_text(self, query: str | Sequence[str], *, certainty: float | None = None, distance: float | None = None,
                  move_to: Any = None, move_away: Any = None, limit: int | None = None, offset: int | None = None,
                  auto_limit: int | None = None, filters: Any = None, rerank: Any = None,
                  target_vector: str | None = None, include_vector: bool | str | list[str] = False,
                  return_metadata: Any = None, return_properties: Any = None, return_references: Any = None,
                  boost: Any = None, **unknown: Any) -> PersonalizedQueryResponse:
        """Personalized ``near_text`` (official keywords; see the module docstring)."""
        _refuse("near_text", unknown, rerank=rerank, return_references=return_references)
        return self.run(SearchOptions(method="near_text", **_given(
            query=query, certainty=certainty, distance=distance, move_to=move_to, move_away=move_away, limit=limit,
            offset=offset, auto_limit=auto_limit, filters=filters, target_vector=target_vector,
            include_vector=include_vector, return_metadata=return_metadata, return_properties=return_properties,
            boost=boost)))

    def bm25(self, query: str | None, *, query_properties: list[str] | None = None, limit: int | None = None,
             offset: int | None = None, auto_limit: int | None = None, filters: Any = None, rerank: Any = None,
             include_vector: bool | str | list[str] = False, return_metadata: Any = None,
             return_properties: Any = None, return_references: Any = None, boost: Any = None,
             **unknown: Any) -> PersonalizedQueryResponse:
        """Personalized ``bm25`` (official keywords; see the module docstring)."""
        _refuse("bm25", unknown, rerank=rerank, return_references=return_references)
        return self.run(SearchOptions(method="bm25", **_given(
            query=query, query_properties=query_properties, limit=limit, offset=offset, auto_limit=auto_limit,
            filters=filters, include_vector=include_vector, return_metadata=return_metadata,
            return_properties=return_properties, boost=boost)))

    def hybrid(self, query: str | None, *, alpha: float = 0.7, vector: Sequence[float] | None = None,
               query_properties: list[str] | None = None, fusion_type: Any = None,
               max_vector_distance: float | None = None, limit: int | None = None, offset: int | None = None,
               auto_limit: int | None = None, filters: Any = None, rerank: Any = None,
               target_vector: str | None = None, include_vector: bool | str | list[str] = False,
               return_metadata: Any = None, return_properties: Any = None, return_references: Any = None,
               boost: Any = None, **unknown: Any) -> PersonalizedQueryResponse:
        """Personalized ``hybrid`` (official keywords; see the module docstring)."""
        _refuse("hybrid", unknown, rerank=rerank, return_references=return_references)
        return self.run(SearchOptions(method="hybrid", **_given(
            query=query, alpha=alpha, vector=vector, query_properties=query_properties, fusion_type=fusion_type,
            max_vector_distance=max_vector_distance, limit=limit, offset=offset, auto_limit=auto_limit,
            filters=filters, target_vector=target_vector, include_vector=include_vector,
            return_metadata=return_metadata, return_properties=return_properties, boost=boost)))

    # one run -------------------------------------------------------------------------------
    def run(self, search: SearchOptions) -> PersonalizedQueryResponse:
        """Run one validated search, personalize it and shape the results (replays a ``config`` trace step)."""
        check_filters(self.store, search.filters)
        options = self.options if self.options.now else self.options.validated_copy(now=datetime.now(timezone.utc))
        trace = Tracer()
        trace.record("config", query=options.model_dump(mode="json"), search=search.model_dump(mode="json"),
                     filters=filter_text(search.filters),
                     pipeline=self.config.model_dump(mode="json"), vector_name=self.vector_name)
        plan = boost_plan(self.store, self.collection, search, options.now)
        wanted = search.limit + search.offset
        fetch = max(wanted, math.ceil(wanted * options.overfetch_factor))
        found = self._search(search, fetch, plan)
        hits = found.hits
        trace.record("search", method=search.method, fetched=len(hits), overfetch=fetch, **found.trace)
        persona_scores = self._persona_scores(options, [h.uuid for h in hits])
        trace.record("persona_scores", strength=options.strength, personalized=persona_scores is not None)
        s_search = scale(np.array([h.score for h in hits]))
        s_persona = scale(persona_scores) if persona_scores is not None else np.zeros(len(hits))
        mixed = (1 - options.strength) * s_search + options.strength * s_persona
        order = sorted(range(len(hits)), key=lambda i: (-mixed[i], i))[search.offset:wanted]
        order = order[:autocut([float(mixed[i]) for i in order], search.auto_limit or 0)]
        vectors = self._vectors([hits[i].uuid for i in order], search.include_vector)
        objects = shape_results(self.store, self.collection, search, found, order, mixed, s_search, s_persona,
                                options.strength, vectors)
        trace.record("rank", returned=len(objects), offset=search.offset,
                     autocut=search.auto_limit if search.auto_limit and search.auto_limit > 0 else None)
        return PersonalizedQueryResponse(objects=objects, trace=trace.steps)

    def _search(self, search: SearchOptions, fetch: int, plan: BoostPlan | None) -> Found:
        """The plain search's best ``fetch`` hits, boosted by the store (sent with the search) or here."""
        name = search.target_vector or self.vector_name
        server_text = search.method == "near_text" and server_vectorizer(self.store, self.collection, name)
        by = boosted_by(self.store, search, plan, _max_distance(search), server_vectorized=bool(server_text))
        native = plan.source if by == "weaviate" else None
        found = self._primary(search, fetch if plan is None or native is not None else max(plan.depth, fetch), native)
        if by == "engine":
            found.hits = boost_hits(self.store, self.collection, found.hits, plan, fetch)
        found.trace.update(boost_trace(plan, by))
        return found

    def _primary(self, search: SearchOptions, k: int, boost: Any) -> Found:
        if search.method == "bm25":
            return Found(self._bm25(search, k, boost), None, {})
        name = search.target_vector or self.vector_name
        module = server_vectorizer(self.store, self.collection, name)
        if search.method == "near_text":
            texts = [search.query] if isinstance(search.query, str) else list(search.query or ())
            if not texts:
                raise InvalidInputError("near_text needs a query")
            by = vectorized_by(module, self._embedder())
            if module:  # the server's module made the items' vectors: it vectorizes the query too (no boost here)
                self._check_moves(search)
                dense = self.store.near_text(self.collection, texts, k, filters=search.filters, vector_name=name,
                                             move_to=search.move_to, move_away=search.move_away,
                                             max_distance=_max_distance(search))
                return Found(dense, {h.uuid: 1 - h.score for h in dense}, {"vector_name": name, "vectorized_by": by})
            query = self._text_vector(texts, search, name)
            dense = self._near_vector(query, k, search, name, boost)
            distances = {h.uuid: 1 - h.score for h in dense} if boost is None else self._distances(dense, query, name)
            return Found(dense, distances, {"vector_name": name, "vectorized_by": by})
        if search.query is None and search.vector is None:
            raise InvalidInputError("hybrid needs a query, a vector, or both; got neither")
        vector = None
        by = "caller (vector=)" if search.vector is not None else vectorized_by(module, self._embedder())
        if search.vector is not None:
            vector = unit(search.vector)
        elif search.alpha > 0 and not module:  # with a module the server embeds the query itself
            vector = self._embed([search.query], name)
        hits = self.store.hybrid(self.collection, search.query, vector, k, alpha=search.alpha,
                                 fusion=search.fusion_type, filters=search.filters,
                                 query_properties=search.query_properties, vector_name=name,
                                 max_vector_distance=search.max_vector_distance, **_boost(boost))
        return Found(hits, None, {"fusion_type": search.fusion_type, "fused_by": fused_by(self.store),
                                  "vector_name": name, "vectorized_by": by})

    def _bm25(self, search: SearchOptions, k: int, boost: Any = None) -> list[Hit]:
        if search.query is None:
            raise NotAvailableError("bm25 without a query (a plain fetch of objects) is not supported; pass a "
                                    "query, or use get_objects for a persona's recommendations")
        return self.store.bm25(self.collection, search.query, k, filters=search.filters,
                               query_properties=search.query_properties, **_boost(boost))

    def _near_vector(self, vector: np.ndarray, k: int, search: SearchOptions, name: str | None,
                     boost: Any = None) -> list[Hit]:
        hits = self.store.near_vectors(self.collection, vector, k, filters=search.filters, vector_name=name,
                                       **_boost(boost))[0]
        limit = _max_distance(search)
        return hits if limit is None else [h for h in hits if 1 - h.score <= limit + 1e-9]

    def _distances(self, hits: list[Hit], query: np.ndarray, name: str | None) -> dict[UUID, float]:
        """Cosine distances to ``query`` from the stored vectors (a server-boosted hit's score is not a similarity)."""
        if not hits:
            return {}
        x = np.asarray(self.store.get_vectors(self.collection, [h.uuid for h in hits], vector_name=name), np.float64)
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return {h.uuid: float(1 - s) for h, s in zip(hits, x @ query)}

    def _text_vector(self, texts: list[str], search: SearchOptions, name: str | None) -> np.ndarray:
        query = self._embed(texts, name).astype(np.float64)
        self._check_moves(search)
        for move, apply in ((search.move_to, move_to), (search.move_away, move_away)):
            if move is not None and move.force > 0 and (move.concepts or move.objects):
                query = apply(query, self._move_target(move, name), move.force)
        return unit(query)

    def _check_moves(self, search: SearchOptions) -> None:
        """Every move object must be in the collection (checked before any search is sent)."""
        objects = [o for m in (search.move_to, search.move_away) if m is not None for o in m.objects]
        missing = self.store.missing_items(self.collection, objects) if objects else []
        if missing:
            raise NotFoundError(f"move objects {[str(m) for m in missing]} are not in collection {self.collection!r}")

    def _move_target(self, move, name: str | None) -> np.ndarray:
        parts = [self._embed(list(move.concepts), name)] if move.concepts else []
        if move.objects:
            parts.extend(self.store.get_vectors(self.collection, list(move.objects), vector_name=name))
        return combine(np.stack(parts))

    def _embed(self, texts: list[str], name: str | None) -> np.ndarray:
        """The mean of the texts' unit embeddings (Weaviate's ``CombineVectors``), L2-normalised."""
        spec = self.store.get_collection(self.collection)
        embedder = self._embedder()
        vector, dims = spec.vector(name or self.vector_name)
        if spec.server_vectorizer(vector):  # its vectors are the module's: ours would land in another space
            raise NotAvailableError(f"vector {vector!r} of collection {spec.name!r} is vectorized by the server's "
                                    f"{spec.server_vectorizer(vector)}; its texts go to the server (near_text)")
        if dims != embedder.dims:
            raise NotAvailableError(f"vector {vector!r} of collection {spec.name!r} has {dims} dimensions, but the "
                                    f"text model {embedder.name} makes {embedder.dims}-d ones; use bm25 or pass vector=")
        return unit(combine(embedder.embed_queries(texts)))

    def _vectors(self, ids: list[UUID], include: bool | tuple[str, ...]) -> dict[str, np.ndarray]:
        """The asked-for stored vectors of ``ids`` by name; ``True`` is the agent's (``"default"`` if unnamed)."""
        if include is False or not ids:
            return {}
        names = (self.vector_name or "default",) if include is True else include
        return {name: self.store.get_vectors(self.collection, ids, vector_name=name) for name in names}

    def _persona_scores(self, options: QueryOptions, ids: list[UUID]) -> np.ndarray | None:
        profile = load_profile(self.store, self.collection, self.persona, options.profile_options(), self.config)
        if profile.is_empty or not ids:
            return None
        scorer = build_scorer(options.strategy, profile, self.config.strategy)
        return scorer.score(self.store.get_vectors(self.collection, ids))[0]


def _max_distance(search: SearchOptions) -> float | None:
    """The cosine-distance threshold: ``distance``, ``certainty`` (``d = 2 (1 - c)``) or ``max_vector_distance``."""
    if search.distance is not None:
        return search.distance
    if search.certainty is not None:
        return 2 * (1 - search.certainty)
    return search.max_vector_distance


def _boost(boost: Any) -> dict[str, Any]:
    """The ``boost=`` keyword for a store search, only when there is one (stores without boosts take none)."""
    return {} if boost is None else {"boost": boost}


def _given(**kwargs: Any) -> dict[str, Any]:
    """The arguments that were given (None means "the default", as in weaviate-client)."""
    return {k: v for k, v in kwargs.items() if v is not None}


def _refuse(method: str, unknown: dict[str, Any], **unsupported: Any) -> None:
    if unknown:
        raise InvalidInputError(f"{method}() got unknown keyword(s) {sorted(unknown)}; "
                                f"valid: query, {', '.join(KEYWORDS[method])}")
    used = sorted(k for k, v in unsupported.items() if v is not None)
    if used:
        raise NotAvailableError(f"{method}(): {used} not supported by this engine (no reranker module; "
                                "no cross-references in the embedded store)")

