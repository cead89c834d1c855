"""Agent ranking (``use_agent_ranking=True``), step by step, each step in the trace.

1. ``analyse_persona``: properties, terms, strongest recent likes/dislikes after decay.
2. ``vector_search``: the engine's vector-only ranking, over-fetched to a pool of
   ``max(pool_factor * limit, min_pool)`` candidates (their rank there is ``original_rank``).
3. ``plan`` + ``searches``: up to ``max_searches`` extra searches from persona properties and the
   instruction, run with the same filters and exclusions; new items join the pool with
   ``original_rank=None`` (text searches vectorized by the collection's server module when it has one,
   else by the engine's model: ``vectorized_by`` in the trace). A search may ask for ``depth`` times
   the per-search limit, and (``near_text``, ``hybrid``) to move its query towards the persona's
   strongest recent likes (``toward_likes``); the vector parts of engine-embedded searches run as one
   batch (``vector_part: batched``). With ``instruction``, each pool item's similarity to it
   (step ``instruction``: the engine's embedding, or one server near_text over the pool's ids).
4. ``rerank``: the ranker orders the pool and returns ``limit`` items.
5. ``explain``: the rationale and per-item explanations (when ``explain_results``).

The ranker is the LLM agent when one is configured, else the local agent. If the LLM fails
(timeouts, errors, budget) the request continues with the local agent, ``fallback=True`` and the
reason in the response: a request never fails because of the LLM.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from core.configs import AgentConfig, PipelineConfig
from core.errors import NotAvailableError
from core.models import GetObjectsOptions, Persona, PersonalizationAgentGetObjectsResponse, PersonalizedObject
from core.retrieval.vector_stage import exclusions, load_profile, rank_candidates
from core.store.base import Store
from core.store.hybrid import fused_by
from core.ranking.base import LLMUnavailable, PlannedSearch, RankContext, Ranker
from core.ranking.pool import InstructionSimilarity, Searcher, build_pool, persona_summary
from core.trace import Tracer, jsonable


MAX_POOL = 1000
"""The vector stage's largest list (``get_objects``' own limit cap)."""


def agent_recommend(store: Store, collection: str, persona: Persona, options: GetObjectsOptions, *,
                    config: PipelineConfig, agent_config: AgentConfig, ranker: Ranker, local: Ranker,
                    embedder: Any, ranker_note: str | None = None,
                    vector_name: str | None = None) -> PersonalizationAgentGetObjectsResponse:
    """``get_objects`` with agent ranking; see the module docstring for the steps."""
    trace, ctx = Tracer(), RankContext()
    profile = load_profile(store, collection, persona, options, config, vector_name)
    summary = persona_summary(store, collection, profile)
    trace.record("analyse_persona", likes=[(i.title, i.weight) for i in summary.likes],
                 dislikes=[(i.title, i.weight) for i in summary.dislikes], terms=list(summary.terms),
                 properties=summary.properties)
    pool_size = min(max(agent_config.pool_factor * options.limit, agent_config.min_pool), MAX_POOL)
    exclude = exclusions(store, collection, persona, options)
    vector = rank_candidates(store, collection, profile, options, config, exclude, pool_size, vector_name)
    ranked = vector.ids
    trace.record("vector_search", strategy=vector.trace["vector_search"]["strategy"], pool=pool_size, found=len(ranked),
                 steps={"exclusions": {"excluded": len(exclude)}, **vector.trace})
    searcher = Searcher(store, collection, embedder, filters=options.filters, exclude=exclude,
                        alpha=agent_config.hybrid_alpha, vector_name=vector_name,
                        likes=[i.item_id for i in summary.likes])
    state = _State(ranker, local)
    searches = _plan(state, summary, options, agent_config, ctx, trace)
    found = _run_searches(searcher, searches, agent_config.search_limit or options.limit, set(ranked), trace)
    instruction = _instruction(searcher, options.instruction, trace)
    pool = build_pool(store, collection, profile, ranked, found, instruction, options.strategy,
                      config.strategy, vector_name)
    decision = _rerank(state, summary, options, pool, ctx, trace)
    by_id = {c.uuid: c for c in pool}
    objects = [PersonalizedObject(
        uuid=u, original_rank=by_id[u].original_rank, personalized_rank=rank, properties=by_id[u].properties,
        score=float(decision.scores.get(u, 0.0)), signals=by_id[u].signals,
        explanation=decision.explanations.get(u) if options.explain_results else None)
        for rank, u in enumerate(decision.order, start=1)]
    trace.record("explain", explained=sum(1 for o in objects if o.explanation), llm_calls=[vars(c) for c in ctx.calls])
    return PersonalizationAgentGetObjectsResponse(
        objects=objects, ranking_rationale=decision.rationale if options.explain_results else None,
        usage=ctx.usage, trace=trace.steps, ranker=state.used.name, fallback=state.fallback_reason is not None,
        fallback_reason=state.fallback_reason, ranker_note=ranker_note)


class _State:
    """Which ranker is in charge; switches to the local agent for good after an LLM failure."""

    def __init__(self, ranker: Ranker, local: Ranker) -> None:
        self.used, self.local = ranker, local
        self.fallback_reason: str | None = None

    def fall_back(self, reason: str) -> None:
        self.fallback_reason = reason
        self.used = self.local


def _plan(state: _State, summary, options: GetObjectsOptions, agent_config: AgentConfig, ctx: RankContext,
          trace: Tracer) -> list[PlannedSearch]:
    if not agent_config.planning or agent_config.max_searches == 0:
        trace.record("plan", ranker=state.used.name, searches=[], skipped="planning is off")
        return []
    try:
        searches = state.used.plan(summary, options.instruction, agent_config.max_searches, ctx)
    except LLMUnavailable as exc:
        state.fall_back(exc.reason)
        searches = state.used.plan(summary, options.instruction, agent_config.max_searches, ctx)
    searches = searches[:agent_config.max_searches]
    trace.record("plan", ranker=state.used.name, fallback=state.fallback_reason,
                 searches=[vars(s) for s in searches], warnings=list(ctx.warnings))
    return searches


def _instruction(searcher: Searcher, instruction: str | None, trace: Tracer) -> InstructionSimilarity | None:
    """How pool items get their ``instruction_similarity``: the engine's embedding of the instruction, or (the
    server vectorizes this vector) one near_text restricted to the pool's ids, recorded when it runs."""
    if not instruction:
        return None
    by = searcher.vectorized_by
    if searcher.module:
        def on_server(ids, X) -> np.ndarray:
            sims = searcher.server_similarity(instruction, ids)
            trace.record("instruction", similarity_available=True, vectorized_by=by, requests=1,
                         restricted_to=len(ids), scored=int(np.isfinite(sims).sum()))
            return sims
        return on_server
    try:
        vector = searcher.vector(instruction)
    except NotAvailableError as exc:
        trace.record("instruction", similarity_available=False, vectorized_by=by, reason=str(exc))
        return None
    trace.record("instruction", similarity_available=True, vectorized_by=by)
    return lambda ids, X: X @ vector


def _run_searches(searcher: Searcher, searches: list[PlannedSearch], k: int, in_pool: set, trace: Tracer):
    try:
        searcher.embed([s.query for s in searches if s.method != "bm25"])
    except NotAvailableError:  # no text model for this collection's vectors: keyword searches only
        searches = [replace(s, method="bm25") for s in searches]
    found, report = [], []
    searcher.prefetch(searches, k)
    for s in searches:
        hits = searcher.run(s, k * max(1, s.depth))
        found.append((s, hits))
        new = [h for h in hits if h.uuid not in in_pool]
        in_pool |= {h.uuid for h in hits}
        report.append({"query": s.query, "method": s.method, "reason": s.reason,
                       **({"vectorized_by": searcher.vectorized_by} if s.method != "bm25" else {}),
                       **({"toward_likes": s.toward_likes} if s.toward_likes else {}),
                       **({"depth": s.depth} if s.depth != 1 else {}),
                       **({"fused_by": fused_by(searcher.store)} if s.method == "hybrid" else {}),
                       **({"vector_part": "batched"} if searcher.batched(s) else {}),
                       "hits": [str(h.uuid) for h in hits],
                       "scores": [round(h.score, 4) for h in hits], "new_candidates": len(new)})
    trace.record("searches", searches=report)
    return found


def _rerank(state: _State, summary, options: GetObjectsOptions, pool, ctx: RankContext, trace: Tracer):
    args = (summary, options.instruction, pool, options.limit, options.explain_results, ctx)
    try:
        decision = state.used.rerank(*args)
    except LLMUnavailable as exc:
        state.fall_back(exc.reason)
        decision = state.used.rerank(*args)
    trace.record("rerank", ranker=state.used.name, fallback=state.fallback_reason, pool=len(pool),
                 order=[str(u) for u in decision.order], details=jsonable(decision.details))
    return decision

