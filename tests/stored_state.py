"""A checksum of everything a store holds, to prove that a rejected call changed nothing.

:func:`file_checksum` hashes the logical content of an embedded store's SQLite file, read through
a second, read-only connection (so it sees what is committed, not what one connection caches):
every table's rows (collections, items, vectors, the FTS tables, personas, interactions, learned
vectors), in a fixed order. :func:`view_checksum` hashes what the store hands out through its
public methods (specs, items with their properties and vectors, every persona, every
interaction), which covers the in-memory index too. :func:`checksum` is both.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np


def file_checksum(path: str | Path) -> str:
    """SHA-256 of every row of every table in the SQLite file at ``path`` (a read-only look)."""
    db = sqlite3.connect(f"file:{Path(path).as_posix()}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for table in tables:
            rows = sorted(repr(row) for row in db.execute(f'SELECT * FROM "{table}"'))
            digest.update(f"{table}:{len(rows)}\n".encode())
            for row in rows:
                digest.update(row.encode("utf-8", "backslashreplace") + b"\n")
        return digest.hexdigest()
    finally:
        db.close()


def view_checksum(store) -> str:
    """SHA-256 of what ``store``'s public reads give: collections, items, vectors, personas, interactions."""
    digest = hashlib.sha256()
    for name in store.list_collections():
        spec = store.get_collection(name)
        digest.update(repr((spec, store.has_agent(name), store.collection_settings(name))).encode())
        items = store.iter_items(name)
        digest.update(repr([(i.uuid, sorted(i.properties.items())) for i in items]).encode())
        for vector in spec.vectors:
            digest.update(np.ascontiguousarray(store.get_vectors(name, [i.uuid for i in items],
                                                                 vector_name=vector)).tobytes())
        digest.update(repr([(p.persona_id, sorted(p.properties.items()))
                            for p in store.list_personas(name, background=None)]).encode())
        scan = store.scan_interactions(name)
        digest.update(repr((scan.personas, scan.items)).encode())
        for column in (scan.persona_index, scan.item_index, scan.weight, scan.created_at):
            digest.update(column.tobytes())
    return digest.hexdigest()


def checksum(store, path: str | Path) -> tuple[str, str]:
    """Both checksums: the file's content and the store's public view of it."""
    return file_checksum(path), view_checksum(store)
