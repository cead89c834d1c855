"""The stub's own query-time boost (Weaviate >= 1.38), read from the ``SearchRequest.boost`` proto message.

Written apart from the engine's ``core/retrieval/boost.py`` (it imports nothing from ``core``), so a test
comparing the two compares two readings of Weaviate's docs: the primary search's first ``depth`` candidates
(default 100, at least ``offset + limit``) are rescored: each condition is scored per candidate (filter 1/0;
Elasticsearch-style decays; a property's value, optionally log1p / sqrt), min-max normalized over the candidates
(a missing value counts 0; no spread: 1 where the value is positive), weighted (default 1) and summed; that sum is
min-max normalized and blended with the normalized primary score, ``(1 - weight) * primary + weight * boost``
(weight default 0.5), renormalized to [0, 1] and sorted, ties in the primary order. Errors are the stub's wording.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

from weaviate.proto.v1 import search_get_pb2

from .filters import check, matches
from .schema import Collection, SchemaError, StoredObject, parse_date

B = search_get_pb2.Boost
CURVES = {B.DECAY_CURVE_UNSPECIFIED: "exp", B.DECAY_CURVE_EXPONENTIAL: "exp", B.DECAY_CURVE_GAUSS: "gauss",
          B.DECAY_CURVE_LINEAR: "linear"}
SECONDS = {"ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}
PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")


def seconds(text: str) -> float:
    if not text or PART.sub("", text):
        raise SchemaError(f"boost: invalid duration {text!r}")
    return sum(float(n) * SECONDS[u] for n, u in PART.findall(text))


def decayed(distance: float, scale: float, offset: float, decay: float, curve: str) -> float:
    d = max(0.0, abs(distance) - offset)
    if decay >= 1:
        return 1.0
    if curve == "linear":
        s = scale / (1 - decay)
        return max(0.0, (s - d) / s)
    if curve == "gauss":
        sigma2 = -scale * scale / (2 * math.log(decay))
        return math.exp(-d * d / (2 * sigma2))
    return math.exp(math.log(decay) / scale * d)


def _typed(coll: Collection, prop: str, kinds: tuple[str, ...]) -> None:
    spec = coll.properties.get(prop)
    if spec is None:
        raise SchemaError(f"boost: no such prop with name '{prop}' found in class '{coll.name}' in the schema")
    if spec["dataType"][0] not in kinds:
        raise SchemaError(f"boost: property '{prop}' is of type {spec['dataType'][0]}, not {' or '.join(kinds)}")


def _number(obj: StoredObject, prop: str) -> float | None:
    v = obj.properties.get(prop)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _score(cond, origin: float | None, obj: StoredObject, coll: Collection) -> float | None:
    which = cond.WhichOneof("condition")
    if which == "filter":
        return 1.0 if matches(cond.filter, obj, coll) else 0.0
    if which == "property_value":
        v = _number(obj, cond.property_value.property)
        if v is None or not cond.property_value.HasField("modifier") or not cond.property_value.modifier:
            return v
        return math.log1p(max(v, 0)) if cond.property_value.modifier == B.PROPERTY_VALUE_MODIFIER_LOG1P \
            else math.sqrt(max(v, 0))
    f = getattr(cond, which)
    decay = f.decay_value if f.HasField("decay_value") else 0.5
    curve = CURVES[f.curve if f.HasField("curve") else 0]
    if which == "numeric_decay":
        v = _number(obj, f.property)
        return None if v is None else decayed(v - f.origin, f.scale, f.offset if f.HasField("offset") else 0, decay,
                                              curve)
    text = obj.properties.get(f.property)
    if not isinstance(text, str):
        return None
    when = parse_date(text).timestamp()
    return decayed(when - origin, seconds(f.scale), seconds(f.offset) if f.HasField("offset") else 0, decay,
                   curve)


def _check(boost, coll: Collection, now: datetime) -> list[tuple]:
    """The conditions with their time origins (seconds; None for other kinds), or a SchemaError."""
    if not 1 <= len(boost.conditions) <= 20:
        raise SchemaError(f"boost: between 1 and 20 conditions allowed, got {len(boost.conditions)}")
    if boost.HasField("weight") and not 0 <= boost.weight <= 1:
        raise SchemaError(f"boost: weight must be between 0 and 1, got {boost.weight}")
    conditions = []
    for cond in boost.conditions:
        which, stamp = cond.WhichOneof("condition"), None
        if which == "filter":
            check(cond.filter, coll)
        elif which == "time_decay":
            _typed(coll, cond.time_decay.property, ("date",))
            origin = cond.time_decay.origin
            try:
                stamp = now.timestamp() if origin == "now" else parse_date(origin).timestamp()
            except ValueError:
                raise SchemaError(f"boost: invalid origin {origin!r}") from None
        else:
            _typed(coll, getattr(cond, which).property, ("int", "number"))
        conditions.append((cond, stamp))
    return conditions


def _minmax(values: list[float | None]) -> list[float]:
    present = [v for v in values if v is not None]
    if not present:
        return [0.0] * len(values)
    lo, hi = min(present), max(present)
    if hi - lo <= 1e-12:
        return [0.0 if v is None else float(v > 0) for v in values]
    return [0.0 if v is None else (v - lo) / (hi - lo) for v in values]


def _rescale(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    return [1.0] * len(values) if hi - lo <= 1e-12 else [(v - lo) / (hi - lo) for v in values]


def apply(boost, coll: Collection, hits: list, primary: list[float], window: int,
          now: datetime | None = None) -> list[tuple[StoredObject, dict]]:
    """``hits`` ((object, metadata) pairs, best first, ``primary`` their scores) boosted: the top ``max(depth,
    window)`` candidates rescored and re-sorted, each with ``score`` set to the final boosted score."""
    conditions = _check(boost, coll, now or datetime.now(timezone.utc))
    depth = boost.depth if boost.HasField("depth") else 100
    pool = hits[:max(depth, window)]
    if not pool:
        return []
    summed = [0.0] * len(pool)
    for cond, origin in conditions:
        w = cond.weight if cond.HasField("weight") else 1.0
        for i, v in enumerate(_minmax([_score(cond, origin, o, coll) for o, _ in pool])):
            summed[i] += w * v
    weight = boost.weight if boost.HasField("weight") else 0.5
    base, extra = _rescale(primary[:len(pool)]), _minmax(summed)
    final = _rescale([(1 - weight) * p + weight * b for p, b in zip(base, extra)])
    order = sorted(range(len(pool)), key=lambda i: (-final[i], i))
    return [(pool[i][0], {**pool[i][1], "score": final[i]}) for i in order]
