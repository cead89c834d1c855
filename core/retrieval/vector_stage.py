"""The vector-only recommendation pipeline, stage by stage, each stage recorded in the trace.

profile -> exclusions -> candidate search (strategy) -> persona-property boost -> objects.
The agent (``use_agent_ranking=True``) starts from this list; its ``original_rank`` is the rank
here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import numpy as np

from core.retrieval.explain_vector import item_explanation, nearest, rationale
from core.titles import item_titles
from core.models import GetObjectsOptions, Persona, PersonalizationAgentGetObjectsResponse, PersonalizedObject, TraceStep
from core.retrieval.persona_match import match_item, persona_terms
from core.retrieval.profile import DEFAULT_HALF_LIFE_DAYS, Profile, weigh
from core.store.base import Store
from core.retrieval.strategies import StrategyConfig, build_scorer


@dataclass(frozen=True)
class PipelineConfig:
    """Engine-wide tunables (per-call options live in :class:`GetObjectsOptions`)."""

    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    property_weight: float = 0.1
    popularity_weight: float = 0.5
    pool_factor: int = 3
    min_pool: int = 30
    strategy: StrategyConfig = field(default_factory=StrategyConfig)


class Tracer:
    """Collects :class:`TraceStep` records with wall-clock timing."""

    def __init__(self) -> None:
        self.steps: list[TraceStep] = []
        self._t = time.perf_counter()

    def record(self, name: str, **details: Any) -> None:
        now = time.perf_counter()
        self.steps.append(TraceStep(name, now - self._t, details))
        self._t = now


def load_profile(store: Store, collection: str, persona: Persona, options: GetObjectsOptions,
                 config: PipelineConfig) -> Profile:
    """The persona's recent interactions with decay applied, and their item vectors."""
    now = options.now or datetime.now(timezone.utc)
    stored = store.recent_interactions(collection, persona.persona_id, options.recent_interactions_count)
    weighted = weigh(stored, now, options.decay_rate, config.half_life_days)
    vectors = store.get_vectors(collection, [w.item_id for w in weighted]) if weighted else \
        np.zeros((0, store.get_collection(collection).dims), dtype=np.float32)
    return Profile(persona, weighted, vectors, now, options.decay_rate)


def recommend(store: Store, collection: str, persona: Persona, options: GetObjectsOptions,
              config: PipelineConfig = PipelineConfig()) -> PersonalizationAgentGetObjectsResponse:
    """Vector-only ``get_objects``: the whole pipeline for one request."""
    trace = Tracer()
    profile = load_profile(store, collection, persona, options, config)
    trace.record("profile", interactions=len(profile.interactions), likes=len(profile.positive),
                 dislikes=len(profile.negative), decay_rate=options.decay_rate, now=profile.now.isoformat(),
                 effective_weights={str(i.item_id): round(i.effective_weight, 4) for i in profile.interactions[:20]})
    exclude = set(options.exclude_items)
    if options.exclude_interacted_items:
        exclude |= store.interacted_items(collection, persona.persona_id)
    trace.record("exclusions", excluded=len(exclude))
    pool = max(options.limit * config.pool_factor, config.min_pool)
    terms = persona_terms(persona.properties)
    cands = _candidates(store, collection, profile, options, config, pool, exclude, terms)
    trace.record("vector_search", **cands.trace)
    items = store.get_items(collection, cands.ids)
    matches = [match_item(terms, items[u].properties) for u in cands.ids]
    boost = np.array([config.property_weight * m.share for m in matches], dtype=np.float32)
    final = cands.scores + boost
    order = sorted(range(len(cands.ids)), key=lambda i: (-final[i], i))[:options.limit]
    trace.record("persona_properties", terms=terms, property_weight=config.property_weight,
                 boosted=sum(1 for i in order if boost[i] > 0))
    near = _nearest_interactions(store, collection, profile, [cands.ids[i] for i in order])
    objects = []
    for rank, i in enumerate(order, start=1):
        sig = {"score": float(final[i]), "vector_score": float(cands.scores[i]), "property_boost": float(boost[i]),
               **{k: float(v[i]) for k, v in cands.signals.items()}, **near[rank - 1]}
        if matches[i].matched:
            sig["matched_terms"] = list(matches[i].matched)
        if cands.bm25_terms:
            sig["bm25_terms"] = cands.bm25_terms
        objects.append(PersonalizedObject(
            uuid=cands.ids[i], original_rank=i + 1, personalized_rank=rank,
            properties=items[cands.ids[i]].properties, score=float(final[i]), signals=sig,
            explanation=item_explanation(sig) if options.explain_results else None))
    trace.record("rank", returned=len(objects))
    return PersonalizationAgentGetObjectsResponse(
        objects=objects, trace=trace.steps, ranker="vector",
        ranking_rationale=rationale(options.strategy, profile, options, cands.cold_start)
        if options.explain_results else None)


@dataclass
class Candidates:
    """Candidate IDs best first, their strategy scores and signals, and what the search did."""

    ids: list[UUID]
    scores: np.ndarray
    signals: dict[str, np.ndarray]
    trace: dict[str, Any]
    cold_start: str | None = None
    bm25_terms: list[str] | None = None


def _candidates(store: Store, collection: str, profile: Profile, options: GetObjectsOptions,
                config: PipelineConfig, pool: int, exclude: set[UUID], terms: list[str]) -> Candidates:
    if profile.is_empty:
        return _cold_start(store, collection, options, config, pool, exclude, terms)
    scorer = build_scorer(options.strategy, profile, config.strategy)
    prior = config.popularity_weight
    hits = store.search_max(collection, scorer.queries, scorer.weights, pool, filters=options.filters,
                            exclude=exclude, prior_weight=prior)
    ids = [h.uuid for h in hits]
    X = store.get_vectors(collection, ids) if ids else np.zeros((0, profile.vectors.shape[1]), np.float32)
    scores, signals = scorer.score(X)
    if prior and ids:
        signals.update(popularity_boost=prior * store.popularity(collection, ids),
                       liked_by=store.like_counts(collection, ids))
        scores = scores + signals["popularity_boost"]
    order = np.argsort(-scores, kind="stable")[:pool]
    ids = [ids[i] for i in order]
    return Candidates(ids, scores[order], {k: np.asarray(v)[order] for k, v in signals.items()}, dict(
        strategy=options.strategy, queries=len(scorer.queries), pool=pool, candidates=len(ids),
        filters=_filter_text(options.filters), top=[str(u) for u in ids[:options.limit]]))


def _cold_start(store: Store, collection: str, options: GetObjectsOptions, config: PipelineConfig, pool: int,
                exclude: set[UUID], terms: list[str]) -> Candidates:
    """No usable interactions: a BM25 search for the persona's terms, else the most liked items, else nothing."""
    hits = store.bm25(collection, " ".join(terms), pool, filters=options.filters, exclude=exclude) if terms else []
    trace = dict(strategy="cold start: bm25 over persona terms", terms=terms, candidates=len(hits),
                 filters=_filter_text(options.filters))
    if hits:
        top = max(h.score for h in hits) or 1.0
        return Candidates([h.uuid for h in hits], np.array([h.score / top for h in hits], dtype=np.float32),
                          {}, trace, bm25_terms=terms)
    if config.popularity_weight:
        dims = store.get_collection(collection).dims
        hits = [h for h in store.search_max(collection, np.zeros((1, dims), np.float32), np.ones(1), pool,
                                            filters=options.filters, exclude=exclude, prior_weight=1.0) if h.score > 0]
        if hits:
            ids = [h.uuid for h in hits]
            trace.update(strategy="cold start: most liked by other personas", candidates=len(hits))
            boost = config.popularity_weight * store.popularity(collection, ids)
            return Candidates(ids, boost, {"popularity_boost": boost, "liked_by": store.like_counts(collection, ids)},
                              trace)
    return Candidates([], np.zeros(0, dtype=np.float32), {}, trace, cold_start=(
        "it has no interactions with non-zero weight, none of its persona properties matched the catalog "
        "and no persona has liked anything yet; add likes or dislikes first."))


def _nearest_interactions(store: Store, collection: str, profile: Profile, ids: list[UUID]) -> list[dict[str, Any]]:
    """For each returned item, its closest like and closest dislike (title and similarity)."""
    out: list[dict[str, Any]] = [{} for _ in ids]
    if not ids or profile.is_empty:
        return out
    X = store.get_vectors(collection, ids)
    for kind, rows in (("like", profile.positive), ("dislike", profile.negative)):
        if not len(rows):
            continue
        idx, sim = nearest(profile, X, rows)
        titles = item_titles(store, collection, [profile.interactions[r].item_id for r in rows])
        for n in range(len(ids)):
            item = profile.interactions[rows[idx[n]]].item_id
            out[n][f"nearest_{kind}"] = titles.get(item, str(item))
            out[n][f"nearest_{kind}_similarity"] = float(sim[n])
    return out


def _filter_text(filters: Any) -> str | None:
    if filters is None:
        return None
    from core.store.embedded.filter_eval import filter_to_text
    return filter_to_text(filters)
