"""The vector-only recommendation, stage by stage, each stage recorded in the trace.

profile -> exclusions -> candidate search (strategy + popularity prior; a cold start: the most-liked
list re-ordered by the persona's terms, :mod:`core.retrieval.cold_start`) -> persona-property boost
-> objects. :func:`rank_candidates` is the stage the agent (``use_agent_ranking=True``) calls
directly for its pool, with the profile and exclusions it already has; an item's rank there is its
``original_rank``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import PipelineConfig
from core.models import (GetObjectsOptions, Persona, PersonalizationAgentGetObjectsResponse, PersonalizedObject,
                         copy_json)
from core.retrieval.cold_start import Candidates, cold_start
from core.retrieval.explain_vector import Route, blend_sentence, item_explanation, rationale
from core.retrieval.persona_match import NO_MATCH, PropertyMatch, match_item, persona_terms
from core.retrieval.popularity import popularity, summed_prior
from core.retrieval.profile import DECAYED_AWAY, Profile, weigh
from core.retrieval.signals import nearest_interactions, popularity_signals
from core.retrieval.strategies import build_scorer
from core.retrieval.strategies.blend import behaviour_reasons, learned_context, scorer_details
from core.store.base import Store
from core.trace import Tracer


def load_profile(store: Store, collection: str, persona: Persona, options: GetObjectsOptions,
                 config: PipelineConfig, vector_name: str | None = None) -> Profile:
    """The persona's recent interactions with decay applied, and their item vectors."""
    now = options.now or datetime.now(timezone.utc)
    learned = learned_context(store, collection, options.blend) if options.strategy == "blend" else None
    count = options.recent_interactions_count
    stored = store.recent_interactions(collection, persona.persona_id, max(count, learned.weights.history)
                                       if learned is not None else count)
    weighted = weigh(stored, now, options.decay_rate, config.half_life_days)
    if learned is not None:
        learned = replace(learned, history=weighted[:learned.weights.history])
        weighted = weighted[:count]
    dims = store.get_collection(collection).vector(vector_name)[1]
    vectors = store.get_vectors(collection, [w.item_id for w in weighted], vector_name=vector_name) if weighted \
        else np.zeros((0, dims), dtype=np.float32)
    return Profile(persona, weighted, vectors, now, options.decay_rate, learned)


def profile_details(profile: Profile) -> dict[str, Any]:
    """What the trace shows of a profile: ``effective_weights`` (``w * decay``) and the ``weights_used``
    (relative to the newest interaction, :mod:`core.retrieval.profile`), the newest's age and decay."""
    newest = profile.newest
    shown = profile.interactions[:20]
    return dict(interactions=len(profile.interactions), likes=len(profile.positive), dislikes=len(profile.negative),
                decay_rate=profile.decay_rate, now=profile.now.isoformat(),
                effective_weights={str(i.item_id): round(i.effective_weight, 4) for i in shown},
                weights_used={str(i.item_id): round(float(w), 4) for i, w in zip(shown, profile.effective)},
                newest_age_days=round(newest.age_days, 2) if newest else None,
                newest_decay=newest.decay if newest else None, decayed_away=profile.decayed_away,
                decayed_away_below=DECAYED_AWAY)


def exclusions(store: Store, collection: str, persona: Persona, options: GetObjectsOptions) -> set[UUID]:
    """``exclude_items`` plus, with ``exclude_interacted_items``, everything the persona interacted with."""
    exclude = set(options.exclude_items)
    if options.exclude_interacted_items:
        exclude |= store.interacted_items(collection, persona.persona_id)
    return exclude


@dataclass
class Ranked:
    """The vector stage's list: candidates in final order with the property boost applied."""

    candidates: Candidates
    order: list[int]
    """Positions into ``candidates.ids``, best first (at most ``limit``)."""
    boost: np.ndarray
    matches: list[PropertyMatch]
    trace: dict[str, dict[str, Any]]
    """Details of the ``vector_search`` and ``persona_properties`` steps."""

    @property
    def ids(self) -> list[UUID]:
        return [self.candidates.ids[i] for i in self.order]


def rank_candidates(store: Store, collection: str, profile: Profile, options: GetObjectsOptions,
                    config: PipelineConfig, exclude: set[UUID], limit: int,
                    vector_name: str | None = None) -> Ranked:
    """The top ``limit`` items for ``profile``: strategy search over a pool, then the property boost."""
    pool = max(limit * config.pool_factor, config.min_pool)
    terms = persona_terms(profile.persona.properties)
    cands = _candidates(store, collection, profile, options, config, pool, exclude, terms, limit, vector_name)
    items = store.item_properties(collection, cands.ids) if terms else {}
    matches = [match_item(terms, items[u]) if terms else NO_MATCH for u in cands.ids]
    boost = np.array([config.property_weight * m.share for m in matches], dtype=np.float32)
    final = cands.scores + boost
    order = sorted(range(len(cands.ids)), key=lambda i: (-final[i], i))[:limit]
    return Ranked(cands, order, boost, matches, {
        "vector_search": cands.trace,
        "persona_properties": dict(terms=terms, property_weight=config.property_weight,
                                   boosted=sum(1 for i in order if boost[i] > 0))})


def recommend(store: Store, collection: str, persona: Persona, options: GetObjectsOptions,
              config: PipelineConfig = PipelineConfig(),
              vector_name: str | None = None) -> PersonalizationAgentGetObjectsResponse:
    """Vector-only ``get_objects``: the whole pipeline for one request."""
    trace = Tracer()
    profile = load_profile(store, collection, persona, options, config, vector_name)
    trace.record("profile", **profile_details(profile))
    exclude = exclusions(store, collection, persona, options)
    trace.record("exclusions", excluded=len(exclude))
    ranked = rank_candidates(store, collection, profile, options, config, exclude, options.limit, vector_name)
    trace.record("vector_search", **ranked.trace["vector_search"])
    trace.record("persona_properties", **ranked.trace["persona_properties"])
    objects = _objects(store, collection, profile, ranked, options, vector_name)
    route = route_of(ranked)
    trace.record("rank", returned=len(objects), sources=dict(route.sources))
    return PersonalizationAgentGetObjectsResponse(
        objects=objects, trace=trace.steps, ranker="vector",
        ranking_rationale=rationale(profile, options, route, config,
                                    ranked.trace["vector_search"].get("popularity_weight", config.popularity_weight))
        + (blend_sentence(ranked.trace["vector_search"]) if "blend" in ranked.trace["vector_search"] else "")
        if options.explain_results else None)


def route_of(ranked: Ranked) -> Route:
    """The path the returned list took: its strategy (None: a cold start) and its items per source."""
    cands = ranked.candidates
    counts = Counter(cands.sources[i] for i in ranked.order)
    return Route(cands.strategy, tuple(cands.terms), tuple(counts.items()), cands.trace.get("bm25_hits", 0))


def _objects(store: Store, collection: str, profile: Profile, ranked: Ranked, options: GetObjectsOptions,
             vector_name: str | None) -> list[PersonalizedObject]:
    cands, ids = ranked.candidates, ranked.ids
    items = store.item_properties(collection, ids)
    X = store.get_vectors(collection, ids, vector_name=vector_name) if ids else np.zeros((0, 1), np.float32)
    near = nearest_interactions(store, collection, profile, X)
    for extra, more in zip(near, behaviour_reasons(store, collection, cands.scorer, ids)):
        extra.update(more)
    objects = []
    for rank, i in enumerate(ranked.order, start=1):
        final = float(cands.scores[i] + ranked.boost[i])
        sig = {"score": final, "vector_score": float(cands.scores[i]), "property_boost": float(ranked.boost[i]),
               **{k: float(v[i]) for k, v in cands.signals.items()}, **near[rank - 1]}
        if ranked.matches[i].matched:
            sig["matched_terms"] = list(ranked.matches[i].matched)
        if sig.get("bm25_boost", 0) > 0:
            sig["bm25_terms"] = cands.terms
        if cands.strategy is None:
            sig["source"] = cands.sources[i]
        objects.append(PersonalizedObject.model_construct(  # the engine's own values; properties copied here
            uuid=cands.ids[i], original_rank=i + 1, personalized_rank=rank,
            properties=copy_json(dict(items[cands.ids[i]])), score=final, signals=sig, explanation=item_explanation(sig) if options.explain_results else None))
    return objects


def _candidates(store: Store, collection: str, profile: Profile, options: GetObjectsOptions, config: PipelineConfig,
                pool: int, exclude: set[UUID], terms: list[str], shown: int, vector_name: str | None) -> Candidates:
    if profile.is_empty:
        cands = cold_start(store, collection, options.filters, config, pool, exclude, terms, vector_name)
        cands.trace.update(filters=filter_text(options.filters), top=[str(u) for u in cands.ids[:shown]])
        return cands
    scorer = build_scorer(options.strategy, profile, config.strategy)
    weight = getattr(scorer, "popularity_weight", config.popularity_weight)
    popular = popularity(store, collection) if weight else None
    prior = summed_prior(popular.prior(weight) if popular else None, getattr(scorer, "prior", None))
    hits = store.search_max(collection, scorer.queries, scorer.weights, pool, filters=options.filters,
                            exclude=exclude, prior=prior, vector_name=vector_name)
    ids = [h.uuid for h in hits]
    X = store.get_vectors(collection, ids, vector_name=vector_name) if ids else \
        np.zeros((0, profile.vectors.shape[1]), np.float32)
    scores, signals = scorer.score(X)
    if hasattr(scorer, "by_id"):
        part, more = scorer.by_id(ids)
        scores, signals = scores + part, {**signals, **more}
    if popular and ids:
        signals.update(popularity_signals(popular, ids, weight))
        scores = scores + signals["popularity_boost"]
    order = np.argsort(-scores, kind="stable")[:pool]
    ids = [ids[i] for i in order]
    return Candidates(ids, scores[order], {k: np.asarray(v)[order] for k, v in signals.items()}, dict(
        strategy=options.strategy, queries=len(scorer.queries), pool=pool, candidates=len(ids), topped_up=0,
        filters=filter_text(options.filters), top=[str(u) for u in ids[:shown]], popularity_weight=weight,
        **search_path(hits), **scorer_details(scorer)), [options.strategy] * len(ids), options.strategy, scorer=scorer)


def search_path(hits: list) -> dict[str, Any]:
    """How the store found the candidates, when it says (the embedded store: ``exact``, ``ann-hnsw``, ...)."""
    path = getattr(hits, "path", None)
    return dict(path=path["path"], search=dict(path)) if path else {}


def filter_text(filters: Any) -> str | None:
    """A filter as text for traces (None for no filter)."""
    if filters is None:
        return None
    # renders weaviate Filter objects, whose classes take ~1.4 s to import: only when a filter is used
    from core.store.filter_text import filter_to_text
    return filter_to_text(filters)
