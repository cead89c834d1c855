"""Low-level table reading: a catalog or interaction file as rows of plain Python values.

:func:`read_table` accepts CSV, TSV, JSON, JSON Lines and Parquet (from a path, bytes, a file
object or a pandas DataFrame), tells the format from ``format=`` or the file name, insists on
UTF-8 and types CSV cells per column. Reading is bounded (:mod:`core.io.reading`: bytes of a file
and of its gunzipped content; :mod:`core.io.parquet`: decoded Parquet data), JSON values nest at
most :data:`~core.io.cells.MAX_DEPTH` deep, CSV quotes are strict (an unclosed quote is an error,
not a field swallowing the following rows) and column names are unique in every format.
Every problem raises :class:`~core.errors.CatalogImportError` naming the 1-based data row
(header excluded) and the column where known; :mod:`core.io.catalog` builds on this.
:func:`plain` (from :mod:`core.io.cells`) turns any cell into a JSON-able value.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.errors import CatalogImportError
from core.io.cells import FLOAT, INT, MAX_DEPTH, MAX_INT_DIGITS, check_row, is_empty, is_missing, number, plain, short
from core.io.parquet import parquet_rows
from core.io.reading import FORMATS, ReadLimits, Source, read_source

__all__ = ["FLOAT", "FORMATS", "ReadLimits", "Source", "Table", "is_empty", "is_missing", "plain", "read_table"]


@dataclass
class Table:
    """Rows as plain Python values, straight from the file."""

    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def require(self, column: str, what: str) -> None:
        """Raise :class:`CatalogImportError` naming the file's columns unless ``column`` is one."""
        if column not in self.columns:
            raise CatalogImportError(
                f"the {what} column is missing; the file has columns: {', '.join(self.columns) or '(none)'}",
                column=column,
            )


def read_table(source: Source, format: str | None, *, id_columns: set[str], raw_columns: set[str | None] | bool,
               max_rows: int, limits: ReadLimits | None = None) -> Table:
    """Rows of any supported source (gzip-compressed too); CSV cells are typed per column (see
    :func:`_typed_column`) except in ``raw_columns`` (``True``: every column) where they stay text.
    ``limits`` bound what is read (default: :meth:`ReadLimits.from_env`)."""
    limits = limits or ReadLimits.from_env()
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # a pandas DataFrame
        table = _frame_table(source, max_rows)
    else:
        data, fmt = read_source(source, format, limits)
        if fmt == "parquet":
            if isinstance(data, str):
                raise CatalogImportError("a Parquet file must be read as bytes, not text")
            table = Table(*parquet_rows(data, max_rows, limits))
        else:
            text = _decode(data, fmt)
            if not text.strip():
                raise CatalogImportError("the file is empty")
            if fmt in ("csv", "tsv"):
                table = _csv_table(text, "\t" if fmt == "tsv" else ",", id_columns, raw_columns, max_rows)
            elif fmt == "json":
                table = _json_table(text)
            else:
                table = _jsonl_table(text, max_rows)
    if not table.rows:
        raise CatalogImportError("the file has no data rows")
    if len(table.rows) > max_rows:
        raise CatalogImportError(_too_many(max_rows))
    return table


def _frame_table(frame: Any, max_rows: int) -> Table:
    columns = [str(c) for c in frame.columns]
    if dup := next((c for c in columns if columns.count(c) > 1), None):
        raise CatalogImportError("this column name appears twice", column=dup)
    if len(frame) > max_rows:
        raise CatalogImportError(_too_many(max_rows))
    return _object_rows(frame.to_dict("records"), lines=None)


def _decode(data: bytes | str, fmt: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        row = {"csv": line - 1, "tsv": line - 1, "jsonl": line}.get(fmt)  # approximate: blank lines count
        raise CatalogImportError(f"the file is not UTF-8: byte {data[exc.start]:#04x} at byte offset {exc.start} "
                                 f"(line {line}); save it as UTF-8", row=row or None) from None


def _csv_table(text: str, delimiter: str, id_columns: set[str], raw_columns: set[str | None] | bool,
               max_rows: int) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line, cells = 1, []
    try:
        header = next(reader)
        while not header:  # leading blank lines
            header = next(reader)
        columns = _csv_header(header)
        line = reader.line_num + 1
        for record in reader:
            if record and record != [""]:  # not a blank line
                if len(record) != len(columns):
                    raise CatalogImportError(f"this row (line {line}) has {len(record)} fields but the header has "
                                             f"{len(columns)}", row=len(cells) + 1)
                cells.append(record)
                if len(cells) > max_rows:
                    break
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _csv_error(exc, line, reader.line_num, len(cells) + 1 if line > 1 else None) from None
    typed = {c: _typed_column([r[i] for r in cells], c, c in id_columns, raw_columns is True or c in raw_columns)
             for i, c in enumerate(columns)}
    return Table(columns, [{c: typed[c][n] for c in columns} for n in range(len(cells))])


def _csv_error(exc: csv.Error, start: int, end: int, row: int | None) -> CatalogImportError:
    text = str(exc)
    if "unexpected end of data" in text:
        return CatalogImportError(f"a quoted field starting on line {start} is never closed (a stray \"?); "
                                  'write a quote inside a quoted field as "" ', row=row)
    if "expected after" in text:
        return CatalogImportError(f"malformed CSV on line {end}: {text}; a field that starts with a quote must "
                                  'end with one, and a quote inside it is written ""', row=row)
    if "field larger than field limit" in text:
        return CatalogImportError(f"a field on line {end} is longer than {csv.field_size_limit():,} characters "
                                  "(an unclosed quote?); longer cells are not read", row=row)
    return CatalogImportError(f"malformed CSV near line {end}: {text}", row=row)


def _csv_header(header: list[str]) -> list[str]:
    columns = [h.strip() for h in header]
    for position, column in enumerate(columns, start=1):
        if not column:
            raise CatalogImportError(f"header field {position} is empty; every column needs a name")
        if columns.index(column) != position - 1:
            raise CatalogImportError("this column name appears twice in the header", column=column)
    return columns


def _typed_column(values: list[str], column: str, is_id: bool, raw: bool) -> list[Any]:
    """Empty → None; IDs: canonical integers → int (text beyond Python's 4,300 digits), else stripped
    text; other columns become all-int or all-float when every non-empty cell is one ("a|b|c" and
    "007" stay text); a number that no int or float can hold (``1e400``) is an error."""
    if is_id:
        return [_id_cell(v.strip()) for v in values]
    if raw:
        return [v if v.strip() else None for v in values]
    filled = [v.strip() for v in values if v.strip()]
    numeric = bool(filled) and (all(INT.match(v) for v in filled) or all(FLOAT.match(v) for v in filled))
    if not numeric:
        return [v if v.strip() else None for v in values]
    floats = not all(INT.match(v) for v in filled)
    out = []
    for row, value in enumerate(values, start=1):
        try:
            out.append((float(number(value)) if floats else number(value)) if value.strip() else None)
        except ValueError as exc:
            raise CatalogImportError(str(exc), row=row, column=column) from None
    return out


def _id_cell(value: str) -> Any:
    if INT.match(value) and len(value.lstrip("+-")) <= MAX_INT_DIGITS:
        return int(value)
    return value or None


def _json_table(text: str) -> Table:
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        hint = " (one object per line is JSON Lines: use a .jsonl file)" if exc.msg == "Extra data" else ""
        raise CatalogImportError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}") from None
    except (ValueError, RecursionError) as exc:
        raise _json_error(exc, None) from None
    if isinstance(data, dict):
        if not isinstance(data.get("items"), list):
            raise CatalogImportError('a JSON object must hold the rows as an "items" array; '
                                     f"found keys: {', '.join(map(str, data)) or '(none)'}")
        data = data["items"]
    if not isinstance(data, list):
        raise CatalogImportError(f'JSON must be an array of objects or {{"items": [...]}}, got {type(data).__name__}')
    return _object_rows(data, lines=None)


def _jsonl_table(text: str, max_rows: int) -> Table:
    rows, lines = [], []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line, object_pairs_hook=_unique_keys))
        except json.JSONDecodeError as exc:
            raise CatalogImportError(f"malformed JSON on line {line_number} column {exc.colno}: {exc.msg}",
                                     row=len(rows) + 1) from None
        except (ValueError, RecursionError) as exc:
            raise _json_error(exc, len(rows) + 1, f" on line {line_number}") from None
        lines.append(line_number)
        if len(rows) > max_rows:
            break
    return _object_rows(rows, lines=lines)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: one key twice would silently drop a column."""
    row = dict(pairs)
    if len(row) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return row


def _json_error(exc: Exception, row: int | None, where: str = "") -> CatalogImportError:
    if isinstance(exc, _DuplicateKey):
        return CatalogImportError(f"an object{where} has the key {short(exc.key)} twice; every column name "
                                  "appears once", row=row, column=exc.key if len(exc.key) <= 60 else None)
    if isinstance(exc, RecursionError):
        return CatalogImportError(f"the JSON{where} nests lists or objects too deeply to read (hundreds of levels); "
                                  f"a cell may nest at most {MAX_DEPTH}", row=row)
    digits = str(exc).partition("value has ")[2].partition(" digits")[0]
    if digits:
        return CatalogImportError(f"a number{where} has {digits} digits; numbers have at most {MAX_INT_DIGITS:,} "
                                  'digits (write a long ID as a JSON string: "…")', row=row)
    return CatalogImportError(f"malformed JSON{where}: {exc}", row=row)


def _object_rows(data: Iterable[Any], lines: list[int] | None) -> Table:
    columns: dict[str, None] = {}
    rows = []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            where = f" (line {lines[number - 1]})" if lines else ""
            raise CatalogImportError(f"expected a JSON object{where}, got {type(row).__name__} {short(row)}",
                                     row=number)
        check_row(row, number)
        columns.update(dict.fromkeys(map(str, row)))
        rows.append({str(k): v for k, v in row.items()})
    return Table(list(columns), rows)


def _too_many(max_rows: int) -> str:
    return f"the file has more than {max_rows} data rows; split it and import at most {max_rows} at once"

