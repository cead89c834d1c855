"""Evaluate weaviate-client v4 ``Filter`` objects on the embedded store, so one filter works on both backends.

``FilterEvaluator(uuids, properties).mask(filters)`` turns a filter into a boolean row mask;
``validate_filter`` rejects what cannot be evaluated before any search runs; ``filter_to_text``
renders a filter for traces and the UI.

Semantics (mirroring Weaviate with its default ``word`` tokenization where reasonable):

* **Text** is compared as Weaviate's ``word`` tokenization does: lower-cased tokens split on every
  non-alphanumeric character. ``equal("Dark Comedy")`` matches when *all* tokens of the value
  occur in the property (so it also matches ``"A dark comedy!"``). Weaviate's stop-word removal
  (``"a"``, ``"the"``, ...) is not applied: a stop word in the value must occur too.
* ``like`` tokenizes the pattern the same way but keeps ``*`` (any run) and ``?`` (one character);
  every pattern token must match some token, case-insensitively (``like("star war*")``).
* **Lists** (Weaviate arrays): a row matches ``equal``/``like``/ranges when *any* element matches;
  for text the tokens of all elements are pooled, as Weaviate's inverted index does.
* ``contains_any`` / ``contains_all`` compare each value as ``equal`` would (elements of a list,
  tokens of a text, the value of a scalar) and OR / AND the results.
* **Negations** are complements, as in Weaviate: ``not_equal`` = NOT ``equal`` and
  ``contains_none`` = NOT ``contains_any``, so both match rows where the property is missing.
* **Missing**: a missing key, ``None``, ``[]`` and ``""`` are all "none" (Weaviate treats empty
  strings as null). Every other operator is False there; ``is_none(True)`` is True. A property no
  item has is not an error: positive operators give all False.
* **Numbers** compare numerically (ints and floats mixed; held as float64, so ints beyond 2**53
  lose precision). Booleans are their own type, never numbers.
* **Dates**: a ``datetime`` filter value compares with ISO-8601 strings (or datetimes) in the
  property, parsed as datetimes; naive ones are taken as UTC. Strings that do not parse never match.
* **Type mismatch** (a number against a text property, a datetime against numbers, ...) raises
  :class:`UnsupportedFilterError` naming the property, operator and both types, instead of
  silently matching nothing. Range operators take numbers or datetimes only.
* ``by_id`` supports equal, not_equal, contains_any and contains_none. ``by_ref``,
  ``by_ref_count``, ``by_creation_time``, ``by_update_time``, ``within_geo_range`` and
  ``by_property(..., length=True)`` raise :class:`UnsupportedFilterError`.

Columns are built lazily per property and cached, so equality, ranges and ``contains_*`` are numpy
operations (or inverted-index look-ups for text). The evaluator keeps the sequences it is given:
when items change, build a new evaluator (what ``VectorIndex`` does), or call ``invalidate()``.
"""

from __future__ import annotations

import numbers
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from itertools import chain, repeat
from typing import Any
from uuid import UUID

import numpy as np
from weaviate.collections.classes.filters import (
    _CountRef,
    _FilterAnd,
    _FilterNot,
    _FilterOr,
    _Filters,
    _FilterValue,
    _GeoCoordinateFilter,
    _MultiTargetRef,
    _Operator,
    _SingleTargetRef,
)

from ..errors import InvalidInputError, UnsupportedFilterError
from ..ids import parse_uuid

__all__ = ["FilterEvaluator", "filter_to_text", "validate_filter"]

_OP_NAMES = {
    _Operator.EQUAL: "equal", _Operator.NOT_EQUAL: "not_equal",
    _Operator.LESS_THAN: "less_than", _Operator.LESS_THAN_EQUAL: "less_or_equal",
    _Operator.GREATER_THAN: "greater_than", _Operator.GREATER_THAN_EQUAL: "greater_or_equal",
    _Operator.LIKE: "like", _Operator.IS_NULL: "is_none", _Operator.CONTAINS_ANY: "contains_any",
    _Operator.CONTAINS_ALL: "contains_all", _Operator.CONTAINS_NONE: "contains_none",
    _Operator.WITHIN_GEO_RANGE: "within_geo_range",
}
_OP_SYMBOLS = {"equal": "=", "not_equal": "!=", "less_than": "<", "less_or_equal": "<=",
               "greater_than": ">", "greater_or_equal": ">="}
_RANGE_OPS = {"less_than": np.less, "less_or_equal": np.less_equal,
              "greater_than": np.greater, "greater_or_equal": np.greater_equal}
_CONTAINS_OPS = ("contains_any", "contains_all", "contains_none")
_PROPERTY_OPS = ("equal", "not_equal", *_RANGE_OPS, "like", *_CONTAINS_OPS, "is_none")
_ID_OPS = ("equal", "not_equal", "contains_any", "contains_none")
_SPECIAL_TARGETS = {"_creationTimeUnix": "by_creation_time", "_lastUpdateTimeUnix": "by_update_time"}
_TOKEN = re.compile(r"[^\W_]+")
_WILDCARD_TOKEN = re.compile(r"(?:[^\W_]|[*?])+")
_CODES = {"number": 0, "bool": 1, "text": 2, "date": 3}
_TYPE_CODES = {int: 0, float: 0, bool: 1, str: 2, datetime: 3, type(None): -2}
_HOUR, _MINUTE, _SECOND, _MICROSECOND = map(operator.attrgetter, ("hour", "minute", "second", "microsecond"))
_UNIX_ORDINAL = datetime(1970, 1, 1).toordinal()
_KIND_PLURALS = {"number": "numbers", "bool": "booleans", "text": "text", "date": "datetimes"}


# -- parsing and validation -------------------------------------------------------------------

@dataclass(frozen=True)
class _Leaf:
    """One validated condition; ``prop`` is None for ``by_id``. ``values`` is always a tuple."""

    prop: str | None
    op: str
    values: tuple
    kind: str  # "number", "bool", "text", "date", "id" or "flag" (is_none)


def validate_filter(filters: Any) -> None:
    """Check that ``filters`` (a weaviate ``Filter`` or None) can be evaluated by the embedded store.

    Raises :class:`InvalidInputError` for something that is not a filter at all and
    :class:`UnsupportedFilterError`, naming the operator and target, for a filter that uses
    something this module does not evaluate.
    """
    if filters is not None:
        _parse(filters)


def _parse(node: Any) -> Any:
    """A tree of ``("and"|"or", [children])``, ``("not", child)`` and :class:`_Leaf`."""
    if isinstance(node, (_FilterAnd, _FilterOr)):
        if not node.filters:
            word = "AND" if isinstance(node, _FilterAnd) else "OR"
            raise InvalidInputError(f"{word} filter needs at least one operand, got none")
        return ("and" if isinstance(node, _FilterAnd) else "or", [_parse(c) for c in node.filters])
    if isinstance(node, _FilterNot):
        if len(node.filters) != 1:
            raise InvalidInputError(f"NOT filter needs exactly one operand, got {len(node.filters)}")
        return ("not", _parse(node.filters[0]))
    if isinstance(node, _FilterValue):
        return _parse_leaf(node)
    if isinstance(node, _Filters):
        raise UnsupportedFilterError(
            f"unknown filter type {type(node).__name__}; supported: by_property, by_id, &, |, Filter.not_")
    raise InvalidInputError(
        f"filters must be a weaviate Filter (from weaviate.classes.query import Filter) or None, "
        f"got {type(node).__name__} {node!r:.80}")


def _parse_leaf(f: _FilterValue) -> _Leaf:
    op_enum = f.operator
    op = _OP_NAMES.get(op_enum) if isinstance(op_enum, _Operator) else None
    target = _target_text(f.target)
    if op is None:
        raise UnsupportedFilterError(f"operator {op_enum!r} on {target!r} is not a condition the store can evaluate")
    prop = _check_target(f.target, op)
    if prop is None:
        if op not in _ID_OPS:
            raise UnsupportedFilterError(f"by_id supports {', '.join(_ID_OPS)}; got {op}")
        return _Leaf(None, op, _id_values(f.value, op), "id")
    if op not in _PROPERTY_OPS:
        raise UnsupportedFilterError(
            f"{op} on property {prop!r} is not supported by the embedded store; supported: {', '.join(_PROPERTY_OPS)}")
    return _Leaf(prop, op, *_property_values(prop, op, f.value))


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
        raise UnsupportedFilterError(f"by_id().{op} needs {need}, got {value!r:.80}")
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
        raise UnsupportedFilterError(f"{op} on property {prop!r} needs {need}, got {value!r:.80}")
    values = tuple(_normalize(v) for v in (value if many else [value]))
    kinds = {_kind(v) for v in values}
    if None in kinds or len(kinds) > 1:
        raise UnsupportedFilterError(
            f"{op} on property {prop!r} needs text, number, boolean or datetime values of one type, got {value!r:.80}")
    kind = kinds.pop()
    if op in _RANGE_OPS and kind not in ("number", "date"):
        raise UnsupportedFilterError(f"{op} on property {prop!r} needs a number or a datetime, got {_describe(value)}")
    if op == "like" and kind != "text":
        raise UnsupportedFilterError(f"like on property {prop!r} needs a text pattern, got {_describe(value)}")
    return values, kind


def _normalize(v: Any) -> Any:
    if isinstance(v, UUID):
        return str(v)
    if isinstance(v, datetime):
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v
    return v


def _kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, numbers.Real):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, datetime):
        return "date"
    return None


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r:.80}"


def _micros(dates: list[datetime]) -> np.ndarray:
    """Exact microseconds since the epoch of timezone-aware datetimes.

    Field by field through C-level ``map`` calls: ``timestamp()`` floats lose microseconds
    outside ~1900-2100, and numpy's datetime conversion of Python objects is slow.
    """
    def field(getter: Any) -> np.ndarray:
        return np.fromiter(map(getter, dates), dtype=np.int64, count=len(dates))

    seconds = (field(datetime.toordinal) - _UNIX_ORDINAL) * 86400 + field(_HOUR) * 3600 \
        + field(_MINUTE) * 60 + field(_SECOND)
    offsets = list(map(datetime.utcoffset, dates))
    offset_us = {o: o // timedelta(microseconds=1) for o in set(offsets)}
    return seconds * 1_000_000 + field(_MICROSECOND) - np.fromiter(
        map(offset_us.__getitem__, offsets), dtype=np.int64, count=len(dates))


def _parse_iso(s: str) -> datetime | None:
    try:
        d = datetime.fromisoformat(s)  # Python 3.11+ accepts a trailing "Z"
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def _flatten(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Row index of every scalar or list element (None included), and the elements themselves."""
    wrapped = [v if type(v) is list or type(v) is tuple else (v,) for v in values]
    lengths = np.fromiter(map(len, wrapped), dtype=np.int64, count=len(wrapped))
    return np.repeat(np.arange(len(wrapped), dtype=np.int64), lengths), list(chain.from_iterable(wrapped))


def _postings(rows: np.ndarray, texts: list[str]) -> dict[str, np.ndarray]:
    """Token -> rows, tokenizing each distinct string once and fanning out with numpy.

    Python work is one dict look-up per element plus one tokenization per distinct string, so a
    categorical column (genres) costs little more than a numeric one.
    """
    distinct: dict[str, int] = {}
    codes = np.fromiter((distinct.setdefault(t, len(distinct)) for t in texts), dtype=np.int64, count=len(texts))
    vocab: dict[str, int] = {}
    per_text = [[vocab.setdefault(tok, len(vocab)) for tok in dict.fromkeys(_tokens(t))] for t in distinct]
    lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    flat = np.fromiter(chain.from_iterable(per_text), dtype=np.int64, count=int(lengths.sum()))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    each = lengths[codes]  # tokens per element
    first = np.repeat(starts[codes] - (np.cumsum(each) - each), each)
    token_of_pair = flat[first + np.arange(int(each.sum()))]
    row_of_pair = np.repeat(rows, each)
    order = np.argsort(token_of_pair, kind="stable")
    groups = np.split(row_of_pair[order], np.cumsum(np.bincount(token_of_pair, minlength=len(vocab)))[:-1])
    return dict(zip(vocab, groups))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


# -- evaluation -------------------------------------------------------------------------------

class _Column:
    """One property, flattened: every scalar element with the row it came from, per type."""

    def __init__(self, name: str, values: list[Any]) -> None:
        self.name = name
        self.n = len(values)
        rows, elems = _flatten(values)
        # Classify by exact type in C (map over dict.get); only unusual types take the slow path.
        codes = np.fromiter(map(_TYPE_CODES.get, map(type, elems), repeat(-1)), dtype=np.int8, count=len(elems))
        for j in np.flatnonzero(codes == -1):
            codes[j] = _CODES.get(_kind(elems[j]), -3)  # -3: present but not comparable (e.g. a dict)
        objs = np.fromiter(elems, dtype=object, count=len(elems))
        text = codes == _CODES["text"]
        codes[text] = np.where(objs[text] == "", -2, codes[text])  # "" counts as none, as in Weaviate
        self.present = np.zeros(self.n, dtype=bool)
        self.present[rows[codes != -2]] = True
        self._rows = {k: rows[codes == c] for k, c in _CODES.items()}
        self._vals = {k: objs[codes == c] for k, c in _CODES.items()}
        self.kinds = {k for k, r in self._rows.items() if len(r)}

    def _array(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Row indices and values of the elements of one kind, as numpy arrays (cached)."""
        key = "_arr_" + kind
        if key not in self.__dict__:
            if kind == "date":
                self.__dict__[key] = self._dates()
            else:
                dtype = np.float64 if kind == "number" else bool
                self.__dict__[key] = (self._rows[kind], self._vals[kind].astype(dtype))
        return self.__dict__[key]

    def _dates(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows and epoch microseconds of datetime elements and of text elements that parse as ISO-8601."""
        given = [_normalize(d) for d in self._vals["date"].tolist()]
        parsed = list(map(_parse_iso, self._vals["text"].tolist()))
        ok = np.fromiter((d is not None for d in parsed), dtype=bool, count=len(parsed))
        rows = np.concatenate([self._rows["date"], self._rows["text"][ok]])
        return rows, _micros(given + [d for d in parsed if d is not None])

    @cached_property
    def postings(self) -> dict[str, np.ndarray]:
        """Inverted index of the text elements: token -> rows that contain it."""
        return _postings(self._rows["text"], self._vals["text"].tolist())

    def _scatter(self, kind: str, hit: np.ndarray) -> np.ndarray:
        """Row mask from a per-element mask: a row passes when any of its elements does."""
        rows = self._array(kind)[0]
        layout = self._layout(kind)
        if layout == "identity":  # one element per row, every row: the element mask is the row mask
            return hit
        if layout == "unique":
            out = np.zeros(self.n, dtype=bool)
            out[rows] = hit
            return out
        return self._rows_mask(rows[hit])

    def _layout(self, kind: str) -> str:
        """How elements map to rows: "identity" (scalar, never missing), "unique" (scalar) or "lists"."""
        key = "_layout_" + kind
        if key not in self.__dict__:
            rows = self._array(kind)[0]
            if len(rows) == self.n and bool((rows == np.arange(self.n)).all()):
                self.__dict__[key] = "identity"
            else:
                self.__dict__[key] = "unique" if len(np.unique(rows)) == len(rows) else "lists"
        return self.__dict__[key]

    def _rows_mask(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        out[rows] = True
        return out

    def check(self, op: str, kind: str, value: Any) -> bool:
        """False when the property holds nothing comparable; raises on a type mismatch."""
        if not self.kinds:
            return False
        have = self.kinds | ({"date"} if kind == "date" and len(self._array("date")[0]) else set())
        if kind in have:
            return True
        held = " and ".join(_KIND_PLURALS[k] for k in sorted(self.kinds))
        held += " (none of them ISO-8601 dates)" if "text" in self.kinds and kind == "date" else ""
        raise UnsupportedFilterError(
            f"{op} on property {self.name!r}: the property holds {held}, "
            f"but the filter value {value!r:.80} is {_KIND_PLURALS[kind]}; use a value of the property's type")

    def equal(self, kind: str, value: Any) -> np.ndarray:
        if kind == "text":
            return self._all_tokens(_tokens(value))
        target = _micros([value])[0] if kind == "date" else value
        return self._scatter(kind, self._array(kind)[1] == target)

    def compare(self, op: str, kind: str, value: Any) -> np.ndarray:
        target = _micros([value])[0] if kind == "date" else value
        return self._scatter(kind, _RANGE_OPS[op](self._array(kind)[1], target))

    def isin(self, kind: str, values: tuple) -> np.ndarray:
        if kind == "text":
            return np.logical_or.reduce([self.equal(kind, v) for v in values])
        targets = _micros(list(values)) if kind == "date" else list(values)
        return self._scatter(kind, np.isin(self._array(kind)[1], targets))

    def like(self, pattern: str) -> np.ndarray:
        out = np.ones(self.n, dtype=bool)
        for token in _WILDCARD_TOKEN.findall(pattern.lower()) or [""]:
            if "*" not in token and "?" not in token:
                out &= self._rows_mask(self.postings.get(token, np.empty(0, np.int64)))
                continue
            rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in token), re.DOTALL)
            hits = [r for t, r in self.postings.items() if rx.fullmatch(t)]
            out &= self._rows_mask(np.concatenate(hits) if hits else np.empty(0, np.int64))
        return out

    def _all_tokens(self, tokens: list[str]) -> np.ndarray:
        out = np.full(self.n, bool(tokens))
        for token in tokens:
            out &= self._rows_mask(self.postings.get(token, np.empty(0, np.int64)))
        return out


class FilterEvaluator:
    """Evaluate weaviate ``Filter`` objects over one collection's items (row ``i`` = item ``i``).

    ``properties`` hold plain JSON values. Per-property columns are built on first use and cached,
    so reuse one evaluator for many queries; build a new one (or call :meth:`invalidate`) when the
    items change.
    """

    def __init__(self, uuids: Sequence[UUID], properties: Sequence[dict]) -> None:
        self._uuids = uuids
        self._properties = properties
        self.invalidate()

    def invalidate(self) -> None:
        """Drop every cached column; call after the sequences passed in were changed in place."""
        if len(self._uuids) != len(self._properties):
            raise InvalidInputError(
                f"uuids and properties must be row-aligned, "
                f"got {len(self._uuids)} uuids and {len(self._properties)} property rows")
        self._n = len(self._uuids)
        self._columns: dict[str, _Column] = {}
        self._id_rows: dict[UUID, int] | None = None

    def mask(self, filters: Any) -> np.ndarray:
        """Boolean array, one entry per item, True where the item passes ``filters`` (None: all True).

        Raises the errors of :func:`validate_filter`, and :class:`UnsupportedFilterError` when a
        value's type does not fit the property's (e.g. a number against a text property).
        """
        if len(self._uuids) != self._n:  # appended in place without invalidate(): never serve stale columns
            self.invalidate()
        if filters is None:
            return np.ones(self._n, dtype=bool)
        return self._eval(_parse(filters))

    def _eval(self, node: Any) -> np.ndarray:
        if isinstance(node, _Leaf):
            return self._eval_id(node) if node.prop is None else self._eval_property(node)
        tag, children = node
        if tag == "not":
            return ~self._eval(children)
        masks = [self._eval(c) for c in children]
        return (np.logical_and if tag == "and" else np.logical_or).reduce(masks)

    def _eval_id(self, leaf: _Leaf) -> np.ndarray:
        if self._id_rows is None:
            self._id_rows = {parse_uuid(u, what="item id"): i for i, u in enumerate(self._uuids)}
        out = np.zeros(self._n, dtype=bool)
        out[[self._id_rows[u] for u in leaf.values if u in self._id_rows]] = True
        return ~out if leaf.op in ("not_equal", "contains_none") else out

    def _column(self, name: str) -> _Column:
        if name not in self._columns:
            self._columns[name] = _Column(name, [p.get(name) for p in self._properties])
        return self._columns[name]

    def _eval_property(self, leaf: _Leaf) -> np.ndarray:
        col, op, kind, values = self._column(leaf.prop), leaf.op, leaf.kind, leaf.values
        if op == "is_none":
            return ~col.present if values[0] else col.present.copy()
        negate = op in ("not_equal", "contains_none")
        if not col.check(op, kind, values[0] if len(values) == 1 else list(values)):
            return np.full(self._n, negate)
        if op in _RANGE_OPS:
            out = col.compare(op, kind, values[0])
        elif op == "like":
            out = col.like(values[0])
        elif op == "contains_all":
            out = np.logical_and.reduce([col.equal(kind, v) for v in values])
        else:  # equal, not_equal, contains_any, contains_none
            out = col.isin(kind, values) if len(values) > 1 else col.equal(kind, values[0])
        return ~out if negate else out


# -- rendering --------------------------------------------------------------------------------

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
        target, value = _target_text(filters.target), filters.value
        op = _OP_NAMES.get(filters.operator, str(getattr(filters.operator, "value", filters.operator)))
        if op == "is_none":
            return f"{target} is {'' if value else 'not '}none"
        return f"{target} {_OP_SYMBOLS.get(op, op)} {_value_text(value)}"
    if isinstance(filters, _Filters):
        return f"<{type(filters).__name__}>"
    raise InvalidInputError(f"filters must be a weaviate Filter or None, got {type(filters).__name__} {filters!r:.80}")


def _target_text(target: Any) -> str:
    if isinstance(target, _CountRef):
        return f"count({target.link_on})"
    if isinstance(target, (_SingleTargetRef, _MultiTargetRef)):
        inner = _target_text(target.target) if target.target is not None else "?"
        return f"{target.link_on}.{inner}"
    if target == "_id":
        return "id"
    return {"_creationTimeUnix": "creation_time", "_lastUpdateTimeUnix": "update_time"}.get(target, str(target))


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
