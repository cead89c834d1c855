"""Weaviate's ``Boost`` (``weaviate.classes.query.Boost``, server-side from 1.38) checked, and applied on the engine.

A boost is a post-retrieval rescorer (https://docs.weaviate.io/weaviate/search/boost): the primary search
fetches ``depth`` candidates (default 100), each boost condition scores every candidate, and::

    boost = minmax(sum_c weight_c * minmax(condition_c))        # weight_c: default 1, may be negative
    final = minmax((1 - weight) * minmax(primary) + weight * boost)    # weight: default 0.5, in [0, 1]

then the candidates are re-sorted by ``final`` (ties keep the primary order). Conditions:

- ``filter``: 1 where the candidate matches, else 0 (evaluated here on the candidates' properties with the
  embedded store's filter evaluator; only equality, comparisons and and/or/not, as Weaviate documents);
- ``time_decay`` / ``numeric_decay``: Elasticsearch's decay functions of ``d = max(0, |x - origin| - offset)``:
  exp ``decay ** (d / scale)``, gauss ``decay ** ((d / scale) ** 2)``, linear ``max(0, 1 - (1 - decay) d / scale)``;
  1 at the origin (within ``offset``), ``decay`` (default 0.5) at ``scale``. Time origins are ``"now"`` (the
  request's ``now``) or RFC 3339; durations ``"90s"``, ``"30m"``, ``"24h"``, ``"7d"`` (also ``"ms"``, decimals);
- ``property_value``: the value itself, after ``log1p`` or ``sqrt`` when asked.

Our reading where the docs are silent: a candidate with a missing (None), non-numeric or non-date value scores 0
for that condition after normalization; negative values count as 0 under ``log1p``/``sqrt``; a column with no
spread normalizes to 1 where its raw value is above 0, else 0 (after the final renormalization a constant column
changes nothing). Nothing here imports weaviate (the boost's dataclasses are read by their attribute names).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from core.checks import describe
from core.errors import InvalidInputError
from core.store.hybrid import scale

MAX_CONDITIONS = 20
DEFAULT_WEIGHT, DEFAULT_DEPTH, DEFAULT_DECAY = 0.5, 100, 0.5
CURVES = ("exp", "gauss", "linear")
MODIFIERS = ("log1p", "sqrt")
FILTER_OPERATORS = frozenset({"equal", "not_equal", "less_than", "less_or_equal", "greater_than", "greater_or_equal"})
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


@dataclass(frozen=True)
class Decay:
    """One decay function with numbers only: times as seconds since the epoch, durations as seconds."""

    origin: float
    scale: float
    offset: float
    curve: str
    decay: float


@dataclass(frozen=True)
class Condition:
    """One checked boost condition; ``kind`` is the name of the boost's field that was set."""

    kind: str
    weight: float
    property: str | None = None
    filter: Any = None
    decay: Decay | None = None
    modifier: str | None = None
    text: str = ""


@dataclass(frozen=True)
class BoostPlan:
    """A checked boost: its conditions, overall ``weight`` and candidate ``depth`` (defaults filled in)."""

    conditions: tuple[Condition, ...]
    weight: float
    depth: int
    source: Any = None
    """The caller's own boost object (what a server that has boosts is sent)."""

    def describe(self) -> list[str]:
        return [c.text for c in self.conditions]


def plan_boost(boost: Any, properties: Collection[str], now: datetime) -> BoostPlan:
    """``boost`` (a weaviate ``Boost``) checked against the collection's ``properties``; errors name the bad field."""
    conditions = getattr(boost, "conditions", None)
    if not isinstance(conditions, (list, tuple)):
        raise InvalidInputError(f"boost must be a weaviate.classes.query.Boost, got {describe(boost)}")
    if not conditions or len(conditions) > MAX_CONDITIONS:
        raise InvalidInputError(f"boost.conditions must hold 1 to {MAX_CONDITIONS} conditions, got {len(conditions)}")
    weight = _real(getattr(boost, "weight", None), "boost.weight", DEFAULT_WEIGHT)
    if not 0 <= weight <= 1:
        raise InvalidInputError(f"boost.weight must be in [0, 1], got {weight:g}")
    depth = getattr(boost, "depth", None)
    depth = DEFAULT_DEPTH if depth is None else depth
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InvalidInputError(f"boost.depth must be an integer >= 1, got {describe(depth)}")
    checked = tuple(_condition(c, n, set(properties), now) for n, c in enumerate(conditions))
    return BoostPlan(checked, weight, depth, boost)


def _condition(cond: Any, n: int, properties: set[str], now: datetime) -> Condition:
    what = f"boost.conditions[{n}]"
    kinds = [k for k in ("filter", "time_decay", "numeric_decay", "property_value") if getattr(cond, k, None)
             is not None]
    if len(kinds) != 1:
        raise InvalidInputError(f"{what} must set exactly one of filter, time_decay, numeric_decay, property_value; "
                                f"got {kinds or 'none'}")
    kind, body, weight = kinds[0], getattr(cond, kinds[0]), _real(getattr(cond, "weight", None), f"{what}.weight", 1.0)
    if kind == "filter":
        shown = _filter_text(body, what, properties)
        return Condition(kind, weight, filter=body, text=f"{_weight(weight)}filter {shown}")
    prop = getattr(body, "property", None)
    if prop not in properties:
        raise InvalidInputError(f"{what}.{kind}.property {prop!r} is not a property of the collection; "
                                f"properties: {sorted(properties)}")
    if kind == "property_value":
        modifier = _enum(getattr(body, "modifier", None), MODIFIERS, f"{what}.property_value.modifier")
        return Condition(kind, weight, prop, modifier=modifier,
                         text=f"{_weight(weight)}value of {prop}" + (f" ({modifier})" if modifier else ""))
    decay = _decay(body, f"{what}.{kind}", kind == "time_decay", now)
    shown = f"{getattr(body, 'origin')}, scale {getattr(body, 'scale')}"
    return Condition(kind, weight, prop, decay=decay,
                     text=f"{_weight(weight)}{kind.replace('_', ' ')} of {prop} from {shown}, {decay.curve} curve")


def _decay(body: Any, what: str, time: bool, now: datetime) -> Decay:
    curve = _enum(getattr(body, "curve", None), CURVES, f"{what}.curve") or "exp"
    decay = _real(getattr(body, "decay_value", None), f"{what}.decay", DEFAULT_DECAY)
    if not 0 < decay <= 1:
        raise InvalidInputError(f"{what}.decay must be in (0, 1], got {decay:g}")
    if time:
        origin = _origin(getattr(body, "origin", None), f"{what}.origin", now)
        size, offset = (duration(getattr(body, k, None), f"{what}.{k}", k == "offset") for k in ("scale", "offset"))
    else:
        origin = _real(getattr(body, "origin", None), f"{what}.origin")
        size, offset = _real(body.scale, f"{what}.scale"), _real(getattr(body, "offset", None), f"{what}.offset", 0.0)
    if size <= 0 or offset < 0:
        raise InvalidInputError(f"{what}: scale must be > 0 and offset >= 0, got scale {size:g}, offset {offset:g}")
    return Decay(origin, size, offset, curve, decay)


def duration(text: Any, what: str, optional: bool = False) -> float:
    """A duration string (``"7d"``, ``"24h"``, ``"1h30m"``, ``"90s"``, ``"1.5s"``) in seconds."""
    if text is None and optional:
        return 0.0
    if not isinstance(text, str) or not text or _DURATION.sub("", text):
        raise InvalidInputError(f"{what} must be a duration like '7d', '24h', '30m' or '90s', got {describe(text)}")
    return sum(float(number) * _UNITS[unit] for number, unit in _DURATION.findall(text))


def _origin(text: Any, what: str, now: datetime) -> float:
    if text == "now":
        return now.timestamp()
    stamp = to_time(text)
    if stamp is None:
        raise InvalidInputError(f"{what} must be 'now' or an RFC 3339 time like '2024-06-01T00:00:00Z', "
                                f"got {describe(text)}")
    return stamp


def to_time(value: Any) -> float | None:
    """A date value (ISO text or a datetime; naive is UTC) as seconds since the epoch, else None."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()


def _filter_text(flt: Any, what: str, properties: set[str]) -> str:
    from core.store.filter_parse import Leaf, parse  # imports weaviate: only when a filter boost is given
    from core.store.filter_text import filter_to_text
    stack = [parse(flt)]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            if node.op not in FILTER_OPERATORS:
                raise InvalidInputError(f"{what}.filter: operator {node.op!r} is not allowed in a boost; allowed: "
                                        f"{sorted(FILTER_OPERATORS)} joined by and/or/not")
            if node.prop is not None and node.prop not in properties:
                raise InvalidInputError(f"{what}.filter: {node.prop!r} is not a property of the collection; "
                                        f"properties: {sorted(properties)}")
        else:
            stack.extend(node[1] if node[0] != "not" else [node[1]])
    return filter_to_text(flt)


def _enum(value: Any, allowed: tuple[str, ...], what: str) -> str | None:
    text = None if value is None else str(getattr(value, "value", value))
    if text is not None and text not in allowed:
        raise InvalidInputError(f"{what} must be one of {list(allowed)}, got {describe(value)}")
    return text


def _real(value: Any, what: str, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInputError(f"{what} must be a finite number, got {describe(value)}")
    return float(value)


def _weight(weight: float) -> str:
    return "" if weight == 1 else f"{weight:g} × "


# scoring ------------------------------------------------------------------------------------------
def curve_value(d: np.ndarray, decay: Decay) -> np.ndarray:
    """The decay curve at distances ``d`` (already ``>= 0``, offset taken off)."""
    ratio = d / decay.scale
    if decay.curve == "linear":
        return np.clip(1 - (1 - decay.decay) * ratio, 0, 1)
    return decay.decay ** (ratio ** 2 if decay.curve == "gauss" else ratio)


def raw_scores(cond: Condition, rows: Sequence[Mapping[str, Any]], match: Callable[[Any], np.ndarray]) -> np.ndarray:
    """One condition's score per candidate before normalization (NaN: missing value)."""
    if cond.kind == "filter":
        return match(cond.filter).astype(np.float64)
    values = [row.get(cond.property) for row in rows]
    if cond.kind == "time_decay":
        x = np.array([np.nan if (t := to_time(v)) is None else t for v in values], dtype=np.float64)
    else:
        x = np.array([float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan for v in values],
                     dtype=np.float64)
    if cond.kind == "property_value":
        if cond.modifier is not None:
            x = (np.log1p if cond.modifier == "log1p" else np.sqrt)(np.where(np.isnan(x), x, np.maximum(x, 0)))
        return x
    d = np.maximum(np.abs(x - cond.decay.origin) - cond.decay.offset, 0)
    return curve_value(d, cond.decay)


def normalized(values: np.ndarray) -> np.ndarray:
    """Min-max over the present (non-NaN) values; missing ones 0; no spread: 1 where above 0, else 0."""
    out = np.zeros(len(values))
    present = ~np.isnan(values)
    if present.any():
        low, high = values[present].min(), values[present].max()
        out[present] = (values[present] - low) / (high - low) if high - low > 1e-12 else (values[present] > 0)
    return out


def rescore(plan: BoostPlan, primary: np.ndarray, rows: Sequence[Mapping[str, Any]],
            match: Callable[[Any], np.ndarray]) -> np.ndarray:
    """The boosted final score of each candidate (row-aligned with ``primary`` and ``rows``), in [0, 1]."""
    if not len(primary):
        return np.zeros(0)
    total = sum(c.weight * normalized(raw_scores(c, rows, match)) for c in plan.conditions)
    mixed = (1 - plan.weight) * scale(primary) + plan.weight * normalized(np.asarray(total, dtype=np.float64))
    return scale(mixed)
