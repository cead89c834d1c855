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
  strings as null). Every other operator is False there; ``is_none(True)`` is True.
* **Unknown property**: a property that no item has (not even as None) is an error naming the
  properties there are, as in Weaviate, where it is not in the schema (a typo would otherwise
  silently match nothing). An empty collection has no known properties and matches nothing.
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

The work is split: :mod:`.filter_parse` validates a filter into a small tree, :mod:`.filter_columns`
evaluates its conditions column by column, and :mod:`.filter_text` renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError
from core.ids import parse_uuid
from core.store.embedded.filter_columns import Column
from core.store.embedded.rows import Properties, Uuids
from core.store.filter_parse import RANGE_OPS, Leaf, parse
from core.store.filter_text import filter_to_text

__all__ = ["FilterEvaluator", "filter_to_text", "validate_filter"]


def validate_filter(filters: Any) -> None:
    """Check that ``filters`` (a weaviate ``Filter`` or None) can be evaluated by the embedded store.

    Raises :class:`InvalidInputError` for something that is not a filter at all and
    :class:`UnsupportedFilterError`, naming the operator and target, for a filter that uses
    something this module does not evaluate.
    """
    if filters is not None:
        parse(filters)


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
        self._columns: dict[str, Column] = {}
        self._id_rows: dict[UUID, int] | None = None
        self._known: set[str] | None = None

    def mask(self, filters: Any) -> np.ndarray:
        """Boolean array, one entry per item, True where the item passes ``filters`` (None: all True).

        Raises the errors of :func:`validate_filter`, and :class:`UnsupportedFilterError` when a
        value's type does not fit the property's (e.g. a number against a text property).
        """
        if len(self._uuids) != self._n:  # appended in place without invalidate(): never serve stale columns
            self.invalidate()
        if filters is None:
            return np.ones(self._n, dtype=bool)
        return self._eval(parse(filters))

    def _eval(self, node: Any) -> np.ndarray:
        if isinstance(node, Leaf):
            return self._eval_id(node) if node.prop is None else self._eval_property(node)
        tag, children = node
        if tag == "not":
            return ~self._eval(children)
        masks = [self._eval(c) for c in children]
        return (np.logical_and if tag == "and" else np.logical_or).reduce(masks)

    def _eval_id(self, leaf: Leaf) -> np.ndarray:
        out = np.zeros(self._n, dtype=bool)
        if isinstance(self._uuids, Uuids):  # the index's ids: looked up without a dict of every row
            rows = self._uuids.find(leaf.values)
            out[rows[rows >= 0]] = True
            return ~out if leaf.op in ("not_equal", "contains_none") else out
        if self._id_rows is None:
            self._id_rows = {parse_uuid(u, what="item id"): i for i, u in enumerate(self._uuids)}
        out[[self._id_rows[u] for u in leaf.values if u in self._id_rows]] = True
        return ~out if leaf.op in ("not_equal", "contains_none") else out

    def _column(self, name: str) -> Column:
        if name not in self._columns:
            lazy = isinstance(self._properties, Properties)  # the index's: columns read in SQL, not row by row
            if self._known is None:
                self._known = set(self._properties.names()) if lazy else set().union(*self._properties)
            if self._n and name not in self._known:
                raise InvalidInputError(f"filter on property {name!r}: no item of this collection has it; its "
                                        f"properties are {sorted(self._known)[:30]}")
            values = self._properties.column(name) if lazy else [p.get(name) for p in self._properties]
            self._columns[name] = Column(name, values)
        return self._columns[name]

    def _eval_property(self, leaf: Leaf) -> np.ndarray:
        col, op, kind, values = self._column(leaf.prop), leaf.op, leaf.kind, leaf.values
        if op == "is_none":
            return ~col.present if values[0] else col.present.copy()
        negate = op in ("not_equal", "contains_none")
        if not col.check(op, kind, values[0] if len(values) == 1 else list(values)):
            return np.full(self._n, negate)
        if op in RANGE_OPS:
            out = col.compare(op, kind, values[0])
        elif op == "like":
            out = col.like(values[0])
        elif op == "contains_all":
            out = np.logical_and.reduce([col.equal(kind, v) for v in values])
        else:  # equal, not_equal, contains_any, contains_none
            out = col.isin(kind, values) if len(values) > 1 else col.equal(kind, values[0])
        return ~out if negate else out
