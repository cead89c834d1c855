"""Catalog import: CSV, TSV, JSON, JSON Lines and Parquet.

Reading is all-or-nothing: every row is checked before anything is returned, and the first
problem raises :class:`~core.errors.CatalogImportError` naming the 1-based data row (header
excluded) and the column. :func:`import_catalog` then embeds (unless the file carried vectors),
and only after that succeeds builds the collection, out of sight until it is complete, so a bad
file never leaves a half-stored catalog behind and a replace never loses the old one.

Item IDs go through :func:`core.ids.to_uuid` (a UUID is kept, anything else becomes the
deterministic UUID5) and the original value is kept in the ``original_id`` property. The file
readers live in :mod:`core.io.tables`, column types in :mod:`core.io.column_types` and the vector
handling in :mod:`core.io.vectors`; interaction logs in :mod:`core.io.interaction_log`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

import numpy as np

from core.io.embedding import Embedder, ProgressCallback
from core.errors import AlreadyExistsError, CatalogImportError, InvalidInputError
from core.ids import ORIGINAL_ID_PROPERTY, to_uuid
from core.models import Item
from core.store.base import CollectionSpec, Store
from core.store.staged import new_collection
from core.io.column_types import ColumnType, convert_table, detect_column_types, parse_column_type
from core.io.cells import is_empty, plain
from core.io.tables import FORMATS, ReadLimits, Source, Table, read_table
from core.io.vectors import catalog_vectors, row_vector

__all__ = ["FORMATS", "MAX_CATALOG_ROWS", "ParsedCatalog", "ReadLimits", "Source", "import_catalog", "read_catalog"]

MAX_CATALOG_ROWS = 200_000


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
    column_types: Mapping[str, ColumnType] = field(default_factory=dict)
    """The type each converted column was given (the others kept the file's values)."""

    def __len__(self) -> int:
        return len(self.items)


# -- public API ------------------------------------------------------------------------------

def read_catalog(
    source: Source, *, id_column: str, text_columns: Sequence[str], vector_column: str | None = None,
    format: str | None = None, expected_dims: int | None = None,
    column_types: Mapping[str, ColumnType | str] | None = None, detect_types: bool = False,
    limits: ReadLimits | None = None,
) -> ParsedCatalog:
    """Read and check a catalog file; raises :class:`CatalogImportError` on the first bad row.

    ``format`` is ``"csv"``, ``"tsv"``, ``"json"``, ``"jsonl"`` or ``"parquet"``, or a file name
    to take it from (``"movies.csv"``); without it the path's (or file object's) name is used.
    ``text_columns`` may be empty only when ``vector_column`` supplies the vectors.
    ``column_types`` (``{"in_stock": "boolean", "tags": "list:;"}``, see :mod:`core.io.column_types`)
    converts those columns' cells; with ``detect_types`` every other column (but the ID and vector
    columns) gets its detected type, else it keeps the file's values (CSV numbers typed).
    ``limits`` bound what is read (default ``ReadLimits.from_env()``, see :mod:`core.io.reading`).
    """
    text_columns = _column_names(text_columns, "text_columns")
    if not text_columns and vector_column is None:
        raise InvalidInputError("text_columns must name at least one column when there is no vector_column")
    if vector_column is not None and vector_column == id_column:
        raise InvalidInputError(f"vector_column and id_column are the same column {id_column!r}")
    if expected_dims is not None and (isinstance(expected_dims, bool) or not isinstance(expected_dims, int)
                                      or expected_dims < 1):
        raise InvalidInputError(f"expected_dims must be a positive integer, got {expected_dims!r}")
    types = {c: parse_column_type(t) for c, t in (column_types or {}).items()}
    if clash := sorted(str(c) for c in {id_column, vector_column} & set(types)):
        raise InvalidInputError(f"column {clash[0]!r} holds the ids or vectors; it takes no column type")
    table = read_table(source, format, id_columns={id_column}, raw_columns=detect_types or {vector_column, *types},
                       max_rows=MAX_CATALOG_ROWS, limits=limits)
    table.require(id_column, "id")
    for column in text_columns:
        table.require(column, "text")
    if vector_column is not None:
        table.require(vector_column, "vector")
    if ORIGINAL_ID_PROPERTY in table.columns and id_column != ORIGINAL_ID_PROPERTY:
        raise CatalogImportError(
            f"the name {ORIGINAL_ID_PROPERTY!r} is reserved for the original id; rename this column",
            column=ORIGINAL_ID_PROPERTY)
    if detect_types:
        types = {**detect_column_types(table, skip={id_column, vector_column}), **types}
    convert_table(table, types)
    parsed = _build_catalog(table, id_column, text_columns, vector_column, expected_dims)
    return replace(parsed, column_types=types)


def import_catalog(
    store: Store, collection: str, parsed: ParsedCatalog, *, embedder: Embedder | None = None,
    progress: ProgressCallback | None = None, title_property: str | None = None, replace: bool = False,
    embedding_model: str | None = None, before_publish: Callable[[str], Any] | None = None,
) -> CollectionSpec:
    """Embed (if needed) and store ``parsed`` as a new collection; returns its spec.

    Without file vectors the texts are embedded with ``embedder`` (default: the bundled model),
    reporting ``progress(done, total)``; with file vectors ``progress(n, n)`` is called once and
    ``embedding_model`` may name the model that made them. ``title_property`` must be a column;
    it becomes the first text field. An existing collection raises :class:`AlreadyExistsError`
    unless ``replace`` is true. The collection is built out of sight and published in one step
    (:func:`core.store.staged.new_collection`): until then readers see the old collection, and a
    failure (or a kill) at any point leaves it as it was. ``before_publish(staged_name)`` runs once
    the items are stored, before publishing (the agent is attached there); its error aborts the import.
    """
    if not parsed.items:
        raise InvalidInputError("the parsed catalog has no items")
    if store.has_collection(collection) and not replace:
        raise AlreadyExistsError(f"collection {collection!r} already exists; pass replace=True to overwrite it")
    text_fields = _text_fields(parsed, title_property)
    vectors, model = catalog_vectors(parsed.texts, parsed.vectors, embedder=embedder, progress=progress,
                                     embedding_model=embedding_model)
    spec = CollectionSpec(name=collection, dims=int(vectors.shape[1]), text_fields=text_fields,
                          embedding_model=model)
    with new_collection(store, spec, replace=replace) as staged:
        store.add_items(staged.name, parsed.items, vectors)
        if before_publish is not None:
            before_publish(staged.name)
    return spec


# -- catalog rows ----------------------------------------------------------------------------

def _build_catalog(table: Table, id_column: str, text_columns: tuple[str, ...], vector_column: str | None,
                   expected_dims: int | None) -> ParsedCatalog:
    items, texts, vectors = [], [], []
    seen: dict[UUID, int] = {}
    for number, row in enumerate(table.rows, start=1):
        original = plain(row.get(id_column), number, id_column)
        uuid = _row_uuid(original, number, id_column)
        if uuid in seen:
            raise CatalogImportError(f"duplicate id {original!r}: row {seen[uuid]} has the same id",
                                     row=number, column=id_column)
        seen[uuid] = number
        props = {c: plain(row.get(c), number, c) for c in table.columns if c != vector_column}
        props[ORIGINAL_ID_PROPERTY] = original
        items.append(Item(uuid=uuid, properties=props))
        texts.append(_embed_text(props, text_columns))
        if vector_column is not None:
            vectors.append(row_vector(row.get(vector_column), number, vector_column, vectors, expected_dims))
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
            value = ", ".join(_text_of(v) for v in value if not is_empty(v))
        text = _text_of(value)
        if text:
            lines.append(f"{column}: {text}")
    return "\n".join(lines)


def _text_of(value: Any) -> str:
    if is_empty(value):
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _text_fields(parsed: ParsedCatalog, title_property: str | None) -> tuple[str, ...]:
    fields = tuple(parsed.text_columns)
    if title_property is None:
        return fields
    if parsed.columns and title_property not in parsed.columns:
        raise CatalogImportError(
            f"title_property is not a column; the file has columns: {', '.join(parsed.columns)}",
            column=title_property)
    return (title_property, *(f for f in fields if f != title_property))


# -- cells -----------------------------------------------------------------------------------

def _row_uuid(value: Any, number: int, column: str) -> UUID:
    if is_empty(value):
        raise CatalogImportError("the id is missing", row=number, column=column)
    try:
        return to_uuid(value, what="id")
    except InvalidInputError as exc:
        raise CatalogImportError(str(exc), row=number, column=column) from None


def _column_names(columns: Sequence[str] | str, what: str) -> tuple[str, ...]:
    if isinstance(columns, str):
        columns = (columns,)
    if not all(isinstance(c, str) and c for c in columns):
        raise InvalidInputError(f"{what} must be column names, got {list(columns)!r}")
    return tuple(dict.fromkeys(columns))
