"""The embedded store: one SQLite file (WAL) plus in-memory float32 matrices for exact search.

The schema is in :mod:`core.store.embedded.schema`, personas and interactions in
:mod:`core.store.embedded.personas`, learned vectors in :mod:`core.store.embedded.learned`. Each write method runs in one transaction, so a failure leaves
the file as it was. A collection's vector matrices are read once, on first use, and kept in step
with later writes — this process's and other processes' (:mod:`core.store.embedded.snapshots`);
reopening the file restores everything. A collection can be built out of sight and published in
one transaction (:mod:`core.store.embedded.staging`). Filters are weaviate-client ``Filter``
objects evaluated here (:mod:`core.store.embedded.filter_eval`).

Thread-safe: one lock serialises access to the SQLite connection, so a Streamlit server can share
one instance; searches run outside it on an immutable index. Several processes may share a file: a
write waits up to ``busy_timeout`` seconds for another's lock, then raises
:class:`~core.errors.StoreError` (:mod:`core.store.embedded.connection`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import AnnConfig
from core.errors import AlreadyExistsError, InvalidInputError, NotAvailableError, NotFoundError, StoreError
from core.models import Item, copy_json
from core.store.base import CollectionSpec, Hit, ItemPrior
from core.store.embedded import ann
from core.store.embedded.connection import BUSY_TIMEOUT, Connection
from core.store.embedded.fts import bm25_hits, fts_query
from core.store.embedded.index import VectorIndex
from core.store.embedded.learned import LearnedTables
from core.store.embedded.schema import (CAPABILITIES, check_schema, fts_columns, load_vectors, migrate, store_path,
                                        valid_name)
from core.store.embedded.rows import row_bytes, texts_and_raw
from core.store.embedded.settings import CollectionSettings
from core.store.embedded.snapshots import Origin, Snapshots
from core.store.embedded.staging import Staging
from core.store.embedded.vector_files import VectorFiles
from core.store.hybrid import check_hybrid, engine_hybrid
from core.store.inputs import check_limit, check_vectors, named_batches, no_boost, property_texts
from core.store.records import NO_INTERACTIONS


class EmbeddedStore(LearnedTables, CollectionSettings, Staging, Snapshots):
    """SQLite-backed :class:`~core.store.base.Store`; ``path=":memory:"`` for a throwaway store."""

    capabilities = CAPABILITIES

    def __init__(self, path: str | Path = ":memory:", *, busy_timeout: float = BUSY_TIMEOUT,
                 ann: AnnConfig | None = None) -> None:
        self.path = store_path(path)
        self.ann = ann or AnnConfig()  # the approximate candidate stage's settings (core.store.embedded.ann)
        self._lock = threading.RLock()
        try:
            self._db = Connection(self.path, busy_timeout)
            check_schema(self._db, self.path)  # another application's file is refused before anything is written
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: bulk writes touch many index pages
            migrate(self._db)
            self._files = VectorFiles.beside(self.path) if self.path != ":memory:" else None
            self._init_caches()
            self._drop_abandoned()
        except BaseException as exc:
            if hasattr(self, "_db"):
                self._db.close()  # a refused file is not kept open
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreError(f"cannot open the embedded store at {self.path!r}: {exc}") from exc
            raise

    # plumbing (transactions: Snapshots._tx) -----------------------------------------------
    def _cid(self, name: str) -> int:
        row = self._db.execute("SELECT id FROM collections WHERE name=?", (valid_name(name),)).fetchone()
        if row is None:
            raise NotFoundError(f"collection {name!r} does not exist; existing: {self.list_collections()}")
        return row[0]

    def close(self) -> None:
        self._warmer.close()  # first: a query waiting for a warm-up holds the lock
        with self._lock:
            self._db.close()

    # collections (created and published by Staging) ---------------------------------------
    def get_collection(self, name: str) -> CollectionSpec:
        self._fresh()
        spec = self._specs.get(name)  # read on every request: kept until the collection's config changes
        return spec if spec is not None else self._read_collection(name)

    def _read_collection(self, name: str) -> CollectionSpec:
        with self._lock:  # read and cached under the lock: a write in between cannot leave a stale spec cached
            row = self._db.execute(
                "SELECT name, dims, text_fields, vector_name, user_properties, embedding_model, vectors"
                " FROM collections WHERE name=?", (valid_name(name),)).fetchone()
            if row is None:
                raise NotFoundError(f"collection {name!r} does not exist; existing: {self.list_collections()}")
            spec = self._specs[name] = CollectionSpec(
                name=row[0], dims=row[1], text_fields=tuple(json.loads(row[2])), vector_name=row[3],
                user_properties=json.loads(row[4]), embedding_model=row[5], vectors=load_vectors(row[6]))
        return spec

    def has_collection(self, name: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM collections WHERE name=?", (valid_name(name),)).fetchone() is not None

    def list_collections(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM collections WHERE staging IS NULL ORDER BY name")]

    def delete_collection(self, name: str) -> None:
        with self._tx() as db:
            self._drop_collection(db, name, self._cid(name))

    def set_agent_config(self, name: str, *, user_properties: dict[str, str], vector_name: str | None) -> None:
        self.get_collection(name).vector(vector_name)  # an unknown vector name is an error here, not later
        with self._tx() as db:
            cid = self._cid(name)
            db.execute("UPDATE collections SET agent=1, user_properties=?, vector_name=? WHERE id=?",
                       (json.dumps(user_properties), vector_name, cid))
            self._specs.pop(name, None)
            self._changed(name)

    def has_agent(self, name: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT agent FROM collections WHERE name=?", (valid_name(name),)).fetchone()
        return bool(row and row[0])

    # items -------------------------------------------------------------------------------
    def add_items(self, collection: str, items: Sequence[Item], vectors: np.ndarray | Mapping[str, np.ndarray]) -> int:
        spec = self.get_collection(collection)
        named = named_batches(spec, vectors, len(items))
        ids, raw_ids = texts_and_raw([item.uuid for item in items])
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))
            raise InvalidInputError(f"item id {dup} appears more than once in the batch")
        props = property_texts(items)  # no copies kept: the index reads them from SQLite (what a reopen reads)
        texts = [fts_columns(item.properties, spec.text_fields) for item in items]
        default = spec.default_vector
        with self._tx() as db:
            cid = self._cid(collection)
            was_empty = db.execute("SELECT 1 FROM items WHERE cid=? LIMIT 1", (cid,)).fetchone() is None
            start = db.execute("SELECT COALESCE(MAX(row), 0) FROM items").fetchone()[0] + 1
            rows = range(start, start + len(items))
            version, token = db.execute("SELECT item_version, token FROM collections WHERE id=?", (cid,)).fetchone()
            origin = Origin(cid, version, start + len(items) - 1)
            batch = self._appending(collection, raw_ids, named, origin, token)  # vector file data written meanwhile
            try:  # UNIQUE(cid, uuid) finds an id that is there already, at no cost to a batch of new ones
                db.executemany("INSERT INTO items(row, cid, uuid, properties, vector) VALUES (?,?,?,?,?)",
                               zip(rows, [cid] * len(items), ids, props, row_bytes(named[default])))
            except sqlite3.IntegrityError:
                self._reject_existing(db, cid, ids, start)  # names it (the transaction is rolled back)
                raise
            for name, block in named.items():
                if name != default:
                    db.executemany("INSERT INTO item_vectors(row, name, vector) VALUES (?,?,?)",
                                   zip(rows, [name] * len(items), row_bytes(block)))
            columns = ", ".join(f"c{i}" for i in range(max(1, len(spec.text_fields))))
            marks = ",".join("?" * (1 + max(1, len(spec.text_fields))))
            db.executemany(f"INSERT INTO fts_{cid}(rowid, {columns}) VALUES ({marks})",
                           ((row, *cols) for row, cols in zip(rows, texts)))
            self._changed(collection, NO_INTERACTIONS)  # only appended: memos of interaction counts stay right
            if items:
                self._on_commit(lambda: self._appended(collection, was_empty, batch, origin, token))
        return len(items)

    def _item_version(self, cid: int) -> int:
        return self._db.execute("SELECT item_version FROM collections WHERE id=?", (cid,)).fetchone()[0]

    def put_vectors(self, collection: str, ids: Sequence[UUID], vectors: np.ndarray, *,
                    vector_name: str | None = None) -> None:
        spec = self.get_collection(collection)
        name, dims = spec.vector(vector_name)
        ids = list(ids)
        block = check_vectors(vectors, len(ids), dims, what=f"vectors {name!r}")
        with self._tx() as db:
            cid = self._cid(collection)
            rows = [r for (r,) in (db.execute("SELECT row FROM items WHERE cid=? AND uuid=?",
                                              (cid, str(u))).fetchone() or (None,) for u in ids)]
            if None in rows:
                raise NotFoundError(f"item {ids[rows.index(None)]} is not in collection {collection!r}; nothing stored")
            if name == spec.default_vector:
                db.executemany("UPDATE items SET vector=? WHERE row=?", ((v.tobytes(), r) for r, v in zip(rows, block)))
            else:
                db.executemany("INSERT OR REPLACE INTO item_vectors(row, name, vector) VALUES (?,?,?)",
                               ((r, name, v.tobytes()) for r, v in zip(rows, block)))
            db.execute("UPDATE collections SET item_version = item_version + 1 WHERE id=?", (cid,))
            self._changed(collection)
            index, version = self._indexes.get(collection), self._item_version(cid)
            if index is not None:  # else it is read, with these vectors, when next needed
                new = index.with_vectors(name, ids, block, origin=index.origin._replace(item_version=version))
                token = db.execute("SELECT token FROM collections WHERE id=?", (cid,)).fetchone()[0]
                self._on_commit(lambda: self._rewritten(collection, new, token))

    def _reject_existing(self, db: sqlite3.Connection, cid: int, ids: list[str], start: int) -> None:
        """The error for the first of ``ids`` stored before row ``start`` (rows from there are the failed batch's)."""
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            row = db.execute(f"SELECT uuid FROM items WHERE cid=? AND row<? AND uuid IN ({','.join('?' * len(part))})",
                             (cid, start, *part)).fetchone()
            if row:
                raise AlreadyExistsError(f"item {row[0]} already exists in this collection")

    def count(self, collection: str) -> int:
        return len(self._index(collection))

    def get_items(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Item]:
        # stored items were validated on the way in: construct without re-validating, hand out copies
        return {u: Item.model_construct(uuid=u, properties=copy_json(p)) for u, p in self._found(collection, ids)}

    def item_properties(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Mapping[str, Any]]:
        return {u: MappingProxyType(p) for u, p in self._found(collection, ids)}

    def _found(self, collection: str, ids: Iterable[UUID]) -> list[tuple[UUID, dict]]:
        """``(id, properties)`` of the given ids that are in the collection, in their order."""
        index, ids = self._index(collection), list(ids)
        rows = index.uuids.find(ids)
        keep = np.flatnonzero(rows >= 0).tolist()
        return list(zip([ids[k] for k in keep], index.properties.many(rows[keep].tolist())))

    def missing_items(self, collection: str, ids: Iterable[UUID]) -> list[UUID]:
        ids = list(ids)
        rows = self._index(collection).uuids.find(ids)
        return [ids[k] for k in np.flatnonzero(rows < 0).tolist()]

    def get_vectors(self, collection: str, ids: Sequence[UUID], *, vector_name: str | None = None) -> np.ndarray:
        name, _ = self.get_collection(collection).vector(vector_name)
        return self._index(collection).vectors_of(ids, name)

    def iter_items(self, collection: str, *, offset: int = 0, limit: int | None = None) -> list[Item]:
        index = self._index(collection)
        stop = len(index) if limit is None else min(len(index), offset + limit)
        return [Item.model_construct(uuid=index.uuids[i], properties=copy_json(p))
                for i, p in zip(range(offset, stop), index.properties.many(range(offset, stop)))]

    def property_names(self, collection: str) -> list[str]:
        return self._index(collection).property_names()

    # search ------------------------------------------------------------------------------
    def check_filter(self, filters: Any) -> None:
        if filters is not None:
            # the parser imports weaviate's filter classes (~1.4 s): only when a filter is used
            from core.store.filter_parse import parse
            parse(filters)

    def near_vectors(self, collection: str, queries: np.ndarray, limit: int, *, filters: Any = None,
                     exclude: Iterable[UUID] = (), vector_name: str | None = None,
                     boost: Any = None) -> list[list[Hit]]:
        no_boost(boost)
        name, _ = self.get_collection(collection).vector(vector_name)
        return ann.near_vectors(self._index(collection), self.ann, queries, limit, name, filters=filters,
                                exclude=exclude)

    def search_max(self, collection: str, queries: np.ndarray, weights: np.ndarray, limit: int, *,
                   filters: Any = None, exclude: Iterable[UUID] = (), prior: ItemPrior | None = None,
                   vector_name: str | None = None) -> list[Hit]:
        name, _ = self.get_collection(collection).vector(vector_name)
        index = self._index(collection)
        values = prior.aligned(index.uuids) if prior is not None else None
        return ann.search_max(index, self.ann, queries, weights, limit, name, filters=filters, exclude=exclude,
                              prior=values)

    def bm25(self, collection: str, query: str, limit: int, *, filters: Any = None,
             exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None,
             boost: Any = None) -> list[Hit]:
        no_boost(boost)
        check_limit(limit)
        spec = self.get_collection(collection)
        index = self._index(collection)
        match = fts_query(query, spec.text_fields, query_properties)
        if match is None:
            return []
        exclude = set(exclude)
        allowed = index.allowed(filters, exclude) if filters is not None else None
        with self._lock:
            return bm25_hits(self._db, self._cid(collection), match, limit, index, allowed=allowed, exclude=exclude)

    def hybrid(self, collection: str, query: str | None, vector: np.ndarray | None, limit: int, *, alpha: float,
               fusion: str = "relative_score", filters: Any = None, exclude: Iterable[UUID] = (),
               query_properties: Sequence[str] | None = None, vector_name: str | None = None,
               max_vector_distance: float | None = None, boost: Any = None) -> list[Hit]:
        """Fused here from :meth:`near_vectors` and :meth:`bm25` (:func:`core.store.hybrid.engine_hybrid`)."""
        no_boost(boost)
        request = check_hybrid(self.get_collection(collection), query, vector, limit, alpha=alpha, fusion=fusion,
                               vector_name=vector_name, max_vector_distance=max_vector_distance)
        self.check_filter(filters)
        return engine_hybrid(self, collection, request, filters=filters, exclude=exclude,
                             query_properties=query_properties)

    def near_text(self, collection: str, texts: Any, limit: int, **options: Any) -> list[Hit]:
        """Not here: no server vectorizes this store's vectors (they are the engine's; see the protocol)."""
        raise NotAvailableError(f"collection {collection!r} is in the embedded store, which has no server "
                                "vectorizer; the engine embeds query texts itself (near_vectors)")
