"""The boost stage of a personalized search: which path answers (Weaviate or the engine) and the engine's path.

A store whose ``capabilities.boost`` is True (Weaviate >= 1.38) gets the caller's boost with the search
(``near_text`` and ``bm25``; ``near_text`` only without a ``distance``/``certainty`` cut, which the engine applies
before boosting) and returns the server's boosted scores in the server's order. Everywhere else the engine
fetches ``max(depth, fetch)`` candidates, rescores them with :func:`core.retrieval.boost.rescore` on their stored
properties, and keeps the best ``fetch``. Filter conditions are evaluated here with the embedded store's
:class:`~core.store.embedded.filter_eval.FilterEvaluator` on the candidates' properties (one evaluation for every
backend, no extra server request), every property of the collection known, so a property none of the candidates
has is "missing", not an unknown name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from core.models import SearchOptions
from core.retrieval.boost import BoostPlan, plan_boost, rescore
from core.store.base import Hit, Store

NATIVE_METHODS = ("near_text", "bm25")
"""The searches a boost-capable store is given the boost with (the engine boosts hybrid until the store has one)."""


def boost_plan(store: Store, collection: str, search: SearchOptions, now: datetime) -> BoostPlan | None:
    """The search's boost checked against the collection (None without one), before anything is sent."""
    if search.boost is None:
        return None
    return plan_boost(search.boost, store.property_names(collection), now)


def boosted_by(store: Store, search: SearchOptions, plan: BoostPlan | None, threshold: float | None) -> str | None:
    """Who applies the boost: ``"weaviate"`` (sent with the search), ``"engine"`` or None (no boost)."""
    if plan is None:
        return None
    native = store.capabilities.boost and search.method in NATIVE_METHODS
    return "weaviate" if native and threshold is None else "engine"


def boost_hits(store: Store, collection: str, hits: list[Hit], plan: BoostPlan, keep: int) -> list[Hit]:
    """``hits`` (best first) rescored by ``plan`` on the engine; the best ``keep``, ties in the primary order."""
    if not hits:
        return hits
    from core.store.embedded.filter_eval import FilterEvaluator  # imports weaviate-client: only for filter boosts
    stored = store.item_properties(collection, [h.uuid for h in hits])
    names = dict.fromkeys(store.property_names(collection))
    rows = [{**names, **stored.get(h.uuid, {})} for h in hits]
    evaluator: list[Any] = []

    def match(flt: Any) -> np.ndarray:
        if not evaluator:
            evaluator.append(FilterEvaluator([h.uuid for h in hits], rows))
        return evaluator[0].mask(flt)

    final = rescore(plan, np.array([h.score for h in hits], dtype=np.float64), rows, match)
    order = sorted(range(len(hits)), key=lambda i: (-final[i], i))[:keep]
    return [Hit(hits[i].uuid, float(final[i])) for i in order]


def boost_trace(plan: BoostPlan | None, by: str | None) -> dict[str, Any]:
    """The ``search`` trace step's boost facts: the conditions as text, weight, depth and who applied it."""
    if plan is None:
        return {}
    return {"boost": plan.describe(), "boost_weight": plan.weight, "boost_depth": plan.depth, "boosted_by": by}
