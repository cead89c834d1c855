"""Helpers of the Catalog and Explore pages: catalog statistics, the preview table, reading and
importing an uploaded file, and the data behind the embedding map.

The pure functions (``compute_stats``, ``preview_frame``, ``guess_mapping``, ``import_upload``,
``build_map``, ``map_layers``) take plain values and are tested directly; the ``st.cache_data``
wrappers are keyed by workspace name, collection and item count (the store itself is passed as an
unhashed ``_store``), and everything they return is a copy, so pages may not and need not mutate it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any
from uuid import UUID

import numpy as np
import pandas as pd
import streamlit as st

from core import (AlreadyExistsError, CollectionSpec, GetObjectsOptions, InvalidInputError, Item,
                  PersonalizationAgent, Persona, Store, display_title, import_catalog, list_samples, read_catalog)
from core.io.catalog import MAX_CATALOG_ROWS
from core.retrieval.vector_stage import load_profile
from core.retrieval.strategies import build_scorer
from core.io.tables import read_table

from .charts import project_2d

UPLOAD_TYPES = ["csv", "tsv", "json", "jsonl", "ndjson", "parquet"]
HIDDEN = ("original_id", "image_url")  # never "top values": unique per item
MAX_CATEGORIES = 50
MAX_MAP_POINTS = 5000
MAP_SEED = 0


# --- catalog statistics ---------------------------------------------------------------------

@dataclass(frozen=True)
class PropertyStats:
    name: str
    kind: str
    items_with: int
    example: str


@dataclass(frozen=True)
class CatalogStats:
    """Item count, each property (in first-seen order) and the top values of list/categorical ones."""

    count: int
    properties: tuple[PropertyStats, ...]
    top_values: dict[str, list[tuple[str, int]]]


def compute_stats(items: Sequence[Item], top: int = 10) -> CatalogStats:
    """Statistics of ``items``: a string property counts as categorical when it has at most
    ``MAX_CATEGORIES`` distinct values and most values repeat (titles and descriptions do not)."""
    filled: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {}
    examples: dict[str, Any] = {}
    values: dict[str, Counter[str]] = {}
    for item in items:
        for key, value in item.properties.items():
            if value is None or value == "" or value == []:
                continue
            filled[key] += 1
            kinds.setdefault(key, Counter())[_kind(value)] += 1
            examples.setdefault(key, value)
            if isinstance(value, list):
                values.setdefault(key, Counter()).update(str(v) for v in value if isinstance(v, (str, int, float)))
            elif isinstance(value, str):
                values.setdefault(key, Counter())[value] += 1
    props = tuple(PropertyStats(k, " / ".join(c for c, _ in kinds[k].most_common()), n, _short(examples[k]))
                  for k, n in filled.items())
    tops = {k: c.most_common(top) for k, c in values.items()
            if k not in HIDDEN and c and (kinds[k]["list"] or (len(c) <= MAX_CATEGORIES and len(c) * 2 <= filled[k]))}
    return CatalogStats(len(items), props, tops)


@st.cache_data(show_spinner="Reading the catalog…", max_entries=64)
def catalog_stats(workspace: str, collection: str, count: int, _store: Store) -> CatalogStats:
    return compute_stats(_store.iter_items(collection))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, (int, float)):
        return "number"
    return {list: "list", dict: "object"}.get(type(value), "text")


def _short(value: Any, limit: int = 80) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else \
        json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def preview_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows of properties as a DataFrame Arrow can always show: numeric and yes/no columns stay
    typed, lists are joined with ", ", anything else (or a mixed column) becomes text."""
    frame = pd.DataFrame(list(rows))
    for column in frame.columns:
        cells = [v for v in frame[column] if not _missing(v)]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells)
        flags = all(isinstance(v, bool) for v in cells)
        if cells and not (numeric or flags):
            frame[column] = pd.Series([None if _missing(v) else _short(v, 300) for v in frame[column]],
                                      index=frame.index, dtype=object)
    return frame


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


# --- upload ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mapping:
    """Which file columns hold the ID, the title, the text to embed and (optionally) the vectors."""

    id_column: str
    title_column: str | None
    text_columns: tuple[str, ...]
    vector_column: str | None
    image_column: str | None = None


@dataclass(frozen=True)
class FilePeek:
    columns: tuple[str, ...]
    rows: int
    preview: pd.DataFrame
    guess: Mapping


@st.cache_data(show_spinner="Reading the file…", max_entries=4)
def peek_file(data: bytes, filename: str) -> FilePeek:
    """The columns and row count of an uploaded file, a preview and a guessed mapping; a bad
    file raises :class:`core.CatalogImportError` (the full check runs again on import)."""
    table = read_table(data, filename, id_columns=set(), raw_columns=set(), max_rows=MAX_CATALOG_ROWS)
    return FilePeek(tuple(table.columns), len(table.rows), preview_frame(table.rows[:5]),
                    guess_mapping(table.columns, table.rows[:200]))


def guess_mapping(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Mapping:
    """A starting point the user then corrects: the ID column by name, the title among the names
    the lab shows as titles, a vector column by name or content, and every text-like column."""
    lower = {c.lower(): c for c in columns}
    id_column = next((lower[n] for n in ("id", "item_id", "itemid", "sku", "uuid") if n in lower),
                     next((c for c in columns if c.lower().endswith("id")), columns[0]))
    title = next((lower[n] for n in ("title", "name", "label", "headline") if n in lower), None)
    vector = next((c for c in columns if c != id_column and (re.search(r"vector|embedding", c, re.I)
                                                            or _looks_like_vector(rows, c))), None)
    texts = [c for c in columns if c not in (id_column, vector) and _looks_like_text(rows, c)]
    if title and title in texts:
        texts.remove(title)
        texts.insert(0, title)
    image = next((c for c in columns if re.search(r"image|img|picture|photo|poster|thumbnail|cover", c, re.I)), None)
    if image in texts:
        texts.remove(image)
    return Mapping(id_column, title, tuple(texts), vector, image)


def _cells(rows: Sequence[dict[str, Any]], column: str) -> list[Any]:
    return [r.get(column) for r in rows if r.get(column) not in (None, "", [])]


_VECTOR_TEXT = re.compile(r"\[\s*-?[\d.eE+-]+(\s*[,\s]\s*-?[\d.eE+-]+)+\s*\]")


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
                          vector_column=mapping.vector_column)
    parsed = replace(parsed, items=[Item(uuid=i.uuid, properties=display_properties(i.properties, mapping))
                                    for i in parsed.items])
    spec = import_catalog(store, name, parsed, progress=progress, title_property=mapping.title_column)
    PersonalizationAgent.create(store, name)
    return spec


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


# --- embedding map --------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogMap:
    """Every item's 2-D position and the linear map that placed it: ``origin + v @ basis`` is
    exactly ``lab.charts.project_2d``'s projection of any vector ``v`` (fitted on this catalog)."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    points: np.ndarray
    origin: np.ndarray
    basis: np.ndarray
    explained: float

    def project(self, vectors: np.ndarray) -> np.ndarray:
        return self.origin + np.asarray(vectors, dtype=float) @ self.basis


def build_map(items: Sequence[Item], vectors: np.ndarray) -> CatalogMap:
    """Project the catalog once; the zero vector and the unit axes go along as ``extra`` so that
    profile points can be projected later without refitting (the projection is affine)."""
    dims = vectors.shape[1]
    points, probe = project_2d(vectors, extra=np.vstack([np.zeros((1, dims)), np.eye(dims)]))
    total = float(((vectors - vectors.mean(axis=0)) ** 2).sum()) if len(vectors) else 0.0
    kept = float(((points - points.mean(axis=0)) ** 2).sum()) if len(points) else 0.0
    return CatalogMap(tuple(str(i.uuid) for i in items), tuple(display_title(i.properties, str(i.uuid)) for i in items),
                      points, probe[0], probe[1:] - probe[0], kept / total if total else 0.0)


@st.cache_data(show_spinner="Projecting the catalog…", max_entries=32)
def catalog_map(workspace: str, collection: str, count: int, _store: Store) -> CatalogMap:
    items = _store.iter_items(collection)
    return build_map(items, np.asarray(_store.get_vectors(collection, [i.uuid for i in items]), dtype=float))


def interaction_roles(agent: PersonalizationAgent, persona_id: UUID) -> dict[UUID, str]:
    """``"liked"``/``"disliked"`` per interacted item; an item rated both ways keeps its newest sign."""
    roles: dict[UUID, str] = {}
    for it in agent.get_interactions(persona_id, "all"):  # newest first
        if it.weight and it.item_id not in roles:
            roles[it.item_id] = "liked" if it.weight > 0 else "disliked"
    return roles


def profile_queries(agent: PersonalizationAgent, persona: Persona, strategy: str,
                    now: datetime) -> tuple[np.ndarray, list[str]]:
    """The query vectors the engine searches with for ``persona`` (none for an empty profile)."""
    options = GetObjectsOptions(strategy=strategy, now=now)
    profile = load_profile(agent.store, agent.collection, persona, options, agent.config)
    if profile.is_empty:
        return np.zeros((0, profile.vectors.shape[1])), []
    scorer = build_scorer(strategy, profile, agent.config.strategy)
    beta = agent.config.strategy.negative_weight
    if not len(profile.positive) and strategy != "centroid":
        labels = ["profile: away from the dislikes"]
    elif strategy == "centroid":
        labels = [f"profile: mean of likes − {beta:g} × mean of dislikes"]
    else:
        what = "interest" if strategy == "multi_interest" else "liked item"
        labels = [f"profile: {what} {k}" for k in range(1, len(scorer.queries) + 1)]
    return np.asarray(scorer.queries, dtype=float), labels


def map_layers(cmap: CatalogMap, highlight: dict[str, str], profile: np.ndarray, profile_labels: Sequence[str], *,
               max_points: int = MAX_MAP_POINTS, seed: int = MAP_SEED) -> tuple[np.ndarray, list[str], list[str]]:
    """Points, titles and roles for ``embedding_map_figure``: every highlighted item (by UUID
    string), at most ``max_points`` other catalog items (a seeded sample) and the profile points."""
    position = {u: i for i, u in enumerate(cmap.ids)}
    marked = [(position[u], role) for u, role in highlight.items() if u in position]
    taken = {i for i, _ in marked}
    rest = np.array([i for i in range(len(cmap.ids)) if i not in taken], dtype=int)
    if len(rest) > max_points:
        rest = np.sort(np.random.default_rng(seed).choice(rest, max_points, replace=False))
    index = list(rest) + [i for i, _ in marked]
    roles = ["catalog"] * len(rest) + [r for _, r in marked] + ["profile"] * len(profile_labels)
    extra = cmap.project(profile) if len(profile_labels) else np.zeros((0, 2))
    points = np.vstack([cmap.points[index].reshape(-1, 2), extra])
    return points, [cmap.titles[i] for i in index] + list(profile_labels), roles
