"""Catalog and interaction-file import: CSV, TSV, JSON, JSON Lines and Parquet.

Reading is all-or-nothing: every row is checked before anything is returned, and the first
problem raises :class:`~core.errors.CatalogImportError` naming the 1-based data row (header
excluded) and the column. :func:`import_catalog` then embeds (unless the file carried vectors),
and only after that succeeds creates the collection, so a bad file never leaves a half-stored
catalog behind.

Item IDs go through :func:`core.ids.to_uuid` (a UUID is kept, anything else becomes the
deterministic UUID5) and the original value is kept in the ``original_id`` property. The file
readers live in :mod:`core.io.tables` and the vector handling in :mod:`core.io.vectors`.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import numpy as np

from core.io.embedding import Embedder, ProgressCallback
from core.errors import AlreadyExistsError, CatalogImportError, InvalidInputError
from core.ids import ORIGINAL_ID_PROPERTY, to_uuid
from core.models import Item, PersonaInteraction, to_datetime
from core.store.base import CollectionSpec, Store
from core.io.tables import FLOAT, FORMATS, Source, Table, is_empty, plain, read_table
from core.io.vectors import catalog_vectors, row_vector

__all__ = ["FORMATS", "MAX_CATALOG_ROWS", "MAX_INTERACTION_ROWS", "ParsedCatalog", "Source", "import_catalog",
           "read_catalog", "read_interactions"]

MAX_CATALOG_ROWS = 200_000
MAX_INTERACTION_ROWS = 2_000_000


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


# -- public API ------------------------------------------------------------------------------

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
    table = read_table(source, format, id_columns={id_column}, raw_columns={vector_column},
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
    vectors, model = catalog_vectors(parsed.texts, parsed.vectors, embedder=embedder, progress=progress,
                                     embedding_model=embedding_model)
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
    table = read_table(source, format, id_columns={persona_column, item_column}, raw_columns=set(),
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


# -- interaction cells -----------------------------------------------------------------------

def _row_uuid(value: Any, number: int, column: str) -> UUID:
    if is_empty(value):
        raise CatalogImportError("the id is missing", row=number, column=column)
    try:
        return to_uuid(value, what="id")
    except InvalidInputError as exc:
        raise CatalogImportError(str(exc), row=number, column=column) from None


def _weight(value: Any, number: int, column: str) -> float:
    if is_empty(value):
        raise CatalogImportError("the weight is missing; it must be a number in [-1, 1]", row=number, column=column)
    if isinstance(value, str) and FLOAT.match(value.strip()):
        value = float(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        if math.isfinite(value) and -1.0 <= value <= 1.0:
            return value
    raise CatalogImportError(f"weight must be a number in [-1, 1], got {value!r}", row=number, column=column)


def _created_at(value: Any, number: int, column: str) -> datetime | None:
    if is_empty(value):
        return None
    if isinstance(value, str) and FLOAT.match(value.strip()):
        value = float(value)
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return to_datetime(value, what="created_at")
    except (InvalidInputError, OverflowError, OSError, ValueError) as exc:
        raise CatalogImportError(f"bad date {value!r}: {exc}", row=number, column=column) from None


def _column_names(columns: Sequence[str] | str, what: str) -> tuple[str, ...]:
    if isinstance(columns, str):
        columns = (columns,)
    if not all(isinstance(c, str) and c for c in columns):
        raise InvalidInputError(f"{what} must be column names, got {list(columns)!r}")
    return tuple(dict.fromkeys(columns))
