"""The embedded store's learned vectors (a mixin of :class:`~core.store.embedded.store.EmbeddedStore`, over the
persona tables' mixin).

One row of the ``learned`` table per (collection, name): the item ids as 16-byte UUIDs, the float32
vectors and fold-in weights as raw bytes, the metadata as JSON. A write replaces the row in one
transaction and drops the collection's memos. Reads are cached in memory until the next write of
that model (here or, noticed through the change counters, in another process) (interactions written meanwhile do not change a trained model: staleness is the
engine's to judge, from its metadata).
"""

from __future__ import annotations

import json
from types import MappingProxyType
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError
from core.store.base import LearnedVectors
from core.store.embedded.personas import PersonaTables
from core.store.inputs import to_json


class LearnedTables(PersonaTables):
    """``put_learned`` / ``get_learned`` / ``delete_learned`` over the ``learned`` table."""

    def put_learned(self, collection: str, name: str, learned: LearnedVectors) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidInputError(f"learned vectors need a non-empty name, got {name!r}")
        if not isinstance(learned, LearnedVectors):
            raise InvalidInputError(f"put_learned takes LearnedVectors, got {type(learned).__name__}")
        meta = to_json(dict(learned.meta), "learned vectors' meta")
        ids = b"".join(u.bytes for u in learned.ids)
        vectors = np.ascontiguousarray(learned.vectors, dtype=np.float32)
        fold = np.ascontiguousarray(learned.fold, dtype=np.float32)
        with self._tx() as db:
            cid = self._cid(collection)
            db.execute("INSERT OR REPLACE INTO learned(cid, name, meta, ids, vectors, fold) VALUES (?,?,?,?,?,?)",
                       (cid, name, meta, ids, vectors.tobytes(), fold.tobytes()))
            frozen = _frozen(learned.ids, vectors, fold, json.loads(meta))
            self._on_commit(lambda: self._learned.setdefault(collection, {}).__setitem__(name, frozen))
            self._changed(collection)  # memos built on the old model (the engine's) go

    def get_learned(self, collection: str, name: str) -> LearnedVectors | None:
        self._fresh()  # another process may have trained it meanwhile
        with self._lock:
            cached = self._learned.setdefault(collection, {})
            if name not in cached:
                row = self._db.execute("SELECT meta, ids, vectors, fold FROM learned WHERE cid=? AND name=?",
                                       (self._cid(collection), name)).fetchone()
                cached[name] = None if row is None else _decode(*row)
            return cached[name]

    def delete_learned(self, collection: str, name: str) -> bool:
        with self._tx() as db:
            gone = db.execute("DELETE FROM learned WHERE cid=? AND name=?", (self._cid(collection), name)).rowcount
            self._learned.get(collection, {}).pop(name, None)
            self._changed(collection)
        return bool(gone)


def _decode(meta: str, ids: bytes, vectors: bytes, fold: bytes) -> LearnedVectors:
    uuids = tuple(UUID(bytes=ids[k:k + 16]) for k in range(0, len(ids), 16))
    f = np.frombuffer(fold, dtype=np.float32)
    v = np.frombuffer(vectors, dtype=np.float32).reshape(len(uuids), -1) if uuids else np.zeros((0, 1), np.float32)
    return _frozen(uuids, v, f, json.loads(meta))


def _frozen(ids: tuple[UUID, ...], vectors: np.ndarray, fold: np.ndarray, meta: dict) -> LearnedVectors:
    vectors, fold = vectors.view(), fold.view()
    vectors.flags.writeable = fold.flags.writeable = False  # shared by every reader: read-only
    return LearnedVectors(tuple(ids), vectors, fold, MappingProxyType(meta))
