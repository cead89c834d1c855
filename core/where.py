"""Small filter expressions (``"year>=2000"``, ``"genres~Comedy,Drama"``) → weaviate ``Filter`` objects.

The CLI's ``--where`` option and the lab use the same grammar: ``PROP OP VALUE`` where OP is one
of ``= == != < <= > >=``, ``~`` (contains any of ``a,b``), ``!~`` (contains none of ``a,b``), or
``PROP like PATTERN`` with ``*`` and ``?`` wildcards. Values are typed by
:func:`core.values.parse_scalar` (the grammar of persona properties) with ISO dates on: numbers,
``true``/``false`` and ISO dates (naive ones taken as UTC) become numbers, booleans and datetimes;
anything quoted (``"2000"``), digits with a leading zero (``007``) or else stays text. A bad expression raises
:class:`~core.errors.InvalidInputError` naming the expression.

    >>> parse_condition("year>=2000")
    Condition(prop='year', op='greater_or_equal', value=2000)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInputError
from core.values import parse_scalar

__all__ = ["WHERE_HELP", "Condition", "build_filter", "parse_condition"]

WHERE_HELP = ("PROP OP VALUE with OP one of = != < <= > >= (numbers and ISO dates compare as such), "
              "~ (contains any of a,b), !~ (contains none of a,b) or 'like' with * and ? wildcards")

_OPS = {"=": "equal", "==": "equal", "!=": "not_equal", "<": "less_than", "<=": "less_or_equal",
        ">": "greater_than", ">=": "greater_or_equal", "~": "contains_any", "!~": "contains_none"}
# Matched against the stripped expression: a lazy "(.*?)\s*$" would be quadratic in a run of spaces.
_SYMBOL_EXPR = re.compile(r"^([^\s=!<>~]+)\s*(>=|<=|!=|==|!~|=|<|>|~)\s*(.*)$")
_LIKE_EXPR = re.compile(r"^(\S+)\s+like\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    """One parsed expression: ``Filter.by_property(prop).<op>(value)``."""

    prop: str
    op: str
    value: Any


def parse_condition(expr: str, *, what: str = "where expression") -> Condition:
    """``"year>=2000"``, ``"genres~Comedy,Drama"``, ``"title like *Star*"``, ``"genres!=Horror"``.

    ``what`` names the expression in error messages (the CLI passes ``"--where expression"``).
    """
    if not isinstance(expr, str):
        raise InvalidInputError(f"a {what} is text, got {type(expr).__name__} {expr!r}")
    like = _LIKE_EXPR.match(expr.strip())
    if like:
        return Condition(like.group(1), "like", _unquote(like.group(2)))
    match = _SYMBOL_EXPR.match(expr.strip())
    if not match or not match.group(3):
        raise InvalidInputError(f"bad {what} {expr!r}: expected {WHERE_HELP}")
    prop, op, raw = match.group(1), _OPS[match.group(2)], match.group(3)
    if op in ("contains_any", "contains_none"):
        values = [parse_scalar(v, dates=True) for v in raw.split(",") if v.strip()]
        if not values:
            raise InvalidInputError(f"bad {what} {expr!r}: {match.group(2)} needs values like a,b")
        return Condition(prop, op, values)
    value = parse_scalar(raw, dates=True)
    if op.startswith(("less", "greater")) and (isinstance(value, (bool, str))):
        raise InvalidInputError(f"bad {what} {expr!r}: {match.group(2)} needs a number or an "
                                f"ISO date, got {raw!r}")
    return Condition(prop, op, value)


def build_filter(conditions: Sequence[Condition]) -> Any:
    """A weaviate ``Filter`` AND-ing the conditions, or None for none."""
    if not conditions:
        return None
    from weaviate.classes.query import Filter  # slow to import: only when filtering

    filters = [getattr(Filter.by_property(c.prop), c.op)(c.value) for c in conditions]
    return filters[0] if len(filters) == 1 else Filter.all_of(filters)


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text
