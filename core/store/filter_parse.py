"""Turn weaviate-client v4 ``Filter`` objects into a small validated tree for the embedded store.

Internal to :mod:`core.store.embedded.filter_eval` (which documents the semantics). :func:`parse` returns
``("and"|"or", [children])``, ``("not", child)`` or a :class:`Leaf`, raising
:class:`InvalidInputError` for something that is not a filter and :class:`UnsupportedFilterError`
for a filter the embedded store cannot evaluate. Leaf values are normalized here (UUIDs to text,
naive datetimes to UTC), so evaluation never sees a raw weaviate object.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from weaviate.collections.classes.filters import (
    _CountRef,
    _FilterAnd,
    _FilterNot,
    _FilterOr,
    _Filters,
    _FilterValue,
    _MultiTargetRef,
    _Operator,
    _SingleTargetRef,
)

from core.checks import check_text, describe
from core.errors import InvalidInputError, UnsupportedFilterError
from core.ids import parse_uuid

__all__ = ["OP_NAMES", "RANGE_OPS", "Leaf", "kind_of", "normalize", "parse", "target_text"]

OP_NAMES = {
    _Operator.EQUAL: "equal", _Operator.NOT_EQUAL: "not_equal",
    _Operator.LESS_THAN: "less_than", _Operator.LESS_THAN_EQUAL: "less_or_equal",
    _Operator.GREATER_THAN: "greater_than", _Operator.GREATER_THAN_EQUAL: "greater_or_equal",
    _Operator.LIKE: "like", _Operator.IS_NULL: "is_none", _Operator.CONTAINS_ANY: "contains_any",
    _Operator.CONTAINS_ALL: "contains_all", _Operator.CONTAINS_NONE: "contains_none",
    _Operator.WITHIN_GEO_RANGE: "within_geo_range",
}
RANGE_OPS = ("less_than", "less_or_equal", "greater_than", "greater_or_equal")
_CONTAINS_OPS = ("contains_any", "contains_all", "contains_none")
_PROPERTY_OPS = ("equal", "not_equal", *RANGE_OPS, "like", *_CONTAINS_OPS, "is_none")
_ID_OPS = ("equal", "not_equal", "contains_any", "contains_none")
_SPECIAL_TARGETS = {"_creationTimeUnix": "by_creation_time", "_lastUpdateTimeUnix": "by_update_time"}


@dataclass(frozen=True)
class Leaf:
    """One validated condition; ``prop`` is None for ``by_id``. ``values`` is always a tuple."""

    prop: str | None
    op: str
    values: tuple
    kind: str  # "number", "bool", "text", "date", "id" or "flag" (is_none)


def parse(node: Any) -> Any:
    """A tree of ``("and"|"or", [children])``, ``("not", child)`` and :class:`Leaf`."""
    if isinstance(node, (_FilterAnd, _FilterOr)):
        if not node.filters:
            word = "AND" if isinstance(node, _FilterAnd) else "OR"
            raise InvalidInputError(f"{word} filter needs at least one operand, got none")
        return ("and" if isinstance(node, _FilterAnd) else "or", [parse(c) for c in node.filters])
    if isinstance(node, _FilterNot):
        if len(node.filters) != 1:
            raise InvalidInputError(f"NOT filter needs exactly one operand, got {len(node.filters)}")
        return ("not", parse(node.filters[0]))
    if isinstance(node, _FilterValue):
        return _parse_leaf(node)
    if isinstance(node, _Filters):
        raise UnsupportedFilterError(
            f"unknown filter type {type(node).__name__}; supported: by_property, by_id, &, |, Filter.not_")
    raise InvalidInputError(
        f"filters must be a weaviate Filter (from weaviate.classes.query import Filter) or None, "
        f"got {type(node).__name__} {describe(node)}")


def target_text(target: Any) -> str:
    """How a filter target reads in messages and renderings: ``year``, ``id``, ``count(ref)``, ``ref.prop``."""
    if isinstance(target, _CountRef):
        return f"count({target.link_on})"
    if isinstance(target, (_SingleTargetRef, _MultiTargetRef)):
        inner = target_text(target.target) if target.target is not None else "?"
        return f"{target.link_on}.{inner}"
    if target == "_id":
        return "id"
    return {"_creationTimeUnix": "creation_time", "_lastUpdateTimeUnix": "update_time"}.get(target, str(target))


def normalize(v: Any) -> Any:
    """A filter or property value as compared: UUIDs as text, naive datetimes as UTC."""
    if isinstance(v, UUID):
        return str(v)
    if isinstance(v, datetime):
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v
    return v


def kind_of(v: Any) -> str | None:
    """``"bool"``, ``"number"``, ``"text"`` or ``"date"``; None for a value of no comparable type."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, numbers.Real):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, datetime):
        return "date"
    return None


def _parse_leaf(f: _FilterValue) -> Leaf:
    op_enum = f.operator
    op = OP_NAMES.get(op_enum) if isinstance(op_enum, _Operator) else None
    target = target_text(f.target)
    if op is None:
        raise UnsupportedFilterError(f"operator {op_enum!r} on {target!r} is not a condition the store can evaluate")
    prop = _check_target(f.target, op)
    if prop is None:
        if op not in _ID_OPS:
            raise UnsupportedFilterError(f"by_id supports {', '.join(_ID_OPS)}; got {op}")
        return Leaf(None, op, _id_values(f.value, op), "id")
    if op not in _PROPERTY_OPS:
        raise UnsupportedFilterError(
            f"{op} on property {prop!r} is not supported by the embedded store; supported: {', '.join(_PROPERTY_OPS)}")
    return Leaf(prop, op, *_property_values(prop, op, f.value))


def _check_target(target: Any, op: str) -> str | None:
    """The property name (None for ``by_id``), or an error for targets that are not supported."""
    if isinstance(target, _CountRef):
        raise UnsupportedFilterError(
            f"by_ref_count({target.link_on!r}).{op} is not supported: the embedded store has no cross-references")
    if isinstance(target, (_SingleTargetRef, _MultiTargetRef)):
        raise UnsupportedFilterError(
            f"by_ref({target.link_on!r}) ... {op} is not supported: the embedded store has no cross-references")
    if not isinstance(target, str):
        raise UnsupportedFilterError(f"unknown filter target {target!r} for {op}")
    check_text(target, "a filter's property name")
    if target in _SPECIAL_TARGETS:
        raise UnsupportedFilterError(f"{_SPECIAL_TARGETS[target]}().{op} is not supported by the embedded store")
    if target.startswith("len(") and target.endswith(")"):
        raise UnsupportedFilterError(
            f"by_property({target[4:-1]!r}, length=True).{op} is not supported by the embedded store")
    if op == "within_geo_range":
        raise UnsupportedFilterError(f"within_geo_range on property {target!r} is not supported by the embedded store")
    return None if target == "_id" else target


def _id_values(value: Any, op: str) -> tuple:
    many = op.startswith("contains")
    if many != isinstance(value, (list, tuple)) or (many and not value):
        need = "a non-empty list of UUIDs" if many else "one UUID"
        raise UnsupportedFilterError(f"by_id().{op} needs {need}, got {describe(value)}")
    return tuple(parse_uuid(v, what=f"by_id().{op} value") for v in (value if many else [value]))


def _property_values(prop: str, op: str, value: Any) -> tuple[tuple, str]:
    """``(values, kind)`` for a property condition, checking the value's type against the operator."""
    if op == "is_none":
        if not isinstance(value, bool):
            raise UnsupportedFilterError(f"is_none on property {prop!r} needs True or False, got {value!r}")
        return (value,), "flag"
    if value is None:
        raise UnsupportedFilterError(
            f"{op}(None) on property {prop!r} is not supported; use is_none(True) to find missing values")
    many = op in _CONTAINS_OPS
    if many != isinstance(value, (list, tuple)) or (many and not value):
        need = "a non-empty list of values" if many else "a single value (use contains_any for a list)"
        raise UnsupportedFilterError(f"{op} on property {prop!r} needs {need}, got {describe(value)}")
    values = tuple(normalize(v) for v in (value if many else [value]))
    kinds = {kind_of(v) for v in values}
    if None in kinds or len(kinds) > 1:
        raise UnsupportedFilterError(
            f"{op} on property {prop!r} needs text, number, boolean or datetime values of one type, got {describe(value)}")
    kind = kinds.pop()
    for v in values:
        _check_value(prop, op, kind, v)
    if op in RANGE_OPS and kind not in ("number", "date"):
        raise UnsupportedFilterError(f"{op} on property {prop!r} needs a number or a datetime, got {_describe(value)}")
    if op == "like" and kind != "text":
        raise UnsupportedFilterError(f"like on property {prop!r} needs a text pattern, got {_describe(value)}")
    return values, kind


def _check_value(prop: str, op: str, kind: str, value: Any) -> None:
    """A number must be finite (``year > NaN`` matches nothing, in no meaningful way), text valid Unicode."""
    if kind == "number":
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int beyond any float
            finite = False
        if not finite:
            raise InvalidInputError(f"{op} on property {prop!r} needs a finite number, got {describe(value)}")
    elif kind == "text":
        check_text(value, f"the {op} value on property {prop!r}")


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {describe(value)}"
