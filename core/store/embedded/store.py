"""The embedded store: one SQLite file (WAL) plus an in-memory float32 matrix for exact search.

Layout: ``collections`` (one row per catalog, with the agent config), ``items`` (properties as
JSON, the unit-length float32 vector as a BLOB), one FTS5 table per collection for BM25 over the
text fields, ``personas`` and ``interactions``. Interactions point at their persona by the
persona's integer key and at their item by its 16-byte UUID: small index keys make bulk
interaction imports several times faster than UUID text would. Each write method runs in one transaction, so a
failure leaves the file as it was. The vector matrix of a collection is read once, on first
search, and kept in step with later writes; reopening the file restores everything.

Thread-safe: one lock serialises access, so a Streamlit server can share one instance.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError, StoreError
from core.models import Item, Persona
from core.store.base import POPULARITY_SCALE_FLOOR, CollectionSpec, Hit, InteractionRow, StoredInteraction
from core.store.embedded.fts import fts_query
from core.store.embedded.index import VectorIndex

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections(
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, dims INTEGER NOT NULL,
    text_fields TEXT NOT NULL, vector_name TEXT, user_properties TEXT NOT NULL DEFAULT '{}',
    embedding_model TEXT, agent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS items(
    row INTEGER PRIMARY KEY, cid INTEGER NOT NULL, uuid TEXT NOT NULL,
    properties TEXT NOT NULL, vector BLOB NOT NULL, UNIQUE(cid, uuid));
CREATE TABLE IF NOT EXISTS personas(
    pk INTEGER PRIMARY KEY, cid INTEGER NOT NULL, persona_id BLOB NOT NULL, properties TEXT NOT NULL,
    UNIQUE(cid, persona_id));
CREATE TABLE IF NOT EXISTS interactions(
    id INTEGER PRIMARY KEY, cid INTEGER NOT NULL, persona INTEGER NOT NULL, item_id BLOB NOT NULL,
    weight REAL NOT NULL CHECK(typeof(weight) = 'real' AND weight BETWEEN -1 AND 1),
    created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_persona ON interactions(persona);
"""


class EmbeddedStore:
    """SQLite-backed :class:`~core.store.base.Store`; ``path=":memory:"`` for a throwaway store."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: bulk writes touch many index pages
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the embedded store at {self.path!r}: {exc}") from exc
        self._lock = threading.RLock()
        self._indexes: dict[str, VectorIndex] = {}
        self._like_cache: dict[str, np.ndarray] = {}
        self._popularity_cache: dict[str, np.ndarray] = {}

    # plumbing ----------------------------------------------------------------------------
    @contextmanager
    def _tx(self):
        """One write transaction: everything in the block commits together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise StoreError(f"the embedded store rejected the write, nothing was stored: {exc}") from exc
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _cid(self, name: str) -> int:
        row = self._db.execute("SELECT id FROM collections WHERE name=?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"collection {name!r} does not exist; existing: {self.list_collections()}")
        return row[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # collections -------------------------------------------------------------------------
    def create_collection(self, spec: CollectionSpec) -> None:
        if not spec.name or not isinstance(spec.name, str):
            raise InvalidInputError(f"collection name must be a non-empty string, got {spec.name!r}")
        if not isinstance(spec.dims, int) or spec.dims <= 0:
            raise InvalidInputError(f"collection dims must be a positive integer, got {spec.dims!r}")
        with self._tx() as db:
            if db.execute("SELECT 1 FROM collections WHERE name=?", (spec.name,)).fetchone():
                raise AlreadyExistsError(f"collection {spec.name!r} already exists")
            cur = db.execute(
                "INSERT INTO collections(name, dims, text_fields, vector_name, user_properties, embedding_model)"
                " VALUES (?,?,?,?,?,?)",
                (spec.name, spec.dims, json.dumps(list(spec.text_fields)), spec.vector_name,
                 json.dumps(spec.user_properties), spec.embedding_model),
            )
            columns = ", ".join(f"c{i}" for i in range(max(1, len(spec.text_fields))))
            db.execute(f"CREATE VIRTUAL TABLE fts_{cur.lastrowid} USING fts5({columns}, "
                       "tokenize='unicode61 remove_diacritics 2')")

    def get_collection(self, name: str) -> CollectionSpec:
        with self._lock:
            row = self._db.execute(
                "SELECT name, dims, text_fields, vector_name, user_properties, embedding_model"
                " FROM collections WHERE name=?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"collection {name!r} does not exist; existing: {self.list_collections()}")
        return CollectionSpec(name=row[0], dims=row[1], text_fields=tuple(json.loads(row[2])),
                              vector_name=row[3], user_properties=json.loads(row[4]), embedding_model=row[5])

    def has_collection(self, name: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM collections WHERE name=?", (name,)).fetchone() is not None

    def list_collections(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM collections ORDER BY name")]

    def delete_collection(self, name: str) -> None:
        with self._tx() as db:
            cid = self._cid(name)
            for table in ("items", "personas", "interactions"):
                db.execute(f"DELETE FROM {table} WHERE cid=?", (cid,))
            db.execute(f"DROP TABLE IF EXISTS fts_{cid}")
            db.execute("DELETE FROM collections WHERE id=?", (cid,))
            self._indexes.pop(name, None)
            self._forget_likes(name)

    def set_agent_config(self, name: str, *, user_properties: dict[str, str], vector_name: str | None) -> None:
        with self._tx() as db:
            cid = self._cid(name)
            db.execute("UPDATE collections SET agent=1, user_properties=?, vector_name=? WHERE id=?",
                       (json.dumps(user_properties), vector_name, cid))

    def has_agent(self, name: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT agent FROM collections WHERE name=?", (name,)).fetchone()
        return bool(row and row[0])

    # items -------------------------------------------------------------------------------
    def add_items(self, collection: str, items: Sequence[Item], vectors: np.ndarray) -> int:
        spec = self.get_collection(collection)
        vectors = _check_vectors(vectors, len(items), spec.dims)
        ids = [str(item.uuid) for item in items]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))
            raise InvalidInputError(f"item id {dup} appears more than once in the batch")
        props = [json.dumps(item.properties, ensure_ascii=False, default=_json_default) for item in items]
        texts = [_fts_columns(item.properties, spec.text_fields) for item in items]
        with self._tx() as db:
            cid = self._cid(collection)
            self._reject_existing(db, cid, ids)
            was_empty = db.execute("SELECT 1 FROM items WHERE cid=? LIMIT 1", (cid,)).fetchone() is None
            start = db.execute("SELECT COALESCE(MAX(row), 0) FROM items").fetchone()[0] + 1
            rows = range(start, start + len(items))
            db.executemany("INSERT INTO items(row, cid, uuid, properties, vector) VALUES (?,?,?,?,?)",
                           zip(rows, [cid] * len(items), ids, props, (v.tobytes() for v in vectors)))
            columns = ", ".join(f"c{i}" for i in range(max(1, len(spec.text_fields))))
            marks = ",".join("?" * (1 + max(1, len(spec.text_fields))))
            db.executemany(f"INSERT INTO fts_{cid}(rowid, {columns}) VALUES ({marks})",
                           ((row, *cols) for row, cols in zip(rows, texts)))
            self._forget_likes(collection)
            index = self._indexes.get(collection)
            if index is None and was_empty:  # a new catalog: the index is this batch, no need to read it back
                self._indexes[collection] = VectorIndex([item.uuid for item in items],
                                                        [dict(item.properties) for item in items], vectors)
            elif index is not None:
                index.append([item.uuid for item in items], [item.properties for item in items], vectors)
        return len(items)

    def _reject_existing(self, db: sqlite3.Connection, cid: int, ids: list[str]) -> None:
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            row = db.execute(f"SELECT uuid FROM items WHERE cid=? AND uuid IN ({','.join('?' * len(part))})",
                             (cid, *part)).fetchone()
            if row:
                raise AlreadyExistsError(f"item {row[0]} already exists in this collection")

    def _index(self, collection: str) -> VectorIndex:
        with self._lock:
            index = self._indexes.get(collection)
            if index is None:
                spec = self.get_collection(collection)
                cid = self._cid(collection)
                rows = self._db.execute("SELECT uuid, properties, vector FROM items WHERE cid=? ORDER BY row",
                                        (cid,)).fetchall()
                index = VectorIndex.from_rows(rows, spec.dims)
                self._indexes[collection] = index
            return index

    def count(self, collection: str) -> int:
        return len(self._index(collection))

    def get_items(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Item]:
        index = self._index(collection)
        return {u: Item(uuid=u, properties=index.properties[p]) for u in ids if (p := index.pos.get(u)) is not None}

    def missing_items(self, collection: str, ids: Iterable[UUID]) -> list[UUID]:
        pos = self._index(collection).pos
        return [u for u in ids if u not in pos]

    def get_vectors(self, collection: str, ids: Sequence[UUID]) -> np.ndarray:
        return self._index(collection).vectors_of(ids)

    def iter_items(self, collection: str, *, offset: int = 0, limit: int | None = None) -> list[Item]:
        index = self._index(collection)
        stop = len(index) if limit is None else min(len(index), offset + limit)
        return [Item(uuid=index.uuids[i], properties=index.properties[i]) for i in range(offset, stop)]

    def property_names(self, collection: str) -> list[str]:
        return self._index(collection).property_names()

    # search ------------------------------------------------------------------------------
    def near_vectors(self, collection: str, queries: np.ndarray, limit: int, *,
                     filters: Any = None, exclude: Iterable[UUID] = ()) -> list[list[Hit]]:
        return self._index(collection).search(queries, limit, filters=filters, exclude=exclude)

    def search_max(self, collection: str, queries: np.ndarray, weights: np.ndarray, limit: int, *,
                   filters: Any = None, exclude: Iterable[UUID] = (), prior_weight: float = 0.0) -> list[Hit]:
        index = self._index(collection)
        prior = prior_weight * self._popularity(collection) if prior_weight else None
        return index.search_max(queries, weights, limit, filters=filters, exclude=exclude, prior=prior)

    def like_counts(self, collection: str, ids: Sequence[UUID]) -> np.ndarray:
        return self._likes(collection)[self._index(collection).positions(list(ids))]

    def popularity(self, collection: str, ids: Sequence[UUID]) -> np.ndarray:
        return self._popularity(collection)[self._index(collection).positions(list(ids))]

    def _forget_likes(self, collection: str) -> None:
        self._like_cache.pop(collection, None)
        self._popularity_cache.pop(collection, None)

    def _likes(self, collection: str) -> np.ndarray:
        """Per row: how many personas have a positive interaction with the item (cached until a write)."""
        with self._lock:
            likes = self._like_cache.get(collection)
            if likes is None:
                index = self._index(collection)
                likes = np.zeros(len(index), dtype=np.float32)
                for item, n in self._db.execute(
                        "SELECT item_id, COUNT(DISTINCT persona) FROM interactions WHERE cid=? AND weight > 0"
                        " GROUP BY item_id", (self._cid(collection),)):
                    row = index.pos.get(UUID(bytes=item))
                    if row is not None:
                        likes[row] = n
                self._like_cache[collection] = likes
            return likes

    def _popularity(self, collection: str) -> np.ndarray:
        with self._lock:
            scaled = self._popularity_cache.get(collection)
            if scaled is None:
                likes = self._likes(collection)
                top = max(float(likes.max()) if len(likes) else 0.0, POPULARITY_SCALE_FLOOR)
                scaled = self._popularity_cache[collection] = np.log1p(likes) / np.log1p(top)
            return scaled

    def bm25(self, collection: str, query: str, limit: int, *, filters: Any = None,
             exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None) -> list[Hit]:
        spec = self.get_collection(collection)
        index = self._index(collection)
        match = fts_query(query, spec.text_fields, query_properties)
        if match is None:
            return []
        exclude = set(exclude)
        allowed = index.allowed(filters, exclude)
        page = limit + len(exclude)  # unfiltered, only excluded rows can be skipped: one page is enough
        hits: list[Hit] = []
        with self._lock:
            cid = self._cid(collection)
            sql = (f"SELECT i.uuid, -bm25(fts_{cid}) AS s FROM fts_{cid} JOIN items i ON i.row = fts_{cid}.rowid"
                   f" WHERE fts_{cid} MATCH ? ORDER BY s DESC, i.row LIMIT ? OFFSET ?")
            offset = 0
            while True:
                rows = self._db.execute(sql, (match, page, offset)).fetchall()
                for uuid_text, score in rows:
                    uid = UUID(uuid_text)
                    if allowed is None or allowed[index.pos[uid]]:
                        hits.append(Hit(uid, float(score)))
                if len(hits) >= limit or len(rows) < page:
                    return hits[:limit]
                offset, page = offset + page, page * 2

    # personas and interactions -------------------------------------------------------------
    def put_persona(self, collection: str, persona: Persona, *, must_exist: bool | None) -> None:
        """Insert (``must_exist=False``), update (``True``) or upsert (``None``) a persona."""
        props = json.dumps(persona.properties, ensure_ascii=False, default=_json_default)
        with self._tx() as db:
            cid = self._cid(collection)
            exists = db.execute("SELECT 1 FROM personas WHERE cid=? AND persona_id=?",
                                (cid, persona.persona_id.bytes)).fetchone() is not None
            if must_exist is False and exists:
                raise AlreadyExistsError(f"persona {persona.persona_id} already exists")
            if must_exist is True and not exists:
                raise NotFoundError(f"persona {persona.persona_id} does not exist")
            db.execute("INSERT INTO personas(cid, persona_id, properties) VALUES (?,?,?) ON CONFLICT(cid, persona_id)"
                       " DO UPDATE SET properties = excluded.properties",
                       (cid, persona.persona_id.bytes, props))

    def get_persona(self, collection: str, persona_id: UUID) -> Persona | None:
        with self._lock:
            row = self._db.execute("SELECT properties FROM personas WHERE cid=? AND persona_id=?",
                                   (self._cid(collection), persona_id.bytes)).fetchone()
        return None if row is None else Persona(persona_id=persona_id, properties=json.loads(row[0]))

    def delete_persona(self, collection: str, persona_id: UUID) -> bool:
        with self._tx() as db:
            cid = self._cid(collection)
            key = self._persona_keys(db, cid, [persona_id]).get(persona_id.bytes)
            if key is None:
                return False
            db.execute("DELETE FROM interactions WHERE persona=?", (key,))
            db.execute("DELETE FROM personas WHERE pk=?", (key,))
            self._forget_likes(collection)
        return True

    def list_personas(self, collection: str) -> list[Persona]:
        with self._lock:
            rows = self._db.execute("SELECT persona_id, properties FROM personas WHERE cid=? ORDER BY pk",
                                    (self._cid(collection),)).fetchall()
        return [Persona(persona_id=UUID(bytes=pid), properties=json.loads(props)) for pid, props in rows]

    def add_interactions(self, collection: str, rows: Sequence[InteractionRow], *, default_time: datetime | None = None,
                         replace_pairs: Iterable[tuple[UUID, UUID]] = (),
                         create_personas: Iterable[UUID] = ()) -> None:
        # Bulk imports repeat the same IDs and times: convert each distinct one once, keyed by the
        # UUID's int (hashing UUID objects is several times slower).
        ints = {r.persona_id.int for r in rows} | {r.item_id.int for r in rows}
        blob = {k: k.to_bytes(16, "big") for k in ints}
        stamp = {t: (t or default_time).timestamp() for t in {r.created_at for r in rows}}
        with self._tx() as db:
            cid = self._cid(collection)
            db.executemany("INSERT OR IGNORE INTO personas(cid, persona_id, properties) VALUES (?,?,'{}')",
                           ((cid, p.bytes) for p in create_personas))
            keys = self._persona_keys(db, cid, [UUID(int=k) for k in {r.persona_id.int for r in rows}])
            unknown = [r.persona_id for r in rows if blob[r.persona_id.int] not in keys]
            if unknown:
                raise NotFoundError(f"persona {unknown[0]} does not exist; nothing was stored")
            key = {k: keys[b] for k, b in blob.items() if b in keys}
            db.executemany("DELETE FROM interactions WHERE persona=? AND item_id=?",
                           ((keys[p.bytes], i.bytes) for p, i in replace_pairs if p.bytes in keys))
            self._forget_likes(collection)
            db.executemany(f"INSERT INTO interactions(cid, persona, item_id, weight, created_at) VALUES ({cid},?,?,?,?)",
                           [(key[r.persona_id.int], blob[r.item_id.int], r.weight, stamp[r.created_at]) for r in rows])

    def _persona_keys(self, db: sqlite3.Connection, cid: int, ids: Sequence[UUID]) -> dict[bytes, int]:
        """Integer keys of the given personas that exist, by their 16-byte UUID."""
        keys: dict[bytes, int] = {}
        for start in range(0, len(ids), 500):
            part = [u.bytes for u in ids[start:start + 500]]
            keys.update(db.execute(f"SELECT persona_id, pk FROM personas WHERE cid=? AND persona_id IN "
                                   f"({','.join('?' * len(part))})", (cid, *part)).fetchall())
        return keys

    def recent_interactions(self, collection: str, persona_id: UUID, limit: int | None) -> list[StoredInteraction]:
        sql = ("SELECT item_id, weight, created_at FROM interactions WHERE persona="
               "(SELECT pk FROM personas WHERE cid=? AND persona_id=?) ORDER BY created_at DESC, id DESC")
        args: tuple = (self._cid(collection), persona_id.bytes)
        if limit is not None:
            sql, args = sql + " LIMIT ?", (*args, int(limit))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [StoredInteraction(persona_id, UUID(bytes=item), weight, datetime.fromtimestamp(ts, tz=timezone.utc))
                for item, weight, ts in rows]

    def interacted_items(self, collection: str, persona_id: UUID) -> set[UUID]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT item_id FROM interactions WHERE persona="
                                    "(SELECT pk FROM personas WHERE cid=? AND persona_id=?)",
                                    (self._cid(collection), persona_id.bytes)).fetchall()
        return {UUID(bytes=r[0]) for r in rows}


def _check_vectors(vectors: Any, n: int, dims: int) -> np.ndarray:
    """Validate a batch of vectors and return it unit-normalised as contiguous float32."""
    try:
        arr = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"vectors must be a numeric (n, {dims}) array: {exc}") from None
    if arr.ndim != 2 or arr.shape != (n, dims):
        raise InvalidInputError(f"vectors must have shape ({n}, {dims}) for {n} items, got {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise InvalidInputError(f"vector of item #{bad} holds NaN or infinity")
    norms = np.linalg.norm(arr, axis=1)
    if n and (norms == 0).any():
        raise InvalidInputError(f"vector of item #{int(np.argmin(norms))} is all zeros")
    return np.ascontiguousarray(arr / norms[:, None], dtype=np.float32)


def _fts_columns(properties: dict[str, Any], text_fields: Sequence[str]) -> list[str]:
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


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (datetime, UUID)):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    raise InvalidInputError(f"property value {value!r} of type {type(value).__name__} cannot be stored as JSON")
