"""The vector stage's candidates, and the cold start: what a persona without usable interactions gets.

A persona is a *cold start* when none of its recent interactions has a non-zero weight (or it has
none). Its candidates, every one allowed by the request's filters and exclusions:

- the **most-liked** items (liked by other personas, :mod:`core.retrieval.popularity`), scored
  ``cold_start_popularity_weight * popularity`` (default 2: the list is the most-liked list, and the
  persona's terms only re-order items of similar popularity; ``popularity_weight``, which weighs
  the prior against a persona's own likes, plays no part);
- with persona terms (:mod:`core.retrieval.persona_match`), the items a **BM25 search over the
  terms** finds, lifted by ``cold_start_bm25_weight * bm25 / best bm25``: the terms re-order the
  most-liked list instead of replacing it (BM25 alone ranked about 14x worse than the most-liked
  list on MovieLens), and on a catalog nobody has liked anything in yet they order the list alone;
- **topped up in catalog order** (the store's own item order) when fewer items than the pool were
  found, so the list has ``limit`` items whenever the catalog has them after filters and exclusions.

The property stage then adds ``property_weight * match share`` as it does for every persona. Ties
are broken by like count, then by the order above. Each candidate's source (:data:`SOURCES`) is
kept for the trace and the rationale.

Why these weights (``python -m benchmarks.vector_paths --validation``, MovieLens, 200 users, each
given its two favourite genres from its training likes, judged on a validation part): BM25 alone
scored NDCG@10 0.004 on test against 0.069 for the most-liked list; boosts as large as
``popularity_weight`` 0.5 lets them be (a BM25 or genre match worth a fifth of the most popular
item's score) re-ordered the list too much (validation 0.046 against 0.059 for the most-liked
list); at popularity weight 2 the terms help a little (0.063). Re-tuned on 20 % validation parts of
both samples (``--validation --validation-fraction 0.2``; ``benchmarks/results/vector_paths.md``): a
BM25 weight above 0.1 helps books (0.4: +0.006 over the most-liked list) and costs movies (0.4:
-0.002, 0.6: -0.012), and 0.2 against 0.1 is within noise on both, so 0.1 stays: on movies nothing
beats the most-liked list beyond noise, and 0.1 is not below it on either sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import PipelineConfig
from core.retrieval.popularity import popularity
from core.retrieval.signals import popularity_signals
from core.store.base import Hit, Store

MOST_LIKED, BM25, CATALOG_ORDER = "most liked", "bm25 over persona terms", "catalog order"
SOURCES = (MOST_LIKED, BM25, CATALOG_ORDER)
"""Where a cold-start candidate came from, in the order ties are broken."""


@dataclass
class Candidates:
    """Candidate IDs best first, their scores and signals, where each came from, and what the search did."""

    ids: list[UUID]
    scores: np.ndarray
    signals: dict[str, np.ndarray]
    trace: dict[str, Any]
    sources: list[str]
    """Per candidate: the strategy's name, or one of :data:`SOURCES` for a cold start."""
    strategy: str | None = None
    """The strategy that scored the list; None for a cold start."""
    terms: list[str] = field(default_factory=list)
    """The persona terms a cold start's BM25 search looked for."""
    scorer: Any = None
    """The strategy's scorer (None on cold start), for the reasons of the items finally shown."""


class CatalogOrder:
    """An :class:`~core.store.base.ItemPrior` putting items in the store's own order, first stored first."""

    def aligned(self, ids: Sequence[UUID]) -> np.ndarray:
        return -np.arange(len(ids), dtype=np.float32)


def cold_start(store: Store, collection: str, filters: Any, config: PipelineConfig, pool: int, exclude: set[UUID],
               terms: list[str], vector_name: str | None) -> Candidates:
    """A cold start's candidates (see the module docstring), at most ``pool``."""
    popular = popularity(store, collection)
    dims = store.get_collection(collection).vector(vector_name)[1]
    zero = np.zeros((1, dims), np.float32)
    liked = [h for h in store.search_max(collection, zero, np.ones(1), pool, filters=filters, exclude=exclude,
                                         prior=popular.prior(1.0), vector_name=vector_name) if h.score > 0]
    matched = store.bm25(collection, " ".join(terms), pool, filters=filters, exclude=exclude) if terms else []
    found = {h.uuid: MOST_LIKED for h in liked}
    for h in matched:
        found.setdefault(h.uuid, BM25)
    ids = list(found)
    lifted = _bm25_boost(ids, matched, config.cold_start_bm25_weight)
    signals = {**popularity_signals(popular, ids, config.cold_start_popularity_weight), "bm25_boost": lifted}
    scores = signals["popularity_boost"] + lifted
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], -signals["liked_by"][i], i))[:pool]
    sources = [found[ids[i]] for i in order]
    ids, scores, signals = [ids[i] for i in order], scores[order], {k: v[order] for k, v in signals.items()}
    extra = top_up(store, collection, filters, exclude | set(ids), pool - len(ids), vector_name) if \
        len(ids) < pool else []
    if extra:
        ids, sources = ids + extra, sources + [CATALOG_ORDER] * len(extra)
        scores = np.concatenate([scores, np.zeros(len(extra))])
        signals = {k: np.concatenate([v, np.zeros(len(extra))]) for k, v in signals.items()}
    trace = dict(strategy="cold start: " + " + ".join(s for s in SOURCES if s in sources) if ids else "cold start",
                 terms=terms, candidates=len(ids), most_liked=len(liked), bm25_hits=len(matched),
                 topped_up=len(extra), top_up_source=CATALOG_ORDER if extra else None)
    return Candidates(ids, np.asarray(scores, dtype=np.float64), signals, trace, sources, None, terms)


def top_up(store: Store, collection: str, filters: Any, exclude: set[UUID], count: int,
           vector_name: str | None) -> list[UUID]:
    """Up to ``count`` more items in catalog order, none of ``exclude``, all passing ``filters``."""
    if count <= 0:
        return []
    dims = store.get_collection(collection).vector(vector_name)[1]
    hits = store.search_max(collection, np.zeros((1, dims), np.float32), np.ones(1), count, filters=filters,
                            exclude=exclude, prior=CatalogOrder(), vector_name=vector_name)
    return [h.uuid for h in hits]


def _bm25_boost(ids: list[UUID], matched: list[Hit], weight: float) -> np.ndarray:
    """``weight * bm25 / best bm25`` per candidate (0 for those the search did not find)."""
    best = max((h.score for h in matched), default=0.0) or 1.0
    by_id = {h.uuid: h.score / best for h in matched}
    return np.array([weight * by_id.get(u, 0.0) for u in ids], dtype=np.float64)
