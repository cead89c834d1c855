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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from core.models import SearchOptions
from core.retrieval.boost import BoostPlan, plan_boost, rescore, to_time
from core.store.base import Hit, Store

NATIVE_METHODS = ("near_text", "bm25", "hybrid")
"""The searches a boost-capable store is given the boost with (``Store.near_vectors``, ``bm25``, ``hybrid``)."""


def boost_plan(store: Store, collection: str, search: SearchOptions, now: datetime) -> BoostPlan | None:
    """The search's boost checked against the collection (None without one), before anything is sent."""
    if search.boost is None:
        return None
    return plan_boost(search.boost, store.property_names(collection), now)


def boosted_by(store: Store, search: SearchOptions, plan: BoostPlan | None, threshold: float | None, *,
               server_vectorized: bool = False) -> str | None:
    """Who applies the boost: ``"weaviate"`` (sent with the search), ``"engine"`` or None (no boost). A near_text
    the server vectorizes (``Store.near_text``) or a distance cut (it must come before the boost) is boosted here."""
    if plan is None:
        return None
    native = store.capabilities.boost and search.method in NATIVE_METHODS and not server_vectorized
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


def simple_boost(numeric: Sequence[tuple[str, str | None, float | None]] = (),
                 recent: Sequence[tuple[str, str, str | None, float | None]] = ()) -> Any:
    """A weaviate ``Boost`` from plain parts (None without any), for the lab and the command line.

    ``numeric``: ``(property, "log1p" | "sqrt" | None, weight)`` each (``Boost.numeric_property``); ``recent``:
    ``(date property, scale like "30d", curve "exp" | "gauss" | "linear" | None, weight)`` each (``Boost.time_decay``
    from now). One part is that boost, its weight the overall one; several are blended, each weight then
    balancing it against the others. Checked like any boost when the search runs.
    """
    if not numeric and not recent:
        return None
    from weaviate.classes.query import Boost  # the caller's weaviate-client: only when a boost is asked for
    parts = [Boost.numeric_property(name, modifier=Boost.Modifier(modifier) if modifier else None, weight=weight)
             for name, modifier, weight in numeric]
    parts += [Boost.time_decay(name, scale=scale, curve=Boost.Curve(curve) if curve else None, weight=weight)
              for name, scale, curve, weight in recent]
    return parts[0] if len(parts) == 1 else Boost.blend(parts)


def boost_note(trace: Sequence[Any]) -> str | None:
    """What a response's trace says about its boost, for people (None: no boost was asked for)."""
    step = next((s for s in trace if getattr(s, "name", None) == "search"), None)
    details = getattr(step, "details", None) or {}
    if "boost" not in details:
        return None
    who = "Weaviate (server-side)" if details["boosted_by"] == "weaviate" else "the engine (client-side)"
    return (f"boost applied by {who}: {'; '.join(details['boost'])} · weight {details['boost_weight']:g} · "
            f"depth {details['boost_depth']}")


def boost_properties(store: Store, collection: str, sample: int = 200) -> tuple[list[str], list[str]]:
    """The numeric and the date properties of a collection's first ``sample`` items (what a boost can use)."""
    numeric: dict[str, None] = {}
    dates: dict[str, None] = {}
    for item in store.iter_items(collection, limit=sample):
        for name, value in item.properties.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and name != "original_id":
                numeric.setdefault(name)
            elif isinstance(value, str) and len(value) >= 10 and value[4] == "-" and to_time(value) is not None:
                dates.setdefault(name)
    return list(numeric), list(dates)
