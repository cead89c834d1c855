"""Reading a collection's index: from its vector files when SQLite vouches for them, else from SQLite.

:func:`read_index` maps the collection's files (:mod:`core.store.embedded.vector_files`) when
their header matches the collection's ``token``, ``item_version`` and vectors and SQLite holds the
same rows as far as they go: as many rows up to the files' last one, and the same key, id and
vector bytes at the last row and at a few sampled ones. Rows SQLite has after that are read from it
and appended to the files. Otherwise the rows are streamed from SQLite into a new generation of
files (or into memory when the store has none: ``":memory:"``, or a directory it cannot write).
Properties are never read here: :class:`SqlProperties` reads them when asked
(:mod:`core.store.embedded.rows`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from core.store.embedded.buffers import Arrays, MemoryBacking
from core.store.embedded.vector_files import FileBacking, VectorFiles

CHUNK = 20_000
"""Rows per read from SQLite while streaming a collection."""


class SqlProperties:
    """A :class:`~core.store.embedded.rows.PropertySource` over the store's connection (under its lock)."""

    def __init__(self, db: Any, lock: threading.RLock, cid: int) -> None:
        self.db, self.lock, self.cid = db, lock, cid

    def fetch(self, rows: list[int]) -> dict[int, tuple[str, str]]:
        out: dict[int, tuple[str, str]] = {}
        with self.lock:
            for start in range(0, len(rows), 500):
                part = rows[start:start + 500]
                out.update((r, (u, p)) for r, u, p in self.db.execute(
                    f"SELECT row, uuid, properties FROM items WHERE cid=? AND row IN ({','.join('?' * len(part))})",
                    (self.cid, *part)))
        return out

    def column(self, name: str, last_row: int) -> list[Any] | None:
        if '"' in name or "\\" in name:
            return None  # not expressible as a JSON path key: the caller reads the rows
        with self.lock:
            (text,) = self.db.execute(
                "SELECT json_group_array(properties -> ?) FROM (SELECT properties FROM items"
                " WHERE cid=? AND row<=? ORDER BY row)", (f'$."{name}"', self.cid, last_row)).fetchone()
        return json.loads(text)

    def first_seen(self, last_row: int) -> list[str]:
        with self.lock:
            keys = self.db.execute("SELECT j.key, MIN(i.row) FROM items i, json_each(i.properties) j"
                                   " WHERE i.cid=? AND i.row<=? GROUP BY j.key", (self.cid, last_row)).fetchall()
        firsts = sorted({row for _, row in keys})
        rows = self.fetch(firsts)
        order = {row: list(json.loads(rows[row][1])) for row in firsts if row in rows}
        return [k for k, row in sorted(keys, key=lambda kr: (kr[1], _place(order.get(kr[1], []), kr[0])))]


def _place(names: list[str], name: str) -> int:
    return names.index(name) if name in names else len(names)


def stream(db: Any, cid: int, vectors: dict[str, int], after: int) -> Iterator[Arrays]:
    """The collection's rows with keys above ``after``, as :class:`Arrays` chunks in row order."""
    names = list(vectors)
    main = db.execute("SELECT row, uuid, vector FROM items WHERE cid=? AND row>? ORDER BY row", (cid, after))
    others = [db.execute("SELECT v.vector FROM items i JOIN item_vectors v ON v.row = i.row AND v.name = ?"
                         " WHERE i.cid=? AND i.row>? ORDER BY i.row", (name, cid, after)) for name in names[1:]]
    while rows := main.fetchmany(CHUNK):
        keys, ids, blobs = zip(*rows)
        matrices = {names[0]: _matrix(blobs, vectors[names[0]])}
        for name, cursor in zip(names[1:], others):
            matrices[name] = _matrix([b for (b,) in cursor.fetchmany(len(rows))], vectors[name])
        raw = np.frombuffer(bytes.fromhex("".join(ids).replace("-", "")), dtype=np.uint8).reshape(-1, 16)
        yield Arrays(raw, np.array(keys, dtype=np.int64), matrices)


def _matrix(blobs: Any, dims: int) -> np.ndarray:
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dims)


def vouched(db: Any, cid: int, arrays: Arrays, vectors: dict[str, int]) -> bool:
    """Whether SQLite holds the files' rows: as many up to their last key, and the same sampled rows."""
    n = len(arrays)
    if not n:
        return True  # nothing to vouch for: every row is read from SQLite
    last = int(arrays.rows[-1])
    (count,) = db.execute("SELECT COUNT(*) FROM items INDEXED BY sqlite_autoindex_items_1 WHERE cid=? AND row<=?",
                          (cid, last)).fetchone()
    if count != n:
        return False
    names = list(vectors)
    for p in sorted({0, n // 3, (2 * n) // 3, n - 1}):
        row = db.execute("SELECT uuid, vector FROM items WHERE row=? AND cid=?", (int(arrays.rows[p]),
                                                                                  cid)).fetchone()
        if row is None or row[0].replace("-", "") != arrays.ids[p].tobytes().hex() or \
                row[1] != arrays.matrices[names[0]][p].tobytes():
            return False
        for name in names[1:]:
            other = db.execute("SELECT vector FROM item_vectors WHERE row=? AND name=?",
                               (int(arrays.rows[p]), name)).fetchone()
            if other is None or other[0] != arrays.matrices[name][p].tobytes():
                return False
    return True


def read_arrays(db: Any, files: VectorFiles | None, cid: int, vectors: dict[str, int],
                state: dict) -> tuple[Any, Arrays]:
    """A backing and the arrays of every row of collection ``cid`` (inside a read transaction of ``db``)."""
    if files is not None:
        meta = files.meta(cid)
        if meta is not None and meta.get("vectors") == vectors and all(meta.get(k) == v for k, v in state.items()):
            arrays = files.map(meta, meta["count"])
            if arrays is not None and vouched(db, cid, arrays, vectors):
                tail = list(stream(db, cid, vectors, int(arrays.rows[-1]) if len(arrays) else 0))
                backing = FileBacking(files, meta)
                return backing.extend(arrays, Arrays.joined(tail), state) if tail else (backing, arrays)
        with files.lock():
            meta = files.write(cid, vectors, stream(db, cid, vectors, 0), state)
            arrays = files.map(meta, meta["count"]) if meta is not None else None
        if arrays is not None:
            return FileBacking(files, meta), arrays
    chunks = list(stream(db, cid, vectors, 0))
    return MemoryBacking.start(Arrays.joined(chunks) if chunks else Arrays.empty(vectors))


def new_arrays(files: VectorFiles | None, cid: int, vectors: dict[str, int], arrays: Arrays,
               state: dict) -> tuple[Any, Arrays]:
    """A backing for ``arrays`` as a collection's whole index (written as a new generation of its files)."""
    if files is not None:
        with files.lock():
            meta = files.write(cid, vectors, [arrays], state)
            mapped = files.map(meta, meta["count"]) if meta is not None else None
        if mapped is not None:
            return FileBacking(files, meta), mapped
    return MemoryBacking.start(arrays)
