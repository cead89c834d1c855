"""The Catalog page's import of your own file: read it, guess the column mapping, embed and store it.

``guess_mapping``, ``import_upload`` and ``display_properties`` take plain values and are tested
directly; ``peek_file`` is cached per uploaded file (``st.cache_data``) and detects each column's
type, which ``column_types_form`` offers to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

import pandas as pd
import streamlit as st

from core import (MAX_CATALOG_ROWS, AlreadyExistsError, CollectionSpec, InvalidInputError, Item, Store,
                  detect_column_types, import_catalog_agent, list_samples, read_catalog, read_table)

from .catalog_ui import preview_frame

UPLOAD_TYPES = ["csv", "tsv", "json", "jsonl", "ndjson", "parquet"]


@dataclass(frozen=True)
class Mapping:
    """Which file columns hold the ID, the title, the text to embed and (optionally) the vectors."""

    id_column: str
    title_column: str | None
    text_columns: tuple[str, ...]
    vector_column: str | None
    image_column: str | None = None
    column_types: dict[str, str] = field(default_factory=dict)
    """Each other column's type (``core.parse_column_type`` specs: ``"boolean"``, ``"list:;"``...)."""


@dataclass(frozen=True)
class FilePeek:
    columns: tuple[str, ...]
    rows: int
    preview: pd.DataFrame
    guess: Mapping
    types: dict[str, str] = field(default_factory=dict)
    """The detected type of every column, as ``core.parse_column_type`` specs."""


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def peek_file(data: bytes, filename: str) -> FilePeek:
    """The columns and row count of an uploaded file, a preview and a guessed mapping; a bad
    file raises :class:`core.CatalogImportError` (the full check runs again on import)."""
    table = read_table(data, filename, id_columns=set(), raw_columns=set(), max_rows=MAX_CATALOG_ROWS)
    types = {c: t.spec for c, t in detect_column_types(table).items()}
    return FilePeek(tuple(table.columns), len(table.rows), preview_frame(table.rows[:5]),
                    guess_mapping(table.columns, table.rows[:200], types), types)


TYPE_LABELS = {"text": "text", "number": "number", "boolean": "boolean (true/false, yes/no, 1/0)",
               "date": "date (ISO-8601; filters compare dates)", "list": "list, split at |", "list:;": "list, split at ;",
               "list:,": "list, split at ,", "list:json": "list (JSON)", "keep": "as read (no conversion)"}


def column_types_form(peek: FilePeek, mapping: Mapping, key: str) -> dict[str, str]:
    """A type for every column but the ID and vector columns, the detected one preselected."""
    columns = [c for c in peek.columns if c not in (mapping.id_column, mapping.vector_column)]
    typed = [f"{c} {peek.types[c]}" for c in columns if peek.types.get(c, "text") != "text"]
    chosen: dict[str, str] = {}
    with st.expander(f"Column types (detected: {', '.join(typed) or 'all text'})"):
        st.caption("Values are converted on import, and filters then compare them as such (in_stock = true, "
                   "released >= 2020-01-01, tags ~ red). A cell that does not fit is reported with its row.")
        for cell, column in zip(st.columns(3) * len(columns), columns):
            chosen[column] = cell.selectbox(f"Type of {column}", list(TYPE_LABELS), format_func=TYPE_LABELS.get,
                                            index=list(TYPE_LABELS).index(peek.types.get(column, "text")),
                                            key=f"{key}.type.{column}")
    return chosen


def guess_mapping(columns: Sequence[str], rows: Sequence[dict[str, Any]], types: dict[str, str] | None = None) -> Mapping:
    """A starting point the user then corrects: the ID column by name, the title among the names
    the lab shows as titles, a vector column by name or content, and every text-like column (not
    one whose detected type, in ``types``, is a number, boolean or date)."""
    lower = {c.lower(): c for c in columns}
    id_column = next((lower[n] for n in ("id", "item_id", "itemid", "sku", "uuid") if n in lower),
                     next((c for c in columns if c.lower().endswith("id")), columns[0]))
    title = next((lower[n] for n in ("title", "name", "label", "headline") if n in lower), None)
    vector = next((c for c in columns if c != id_column and (re.search(r"vector|embedding", c, re.I)
                                                            or _looks_like_vector(rows, c))), None)
    texts = [c for c in columns if c not in (id_column, vector) and _looks_like_text(rows, c)
             and (types or {}).get(c) not in ("number", "boolean", "date")]
    if title and title in texts:
        texts.remove(title)
        texts.insert(0, title)
    image = next((c for c in columns if re.search(r"image|img|picture|photo|poster|thumbnail|cover", c, re.I)), None)
    if image in texts:
        texts.remove(image)
    return Mapping(id_column, title, tuple(texts), vector, image)


def _cells(rows: Sequence[dict[str, Any]], column: str) -> list[Any]:
    return [r.get(column) for r in rows if r.get(column) not in (None, "", [])]


_VECTOR_TEXT = re.compile(r"\[\s*[\d.eE+-]+(?:(?:\s*,\s*|\s+)[\d.eE+-]+)+\s*\]")
"""Text like "[0.1, -0.2]" or "[0.1 0.2]"; each separator matches one way only (no exponential backtracking)."""


def _looks_like_vector(rows: Sequence[dict[str, Any]], column: str) -> bool:
    """Every filled cell is a list of at least two numbers, or text like "[0.1, 0.2]"."""
    def vector(v: Any) -> bool:
        if isinstance(v, str):
            return bool(_VECTOR_TEXT.fullmatch(v.strip()))
        return isinstance(v, list) and len(v) > 1 and all(isinstance(x, (int, float)) for x in v)
    cells = _cells(rows, column)
    return bool(cells) and all(vector(v) for v in cells)


def _looks_like_text(rows: Sequence[dict[str, Any]], column: str) -> bool:
    cells = _cells(rows, column)
    strings = [v for v in cells if isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))]
    return bool(cells) and len(strings) * 2 > len(cells) and not any(
        isinstance(v, str) and v.startswith(("http://", "https://")) for v in strings[:20])


def default_collection_name(filename: str) -> str:
    """``"my products.csv"`` → ``"MyProducts"``."""
    words = re.findall(r"[A-Za-z0-9]+", PurePath(filename).stem)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Uploaded"


def import_upload(store: Store, collection: str, data: bytes, filename: str, mapping: Mapping, *,
                  progress: Callable[[int, int], None] | None = None) -> CollectionSpec:
    """Check, embed and store an uploaded catalog as ``collection`` and attach an agent to it.

    Raises a :class:`core.PersonalizationError` (nothing stored) for a bad file, an empty name, a
    name already in the store or the collection name of a shipped sample (kept for the sidebar).
    """
    name = collection.strip()
    if not name:
        raise InvalidInputError("give the new collection a name")
    if store.has_collection(name) or name in {s.collection for s in list_samples()}:
        raise AlreadyExistsError(f"a collection named {name!r} exists already (or is a sample's name); "
                                 "choose another name")
    parsed = read_catalog(data, format=filename, id_column=mapping.id_column, text_columns=mapping.text_columns,
                          vector_column=mapping.vector_column, column_types=mapping.column_types)
    parsed = replace(parsed, items=[Item(uuid=i.uuid, properties=display_properties(i.properties, mapping))
                                   for i in parsed.items])
    agent = import_catalog_agent(store, name, parsed, progress=progress, title_property=mapping.title_column)
    return store.get_collection(agent.collection)


def display_properties(properties: dict[str, Any], mapping: Mapping) -> dict[str, Any]:
    """The item's properties plus ``title`` and ``image_url`` taken from the mapped columns, which
    is where the cards (and ``core.display_title``) look for them."""
    extra: dict[str, Any] = {}
    if mapping.title_column and "title" not in properties and properties.get(mapping.title_column) is not None:
        extra["title"] = str(properties[mapping.title_column])
    image = properties.get(mapping.image_column) if mapping.image_column else None
    if isinstance(image, str) and image.startswith(("http://", "https://")) and "image_url" not in properties:
        extra["image_url"] = image
    return {**properties, **extra}
