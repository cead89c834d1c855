"""Collections built out of sight, then published in one transaction (a mixin of
:class:`~core.store.embedded.store.EmbeddedStore`).

:meth:`Staging.stage_collection` creates a collection under a private name
(``<name>_staged_<hex>``) with ``collections.staging`` set to its owner (the process id and its start
time):
``list_collections`` leaves it out, and nothing else knows its name. The caller fills it with the
ordinary methods (items, personas, interactions, the agent config), then
:meth:`Staging.publish_collection` renames it to its real name in one transaction — deleting the
collection it replaces in the same transaction — so a reader sees the old collection or the whole
new one, never an empty or half-filled one, and a failure or a ``kill -9`` at any point before the
commit leaves the old collection as it was. A staged collection whose owning process is gone (it
was killed mid-build) is deleted when the file is next opened.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from typing import Any

from core.errors import AlreadyExistsError, NotFoundError
from core.store.base import CollectionSpec
from core.store.embedded.schema import spec_row, valid_name


class Staging:
    """``stage_collection`` / ``publish_collection`` of the store protocol, and the collection rows they share."""

    _db: Any
    _lock: threading.RLock
    _files: Any

    def create_collection(self, spec: CollectionSpec) -> None:
        row = spec_row(spec)  # checked before anything is written
        with self._tx() as db:
            self._insert_collection(db, row, spec.name, None)

    def stage_collection(self, spec: CollectionSpec) -> str:
        """Create a hidden collection for ``spec`` and return its private name (see the module docstring)."""
        row = spec_row(spec)
        token = secrets.token_hex(6)
        staged = f"{spec.name}_staged_{token}"
        with self._tx() as db:
            self._insert_collection(db, row, staged, f"{os.getpid()}:{_started(os.getpid())}:{token}")
        return staged

    def publish_collection(self, staged: str, name: str, *, replace: bool = False) -> None:
        """Give staged collection ``staged`` its real ``name`` in one transaction; an existing ``name`` raises
        :class:`AlreadyExistsError` unless ``replace``, then it is deleted in the same transaction."""
        name = valid_name(name)
        with self._tx() as db:
            row = db.execute("SELECT id FROM collections WHERE name=? AND staging IS NOT NULL", (staged,)).fetchone()
            if row is None:
                raise NotFoundError(f"no staged collection {staged!r} (published or discarded already?); "
                                    "nothing was published")
            old = db.execute("SELECT id FROM collections WHERE name=?", (name,)).fetchone()
            if old is not None and not replace:
                raise AlreadyExistsError(f"collection {name!r} already exists; pass replace=True to overwrite it")
            if old is not None:
                self._drop_collection(db, name, old[0])
            db.execute("UPDATE collections SET name=?, staging=NULL WHERE id=?", (name, row[0]))
            self._changed(name)
            index = self._indexes.get(staged)
            self._forget_collection(staged)
            self._on_commit(lambda: self._indexes.__setitem__(name, index) if index is not None else None)

    def _insert_collection(self, db: Any, row: tuple, name: str, staging: str | None) -> None:
        """Insert a collection row (:func:`~core.store.embedded.schema.spec_row`) under ``name`` and its FTS table."""
        if db.execute("SELECT 1 FROM collections WHERE name=?", (name,)).fetchone():
            raise AlreadyExistsError(f"collection {name!r} already exists")
        cur = db.execute(
            "INSERT INTO collections(name, dims, text_fields, vector_name, user_properties, embedding_model,"
            " vectors, staging, token) VALUES (?,?,?,?,?,?,?,?,?)", (name, *row[1:], staging, secrets.token_hex(8)))
        columns = ", ".join(f"c{i}" for i in range(max(1, len(json.loads(row[2])))))
        db.execute(f"CREATE VIRTUAL TABLE fts_{cur.lastrowid} USING fts5({columns}, "
                   "tokenize='unicode61 remove_diacritics 2')")

    def _drop_collection(self, db: Any, name: str, cid: int) -> None:
        """In a write transaction: delete collection ``cid`` (named ``name``) with everything in it."""
        db.execute("DELETE FROM item_vectors WHERE row IN (SELECT row FROM items WHERE cid=?)", (cid,))
        for table in ("items", "personas", "interactions", "learned"):
            db.execute(f"DELETE FROM {table} WHERE cid=?", (cid,))
        db.execute(f"DROP TABLE IF EXISTS fts_{cid}")
        db.execute("DELETE FROM collections WHERE id=?", (cid,))
        if self._files is not None:  # now: a failed commit leaves files that are rebuilt, never a stale one
            self._files.remove(cid)
        self._forget_collection(name)

    def _forget_collection(self, name: str) -> None:
        for cache in (self._indexes, self._specs, self._learned, self._memos):
            cache.pop(name, None)

    def _drop_abandoned(self) -> None:
        """Delete staged collections whose owning process is gone (killed while building one)."""
        rows = self._db.execute("SELECT name, staging FROM collections WHERE staging IS NOT NULL").fetchall()
        if not any(not _alive(owner) for _, owner in rows):
            return
        with self._tx() as db:
            for name, cid, owner in db.execute("SELECT name, id, staging FROM collections"
                                               " WHERE staging IS NOT NULL").fetchall():
                if not _alive(owner):
                    self._drop_collection(db, name, cid)


def _alive(owner: str) -> bool:
    """Whether the process that staged a collection (``"<pid>:<start time>:<token>"``) still runs: a process
    with that id, started at that time (so a reused process id does not count)."""
    pid_text, _, rest = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a process of another user
    return _started(pid) == rest.partition(":")[0]


def _started(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, from ``/proc``), or "" where that is unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError, UnicodeDecodeError):
        return ""
