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
(:mod:`core.store.embedded.staging`); ``collections.token`` is random per created collection, so
vector files (:mod:`core.store.embedded.vector_files`) never match a later collection with the same key.
Interaction weights are checked in [-1, 1] before they are written (vectorised: a per-row CHECK
constraint cost about a third of bulk-insert time). Files written by earlier versions are migrated
in place on open (columns added, nothing dropped).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from typing import Any

from core.checks import check_name, check_text, check_type, describe
from core.errors import InvalidInputError, StoreError
from core.store.base import Capabilities, CollectionSpec
from core.store.inputs import check_new_spec, to_json

CAPABILITIES = Capabilities(filter_operators=frozenset((
    "equal", "not_equal", "less_than", "less_or_equal", "greater_than", "greater_or_equal", "like", "is_none",
    "contains_any", "contains_all", "contains_none")), filter_targets=frozenset({"property", "id"}))
"""What :mod:`core.store.embedded.filter_eval` evaluates (references, geo and timestamps it does not)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections(
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, dims INTEGER NOT NULL,
    text_fields TEXT NOT NULL, vector_name TEXT, user_properties TEXT NOT NULL DEFAULT '{}',
    embedding_model TEXT, agent INTEGER NOT NULL DEFAULT 0, vectors TEXT, settings TEXT,
    version INTEGER NOT NULL DEFAULT 0, item_version INTEGER NOT NULL DEFAULT 0, staging TEXT, token TEXT);
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


_ADDED_COLUMNS = (
    ("collections", "vectors", "TEXT"),  # before named vectors: each collection had one, "default"
    ("collections", "settings", "TEXT"),  # before collection settings: none
    ("personas", "background", "INTEGER NOT NULL DEFAULT 0"),  # before background personas: every one was people's
    ("collections", "version", "INTEGER NOT NULL DEFAULT 0"),  # before change counters and staged collections
    ("collections", "item_version", "INTEGER NOT NULL DEFAULT 0"),
    ("collections", "staging", "TEXT"),
    ("collections", "token", "TEXT"),  # before vector files: none (files of such a collection match on the rest)
)
"""Columns that :func:`migrate` adds to files of earlier versions (they may be missing)."""
_MIGRATED = {table: {c for t, c, _ in _ADDED_COLUMNS if t == table} for table, _, _ in _ADDED_COLUMNS}


def _expected_columns() -> dict[str, set[str]]:
    """Each table of :data:`SCHEMA` and the columns every version of this engine gave it."""
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    expected = {t: {row[1] for row in db.execute(f"PRAGMA table_info({t})")} - _MIGRATED.get(t, set())
                for t in tables}
    db.close()
    return expected


_EXPECTED = _expected_columns()


def store_path(path: Any) -> str:
    """The location of an embedded store as text: ``":memory:"`` or a file path (``str`` or ``os.PathLike``)."""
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"an embedded store's path is ':memory:' or a file path, got {describe(path)}")
    if "\0" in text:
        raise InvalidInputError(f"the store path {describe(text)} holds a NUL byte; no file can be named so")
    return check_text(text, "the store path")


def valid_name(name: Any) -> str:
    """A collection name, checked (:func:`core.checks.check_name`) before it is looked up or stored."""
    return check_name(name, "collection name")


def check_schema(db: sqlite3.Connection, path: str) -> None:
    """Refuse an SQLite file that another application made: writing this schema into it would change it."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return  # a new (or empty) file
    wrong = sorted(t for t, columns in _EXPECTED.items()
                   if t in tables and not columns <= {row[1] for row in db.execute(f"PRAGMA table_info({t})")})
    if "collections" in tables and not wrong:
        return
    shown = sorted(tables)[:6] + (["..."] if len(tables) > 6 else [])
    raise StoreError(f"{path!r} is an SQLite file of another application (its tables: {', '.join(shown)}"
                     f"{'; differing from this engine: ' + ', '.join(wrong) if wrong else ''}), not a store of this "
                     "engine; nothing was changed: open a new file or one this engine wrote")


def migrate(db: Any) -> None:
    """Create what is missing of :data:`SCHEMA` and bring a file from an earlier version up to it
    (idempotent; safe when several processes open the file at once: the columns are checked again
    under the write lock)."""
    db.executescript(SCHEMA)
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


def _missing_columns(db: Any) -> list[tuple[str, str, str]]:
    present = {table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
               for table in {t for t, _, _ in _ADDED_COLUMNS}}
    return [(table, column, kind) for table, column, kind in _ADDED_COLUMNS if column not in present[table]]


def dump_vectors(vectors: dict[str, int]) -> str:
    return json.dumps(vectors)


def spec_row(spec: CollectionSpec) -> tuple:
    """A spec as its ``collections`` row: name, dims, text_fields, vector_name, user_properties,
    embedding_model, vectors."""
    check_new_spec(check_type(spec, CollectionSpec, "create_collection spec"))
    return (spec.name, spec.dims, json.dumps(list(spec.text_fields)), spec.vector_name,
            to_json(spec.user_properties, "user_properties"), spec.embedding_model, dump_vectors(spec.vectors))


def load_vectors(text: str | None) -> dict[str, int] | None:
    return json.loads(text) if text else None


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
