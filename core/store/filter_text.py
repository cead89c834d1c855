"""Render weaviate-client v4 ``Filter`` objects as short human-readable text for traces and the UI.

Public through :mod:`core.store.embedded.filter_eval` as :func:`filter_to_text`. Rendering is total over
weaviate filters: it shows conditions the embedded store cannot evaluate too (references, geo
ranges, creation times), so a trace can say what was asked even when it was rejected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from weaviate.collections.classes.filters import (
    _FilterAnd,
    _FilterNot,
    _FilterOr,
    _Filters,
    _FilterValue,
    _GeoCoordinateFilter,
)

from core.checks import describe
from core.errors import InvalidInputError
from core.store.filter_parse import OP_NAMES, target_text

__all__ = ["filter_to_text"]

_OP_SYMBOLS = {"equal": "=", "not_equal": "!=", "less_than": "<", "less_or_equal": "<=",
               "greater_than": ">", "greater_or_equal": ">="}


def filter_to_text(filters: Any) -> str:
    """A short human-readable rendering, e.g. ``(genres contains_any ['Comedy'] AND year > 1990)``.

    Renders any weaviate filter, supported by the embedded store or not; ``None`` is
    ``"(no filter)"``. Raises :class:`InvalidInputError` for something that is not a filter.
    """
    if filters is None:
        return "(no filter)"
    if isinstance(filters, (_FilterAnd, _FilterOr)):
        word = " AND " if isinstance(filters, _FilterAnd) else " OR "
        return "(" + word.join(filter_to_text(c) for c in filters.filters) + ")"
    if isinstance(filters, _FilterNot):
        return "NOT " + " ".join(filter_to_text(c) for c in filters.filters)
    if isinstance(filters, _FilterValue):
        return _condition_text(filters)
    if isinstance(filters, _Filters):
        return f"<{type(filters).__name__}>"
    raise InvalidInputError(f"filters must be a weaviate Filter or None, got {type(filters).__name__} {describe(filters)}")


def _condition_text(f: _FilterValue) -> str:
    target, value = target_text(f.target), f.value
    op = OP_NAMES.get(f.operator, str(getattr(f.operator, "value", f.operator)))
    if op == "is_none":
        return f"{target} is {'' if value else 'not '}none"
    return f"{target} {_OP_SYMBOLS.get(op, op)} {_value_text(value)}"


def _value_text(value: Any, limit: int = 5) -> str:
    if isinstance(value, (list, tuple)):
        shown = [_value_text(v) for v in value[:limit]]
        more = [f"... +{len(value) - limit} more"] if len(value) > limit else []
        return "[" + ", ".join(shown + more) + "]"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, _GeoCoordinateFilter):
        return f"({value.latitude}, {value.longitude}) within {value.distance} m"
    if isinstance(value, UUID):
        return repr(str(value))
    return repr(value)
