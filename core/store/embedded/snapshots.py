"""What the embedded store keeps in memory, how it stays current, and its write transactions (a mixin
of :class:`~core.store.embedded.store.EmbeddedStore`).

The store caches, per collection, its :class:`~core.store.embedded.index.VectorIndex` (ids,
properties, vector matrices), its spec, its memos and its learned vectors. Two rules keep them right:

- **Readers never see a half-updated index.** An index is immutable; a write builds a new one and
  swaps it in only after its transaction committed (``_on_commit``). A request holds the index it
  read, so its ids, properties, matrices and every array aligned to them (a popularity prior) have
  the same rows however many items are added meanwhile.
- **Another process's commits are noticed before answering.** SQLite's ``PRAGMA data_version``
  changes exactly when another connection committed to the file. Each read of a cache first
  compares it (one cheap PRAGMA; a ``":memory:"`` store has no other connection and skips it); when
  it changed, the ``collections`` table's change counters (``version``: any write, ``item_version``:
  vectors rewritten) say which collections changed: their memos, specs and learned vectors are
  dropped, an index gains the rows added since it was read (items are only ever appended, with
  growing row numbers), and an index whose collection was replaced, deleted or had vectors rewritten
  is dropped and read again when next needed. Every write transaction does the same check first,
  so a write never builds on a stale cache.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from core.errors import NotFoundError, StoreError
from core.store.base import AppendedInteractions
from core.store.embedded.buffers import Arrays
from core.store.embedded.file_append import EarlyAppend
from core.store.embedded.fts_warm import Warmer
from core.store.embedded.index import VectorIndex
from core.store.embedded.index_io import SqlProperties, new_arrays, read_arrays, stream
from core.store.embedded.rows import Properties
from core.store.embedded.vector_files import FileBacking

log = logging.getLogger(__name__)


class Origin(NamedTuple):
    """Where an index's rows came from: the collection's key, its ``item_version``, its last item row."""

    cid: int
    item_version: int
    last_row: int


class Snapshots:
    """The store's caches and their refresh (see the module docstring)."""

    _db: Any
    _lock: threading.RLock
    _files: Any  # VectorFiles, or None: indexes in memory only
    path: str

    def _init_caches(self) -> None:
        self._indexes: dict[str, VectorIndex] = {}
        self._warmer = Warmer(self.path)  # keyword search's first reads of each index read, in a thread
        self._memos: dict[str, dict[str, Any]] = {}
        self._growers: dict[str, dict[str, Callable[[Any, AppendedInteractions], Any]]] = {}  # memo key -> hook
        self._last_change: dict[str, object] = {}  # a token per collection's latest change (see _changed)
        self._specs: dict[str, Any] = {}
        self._learned: dict[str, dict[str, Any]] = {}  # LearnedTables' read cache
        self._building: dict[tuple[str, str], threading.RLock] = {}  # one lock per memo being built
        self._pending: list[Callable[[], None]] = []  # cache updates waiting for the current commit
        self._shared = self.path != ":memory:"  # only a file can have other connections
        self._data_version = self._db.execute("PRAGMA data_version").fetchone()[0] if self._shared else 0
        self._seen = self._versions()

    def _versions(self) -> dict[str, tuple[int, int, int]]:
        """``(cid, version, item_version)`` of every collection, by name."""
        return {name: (cid, version, items) for name, cid, version, items in
                self._db.execute("SELECT name, id, version, item_version FROM collections")}

    def _fresh(self) -> None:
        """Forget or update what other connections' commits made stale (see the module docstring)."""
        if not self._shared:
            return
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return
            self._data_version = version
            now = self._versions()
            for name in set(self._seen) | set(now):
                if self._seen.get(name) != now.get(name):
                    self._stale(name, now.get(name))
            self._seen = now

    def _stale(self, name: str, now: tuple[int, int, int] | None) -> None:
        self._memos.pop(name, None)
        self._growers.pop(name, None)
        self._specs.pop(name, None)
        self._learned.pop(name, None)
        index = self._indexes.get(name)
        if index is None:
            return
        if now is None or (now[0], now[2]) != index.origin[:2]:
            self._indexes.pop(name, None)  # replaced, deleted or vectors rewritten: read again when needed
        else:
            self._indexes[name] = self._read_index(name, index)  # with the rows another process appended

    def _changed(self, collection: str, appended: AppendedInteractions | None = None) -> None:
        """In a write transaction: ``collection`` changed (its memos go; other processes will see its counter).

        ``appended``: the write only added these interactions; once it commits, the memos that have a ``grow``
        hook are kept, grown (a hook that fails drops its memo: it is built again when next asked for)."""
        memos = self._memos.pop(collection, None)
        self._db.execute("UPDATE collections SET version = version + 1 WHERE name=?", (collection,))
        growers = self._growers.pop(collection, {})
        self._last_change[collection] = change = object()
        if appended is None or not memos or not growers:
            return

        def regrow() -> None:
            if self._last_change.get(collection) is not change or collection in self._memos:
                return  # the collection changed again (in this transaction or since): nothing to keep
            kept, hooks = {}, {}
            for key, grow in growers.items():
                if key in memos:
                    try:
                        kept[key], hooks[key] = grow(memos[key], appended), grow
                    except Exception:  # noqa: BLE001 - a failed update only costs a rebuild
                        log.exception("memo %r of %r could not grow; it is built again", key, collection)
            self._memos[collection], self._growers[collection] = kept, hooks
        self._on_commit(regrow)

    def memo(self, collection: str, key: str, build: Callable[[], Any], *,
             grow: Callable[[Any, AppendedInteractions], Any] | None = None) -> Any:
        """``build()``'s value until the collection's next write (or, with ``grow``, grown by a write that only
        appended interactions: :meth:`_changed`). A build runs outside the store's lock (a first behaviour
        training takes seconds: reads and writes go on meanwhile), one at a time per key; a value whose build
        overlapped a write of the collection is returned but not kept."""
        self._fresh()
        with self._lock:
            if key in (memos := self._memos.setdefault(collection, {})):
                return memos[key]
            gate = self._building.setdefault((collection, key), threading.RLock())
        with gate:
            with self._lock:
                if key in (memos := self._memos.setdefault(collection, {})):
                    return memos[key]
            value = build()
            with self._lock:
                if self._memos.get(collection) is memos:  # no write dropped the memos meanwhile
                    memos[key] = value
                    if grow is not None:
                        self._growers.setdefault(collection, {})[key] = grow
                self._building.pop((collection, key), None)
        return value

    # transactions ------------------------------------------------------------------------
    @contextmanager
    def _tx(self):
        """One write transaction: everything in the block commits together or not at all; the caches
        follow once it has committed."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._pending, self._closing = [], []
            try:
                yield from self._committed()
            finally:
                for close in self._closing:  # whatever the transaction became: EarlyAppend.close
                    close()

    def _committed(self):
        """``_tx``'s body: the caller's block, then COMMIT or ROLLBACK, then the cache updates."""
        try:
            self._fresh()  # other processes' commits first: a write never builds on a stale cache
            yield self._db
            seen = self._versions()
        except sqlite3.Error as exc:
            self._db.execute("ROLLBACK")
            raise StoreError(f"the embedded store rejected the write, nothing was stored: {exc}") from exc
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._forget()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"the embedded store could not commit the write, nothing was stored: "
                                 f"{exc}") from exc
            raise
        self._seen = seen
        try:
            for update in self._pending:
                update()
        except Exception:  # e.g. no memory for the new index: the write stands, the caches are read again
            self._forget()

    @contextmanager
    def _reading(self):
        """One consistent snapshot for several SELECTs (inside a write transaction: that one)."""
        with self._lock:
            if self._db.in_transaction:
                yield self._db
                return
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    def _on_commit(self, update: Callable[[], None]) -> None:
        """Run ``update`` (a cache change) once the current write transaction has committed."""
        self._pending.append(update)

    def _forget(self) -> None:
        """Drop every cache (after a commit that failed: memory may be ahead of the file)."""
        for cache in (self._indexes, self._memos, self._growers, self._specs, self._learned):
            cache.clear()
        self._seen = {}

    # the index ---------------------------------------------------------------------------
    def _index(self, collection: str) -> VectorIndex:
        self._fresh()
        index = self._indexes.get(collection)
        if index is None:
            with self._lock:
                index = self._indexes.get(collection)
                if index is None:
                    index = self._indexes[collection] = self._read_index(collection, None)
        return index

    def _read_index(self, collection: str, after: VectorIndex | None) -> VectorIndex:
        """The collection's index (``after`` and the rows added since it was read, when given): mapped from its
        vector files or read from SQLite (:mod:`core.store.embedded.index_io`)."""
        with self._reading() as db:
            row = db.execute("SELECT id, item_version, token FROM collections WHERE name=?", (collection,)).fetchone()
            if row is None:
                raise NotFoundError(f"collection {collection!r} does not exist; existing: {self.list_collections()}")
            cid, item_version, token = row
            spec = self.get_collection(collection)
            state = {"token": token, "item_version": item_version}
            if after is not None:
                tail = list(stream(db, cid, spec.vectors, after.origin.last_row))
                if not tail:
                    return after
                block = Arrays.joined(tail)
                return after.extended(block, origin=Origin(cid, item_version, int(block.rows[-1])), state=state)
            backing, arrays = read_arrays(db, self._files, cid, spec.vectors, state)
        return self._new_index(cid, arrays, backing, Origin(cid, item_version, int(arrays.rows[-1]) if len(arrays)
                                                            else 0), token=token)

    def _appending(self, collection: str, ids: np.ndarray, named: dict[str, np.ndarray], origin: Origin,
                   token: str | None) -> tuple[Arrays, EarlyAppend | None]:
        """In add_items' transaction: its rows (``ids``: their ``(n, 16)`` bytes) as a block, and their early append
        to the index's vector files (:mod:`core.store.embedded.file_append`; None for an index in memory)."""
        rows = np.arange(origin.last_row - len(ids) + 1, origin.last_row + 1, dtype=np.int64)
        block = Arrays(ids, rows, named)
        index = self._indexes.get(collection)
        if index is None or not isinstance(index.backing, FileBacking) or not len(block):
            return block, None
        early = EarlyAppend(index.backing, len(index), block, {"token": token, "item_version": origin.item_version})
        self._closing.append(early.close)
        return block, early

    def _appended(self, collection: str, was_empty: bool, batch: tuple[Arrays, Any], origin: Origin,
                  token: str | None) -> None:
        """After add_items committed: the new index (the old one's rows and ``batch``'s), swapped in."""
        (block, early), index = batch, self._indexes.get(collection)
        state = {"token": token, "item_version": origin.item_version}
        if early is not None and (index is None or index.backing is not early.backing):
            early.close()  # the index changed meanwhile: appended the plain way
            early = None
        if index is None and was_empty:  # a new catalog: the index is this batch, no need to read it back
            backing, arrays = new_arrays(self._files, origin.cid, self.get_collection(collection).vectors, block, state)
            self._indexes[collection] = self._new_index(origin.cid, arrays, backing, origin, token)
        elif index is not None:
            self._indexes[collection] = index.extended(block, origin=origin, state=state, early=early)

    def _rewritten(self, collection: str, index: VectorIndex, token: str | None) -> None:
        """After put_vectors committed: ``index`` (its vectors in memory) as a new generation of the files."""
        backing, arrays = new_arrays(self._files, index.origin.cid, self.get_collection(collection).vectors,
                                     index.arrays(), {"token": token, "item_version": index.origin.item_version})
        new = VectorIndex.from_arrays(arrays, index.properties, backing, origin=index.origin)
        new.text_before = getattr(index, "text_kept", None) or index.text_before  # the same rows and texts
        self._indexes[collection] = new

    def _new_index(self, cid: int, arrays: Arrays, backing: Any, origin: Origin, token: str | None = None
                   ) -> VectorIndex:
        """An index over ``arrays`` whose properties are read from SQLite when asked; a thread reads what its first
        keyword searches will need (:mod:`~core.store.embedded.fts_warm`)."""
        props = Properties(len(arrays), rows=arrays.rows, source=SqlProperties(self._db, self._lock, cid))
        index = VectorIndex.from_arrays(arrays, props, backing, origin=origin)
        props.uuids = index.uuids
        self._warmer.start(index, token, writing=self._db.in_transaction)
        return index
