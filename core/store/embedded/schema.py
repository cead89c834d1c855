"""The embedded store's SQLite schema, its migrations, and the conversions of values it stores.

Tables: ``collections`` (one row per catalog, with the agent config, its named vectors and its
settings as JSON),
``items`` (properties as JSON, the default vector as a float32 BLOB), ``item_vectors`` (the other
named vectors), one FTS5 table ``fts_<cid>`` per collection for BM25, ``personas`` and
``interactions``, and ``learned`` (item vectors learned from the interactions, one row per
model). Interactions point at their persona by its integer key and at their item by its
16-byte UUID: small index keys make bulk imports several times faster than UUID text would.
``personas.background`` is 1 for background personas (a sample's community), 0 for the rest.
``collections.version`` counts the writes to a collection and ``item_version`` its vector
rewrites, so that a process notices another's commits (:mod:`core.store.embedded.snapshots`);
``collections.staging`` marks a collection still being built, hidden until it is published
(:mod:`core.store.embedded.staging`).
Interaction weights are checked in [-1, 1] before they are written (vectorised: a per-row CHECK
constraint cost about a third of bulk-insert time). Files written by earlier versions are migrated
in place on open (columns added, nothing dropped).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError, StoreError
from core.store.base import Capabilities, CollectionSpec

CAPABILITIES = Capabilities(filter_operators=frozenset((
    "equal", "not_equal", "less_than", "less_or_equal", "greater_than", "greater_or_equal", "like", "is_none",
    "contains_any", "contains_all", "contains_none")), filter_targets=frozenset({"property", "id"}))
"""What :mod:`core.store.embedded.filter_eval` evaluates (references, geo and timestamps it does not)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections(
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, dims INTEGER NOT NULL,
    text_fields TEXT NOT NULL, vector_name TEXT, user_properties TEXT NOT NULL DEFAULT '{}',
    embedding_model TEXT, agent INTEGER NOT NULL DEFAULT 0, vectors TEXT, settings TEXT,
    version INTEGER NOT NULL DEFAULT 0, item_version INTEGER NOT NULL DEFAULT 0, staging TEXT);
CREATE TABLE IF NOT EXISTS items(
    row INTEGER PRIMARY KEY, cid INTEGER NOT NULL, uuid TEXT NOT NULL,
    properties TEXT NOT NULL, vector BLOB NOT NULL, UNIQUE(cid, uuid));
CREATE TABLE IF NOT EXISTS item_vectors(
    row INTEGER NOT NULL, name TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY(row, name));
CREATE TABLE IF NOT EXISTS personas(
    pk INTEGER PRIMARY KEY, cid INTEGER NOT NULL, persona_id BLOB NOT NULL, properties TEXT NOT NULL,
    background INTEGER NOT NULL DEFAULT 0, UNIQUE(cid, persona_id));
CREATE TABLE IF NOT EXISTS interactions(
    id INTEGER PRIMARY KEY, cid INTEGER NOT NULL, persona INTEGER NOT NULL, item_id BLOB NOT NULL,
    weight REAL NOT NULL,
    created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_persona ON interactions(persona);
CREATE TABLE IF NOT EXISTS learned(
    cid INTEGER NOT NULL, name TEXT NOT NULL, meta TEXT NOT NULL, ids BLOB NOT NULL, vectors BLOB NOT NULL,
    fold BLOB NOT NULL, PRIMARY KEY(cid, name));
"""


def check_ours(db: Any, path: str) -> None:
    """Refuse a SQLite file that another program made (creating our tables in it would change its file)."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    columns = {row[1] for row in db.execute("PRAGMA table_info(collections)")} if "collections" in tables else set()
    if tables and not {"id", "name", "dims", "text_fields"} <= columns:
        shown = ", ".join(sorted(tables)[:8]) + (", ..." if len(tables) > 8 else "")
        raise StoreError(f"{path!r} is a SQLite file of another program (its tables: {shown}), not a store of "
                         "this engine; nothing was changed. Give a new file name or an existing store file")


def migrate(db: Any) -> None:
    """Bring a file from an earlier version up to this schema (idempotent; safe when several processes open
    the file at once: the columns are checked again under the write lock)."""
    if not _missing_columns(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, column, kind in _missing_columns(db):  # added, never dropped: older rows get the default
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


_ADDED_COLUMNS = (
    ("collections", "vectors", "TEXT"),  # before named vectors: each collection had one, "default"
    ("collections", "settings", "TEXT"),  # before collection settings: none
    ("personas", "background", "INTEGER NOT NULL DEFAULT 0"),  # before background personas: every one was people's
    ("collections", "version", "INTEGER NOT NULL DEFAULT 0"),  # before change counters and staged collections
    ("collections", "item_version", "INTEGER NOT NULL DEFAULT 0"),
    ("collections", "staging", "TEXT"),
)


def _missing_columns(db: Any) -> list[tuple[str, str, str]]:
    present = {table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
               for table in {t for t, _, _ in _ADDED_COLUMNS}}
    return [(table, column, kind) for table, column, kind in _ADDED_COLUMNS if column not in present[table]]


def dump_vectors(vectors: dict[str, int]) -> str:
    return json.dumps(vectors)


def load_vectors(text: str | None) -> dict[str, int] | None:
    return json.loads(text) if text else None


def check_vectors(vectors: Any, n: int, dims: int, what: str = "vectors") -> np.ndarray:
    """Validate a batch of vectors and return it unit-normalised as contiguous float32."""
    try:
        arr = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be a numeric (n, {dims}) array: {exc}") from None
    if arr.ndim != 2 or arr.shape != (n, dims):
        raise InvalidInputError(f"{what} must have shape ({n}, {dims}) for {n} items, got {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise InvalidInputError(f"{what}: the vector of item #{bad} holds NaN or infinity")
    norms = np.linalg.norm(arr, axis=1)
    if n and (norms == 0).any():
        raise InvalidInputError(f"{what}: the vector of item #{int(np.argmin(norms))} is all zeros")
    return np.ascontiguousarray(arr / norms[:, None], dtype=np.float32)


def fts_columns(properties: dict[str, Any], text_fields: Sequence[str]) -> list[str]:
    """The FTS5 column values of one item: one per text field, or all its text in one column."""
    if not text_fields:
        return [" ".join(_text_of(v) for v in properties.values())]
    return [_text_of(properties.get(f)) for f in text_fields]


def _text_of(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_text_of(v) for v in value)
    return str(value)


def to_json(value: Any) -> str:
    """Properties as JSON text; numpy scalars and arrays, datetimes and UUIDs are converted."""
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (datetime, UUID)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    raise InvalidInputError(f"property value {value!r} of type {type(value).__name__} cannot be stored as JSON")


def named_batches(spec: CollectionSpec, vectors: np.ndarray | Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Every named vector's validated batch: an array is the default vector of a single-vector collection."""
    if not isinstance(vectors, Mapping):
        if len(spec.vectors) > 1:
            raise InvalidInputError(f"collection {spec.name!r} has named vectors {list(spec.vectors)}: pass one "
                                    "array per name, as a dict")
        vectors = {spec.default_vector: vectors}
    if set(vectors) != set(spec.vectors):
        raise InvalidInputError(f"vectors for {sorted(vectors)} given, but collection {spec.name!r} has named "
                                f"vectors {list(spec.vectors)}: give each of them")
    return {name: check_vectors(vectors[name], n, dims, what=f"vectors {name!r}" if len(spec.vectors) > 1 else
                                "vectors") for name, dims in spec.vectors.items()}

