"""Collection settings in the embedded store (a mixin of :class:`~core.store.embedded.store.EmbeddedStore`).

A collection's settings are one JSON object in ``collections.settings``: small values kept with the
collection (whether a workspace includes a sample's community, ...), read back as a copy. Writing
them drops the collection's memos, since what is derived from the collection may depend on them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from core.checks import describe
from core.errors import InvalidInputError
from core.store.inputs import to_json


class CollectionSettings:
    """``collection_settings`` and ``update_collection_settings`` of the store protocol."""

    _db: sqlite3.Connection

    def collection_settings(self, name: str) -> dict[str, Any]:
        with self._lock:
            self._cid(name)  # NotFoundError naming the existing collections
            (text,) = self._db.execute("SELECT settings FROM collections WHERE name=?", (name,)).fetchone()
        return json.loads(text) if text else {}

    def update_collection_settings(self, name: str, values: Mapping[str, Any]) -> None:
        if not isinstance(values, Mapping) or not all(isinstance(k, str) and k for k in values):
            raise InvalidInputError(f"collection settings must map non-empty names to JSON values, got {describe(values)}")
        with self._tx() as db:
            cid = self._cid(name)
            (text,) = db.execute("SELECT settings FROM collections WHERE id=?", (cid,)).fetchone()
            settings = {**(json.loads(text) if text else {}), **values}
            kept = {k: v for k, v in settings.items() if v is not None}
            db.execute("UPDATE collections SET settings=? WHERE id=?", (to_json(kept, "collection settings"), cid))
            self._changed(name)
