"""Typed catalog columns: detect a column's type from its cells, and convert every cell to it.

A column is one of five types (:data:`COLUMN_KINDS`), or ``keep`` (no conversion: JSON and Parquet
values as they are, CSV cells as text; detection proposes it for mixed or nested JSON values):

- **text**: strings, kept verbatim (numbers and booleans become their text, ``007`` stays ``007``);
- **number**: ``42``, ``-3.5``, ``1e3`` (leading zeros allowed once chosen); all-integer columns
  hold ints, the rest floats;
- **boolean**: ``true/false``, ``yes/no``, ``y/n``, ``t/f``, ``1/0`` in any letter case;
- **date**: an ISO-8601 date or date-time (``2024-05-01``, ``2024-05-01T12:00:00Z``), stored as
  ISO text (date-times in UTC, a plain date as the date), which filters compare as dates; numbers
  are unix seconds (milliseconds above 10^11);
- **list**: text split at a separator (``|``, ``;`` or ``,``; parts stripped, blank parts
  dropped) or a JSON list (``["a", "b"]``); elements are numbers when every element in the
  column is one, else text.

Written ``text``, ``number``, ``boolean``, ``date``, ``list`` (split at ``|``), ``list:;``,
``list:,``, ``list:json`` or ``keep`` (:func:`parse_column_type`). :func:`detect_column_type`
picks the type a column most plausibly has — it never guesses ``date`` for numbers or a comma
list (commas are too common in prose). :func:`convert_column` raises
:class:`~core.errors.CatalogImportError` naming the 1-based row and the column of the first bad cell.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from core.errors import CatalogImportError, InvalidInputError
from core.io.cells import FLOAT, is_empty, number, plain, short
from core.io.tables import Table

__all__ = ["COLUMN_KINDS", "ColumnType", "convert_column", "convert_table", "detect_column_type", "detect_column_types",
           "parse_column_type", "unix_time"]

COLUMN_KINDS = ("text", "number", "boolean", "date", "list", "keep")
SEPARATORS = ("|", ";", ",", "json")
_TRUE, _FALSE = {"true", "yes", "y", "t", "1"}, {"false", "no", "n", "f", "0"}
_BOOL_WORDS = {"true", "false", "yes", "no"}  # what detection takes as boolean (not 1/0: those are numbers)
_CANONICAL_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")  # not \d+\.?\d*: quadratic on long digit runs
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_MAX_PART = 60  # list detection: longer parts look like prose, not list elements
_MS_ABOVE = 1e11  # unix times above this are milliseconds (10^11 s is the year 5138)


@dataclass(frozen=True)
class ColumnType:
    """A column's type; ``separator`` only for lists (``"|"``, ``";"``, ``","`` or ``"json"``)."""

    kind: str
    separator: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise InvalidInputError(f"unknown column type {self.kind!r}; use one of {', '.join(COLUMN_KINDS)}")
        if self.kind == "list" and self.separator not in SEPARATORS:
            raise InvalidInputError(f"a list column splits at one of {', '.join(SEPARATORS)}, got {self.separator!r}")
        if self.kind != "list" and self.separator is not None:
            raise InvalidInputError(f"only list columns have a separator, not {self.kind!r}")

    @property
    def spec(self) -> str:
        """The written form, read back by :func:`parse_column_type` (``"boolean"``, ``"list:;"``)."""
        return f"list:{self.separator}" if self.kind == "list" and self.separator != "|" else self.kind

    def __str__(self) -> str:
        return self.spec


def parse_column_type(text: str) -> ColumnType:
    """``"boolean"``, ``"list"`` (= ``"list:|"``), ``"list:;"``, ``"list:json"``... as a :class:`ColumnType`."""
    if isinstance(text, ColumnType):
        return text
    kind, _, separator = str(text).strip().partition(":")
    kind = kind.strip().lower()
    if kind == "list":
        return ColumnType("list", separator or "|")
    if separator:
        raise InvalidInputError(f"only list columns take a separator (list:;), got {text!r}")
    return ColumnType(kind)


# -- detection ---------------------------------------------------------------------------------

def detect_column_type(values: Sequence[Any]) -> ColumnType:
    """The most plausible type of a column's cells (strings from CSV, any JSON value otherwise)."""
    cells = [v for v in values if not is_empty(v)]
    if not cells:
        return ColumnType("text")
    strings = [v.strip() for v in cells if isinstance(v, str)]
    if len(strings) < len(cells):  # typed values (JSON, Parquet): trust them when they agree
        return _native_type(cells) if not strings else ColumnType("keep")
    lower = {s.lower() for s in strings}
    if lower <= _BOOL_WORDS:
        return ColumnType("boolean")
    if all(_CANONICAL_INT.match(s) or FLOAT.match(s) for s in strings):
        return ColumnType("number")
    if all(_ISO_DATE.match(s) and _iso(s) is not None for s in strings):
        return ColumnType("date")
    if all(s.startswith("[") for s in strings) and all(isinstance(_json(s), list) for s in strings):
        return ColumnType("list", "json")
    for separator in ("|", ";"):  # in two cells at least (or every cell): one is chance, a name or prose
        if sum(separator in s for s in strings) >= min(2, len(strings)) and all(
                len(part.strip()) <= _MAX_PART for s in strings for part in s.split(separator)):
            return ColumnType("list", separator)
    return ColumnType("text")


def detect_column_types(table: Table, skip: Collection[str | None] = ()) -> dict[str, ColumnType]:
    """:func:`detect_column_type` of every column of ``table`` not in ``skip`` (the ID and vector columns)."""
    return {c: detect_column_type([r.get(c) for r in table.rows]) for c in table.columns if c not in skip}


def convert_table(table: Table, types: Mapping[str, ColumnType | str]) -> None:
    """Convert ``table``'s rows in place, column by column (:func:`convert_column`); a typed
    column that is not in the file is an error naming the file's columns."""
    for column, ctype in types.items():
        table.require(column, f"typed ({ctype})")
        converted = convert_column([r.get(column) for r in table.rows], parse_column_type(ctype), column)
        for row, value in zip(table.rows, converted):
            row[column] = value


def _native_type(cells: list[Any]) -> ColumnType:
    if all(isinstance(v, bool) for v in cells):
        return ColumnType("boolean")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells):
        return ColumnType("number")
    if all(isinstance(v, (date, datetime)) for v in cells):
        return ColumnType("date")
    if all(isinstance(v, (list, tuple)) or hasattr(v, "tolist") for v in cells):
        return ColumnType("list", "json")
    return ColumnType("keep")


# -- conversion --------------------------------------------------------------------------------

def convert_column(values: Sequence[Any], ctype: ColumnType, column: str) -> list[Any]:
    """Every cell as ``ctype`` (missing cells → None); the first bad cell raises
    :class:`CatalogImportError` with its 1-based row and ``column``."""
    convert = {"text": _text, "number": _number, "boolean": _boolean, "date": _date,
               "list": lambda v: _list(v, ctype.separator), "keep": lambda v: v}[ctype.kind]
    out = []
    for row, value in enumerate(values, start=1):
        value = plain(value, row, column)
        if is_empty(value):
            out.append(value if ctype.kind == "keep" else None)
            continue
        try:
            converted = convert(value)
        except ValueError as exc:
            raise CatalogImportError(str(exc), row=row, column=column) from None
        out.append(plain(converted, row, column) if ctype.kind == "list" else converted)  # JSON text: checked too
    if ctype.kind == "number":
        return _same_number_type(out)
    return _typed_elements(out, column) if ctype.kind == "list" and ctype.separator != "json" else out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _number(value: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else None
    if text is None or not _NUMBER.match(text):
        raise ValueError(f"{short(value)} is not a number (write it like 42, -3.5 or 1e3)")
    return number(text)


def _same_number_type(numbers: list[Any]) -> list[Any]:
    """All ints, or (when any cell is a float) all floats: a column compares as one type."""
    if any(isinstance(n, float) for n in numbers):
        return [None if n is None else float(n) for n in numbers]
    return numbers


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if key in _TRUE or key in _FALSE:
        return key in _TRUE
    raise ValueError(f"{value!r} is not a boolean (use true/false, yes/no or 1/0)")


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and FLOAT.match(value.strip()):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _utc_text(unix_time(value))
    parsed = _iso(value.strip()) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"{short(value)} is not an ISO-8601 date (write it like 2024-05-01 or 2024-05-01T12:00:00Z)")
    return parsed if isinstance(parsed, str) else _utc_text(parsed)


def unix_time(value: float, unit: str = "auto") -> datetime:
    """Unix seconds (``unit="s"``), milliseconds (``"ms"``) or, with ``"auto"``, ms above 10^11."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite unix time")
    ms = unit == "ms" or (unit == "auto" and abs(value) > _MS_ABOVE)
    try:
        return datetime.fromtimestamp(value / 1000 if ms else value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value!r} is out of range for unix {'milliseconds' if ms else 'seconds'}") from None


def _iso(text: str) -> datetime | str | None:
    """A plain date as its ISO text, a date-time as an aware datetime (naive = UTC), else None."""
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _utc_text(stamp: datetime) -> str:
    try:
        stamp = stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is in the year 10000 in UTC
        raise ValueError(f"{stamp.isoformat()!r} is out of range in UTC (years 1 to 9999)") from None
    return stamp.isoformat().replace("+00:00", "Z")


def _list(value: Any, separator: str | None) -> list[Any]:
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        return [value]
    text = value.strip()
    if separator == "json" or text.startswith("["):
        parsed = _json(text)
        if isinstance(parsed, list):
            return parsed
        if separator == "json":
            raise ValueError(f"{short(value)} is not a JSON list (write it like [\"a\", \"b\"])")
    return [part.strip() for part in text.split(separator) if part.strip()]


def _typed_elements(lists: list[list[Any] | None], column: str) -> list[list[Any] | None]:
    """Split lists whose every element (in the whole column) is a number hold numbers."""
    elements = [e for values in lists if values for e in values]
    if not elements or not all(isinstance(e, str) and (_CANONICAL_INT.match(e) or FLOAT.match(e)) for e in elements):
        return lists
    kind = float if not all(_CANONICAL_INT.match(e) for e in elements) else int
    out: list[list[Any] | None] = []
    for row, values in enumerate(lists, start=1):
        try:
            out.append(None if values is None else [kind(number(e)) for e in values])
        except ValueError as exc:
            raise CatalogImportError(str(exc), row=row, column=column) from None
    return out


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested hundreds deep, not a list a person wrote
        return None
