"""One cell of a file: number text, missing values, and the JSON-able form a property is stored in.

:func:`plain` turns any cell (a JSON value, a Parquet or pandas value) into a value the store can
write as standard JSON, and refuses what it cannot hold faithfully: infinities, text with lone
surrogates (invalid Unicode) and values nested deeper than the reader's limit. :func:`number`
reads number text without the surprises of ``int``/``float`` (5,000-digit integers, ``1e400``
becoming infinity). :func:`check_row` checks a JSON or DataFrame row the same way before anything
is built from it. Errors are :class:`~core.errors.CatalogImportError` naming the row and column.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from core.checks import MAX_INT_DIGITS, number_text
from core.errors import CatalogImportError

__all__ = ["FLOAT", "INT", "MAX_DEPTH", "MAX_INT_DIGITS", "check_row", "is_empty", "is_missing", "number", "plain",
           "short"]

INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
"""Text that is a canonical integer (``"-1"``, ``"42"``; not ``"007"``)."""
FLOAT = re.compile(r"^[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
"""Text that is a plain decimal number (``"-1"``, ``".5"``, ``"2e3"``; not ``"007"`` or ``"nan"``)."""
"""Python reads and writes integers of at most this many digits (4,300 unless changed)."""
MAX_DEPTH = 32
"""How deeply lists and objects may nest inside one cell (a row's own object not counted)."""
_DIGITS = re.compile(r"^[+-]?\d+$")
_SURROGATE = re.compile("[\ud800-\udfff]")


def number(text: str) -> int | float:
    """The number that decimal number text spells (``"42"``, ``"007"`` and ``"-3"`` as ints, ``"2.5"``,
    ``"1e3"`` as floats); ``ValueError`` naming the text when no int or float holds it
    (:func:`core.checks.number_text`). Callers check the text's form first."""
    return number_text(text, "give the column the type text to keep it as written")


def is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA/NaT."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return False


def is_empty(value: Any) -> bool:
    """Missing, blank text or an empty list."""
    if isinstance(value, str):
        return not value.strip()
    return (isinstance(value, list) and not value) or is_missing(value)


def plain(value: Any, number: int, column: str, depth: int = 0) -> Any:
    """A JSON-able value: numpy/pandas scalars unwrapped, NaN → None (missing), arrays → lists.

    Infinity, lone surrogates and nesting deeper than :data:`MAX_DEPTH` raise
    :class:`CatalogImportError` naming row ``number`` and ``column``.
    """
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        return plain(value.item(), number, column, depth)
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return _text(value, number, column)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CatalogImportError(f"{value!r} (a number too large for a float, or Infinity) cannot be stored; "
                                     "numbers must be finite (a missing value is empty or null)",
                                     row=number, column=column)
        return value
    if isinstance(value, (list, tuple, dict)) or hasattr(value, "tolist"):
        if depth >= MAX_DEPTH:
            raise _too_deep(number, column)
        if not isinstance(value, dict):
            return [plain(v, number, column, depth + 1) for v in (value.tolist() if hasattr(value, "tolist") else value)]
        return {_text(str(k), number, column): plain(v, number, column, depth + 1) for k, v in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain(float(value), number, column, depth)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogImportError("binary value is not UTF-8 text", row=number, column=column) from None
    raise CatalogImportError(f"cannot store a {type(value).__name__} value ({short(value)}) as JSON",
                             row=number, column=column)


def check_row(row: dict[Any, Any], number: int) -> None:
    """Reject a JSON/DataFrame row whose keys or text hold lone surrogates or whose values nest
    deeper than :data:`MAX_DEPTH` (without recursion: the row may be nested thousands deep)."""
    for key, value in row.items():
        column = _text(str(key), number, None)
        stack = [(value, 0)]
        while stack:
            value, depth = stack.pop()
            if isinstance(value, str):
                _text(value, number, column)
            elif isinstance(value, (list, tuple, dict)):
                if depth >= MAX_DEPTH:
                    raise _too_deep(number, column)
                if isinstance(value, dict):
                    stack.extend((k, depth + 1) for k in value)
                    value = value.values()
                stack.extend((v, depth + 1) for v in value)


def _text(value: str, number: int, column: str | None) -> str:
    if not value.isascii() and (bad := _SURROGATE.search(value)):
        raise CatalogImportError(f"the text {short(value)} holds a lone surrogate \\u{ord(bad.group()):04x}, "
                                 "which is not a Unicode character (a broken \\u escape?)", row=number, column=column)
    return value


def _too_deep(number: int, column: str | None) -> CatalogImportError:
    return CatalogImportError(f"the value nests lists or objects more than {MAX_DEPTH} levels deep; "
                              f"at most {MAX_DEPTH} are read", row=number, column=column)


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (a long cell named in a message); never recursing deeply."""
    if isinstance(value, (list, tuple, dict)):
        text = f"a {type(value).__name__} of {len(value)}"
    else:
        text = repr(value) if not isinstance(value, str) or len(value) <= 2 * limit else repr(value[:limit])
    return text if len(text) <= limit else text[:limit - 3] + "..."
