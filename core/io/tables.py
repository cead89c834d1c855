"""Low-level table reading: a catalog or interaction file as rows of plain Python values.

:func:`read_table` accepts CSV, TSV, JSON, JSON Lines and Parquet (from a path, bytes, a file
object or a pandas DataFrame), tells the format from ``format=`` or the file name, insists on
UTF-8 and types CSV cells per column. :func:`plain` turns any cell into a JSON-able value.
Every problem raises :class:`~core.errors.CatalogImportError` naming the 1-based data row
(header excluded) and the column where known; :mod:`core.io.catalog` builds on this.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import CatalogImportError, InvalidInputError

FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "parquet")
_FORMAT_ALIASES = {"ndjson": "jsonl", "pq": "parquet", "txt": "csv"}

Source = str | os.PathLike | bytes | bytearray | memoryview | io.IOBase | Any
"""A file path, the file's bytes, a binary/text file-like (e.g. a Streamlit upload) or a DataFrame."""

_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
FLOAT = re.compile(r"^[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
"""Text that is a plain decimal number (``"-1"``, ``".5"``, ``"2e3"``; not ``"007"`` or ``"nan"``)."""


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
                max_rows: int) -> Table:
    """Rows of any supported source (gzip-compressed too); CSV cells are typed per column (see
    :func:`_typed_column`) except in ``raw_columns`` (``True``: every column) where they stay text."""
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # a pandas DataFrame
        table = Table([str(c) for c in source.columns], source.to_dict("records"))
    else:
        data, fmt = _read_source(source, format)
        if fmt == "parquet":
            table = _parquet_table(data, max_rows)
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


def _read_source(source: Source, format: str | None) -> tuple[bytes | str, str]:
    name = getattr(source, "name", None)
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            data: bytes | str = Path(source).read_bytes()
        except OSError as exc:
            raise CatalogImportError(f"cannot read the file {name!r}: {exc.strerror or exc}") from None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "getvalue") or hasattr(source, "read"):
        data = source.getvalue() if hasattr(source, "getvalue") else source.read()
    else:
        raise InvalidInputError(f"source must be a path, bytes or a file object, got {type(source).__name__}")
    if isinstance(data, bytes) and data[:2] == b"\x1f\x8b":  # gzip (interactions.csv.gz)
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise CatalogImportError(f"the file looks gzip-compressed but cannot be unpacked: {exc}") from None
    return data, _format_of(format, name if isinstance(name, str) else None)


def _format_of(format: str | None, name: str | None) -> str:
    for hint in (format, name):
        if not hint:
            continue
        key = hint.lower().strip().removesuffix(".gz")
        key = key.rsplit(".", 1)[-1] if "." in key else key
        key = _FORMAT_ALIASES.get(key, key)
        if key in FORMATS:
            return key
        if hint is format:
            raise InvalidInputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    raise InvalidInputError(f"cannot tell the file format of {name!r}; pass format= one of {', '.join(FORMATS)}")


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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        while not header:  # leading blank lines
            header = next(reader)
        columns = _csv_header(header)
        cells: list[list[str]] = []
        for record in reader:
            if not record or record == [""]:
                continue  # blank line
            if len(record) != len(columns):
                raise CatalogImportError(f"this row has {len(record)} fields but the header has {len(columns)}",
                                         row=len(cells) + 1)
            cells.append(record)
            if len(cells) > max_rows:
                break
    except csv.Error as exc:
        raise CatalogImportError(f"malformed CSV near line {reader.line_num}: {exc}") from None
    typed = {c: _typed_column([r[i] for r in cells], c in id_columns, raw_columns is True or c in raw_columns)
             for i, c in enumerate(columns)}
    return Table(columns, [{c: typed[c][n] for c in columns} for n in range(len(cells))])


def _csv_header(header: list[str]) -> list[str]:
    columns = [h.strip() for h in header]
    for position, column in enumerate(columns, start=1):
        if not column:
            raise CatalogImportError(f"header field {position} is empty; every column needs a name")
        if columns.index(column) != position - 1:
            raise CatalogImportError("this column name appears twice in the header", column=column)
    return columns


def _typed_column(values: list[str], is_id: bool, raw: bool) -> list[Any]:
    """Empty → None; IDs: canonical integers → int, else stripped text; other columns become
    all-int or all-float when every non-empty cell is one ("a|b|c" and "007" stay text)."""
    if is_id:
        return [int(v) if _INT.match(v.strip()) else (v.strip() or None) for v in values]
    if raw:
        return [v if v.strip() else None for v in values]
    filled = [v.strip() for v in values if v.strip()]
    if filled and all(_INT.match(v) for v in filled):
        return [int(v) if v.strip() else None for v in values]
    if filled and all(FLOAT.match(v) for v in filled):
        return [float(v) if v.strip() else None for v in values]
    return [v if v.strip() else None for v in values]


def _json_table(text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (one object per line is JSON Lines: use a .jsonl file)" if exc.msg == "Extra data" else ""
        raise CatalogImportError(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}") from None
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
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CatalogImportError(f"malformed JSON on line {line_number} column {exc.colno}: {exc.msg}",
                                     row=len(rows) + 1) from None
        lines.append(line_number)
        if len(rows) > max_rows:
            break
    return _object_rows(rows, lines=lines)


def _object_rows(data: Iterable[Any], lines: list[int] | None) -> Table:
    columns: dict[str, None] = {}
    rows = []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            where = f" (line {lines[number - 1]})" if lines else ""
            raise CatalogImportError(f"expected a JSON object{where}, got {type(row).__name__} {_short(row)}",
                                     row=number)
        columns.update(dict.fromkeys(map(str, row)))
        rows.append({str(k): v for k, v in row.items()})
    return Table(list(columns), rows)


def _parquet_table(data: bytes | str, max_rows: int) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(data, str):
        raise CatalogImportError("a Parquet file must be read as bytes, not text")
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        if parquet.metadata.num_rows > max_rows:
            raise CatalogImportError(_too_many(max_rows))
        table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise CatalogImportError(f"not a readable Parquet file: {exc}") from None
    if len(set(table.column_names)) != len(table.column_names):
        dup = next(c for c in table.column_names if table.column_names.count(c) > 1)
        raise CatalogImportError("this column name appears twice", column=dup)
    return Table(list(table.column_names), table.to_pylist())


def _too_many(max_rows: int) -> str:
    return f"the file has more than {max_rows} data rows; split it and import at most {max_rows} at once"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


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


def plain(value: Any, number: int, column: str) -> Any:
    """A JSON-able value: numpy/pandas scalars unwrapped, NaN → None, arrays → lists."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        return plain(value.item(), number, column)
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [plain(v, number, column) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, dict):
        return {str(k): plain(v, number, column) for k, v in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain(float(value), number, column)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogImportError("binary value is not UTF-8 text", row=number, column=column) from None
    raise CatalogImportError(f"cannot store a {type(value).__name__} value ({value!r}) as JSON",
                             row=number, column=column)

