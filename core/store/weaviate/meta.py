"""The ``PersonalizationAgentMeta`` collection: what the store knows about each catalog, on the server.

One object per record, its uuid derived from ``(kind, collection, key)``:

- ``collection`` records (one per physical catalog): the spec the store created it with (None for a
  user's own collection, read from its config), whether an agent is attached, the collection
  settings, whether it is still staged, and ``version`` — a fresh random token written by every
  write to the catalog, its personas, interactions or learned vectors. A memo is kept only while
  the token is unchanged, so another process's (another lab server's) writes drop it too.
- ``learned`` records: the metadata of learned vectors (``key`` = their name).
- ``pointer`` records: a published name and the physical collection it stands for, on servers
  without aliases (older than 1.32).

Records are read and written whole over REST/gRPC; two writers racing on one record keep the last
write (Weaviate has no compare-and-set), which for a version token still changes it. Reads go through a
:class:`~core.store.weaviate.cache.RecordCache` (a record read within its ``ttl`` is used again by reads;
writes read afresh and update it at once).
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from uuid import UUID

from core.store.weaviate.cache import RecordCache
from core.store.weaviate.names import META

NAMESPACE = UUID("5c7e2b1a-8d4f-4c3e-9a61-2f0b7d9e4a10")
"""The uuid5 namespace of meta records."""


def record_id(kind: str, collection: str, key: str = "") -> UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}\0{collection}\0{key}")


class MetaRecords:
    """Reads and writes of meta records through one client, creating the collection on first write."""

    def __init__(self, client: Any, prefix: str, cache: RecordCache) -> None:
        self.client = client
        self.name = prefix + META
        self._exists = False
        self._cache = cache

    def _collection(self, create: bool) -> Any | None:
        if not self._exists:
            if not self.client.collections.exists(self.name):
                if not create:
                    return None
                self._create()
            self._exists = True
        return self.client.collections.get(self.name)

    def _create(self) -> None:
        from weaviate.classes.config import Configure, DataType, Property, Tokenization
        text = {"data_type": DataType.TEXT, "tokenization": Tokenization.FIELD, "index_searchable": False}
        self.client.collections.create(
            self.name, description="Personalization agent bookkeeping (agent config, settings, data versions)",
            properties=[Property(name="kind", **text), Property(name="collection", **text),
                        Property(name="key", **text), Property(name="version", **text),
                        Property(name="payload", data_type=DataType.TEXT, index_searchable=False,
                                 index_filterable=False)],
            vector_config=Configure.Vectors.self_provided())

    def get(self, kind: str, collection: str, key: str = "") -> tuple[dict, str] | None:
        """A record's payload (a fresh copy) and version token, or None."""
        kept = self._cache.get(record_id(kind, collection, key), lambda: self._read(kind, collection, key))
        return None if kept is None else (json.loads(kept[0]), kept[1])

    def _read(self, kind: str, collection: str, key: str) -> tuple[str, str] | None:
        meta = self._collection(False)
        if meta is None:
            return None
        found = meta.query.fetch_object_by_id(record_id(kind, collection, key),
                                              return_properties=["payload", "version"])
        if found is None:
            return None
        return found.properties.get("payload") or "{}", found.properties.get("version") or ""

    def put(self, kind: str, collection: str, payload: dict, key: str = "", *, version: str | None = None) -> str:
        """Write a record whole (a new version token unless given); the token written."""
        meta = self._collection(True)
        token = version or uuid.uuid4().hex
        rid = record_id(kind, collection, key)
        props = {"kind": kind, "collection": collection, "key": key, "version": token,
                 "payload": json.dumps(payload, ensure_ascii=False, allow_nan=False)}
        self._cache.forget(rid)  # unknown until the write is through
        if meta.data.exists(rid):
            meta.data.replace(uuid=rid, properties=props)
        else:
            meta.data.insert(properties=props, uuid=rid)
        self._cache.put(rid, (props["payload"], token))
        return token

    def touch(self, collection: str) -> None:
        """A new version token for ``collection``'s record (created empty when it has none)."""
        meta = self._collection(True)
        rid = record_id("collection", collection)
        if meta.data.exists(rid):
            token = uuid.uuid4().hex
            self._cache.forget(rid)
            meta.data.update(uuid=rid, properties={"version": token})
        else:
            self.put("collection", collection, {})

    def version(self, collection: str) -> str:
        """``collection``'s current version token ("" if it has no record)."""
        record = self.get("collection", collection)
        return "" if record is None else record[1]

    def delete(self, kind: str, collection: str, key: str = "") -> bool:
        meta = self._collection(False)
        if meta is None:
            return False
        rid = record_id(kind, collection, key)
        self._cache.forget(rid)
        return bool(meta.data.exists(rid) and meta.data.delete_by_id(rid))

    def all_of(self, kind: str) -> list[tuple[str, str, dict]]:
        """``(collection, key, payload)`` of every record of ``kind``."""
        from weaviate.classes.query import Filter
        meta = self._collection(False)
        if meta is None:
            return []
        found = meta.query.fetch_objects(filters=Filter.by_property("kind").equal(kind), limit=10000,
                                         return_properties=["collection", "key", "payload"])
        return [(o.properties["collection"], o.properties.get("key") or "", json.loads(o.properties["payload"]))
                for o in found.objects]
