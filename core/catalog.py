"""Catalog and interaction-file import: CSV, TSV, JSON, JSON Lines and Parquet.

Reading is all-or-nothing: every row is checked before anything is returned, and the first
problem raises :class:`~core.errors.CatalogImportError` naming the 1-based data row (header
excluded) and the column. :func:`import_catalog` then embeds (unless the file carried vectors),
and only after that succeeds creates the collection, so a bad file never leaves a half-stored
catalog behind.

Item IDs go through :func:`core.ids.to_uuid` (a UUID is kept, anything else becomes the
deterministic UUID5) and the original value is kept in the ``original_id`` property.
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np

from .embedding import Embedder, ProgressCallback, default_embedder, normalize
from .errors import AlreadyExistsError, CatalogImportError, InvalidInputError
from .ids import ORIGINAL_ID_PROPERTY, to_uuid
from .models import Item, PersonaInteraction, to_datetime
from .store.base import CollectionSpec, Store

MAX_CATALOG_ROWS = 200_000
MAX_INTERACTION_ROWS = 2_000_000
FORMATS: tuple[str, ...] = ("csv", "tsv", "json", "jsonl", "parquet")
_FORMAT_ALIASES = {"ndjson": "jsonl", "pq": "parquet", "txt": "csv"}

Source = str | os.PathLike | bytes | bytearray | memoryview | io.IOBase | Any
"""A file path, the file's bytes, a binary/text file-like (e.g. a Streamlit upload) or a DataFrame."""


@dataclass(frozen=True)
class ParsedCatalog:
    """A checked catalog, ready for :func:`import_catalog`.

    ``texts[i]`` is what gets embedded for ``items[i]`` ("column: value" lines); ``vectors`` is
    an (n, d) unit-length float32 array when the file had a vector column, else None.
    """

    items: list[Item]
    texts: list[str]
    vectors: np.ndarray | None
    id_column: str
    text_columns: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class _Table:
    """Rows as plain Python values, straight from the file."""

    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def require(self, column: str, what: str) -> None:
        if column not in self.columns:
            raise CatalogImportError(
                f"the {what} column is missing; the file has columns: {', '.join(self.columns) or '(none)'}",
                column=column,
            )


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def read_catalog(
    source: Source, *, id_column: str, text_columns: Sequence[str], vector_column: str | None = None,
    format: str | None = None, expected_dims: int | None = None,
) -> ParsedCatalog:
    """Read and check a catalog file; raises :class:`CatalogImportError` on the first bad row.

    ``format`` is ``"csv"``, ``"tsv"``, ``"json"``, ``"jsonl"`` or ``"parquet"``, or a file name
    to take it from (``"movies.csv"``); without it the path's (or file object's) name is used.
    ``text_columns`` may be empty only when ``vector_column`` supplies the vectors.
    """
    text_columns = _column_names(text_columns, "text_columns")
    if not text_columns and vector_column is None:
        raise InvalidInputError("text_columns must name at least one column when there is no vector_column")
    if vector_column is not None and vector_column == id_column:
        raise InvalidInputError(f"vector_column and id_column are the same column {id_column!r}")
    if expected_dims is not None and (isinstance(expected_dims, bool) or not isinstance(expected_dims, int)
                                      or expected_dims < 1):
        raise InvalidInputError(f"expected_dims must be a positive integer, got {expected_dims!r}")
    table = _read_table(source, format, id_columns={id_column}, raw_columns={vector_column},
                        max_rows=MAX_CATALOG_ROWS)
    table.require(id_column, "id")
    for column in text_columns:
        table.require(column, "text")
    if vector_column is not None:
        table.require(vector_column, "vector")
    if ORIGINAL_ID_PROPERTY in table.columns and id_column != ORIGINAL_ID_PROPERTY:
        raise CatalogImportError(
            f"the name {ORIGINAL_ID_PROPERTY!r} is reserved for the original id; rename this column",
            column=ORIGINAL_ID_PROPERTY)
    return _build_catalog(table, id_column, text_columns, vector_column, expected_dims)


def import_catalog(
    store: Store, collection: str, parsed: ParsedCatalog, *, embedder: Embedder | None = None,
    progress: ProgressCallback | None = None, title_property: str | None = None, replace: bool = False,
    embedding_model: str | None = None,
) -> CollectionSpec:
    """Embed (if needed) and store ``parsed`` as a new collection; returns its spec.

    Without file vectors the texts are embedded with ``embedder`` (default: the bundled model),
    reporting ``progress(done, total)``; with file vectors ``progress(n, n)`` is called once and
    ``embedding_model`` may name the model that made them. ``title_property`` must be a column;
    it becomes the first text field. An existing collection raises :class:`AlreadyExistsError`
    unless ``replace`` is true, in which case it is dropped only once embedding has succeeded.
    """
    if not parsed.items:
        raise InvalidInputError("the parsed catalog has no items")
    if store.has_collection(collection) and not replace:
        raise AlreadyExistsError(f"collection {collection!r} already exists; pass replace=True to overwrite it")
    text_fields = _text_fields(parsed, title_property)
    vectors, model = _catalog_vectors(parsed, embedder, progress, embedding_model)
    spec = CollectionSpec(name=collection, dims=int(vectors.shape[1]), text_fields=text_fields,
                          embedding_model=model)
    if store.has_collection(collection):
        store.delete_collection(collection)
    store.create_collection(spec)
    try:
        store.add_items(collection, parsed.items, vectors)
    except BaseException:
        store.delete_collection(collection)  # no empty collection left behind
        raise
    return spec


def read_interactions(
    source: Source, *, persona_column: str = "persona_id", item_column: str = "item_id",
    weight_column: str | None = "weight", created_at_column: str | None = "created_at",
    format: str | None = None,
) -> list[PersonaInteraction]:
    """Read persona interactions (one per row); raises :class:`CatalogImportError` on any bad row.

    IDs go through :func:`core.ids.to_uuid` (``"alice"`` and a movieId both work). Weights must
    be numbers in [-1, 1]; ``weight_column=None`` gives every row weight 1. The created_at column
    is optional (ISO-8601 or unix seconds; an empty cell means "when stored").
    """
    table = _read_table(source, format, id_columns={persona_column, item_column}, raw_columns=set(),
                        max_rows=MAX_INTERACTION_ROWS)
    table.require(persona_column, "persona")
    table.require(item_column, "item")
    if weight_column is not None:
        table.require(weight_column, "weight")
    has_time = created_at_column is not None and created_at_column in table.columns
    out = []
    for number, row in enumerate(table.rows, start=1):
        weight = 1.0 if weight_column is None else _weight(row.get(weight_column), number, weight_column)
        created = _created_at(row.get(created_at_column), number, created_at_column) if has_time else None
        out.append(PersonaInteraction(
            persona_id=_row_uuid(row.get(persona_column), number, persona_column),
            item_id=_row_uuid(row.get(item_column), number, item_column),
            weight=weight, created_at=created,
        ))
    return out


# ---------------------------------------------------------------------------------------------
# catalog rows
# ---------------------------------------------------------------------------------------------


def _build_catalog(table: _Table, id_column: str, text_columns: tuple[str, ...], vector_column: str | None,
                   expected_dims: int | None) -> ParsedCatalog:
    items, texts, vectors = [], [], []
    seen: dict[UUID, int] = {}
    for number, row in enumerate(table.rows, start=1):
        original = _plain(row.get(id_column), number, id_column)
        uuid = _row_uuid(original, number, id_column)
        if uuid in seen:
            raise CatalogImportError(f"duplicate id {original!r}: row {seen[uuid]} has the same id",
                                     row=number, column=id_column)
        seen[uuid] = number
        props = {c: _plain(row.get(c), number, c) for c in table.columns if c != vector_column}
        props[ORIGINAL_ID_PROPERTY] = original
        items.append(Item(uuid=uuid, properties=props))
        texts.append(_embed_text(props, text_columns))
        if vector_column is not None:
            vectors.append(_row_vector(row.get(vector_column), number, vector_column, vectors, expected_dims))
        elif not texts[-1]:
            raise CatalogImportError("nothing to embed: every text column is empty in this row",
                                     row=number, column=text_columns[0])
    matrix = np.stack(vectors).astype(np.float32) if vectors else None
    return ParsedCatalog(items=items, texts=texts, vectors=matrix, id_column=id_column,
                         text_columns=text_columns, columns=tuple(table.columns))


def _embed_text(props: dict[str, Any], text_columns: Sequence[str]) -> str:
    """The chosen columns as "column: value" lines, empty values skipped."""
    lines = []
    for column in text_columns:
        value = props.get(column)
        if isinstance(value, list):
            value = ", ".join(_text_of(v) for v in value if not _is_empty(v))
        text = _text_of(value)
        if text:
            lines.append(f"{column}: {text}")
    return "\n".join(lines)


def _text_of(value: Any) -> str:
    if _is_empty(value):
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _row_vector(cell: Any, number: int, column: str, previous: list[np.ndarray],
                expected_dims: int | None) -> np.ndarray:
    """One unit-length vector from a list/array cell or a string of numbers."""
    values = _vector_values(cell, number, column)
    arr = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise CatalogImportError(f"vector entry {bad[0] + 1} is {values[bad[0]]!r}; NaN and infinity are not allowed",
                                 row=number, column=column)
    if expected_dims is not None and arr.size != expected_dims:
        raise CatalogImportError(f"vector has {arr.size} numbers, expected {expected_dims} (expected_dims)",
                                 row=number, column=column)
    if previous and arr.size != previous[0].size:
        raise CatalogImportError(f"vector has {arr.size} numbers but row 1 has {previous[0].size}; "
                                 "every vector must have the same length", row=number, column=column)
    norm = float(np.linalg.norm(arr))
    if norm == 0.0:
        raise CatalogImportError("vector is all zeros, so it has no direction", row=number, column=column)
    return (arr / norm).astype(np.float32)


def _vector_values(cell: Any, number: int, column: str) -> list[Any]:
    if _is_missing(cell) or (isinstance(cell, str) and not cell.strip()):
        raise CatalogImportError("the vector is missing", row=number, column=column)
    if isinstance(cell, str):
        values = _split_numbers(cell, number, column)
    elif isinstance(cell, (list, tuple)) or hasattr(cell, "tolist"):
        values = list(cell.tolist() if hasattr(cell, "tolist") else cell)
    else:
        raise CatalogImportError(f"a vector must be a list of numbers or a string like '[0.1, 0.2]', "
                                 f"got {type(cell).__name__} {cell!r}", row=number, column=column)
    if not values:
        raise CatalogImportError("the vector is empty", row=number, column=column)
    for position, value in enumerate(values, start=1):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise CatalogImportError(f"vector entry {position} is not a number: {value!r}", row=number, column=column)
    return values


def _split_numbers(text: str, number: int, column: str) -> list[Any]:
    """A JSON list ("[0.1, 0.2]") or numbers separated by spaces and/or commas."""
    text = text.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None  # e.g. numpy's "[0.1 0.2]": split it below
        if isinstance(parsed, list):
            return parsed
    values: list[Any] = []
    for token in filter(None, re.split(r"[,\s]+", text.strip("[]() \t\n"))):
        try:
            values.append(float(token))
        except ValueError:
            raise CatalogImportError(f"vector entry {len(values) + 1} is not a number: {token!r}",
                                     row=number, column=column) from None
    return values


# ---------------------------------------------------------------------------------------------
# import helpers
# ---------------------------------------------------------------------------------------------


def _text_fields(parsed: ParsedCatalog, title_property: str | None) -> tuple[str, ...]:
    fields = tuple(parsed.text_columns)
    if title_property is None:
        return fields
    if parsed.columns and title_property not in parsed.columns:
        raise CatalogImportError(
            f"title_property is not a column; the file has columns: {', '.join(parsed.columns)}",
            column=title_property)
    return (title_property, *(f for f in fields if f != title_property))


def _catalog_vectors(parsed: ParsedCatalog, embedder: Embedder | None, progress: ProgressCallback | None,
                     embedding_model: str | None) -> tuple[np.ndarray, str | None]:
    n = len(parsed.items)
    if parsed.vectors is not None:
        if progress is not None:
            progress(n, n)
        return normalize(parsed.vectors), embedding_model
    embedder = embedder or default_embedder()
    vectors = np.asarray(embedder.embed(parsed.texts, progress=progress), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != n:
        raise InvalidInputError(f"the embedder returned shape {vectors.shape} for {n} texts")
    return normalize(vectors), embedding_model or getattr(embedder, "name", None)


# ---------------------------------------------------------------------------------------------
# interaction cells
# ---------------------------------------------------------------------------------------------


def _row_uuid(value: Any, number: int, column: str) -> UUID:
    if _is_empty(value):
        raise CatalogImportError("the id is missing", row=number, column=column)
    try:
        return to_uuid(value, what="id")
    except InvalidInputError as exc:
        raise CatalogImportError(str(exc), row=number, column=column) from None


def _weight(value: Any, number: int, column: str) -> float:
    if _is_empty(value):
        raise CatalogImportError("the weight is missing; it must be a number in [-1, 1]", row=number, column=column)
    if isinstance(value, str) and _FLOAT.match(value.strip()):
        value = float(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        if math.isfinite(value) and -1.0 <= value <= 1.0:
            return value
    raise CatalogImportError(f"weight must be a number in [-1, 1], got {value!r}", row=number, column=column)


def _created_at(value: Any, number: int, column: str) -> datetime | None:
    if _is_empty(value):
        return None
    if isinstance(value, str) and _FLOAT.match(value.strip()):
        value = float(value)
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    try:
        return to_datetime(value, what="created_at")
    except (InvalidInputError, OverflowError, OSError, ValueError) as exc:
        raise CatalogImportError(f"bad date {value!r}: {exc}", row=number, column=column) from None


# ---------------------------------------------------------------------------------------------
# plain values
# ---------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    if isinstance(value, np.floating):
        return bool(np.isnan(value))
    return False


def _is_empty(value: Any) -> bool:
    """Missing, blank text or an empty list."""
    if isinstance(value, str):
        return not value.strip()
    return (isinstance(value, list) and not value) or _is_missing(value)


def _plain(value: Any, number: int, column: str) -> Any:
    """A JSON-able value: numpy/pandas scalars unwrapped, NaN → None, arrays → lists."""
    if _is_missing(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item(), number, column)
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [_plain(v, number, column) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    if isinstance(value, dict):
        return {str(k): _plain(v, number, column) for k, v in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _plain(float(value), number, column)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogImportError("binary value is not UTF-8 text", row=number, column=column) from None
    raise CatalogImportError(f"cannot store a {type(value).__name__} value ({value!r}) as JSON",
                             row=number, column=column)


# ---------------------------------------------------------------------------------------------
# file readers
# ---------------------------------------------------------------------------------------------


def _read_table(source: Source, format: str | None, *, id_columns: set[str], raw_columns: set[str | None],
                max_rows: int) -> _Table:
    """Rows of any supported source; CSV cells are typed per column (see :func:`_csv_table`)."""
    if hasattr(source, "to_dict") and hasattr(source, "columns"):  # a pandas DataFrame
        table = _Table([str(c) for c in source.columns], source.to_dict("records"))
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
    return data, _format_of(format, name if isinstance(name, str) else None)


def _format_of(format: str | None, name: str | None) -> str:
    for hint in (format, name):
        if not hint:
            continue
        key = hint.lower().strip()
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


def _csv_table(text: str, delimiter: str, id_columns: set[str], raw_columns: set[str | None],
               max_rows: int) -> _Table:
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
    typed = {c: _typed_column([r[i] for r in cells], c in id_columns, c in raw_columns)
             for i, c in enumerate(columns)}
    return _Table(columns, [{c: typed[c][n] for c in columns} for n in range(len(cells))])


def _csv_header(header: list[str]) -> list[str]:
    columns = [h.strip() for h in header]
    for position, column in enumerate(columns, start=1):
        if not column:
            raise CatalogImportError(f"header field {position} is empty; every column needs a name")
        if columns.index(column) != position - 1:
            raise CatalogImportError("this column name appears twice in the header", column=column)
    return columns


_INT = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_FLOAT = re.compile(r"^[+-]?((0|[1-9]\d*)(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _typed_column(values: list[str], is_id: bool, raw: bool) -> list[Any]:
    """Empty → None; IDs: canonical integers → int, else stripped text; other columns become
    all-int or all-float when every non-empty cell is one ("a|b|c" and "007" stay text)."""
    if raw:
        return [v if v.strip() else None for v in values]
    if is_id:
        return [int(v) if _INT.match(v.strip()) else (v.strip() or None) for v in values]
    filled = [v.strip() for v in values if v.strip()]
    if filled and all(_INT.match(v) for v in filled):
        return [int(v) if v.strip() else None for v in values]
    if filled and all(_FLOAT.match(v) for v in filled):
        return [float(v) if v.strip() else None for v in values]
    return [v if v.strip() else None for v in values]


def _json_table(text: str) -> _Table:
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


def _jsonl_table(text: str, max_rows: int) -> _Table:
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


def _object_rows(data: Iterable[Any], lines: list[int] | None) -> _Table:
    columns: dict[str, None] = {}
    rows = []
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            where = f" (line {lines[number - 1]})" if lines else ""
            raise CatalogImportError(f"expected a JSON object{where}, got {type(row).__name__} {_short(row)}",
                                     row=number)
        columns.update(dict.fromkeys(map(str, row)))
        rows.append({str(k): v for k, v in row.items()})
    return _Table(list(columns), rows)


def _parquet_table(data: bytes | str, max_rows: int) -> _Table:
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
    return _Table(list(table.column_names), table.to_pylist())


def _column_names(columns: Sequence[str] | str, what: str) -> tuple[str, ...]:
    if isinstance(columns, str):
        columns = (columns,)
    if not all(isinstance(c, str) and c for c in columns):
        raise InvalidInputError(f"{what} must be column names, got {list(columns)!r}")
    return tuple(dict.fromkeys(columns))


def _too_many(max_rows: int) -> str:
    return f"the file has more than {max_rows} data rows; split it and import at most {max_rows} at once"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
