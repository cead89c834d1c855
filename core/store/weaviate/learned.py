"""Learned behaviour vectors and memos in the Weaviate store (a mixin).

Learned vectors live in a side collection ``<Catalog>_Behaviour``: one object per item with the
item's uuid, the named vector ``behaviour`` and the fold-in weight ``fold`` (and ``row``, the
model's row order); their metadata is a ``learned`` meta record. A side collection rather than a
second named vector on the user's objects: Weaviate adds a named vector to existing objects only by
rewriting each object with all its vectors, which may re-run the user's vectorizer on it. Replacing
a model deletes the old collection and writes the new one; the meta record is written last and
removed first, so a reader never takes a half-written model for a whole one, but between the two a
reader finds no model (the engine then ranks without behaviour) — Weaviate cannot swap it atomically.

Memos are kept per physical collection with the collection's version token
(:mod:`core.store.weaviate.meta`): a ``memo`` call reads the token (kept for the store's ``ttl``,
:mod:`core.store.weaviate.cache`), so a write by another process drops them too, at most ``ttl``
seconds later; this process's writes drop them at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import MappingProxyType
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError
from core.store.base import LearnedVectors
from core.store.inputs import to_json
from core.store.weaviate import names
from core.store.weaviate.batch import insert_all


class Learned:
    """``put_learned`` / ``get_learned`` / ``delete_learned`` and ``memo`` of the store protocol."""

    _client: Any
    _lock: threading.RLock

    def put_learned(self, collection: str, name: str, learned: LearnedVectors) -> None:
        from weaviate.classes.config import Configure, DataType, Property, VectorDistances
        from weaviate.classes.data import DataObject
        if not isinstance(learned, LearnedVectors):
            raise InvalidInputError(f"put_learned takes LearnedVectors, got {type(learned).__name__}")
        physical = self._physical(collection)
        target = names.learned_collection(physical, name)
        meta = to_json(dict(learned.meta), "learned vectors' meta")
        self.delete_learned(collection, name)
        self._client.collections.create(
            target, description=f"learned vectors {name!r} of {physical}",
            properties=[Property(name="fold", data_type=DataType.NUMBER), Property(name="row", data_type=DataType.INT)],
            vector_config=[Configure.Vectors.self_provided(name="behaviour", vector_index_config=Configure.VectorIndex.hnsw(
                distance_metric=VectorDistances.COSINE))])
        objects = [DataObject(uuid=u, properties={"fold": float(f), "row": k}, vector={"behaviour": v.tolist()})
                   for k, (u, v, f) in enumerate(zip(learned.ids, learned.vectors, learned.fold))]
        try:
            insert_all(self._client.collections.get(target), objects, "learned vectors")
            self._meta.put("learned", physical, {"meta": meta, "dims": learned.dims}, name)
        except BaseException:
            self._client.collections.delete(target)
            raise
        self._changed(physical)

    def get_learned(self, collection: str, name: str) -> LearnedVectors | None:
        import json
        physical = self._physical(collection)
        record = self._meta.get("learned", physical, name)
        if record is None:
            return None
        payload, version = record
        cached = self._learned.get((physical, name))
        if cached is not None and cached[0] == version:
            return cached[1]
        target = self._client.collections.get(names.learned_collection(physical, name))
        rows = sorted((int(o.properties["row"]), UUID(str(o.uuid)), o.vector["behaviour"], float(o.properties["fold"]))
                       for o in target.iterator(include_vector=["behaviour"], return_properties=["fold", "row"]))
        dims = int(payload["dims"])
        vectors = np.array([r[2] for r in rows], dtype=np.float32).reshape(len(rows), dims)
        fold = np.array([r[3] for r in rows], dtype=np.float32)
        vectors.flags.writeable = fold.flags.writeable = False
        value = LearnedVectors(tuple(r[1] for r in rows), vectors, fold, MappingProxyType(json.loads(payload["meta"])))
        self._learned[(physical, name)] = (version, value)
        return value

    def delete_learned(self, collection: str, name: str) -> bool:
        physical = self._physical(collection)
        target = names.learned_collection(physical, name)
        had = self._meta.delete("learned", physical, name)
        if self._client.collections.exists(target):
            self._client.collections.delete(target)
            had = True
        self._learned.pop((physical, name), None)
        if had:
            self._changed(physical)
        return had

    # memos ---------------------------------------------------------------------------------
    def memo(self, collection: str, key: str, build: Callable[[], Any], *, grow: Any = None) -> Any:
        """``build()``'s value until the catalog's data version changes (``grow`` is not used: another process's
        writes change the version too, and the store cannot tell an append from those)."""
        physical = self._physical(collection)
        version = self._meta.version(physical)
        with self._lock:
            kept = self._memos.get(physical)
            if kept is None or kept[0] != version:
                kept = self._memos[physical] = (version, {})
            if key in kept[1]:
                return kept[1][key]
        value = build()
        with self._lock:
            if self._memos.get(physical) is kept:
                kept[1][key] = value
        return value

    def _changed(self, physical: str) -> None:
        """A write to ``physical``: a new version token (other processes' memos go) and this process's go."""
        self._meta.touch(physical)
        self._forget(physical)

    def _forget(self, physical: str) -> None:
        with self._lock:
            self._memos.pop(physical, None)
            self._specs.pop(physical, None)
