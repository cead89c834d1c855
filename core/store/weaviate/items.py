"""Items of the Weaviate store: insert, read, vectors (a mixin).

Items are Weaviate objects whose uuid is the item's id. In a collection the store created, each
object carries typed properties (for filters and BM25), ``pa_json`` (the exact properties) and
``pa_seq`` (insertion order); a user's own collection is read and written as it is, with its own
vectors: the store never re-embeds anything, and writing to it sends only the vectors given.
Vectors cross the store boundary unit length (a user's vectors are normalised when read).
``iter_items`` reads every item's ``pa_seq`` to page in insertion order (Weaviate's own order is by
uuid): one pass over the ids per call.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from core.models import Item
from core.store.inputs import check_vectors, named_batches, stored_properties
from core.store.weaviate.batch import insert_all
from core.store.weaviate.schema import (BOOKKEEPING, ITEM_JSON, ITEM_SEQ, infer_properties, item_json, new_property,
                                        plain_properties, property_types, typed_values)

PAGE = 500
"""Ids per by-id request."""

_seq_lock = threading.Lock()
_last_seq = [0]


def sequence_numbers(n: int) -> list[int]:
    """``n`` increasing numbers above every earlier call's (microseconds since the epoch, then counted up):
    insertion order across calls and, on one clock, across processes."""
    with _seq_lock:
        start = max(time.time_ns() // 1000, _last_seq[0] + 1)
        _last_seq[0] = start + n - 1
    return list(range(start, start + n))


def chunks(seq: Sequence, size: int = PAGE) -> Iterable[Sequence]:
    return (seq[k:k + size] for k in range(0, len(seq), size))


class Items:
    """The item methods of the store protocol over Weaviate."""

    _client: Any

    def _handle(self, physical: str) -> Any:
        return self._client.collections.get(physical)

    def _owned(self, physical: str) -> bool:
        return bool(self._specs.get(physical, (None, None, False))[2])

    def _by_ids(self, physical: str, ids: Sequence[UUID], *, vectors: Sequence[str] | None = None,
                properties: list[str] | None = None) -> dict[UUID, Any]:
        """The stored objects among ``ids`` by uuid (with the named ``vectors``; ``properties`` None: all)."""
        handle, out = self._handle(physical), {}
        for part in chunks(list(dict.fromkeys(ids))):
            found = handle.query.fetch_objects_by_ids(list(part), limit=len(part), include_vector=list(vectors or []) or False,
                                                      return_properties=properties)
            out.update({UUID(str(o.uuid)): o for o in found.objects})
        return out

    def _read_props(self, physical: str, obj: Any) -> dict[str, Any]:
        import json
        if self._owned(physical):
            return json.loads(obj.properties.get(ITEM_JSON) or "{}")
        return plain_properties(obj.properties)

    def _props_wanted(self, physical: str) -> list[str] | None:
        return [ITEM_JSON] if self._owned(physical) else None

    # writes ----------------------------------------------------------------------------------
    def add_items(self, collection: str, items: Sequence[Item], vectors: np.ndarray | Mapping[str, np.ndarray]) -> int:
        from weaviate.classes.data import DataObject
        physical = self._physical(collection)
        spec = self._spec_of(collection, physical)
        named = named_batches(spec, vectors, len(items))
        ids = [item.uuid for item in items]
        if len(set(ids)) != len(ids):
            seen: set[UUID] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))
            raise InvalidInputError(f"item id {dup} appears more than once in the batch")
        copies, _ = stored_properties(items)
        handle = self._handle(physical)
        owned = self._owned(physical)
        types = property_types(handle.config.get())
        new = infer_properties(copies, types) if owned else {}
        existing = self._by_ids(physical, ids, properties=[])
        if existing:
            raise AlreadyExistsError(f"item {next(iter(existing))} already exists in this collection")
        if not items:
            return 0
        for name, kind in new.items():  # before the batch: Weaviate would guess the types itself
            handle.config.add_property(new_property(name, kind))
        types.update(new)
        seqs = sequence_numbers(len(items)) if owned else itertools.repeat(None)
        legacy = not owned and list(spec.vectors) == ["default"] and not getattr(handle.config.get(), "vector_config",
                                                                                  None)
        objects = []
        for k, (uid, props, seq) in enumerate(zip(ids, copies, seqs)):
            stored = {**typed_values(props, types), ITEM_JSON: item_json(props), ITEM_SEQ: seq} if owned else props
            vector = named["default"][k].tolist() if legacy else {n: v[k].tolist() for n, v in named.items()}
            objects.append(DataObject(properties=stored, uuid=uid, vector=vector))
        insert_all(handle, objects, "items")
        self._changed(physical)
        return len(items)

    def put_vectors(self, collection: str, ids: Sequence[UUID], vectors: np.ndarray, *,
                    vector_name: str | None = None) -> None:
        physical = self._physical(collection)
        spec = self._spec_of(collection, physical)
        name, dims = spec.vector(vector_name)
        ids = list(ids)
        block = check_vectors(vectors, len(ids), dims, what=f"vectors {name!r}")
        found = self._by_ids(physical, ids, vectors=list(spec.vectors), properties=None)
        missing = [u for u in ids if u not in found]
        if missing:
            raise NotFoundError(f"item {missing[0]} is not in collection {collection!r}; nothing stored")
        handle = self._handle(physical)
        # Weaviate replaces an object whole: every other vector is sent back as it was (not re-embedded)
        for uid, vector in zip(ids, block):
            obj = found[uid]
            all_vectors = {**{k: list(v) for k, v in (obj.vector or {}).items()}, name: vector.tolist()}
            handle.data.replace(uuid=uid, properties=obj.properties, vector=all_vectors)
        self._changed(physical)

    # reads -----------------------------------------------------------------------------------
    def count(self, collection: str) -> int:
        physical = self._physical(collection)
        return int(self._handle(physical).aggregate.over_all(total_count=True).total_count or 0)

    def get_items(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Item]:
        physical = self._physical(collection)
        self._spec_of(collection, physical)
        ids = list(ids)
        found = self._by_ids(physical, ids, properties=self._props_wanted(physical))
        return {u: Item.model_construct(uuid=u, properties=self._read_props(physical, found[u]))
                for u in ids if u in found}

    def item_properties(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Mapping[str, Any]]:
        return {u: MappingProxyType(item.properties) for u, item in self.get_items(collection, ids).items()}

    def missing_items(self, collection: str, ids: Iterable[UUID]) -> list[UUID]:
        ids = list(ids)
        found = self._by_ids(self._physical(collection), ids, properties=[])
        return [u for u in ids if u not in found]

    def get_vectors(self, collection: str, ids: Sequence[UUID], *, vector_name: str | None = None) -> np.ndarray:
        physical = self._physical(collection)
        name, dims = self._spec_of(collection, physical).vector(vector_name)
        ids = list(ids)
        found = self._by_ids(physical, ids, vectors=[name], properties=[])
        missing = [u for u in ids if u not in found]
        if missing:
            raise NotFoundError(f"item {missing[0]} is not in collection {collection!r}")
        if not ids:
            return np.zeros((0, dims), np.float32)
        return unit_rows([vector_of(found[u], name) for u in ids])

    def iter_items(self, collection: str, *, offset: int = 0, limit: int | None = None) -> list[Item]:
        physical = self._physical(collection)
        self._spec_of(collection, physical)
        order = self._item_order(physical)
        stop = len(order) if limit is None else min(len(order), offset + limit)
        page = order[offset:stop]
        found = self._by_ids(physical, page, properties=self._props_wanted(physical))
        return [Item.model_construct(uuid=u, properties=self._read_props(physical, found[u])) for u in page if u in found]

    def _item_order(self, physical: str) -> list[UUID]:
        """Every item id in insertion order (``pa_seq``; a user's collection: Weaviate's own order)."""
        owned = self._owned(physical)
        rows = [(o.properties.get(ITEM_SEQ) or 0 if owned else 0, UUID(str(o.uuid)))
                for o in self._handle(physical).iterator(return_properties=[ITEM_SEQ] if owned else [])]
        return [u for _, u in sorted(rows, key=lambda r: r[0])] if owned else [u for _, u in rows]

    def property_names(self, collection: str) -> list[str]:
        physical = self._physical(collection)
        return [p for p in property_types(self._handle(physical).config.get()) if p not in BOOKKEEPING]

def vector_of(obj: Any, name: str) -> list[float]:
    vector = obj.vector or {}
    return vector.get(name) if isinstance(vector, dict) else vector


def unit_rows(rows: Sequence[Sequence[float]]) -> np.ndarray:
    """Rows as unit-length float32 (a zero row stays zero)."""
    arr = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.ascontiguousarray(arr / np.where(norms == 0, 1, norms), dtype=np.float32)
