"""The checks every value crossing the engine's edge gets: one place per class of problem.

- **Text** (:func:`check_text`): a ``str`` that is valid Unicode. A lone surrogate (``"\\ud800"``,
  what a broken decoder leaves behind) cannot be encoded as UTF-8, so SQLite, JSON files and the
  terminal would all fail on it later; it is rejected where it enters, naming the position.
- **Flags** (:func:`check_flag`): ``True`` or ``False`` only: ``'no'`` is truthy, so it is refused.
- **Names** (:func:`check_name`): non-blank text without control characters (NUL, ESC, ...):
  collection names, property names of a schema.
- **JSON values** (:func:`plain_json`): properties and settings are stored as JSON, so they must be
  plain JSON: dicts with text keys, lists, text, booleans, None, 64-bit integers (Weaviate's
  ``int``) and finite numbers (JSON has no NaN or infinity), nested at most :data:`MAX_DEPTH`
  levels. Tuples become lists, UUIDs and datetimes their text, numpy values Python ones: what a
  reopened store gives back, so what is held in memory equals what is read from disk.
- **Messages** (:func:`describe`): a bounded ``repr`` that works for every value (a 5,000-digit
  integer or a list nested 2,000 deep has no ``repr``), so an error message never fails itself.

Every problem is an :class:`~core.errors.InvalidInputError` naming the value, where it is and
what would be valid.
"""

from __future__ import annotations

import math
import re
import reprlib
import sys
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from core.errors import InvalidInputError

__all__ = ["INT64", "MAX_DEPTH", "MAX_INT_DIGITS", "check_flag", "check_name", "check_text", "check_type", "describe",
           "is_flat_plain", "number_text", "plain_json"]

MAX_DEPTH = 32
"""How deeply lists and dicts may nest in a stored value (real properties nest two or three levels)."""
INT64 = 2 ** 63
"""Integers are 64-bit, as Weaviate's ``int``: from ``-INT64`` to ``INT64 - 1``."""

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 60, 60, 6, 6


def describe(value: Any) -> str:
    """A short ``repr`` of any value, for error messages (never raises, never long)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {len(str(abs(value))) if value.bit_length() < 14000 else 'over 4,000'} digits"
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        return _REPR.repr(value)
    except Exception:  # a huge int inside a container, a broken __repr__: say what it is
        return f"a {type(value).__name__}"


def check_text(value: Any, what: str) -> str:
    """``value`` if it is text that is valid Unicode, else an error naming ``what``."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be text, got {type(value).__name__} {describe(value)}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInputError(f"{what} holds a lone surrogate {value[exc.start]!r} at position {exc.start} "
                                    f"({describe(value)}); text must be valid Unicode") from None
    return value


def check_name(value: Any, what: str) -> str:
    """A name: valid, non-blank text without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a non-empty name, got {describe(value)}")
    check_text(value, what)
    bad = next((c for c in value if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise InvalidInputError(f"{what} {describe(value)} holds the control character {bad!r}; "
                                "names are printable text")
    return value


def check_flag(value: Any, what: str) -> bool:
    """``value`` if it is a bool; anything else (``'no'``, ``0``, None) is an error: a truthy string is no yes."""
    if not isinstance(value, bool):
        raise InvalidInputError(f"{what} must be True or False, got {describe(value)}")
    return value


def check_type(value: Any, kind: type, what: str) -> Any:
    """``value`` if it is a ``kind``, else an error naming ``what`` and both types."""
    if not isinstance(value, kind):
        raise InvalidInputError(f"{what} must be a {kind.__name__}, got {type(value).__name__} {describe(value)}")
    return value


class _Bad(Exception):
    """A problem found inside a value; ``path`` collects the keys and indexes on the way out."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem, self.path = problem, []


def plain_json(value: Any, what: str = "value") -> Any:
    """A plain-JSON copy of ``value`` (see the module docstring), or an error naming where it is not."""
    if type(value) is dict and (flat := _flat_copy(value)) is not None:
        return flat
    try:
        return _plain(value, 0)
    except _Bad as bad:
        path = [f"[{describe(k)}]" for k in reversed(bad.path)]
        where = "".join(path[:4]) + ("[...]" if len(path) > 4 else "")
        raise InvalidInputError(f"{what}{where} {bad.problem}") from None


def _plain(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is str:
        if not value.isascii():
            _text(value)
        return value
    if value is None or kind is bool:
        return value
    if kind is int:
        if not -INT64 <= value < INT64:
            raise _Bad(f"is {describe(value)}; integers are 64-bit (-2**63 to 2**63 - 1): store a bigger one as text")
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _Bad(f"is {value!r}; numbers must be finite (JSON has no NaN or infinity)")
        return value
    if kind is dict or kind is list or kind is tuple:
        if depth >= MAX_DEPTH:
            raise _Bad(f"nests lists and dicts more than {MAX_DEPTH} levels deep")
        return _container(value, depth + 1)
    return _plain(_converted(value), depth)


def _container(value: Any, depth: int) -> Any:
    if type(value) is not dict:
        out = []
        for n, v in enumerate(value):
            try:
                out.append(_plain(v, depth))
            except _Bad as bad:
                bad.path.append(n)
                raise
        return out
    copy = {}
    for k, v in value.items():
        try:
            if type(k) is not str:
                raise _Bad(f"is a key of type {type(k).__name__}; keys are text")
            if not k.isascii():
                _text(k, "key")
            copy[k] = _plain(v, depth)
        except _Bad as bad:
            bad.path.append(k)
            raise
    return copy


def _flat_copy(value: dict) -> dict | None:
    """:func:`_plain`'s copy of a dict of plain scalars and lists of them (most properties), or None for anything
    else (a problem, a nested dict, a value to convert): then :func:`_plain` walks it."""
    if not is_flat_plain(value):
        return None
    return {k: list(v) if type(v) is list else v for k, v in value.items()}


def is_flat_plain(value: dict) -> bool:
    """Whether ``value`` (a dict) holds only text keys and plain scalars or lists of them, all valid (so
    :func:`plain_json` would return an equal copy). Inlined, and without building a copy: a bulk import checks
    every item's properties, and one call per value cost more than the JSON encoding."""
    for k, v in value.items():
        if type(k) is not str or not (k.isascii() or _valid(k)):
            return False
        for x in v if type(v) is list else (v,):  # a list's items, or the value itself
            kind = type(x)
            if kind is str:
                if not (x.isascii() or _valid(x)):
                    return False
            elif kind is int:
                if not -INT64 <= x < INT64:
                    return False
            elif kind is float:
                if x - x != 0.0:  # NaN or infinity
                    return False
            elif x is not None and kind is not bool:
                return False
    return True


def _valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: str, what: str = "text") -> None:
    try:
        check_text(value, what)
    except InvalidInputError:
        raise _Bad(f"{'has a key that ' if what == 'key' else ''}holds a lone surrogate ({describe(value)}); "
                   "text must be valid Unicode") from None


def _converted(value: Any) -> Any:
    """A value of another type as the plain JSON type it stands for (numpy, UUIDs, dates, subclasses)."""
    if isinstance(value, (UUID, datetime, date)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    raise _Bad(f"is of type {type(value).__name__} ({describe(value)}), which is not a JSON value: "
               "use text, a number, true/false, null, a list or a dict")


MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
"""The most digits Python converts to an ``int`` (longer integer text raises ``ValueError`` in ``int()``)."""
_INTEGER_TEXT = re.compile(r"[+-]?\d+")


def number_text(text: str, keep: str) -> int | float:
    """The ``int`` (digits) or ``float`` that number text spells; ``ValueError`` naming the text, and ending
    with ``keep`` (how to keep it as text instead), when no ``int`` or ``float`` holds it: more digits
    than Python converts, or beyond the float range (``1e400``). Callers check the text's form first."""
    text = text.strip()
    if _INTEGER_TEXT.fullmatch(text):
        if (digits := len(text.lstrip("+-"))) > MAX_INT_DIGITS:
            raise ValueError(f"{describe(text[:20])}... is an integer of {digits:,} digits; numbers have at most "
                             f"{MAX_INT_DIGITS:,} digits ({keep})")
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{describe(text)} is outside the range of a number (about ±1.8e308); {keep}")
    return value
