"""Typed values written as text: one grammar for the CLI's ``--prop``, filter expressions and the lab.

The grammar
-----------
``parse_value(text)`` reads, after stripping surrounding whitespace:

1. **JSON** when the text starts with ``[`` or ``{``: ``["a", 1]`` → ``['a', 1]``,
   ``{"x": 1}`` → ``{'x': 1}``. Text that starts so but is not valid JSON is an error (quote it
   to keep it as text). ``NaN`` and ``Infinity`` are not JSON and are rejected, and so is what no
   store may hold (:func:`core.checks.plain_json`: ``1e400``, nesting deeper than 32 levels).
2. **A list** when the text holds a ``|`` outside quotes: the parts are scalars (rule 3), blank
   parts are skipped: ``a|b`` → ``['a', 'b']``, ``1|2`` → ``[1, 2]``, ``Comedy|`` → ``['Comedy']``.
3. **A scalar** otherwise (:func:`parse_scalar`), or ``null`` → ``None``.

``parse_scalar(text)`` reads one scalar:

- text in one pair of matching quotes (``"…"`` or ``'…'``) is the text between them, verbatim:
  ``"007"`` → ``'007'``, ``'true'`` → ``'true'``, ``"a|b"`` → ``'a|b'``;
- ``true`` / ``false`` (any letter case) → ``True`` / ``False``;
- a number: an optional sign, digits with an optional decimal point, an optional exponent
  (``42``, ``-3``, ``+3``, ``0.5``, ``.5``, ``2.``, ``1e3``): integers become ``int``, the rest
  ``float``; a number no int or float holds (``1e400``, 5,000 digits) is an error. **Except**
  digits with a leading zero (``007``, ``02139``, ``-01``): they stay text, because a leading
  zero marks a code (a ZIP, an ID) that a number would silently shorten;
- with ``dates=True`` (filter values only), an ISO date or date-time (``2020-01-31``,
  ``2020-01-31T12:00Z``) → a timezone-aware ``datetime`` (naive ones are taken as UTC);
- anything else is text (``Star Wars``, ``1,000``, ``nan``).

:func:`format_value` is the inverse for the lab's editors: the text that reads back as the value
(the one exception: text that needs quotes and contains both quote characters).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from core.checks import describe, number_text, plain_json
from core.errors import InvalidInputError

__all__ = ["format_value", "parse_scalar", "parse_value"]

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # not \d+\.?\d*: quadratic on long digit runs
_LEADING_ZERO = re.compile(r"[+-]?0\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?")
_QUOTES = "\"'"


def parse_value(text: str) -> Any:
    """A value typed as text, by the grammar in the module docstring."""
    text = _text(text).strip()
    if text.startswith(("[", "{")):
        try:
            value = json.loads(text, parse_constant=_reject_constant, parse_float=_json_float)
        except (ValueError, RecursionError) as exc:
            reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise InvalidInputError(f"{describe(text)} starts like JSON but is not valid JSON ({reason}); "
                                    "quote it to keep it as text") from None
        return plain_json(value, f"in {describe(text)}, the value")  # 1e400 (infinity), runaway nesting, ...
    parts = _split_list(text)
    if len(parts) > 1:
        return [parse_scalar(p) for p in parts if p.strip()]
    return None if text.lower() == "null" else parse_scalar(text)


def parse_scalar(text: str, *, dates: bool = False) -> Any:
    """One scalar value (quoted text, boolean, number, optionally an ISO date, else text)."""
    text = _text(text).strip()
    if _quoted(text):
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _NUMBER.fullmatch(text) and not _LEADING_ZERO.match(text):
        return _number(text)
    if dates and _DATE.fullmatch(text):
        try:
            # not plain fromisoformat(text): a date with a zone ("2020-01-31Z") parses only this way
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: FURB162
        except ValueError:
            return text
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return text


def _number(text: str) -> int | float:
    """``int``/``float`` of number text, refusing what they cannot hold faithfully."""
    try:
        return number_text(text, "quote it to keep it as text")
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None


def format_value(value: Any) -> str:
    """The text :func:`parse_value` reads back as ``value`` (``a|b`` for a list of scalars, plain
    text where it is unambiguous, else quoted text or JSON)."""
    if isinstance(value, list) and len(value) > 1 and all(isinstance(v, (str, int, float, bool)) for v in value):
        text = "|".join(v if isinstance(v, str) else json.dumps(v) for v in value)
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if _same(_try_parse(text), value):
        return text
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    # Text holding both quote characters that also needs quoting has no text form: shown as is.
    quote = next((q for q in _QUOTES if q not in value), None)
    return f"{quote}{value}{quote}" if quote else value


def _text(text: Any) -> str:
    if not isinstance(text, str):
        raise InvalidInputError(f"a typed value is written as text, got {type(text).__name__} {text!r}")
    return text


def _quoted(text: str) -> bool:
    return len(text) >= 2 and text[0] == text[-1] and text[0] in _QUOTES and text[0] not in text[1:-1]


def _split_list(text: str) -> list[str]:
    """``text`` split at every ``|`` that is not inside a quoted part."""
    parts, current, quote = [], [], None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in _QUOTES and not "".join(current).strip():
            quote = char
        elif char == "|":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    return [*parts, "".join(current)]


def _try_parse(text: str) -> Any:
    try:
        return parse_value(text)
    except InvalidInputError:
        return _Unparsable


class _Unparsable:
    """Marks text that does not parse (never equal to a value)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is outside the range of a number")
    return value


def _same(a: Any, b: Any) -> bool:  # type-strict: 1, 1.0 and True differ
    try:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except TypeError:
        return False
