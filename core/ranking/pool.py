"""Steps 1–3 of the agent: summarise the persona, run the planned searches, build the pool.

Every candidate in the pool, whichever search found it, gets the same signals computed the same
way (the engine's strategy score split into like similarity and dislike penalty, popularity,
persona-property match, closest like/dislike, and similarity to the instruction), so rankers
compare like with like and explanations can quote real numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import NotAvailableError
from core.models import Movement
from core.retrieval.moves import combine, move_to, unit
from core.retrieval.persona_match import match_item, persona_terms
from core.retrieval.popularity import popularity
from core.retrieval.profile import Profile
from core.retrieval.server_text import server_vectorizer, vectorized_by
from core.retrieval.signals import item_titles, nearest_interactions
from core.retrieval.strategies.blend import behaviour_reasons
from core.retrieval.strategies import StrategyConfig, build_scorer
from core.store.base import Hit, Store
from core.store.hybrid import HybridRequest, check_hybrid, engine_hybrid, fused_by
from core.ranking.base import Candidate, Interest, PersonaSummary, PlannedSearch
from core.titles import display_title


InstructionSimilarity = Callable[[Sequence[UUID], np.ndarray], np.ndarray]
"""``(ids, their vectors) -> similarity to the instruction`` per item (NaN where there is none)."""


def persona_summary(store: Store, collection: str, profile: Profile, top: int = 5) -> PersonaSummary:
    """The persona's properties, terms and strongest recent likes and dislikes after decay."""
    rows = list(range(len(profile.interactions)))
    eff = profile.effective
    names = item_titles(store, collection, [i.item_id for i in profile.interactions])

    def interests(keep, order) -> tuple[Interest, ...]:
        chosen = sorted((r for r in rows if keep(eff[r])), key=order)[:top]
        item = profile.interactions
        return tuple(Interest(item[r].item_id, names.get(item[r].item_id, str(item[r].item_id)),
                              round(float(eff[r]), 4)) for r in chosen)
    return PersonaSummary(profile.persona.properties, interests(lambda w: w > 0, lambda r: -eff[r]),
                          interests(lambda w: w < 0, lambda r: eff[r]), tuple(persona_terms(profile.persona.properties)))


class Searcher:
    """Runs planned searches with the request's filters and exclusions; embeds queries in one batch.

    When the server vectorizes the collection's vector (``module``, :mod:`core.retrieval.server_text`)
    nothing is embedded here: text searches go to ``Store.near_text`` and ``toward_likes`` becomes a
    server-side ``move_to`` the liked objects (Weaviate moves towards their mean vector, as the
    engine's own path does).
    """

    def __init__(self, store: Store, collection: str, embedder: Any, *, filters: Any, exclude: set[UUID],
                 alpha: float = 0.5, vector_name: str | None = None, likes: Sequence[UUID] = ()) -> None:
        self.store, self.collection, self.embedder = store, collection, embedder
        self.filters, self.exclude, self.alpha, self.vector_name = filters, exclude, alpha, vector_name
        self.likes = list(likes)
        """The items a search with ``toward_likes`` moves towards (the persona's strongest recent likes)."""
        self.module = server_vectorizer(store, collection, vector_name)
        self.vectorized_by = vectorized_by(self.module, embedder)
        self._vectors: dict[str, np.ndarray] = {}
        self._likes_target: np.ndarray | None = None
        self._dense: dict[PlannedSearch, list[Hit]] = {}  # vector parts searched together (prefetch)

    def embed(self, texts: Sequence[str]) -> None:
        """Embed every text not embedded yet, in one model call (nothing when the server vectorizes)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if not todo or self.module:
            return
        dims = self.store.get_collection(self.collection).vector(self.vector_name)[1]
        if dims != self.embedder.dims:
            raise NotAvailableError(f"collection {self.collection!r} has {dims}-d vectors but the text model makes "
                                    f"{self.embedder.dims}-d ones, so text searches and instruction similarity "
                                    "are unavailable; use bm25 searches only")
        self._vectors.update(zip(todo, self.embedder.embed_queries(todo)))

    def vector(self, text: str) -> np.ndarray:
        """The engine's embedding of ``text`` (NotAvailableError when the server vectorizes this vector)."""
        if self.module:
            raise NotAvailableError(f"the server's {self.module} vectorizes collection {self.collection!r}; "
                                    "the engine's text model is not used for it")
        self.embed([text])
        return self._vectors[text]

    def prefetch(self, searches: Sequence[PlannedSearch], k: int) -> None:
        """The vector parts of several engine-embedded searches (``near_text``, and ``hybrid`` where the engine
        fuses) in ONE ``near_vectors`` call, one matrix product for all; :meth:`run` then cuts each its own
        top (``k * depth``, a hybrid's window). A single search, or a server that embeds or fuses, runs as is."""
        if self.module or fused_by(self.store) != "engine":
            return
        parts = {s: self._part(s, k * max(1, s.depth)) for s in searches
                 if s.method == "near_text" or (s.method == "hybrid" and self.alpha > 0)}
        if len(parts) < 2:
            return
        queries = np.stack([q for q, _ in parts.values()])
        found = self.store.near_vectors(self.collection, queries, max(n for _, n in parts.values()),
                                        vector_name=self.vector_name, filters=self.filters, exclude=self.exclude)
        self._dense = {s: hits[:n] for (s, (_, n)), hits in zip(parts.items(), found)}

    def batched(self, search: PlannedSearch) -> bool:
        """Whether ``search``'s vector part ran in :meth:`prefetch`'s one call."""
        return search in self._dense

    def _part(self, search: PlannedSearch, k: int) -> tuple[np.ndarray, int]:
        """A search's query vector as its store call gets it, and how deep its vector part goes."""
        vector = self._query_vector(search)
        if search.method == "near_text":
            return vector, k
        request = self._hybrid(search, vector, k)
        return request.vector, request.window

    def _hybrid(self, search: PlannedSearch, vector: np.ndarray, k: int) -> HybridRequest:
        return check_hybrid(self.store.get_collection(self.collection), search.query, vector, k, alpha=self.alpha,
                            fusion="relative_score", vector_name=self.vector_name, max_vector_distance=None)

    def _query_vector(self, search: PlannedSearch) -> np.ndarray:
        vector = self.vector(search.query)
        if search.toward_likes and self.likes:
            vector = unit(move_to(vector, self._target(), search.toward_likes), what="moved query vector")
        return vector

    def run(self, search: PlannedSearch, k: int) -> list[Hit]:
        store, coll, where = self.store, self.collection, dict(filters=self.filters, exclude=self.exclude)
        if search.method == "bm25":
            return store.bm25(coll, search.query, k, **where)
        if self.module:
            return self._run_on_server(search, k, where)
        dense = self._dense.get(search)
        if dense is not None and search.method == "hybrid":  # its vector part was searched with the others
            return engine_hybrid(store, coll, self._hybrid(search, self._query_vector(search), k), dense=dense,
                                 **where)
        if dense is not None:
            return dense[:k]
        vector = self._query_vector(search)
        if search.method == "near_text":
            return store.near_vectors(coll, vector, k, vector_name=self.vector_name, **where)[0]
        return store.hybrid(coll, search.query, vector, k, alpha=self.alpha, vector_name=self.vector_name, **where)

    def _run_on_server(self, search: PlannedSearch, k: int, where: dict) -> list[Hit]:
        toward = Movement(force=search.toward_likes, objects=tuple(self.likes)) \
            if search.toward_likes and self.likes else None
        if search.method == "near_text":
            return self.store.near_text(self.collection, [search.query], k, vector_name=self.vector_name,
                                        move_to=toward, **where)
        # hybrid: one native request, the server vectorizing the query (the planners move only near_text searches)
        return self.store.hybrid(self.collection, search.query, None, k, alpha=self.alpha,
                                 vector_name=self.vector_name, **where)

    def server_similarity(self, text: str, ids: Sequence[UUID]) -> np.ndarray:
        """Each item's similarity to ``text`` by the server's module: ONE near_text restricted to ``ids``
        (a filtered search that small is a flat, exact scan on Weaviate); NaN for an item it did not score."""
        from weaviate.classes.query import Filter
        if not ids:
            return np.zeros(0, np.float32)
        hits = self.store.near_text(self.collection, [text], len(ids), vector_name=self.vector_name,
                                    filters=Filter.by_id().contains_any(list(ids)))
        got = {h.uuid: h.score for h in hits}
        return np.array([got.get(u, np.nan) for u in ids], np.float32)

    def _target(self) -> np.ndarray:
        if self._likes_target is None:
            liked = self.store.get_vectors(self.collection, self.likes, vector_name=self.vector_name)
            self._likes_target = combine(liked)
        return self._likes_target


def build_pool(store: Store, collection: str, profile: Profile, ranked: Sequence[UUID],
               found: Sequence[tuple[PlannedSearch, list[Hit]]], instruction: InstructionSimilarity | None,
               strategy: str, strategy_config: StrategyConfig, vector_name: str | None = None) -> list[Candidate]:
    """The candidate pool: the vector-only list in its order, then items only the searches found.

    ``instruction`` gives each pool item's similarity to the instruction (NaN: none for that item)."""
    sources: dict[UUID, list[str]] = {u: ["vector"] for u in ranked}
    for search, hits in found:
        label = f"search near your likes: {search.query}" if search.toward_likes else f"search: {search.query}"
        for hit in hits:
            if label not in sources.setdefault(hit.uuid, []):
                sources[hit.uuid].append(label)
    ids = list(sources)
    items = store.get_items(collection, ids)
    X = store.get_vectors(collection, ids, vector_name=vector_name)
    similarity = instruction(ids, X) if instruction is not None else None
    signals = _signals(store, collection, profile, ids, X, items, similarity, strategy, strategy_config)
    rank = {u: r for r, u in enumerate(ranked, start=1)}
    fields = store.get_collection(collection).text_fields
    return [Candidate(u, display_title(items[u].properties, str(u), fields), items[u].properties, rank.get(u),
                      tuple(sources[u]), X[n], signals[n]) for n, u in enumerate(ids)]


def _signals(store, collection, profile, ids, X, items, similarity, strategy, strategy_config) -> list[dict]:
    n = len(ids)
    like, penalty = np.zeros(n, np.float32), np.zeros(n, np.float32)
    extra: list[dict[str, Any]] = [{} for _ in ids]
    if not profile.is_empty:
        scorer = build_scorer(strategy, profile, strategy_config)
        score, parts = scorer.score(X)
        like, penalty = parts["like_similarity"], parts["dislike_penalty"]
        if hasattr(scorer, "by_id"):  # blend: its score (content and behaviour parts, dislikes in) is the like part
            part, more = scorer.by_id(ids)
            like, penalty = score + part, np.zeros(n, np.float32)
            reasons = behaviour_reasons(store, collection, scorer, ids)
            extra = [{"content_part": float(parts["content_part"][k]), **{m: float(v[k]) for m, v in more.items()},
                      **reasons[k]} for k in range(n)]
    popular = popularity(store, collection)
    scaled, liked_by = popular.scaled(ids), popular.like_counts(ids)
    terms = persona_terms(profile.persona.properties)
    out = []
    for k, u in enumerate(ids):
        match = match_item(terms, items[u].properties)
        sig: dict[str, Any] = {"like_similarity": float(like[k]), "dislike_penalty": float(penalty[k]),
                               "popularity": float(scaled[k]), "liked_by": int(liked_by[k]),
                               "property_match": match.share}
        sig.update(extra[k])
        if match.matched:
            sig["matched_terms"] = list(match.matched)
        if similarity is not None and np.isfinite(similarity[k]):
            sig["instruction_similarity"] = float(similarity[k])
        out.append(sig)
    for sig, near in zip(out, nearest_interactions(store, collection, profile, X)):
        sig.update(near)
    return out

