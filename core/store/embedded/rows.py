"""An index's item ids and properties without a Python object per row until one is asked for.

:class:`Uuids` keeps the ids as one ``(n, 16)`` byte array (memory-mapped from the store's vector
files, or in memory) and makes a ``UUID`` only for the rows a caller reads; looking ids up goes
through their first 8 bytes, sorted once on first use (a 1M-item catalog: 16 MB and one argsort
instead of a million ``UUID`` objects and a dict). :class:`Properties` reads a row's properties
from SQLite the first time it is asked for (by the row's SQLite key, checking its id) and keeps
them; a whole column for a filter is one ``json_group_array`` query, not a ``json.loads`` per row.
Rows never change once written (a collection only grows; a replaced one gets new ids and keys),
so whatever was read stays right for every index that holds the row.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol
from uuid import UUID

import numpy as np

from core.errors import StoreError

CACHE_ROWS = 200_000
"""Properties kept in memory per collection; past this the cache starts again (a bounded memory)."""


class Uuids(Sequence):
    """Row-ordered item ids over an ``(n, 16)`` uint8 array (read-only; see the module docstring)."""

    def __init__(self, raw: np.ndarray, parent: Uuids | None = None) -> None:
        self.raw = raw
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        self._tail: dict[UUID, int] = {}
        self._parent = weakref.ref(parent) if parent is not None and len(parent) <= len(raw) else None
        if parent is not None and parent._sorted is not None and len(parent) <= len(raw):
            # the parent's first rows are these: its sorted keys hold, the appended rows go to the tail
            self._sorted, self._tail = parent._sorted, dict(parent._tail)
            covered = len(parent._sorted[0]) + len(self._tail)
            self._tail.update((UUID(bytes=raw[i].tobytes()), i) for i in range(covered, len(raw)))

    def extends(self, other: object) -> bool:
        """Whether this list is ``other`` (a list it was made from) with rows appended: its first rows are those."""
        return self._parent is not None and self._parent() is other

    @classmethod
    def of(cls, ids: Iterable[UUID]) -> Uuids:
        return cls(_raw(list(ids)))

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [UUID(bytes=r.tobytes()) for r in self.raw[i]]
        return UUID(bytes=self.raw[i].tobytes())

    def __iter__(self) -> Iterator[UUID]:
        return (UUID(bytes=r.tobytes()) for r in self.raw)

    def __contains__(self, u: object) -> bool:
        return isinstance(u, UUID) and self.get(u) is not None

    def get(self, u: UUID, default: int | None = None) -> int | None:
        row = int(self.find([u])[0])
        return default if row < 0 else row

    def find(self, ids: Iterable[UUID]) -> np.ndarray:
        """Each id's row (int64), -1 for an id that is not here."""
        ids = list(ids)
        out = np.full(len(ids), -1, dtype=np.int64)
        if not ids or not len(self):
            return out
        keys, order = self._lookup()
        wanted = _raw(ids)
        his = wanted.view(">u8")[:, 0].astype(np.uint64)
        if len(keys):
            at = np.minimum(np.searchsorted(keys, his), len(keys) - 1)
            rows = order[at]
            hit = (self.raw[rows] == wanted).all(axis=1)
            out[hit] = rows[hit]
        for k in np.flatnonzero(out < 0).tolist():  # not at the first key match: a shared first half, or the tail
            j = int(at[k]) + 1 if len(keys) else 0
            while j < len(keys) and keys[j] == his[k]:
                if self.raw[order[j]].tobytes() == ids[k].bytes:
                    out[k] = order[j]
                    break
                j += 1
            if out[k] < 0 and self._tail:
                out[k] = self._tail.get(ids[k], -1)
        return out

    def _lookup(self) -> tuple[np.ndarray, np.ndarray]:
        if self._sorted is None or len(self._tail) > max(4096, len(self._sorted[0]) // 8):
            keys = self.raw.view(">u8")[:, 0].astype(np.uint64)
            order = np.argsort(keys)
            self._sorted, self._tail = (keys[order], order), {}
        return self._sorted


def _raw(ids: list[UUID]) -> np.ndarray:
    return np.frombuffer(b"".join(u.bytes for u in ids), dtype=np.uint8).reshape(-1, 16)


def row_bytes(matrix: np.ndarray) -> Iterator[memoryview]:
    """Each row of a C-contiguous 2-d array as a memoryview of its bytes, for SQLite to copy into a BLOB (a
    ``tobytes()`` per row copies each row once more first)."""
    flat, width = memoryview(matrix.reshape(-1)).cast("B"), matrix.shape[1] * matrix.itemsize
    return (flat[i:i + width] for i in range(0, len(flat), width or 1))


_HEX_AT = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])
"""Where ``str(UUID)`` puts the 32 hex digits among its 36 characters (dashes at 8, 13, 18 and 23)."""


def texts_and_raw(ids: Sequence[UUID]) -> tuple[list[str], np.ndarray]:
    """``[str(u) for u in ids]`` and :func:`_raw`'s bytes, from one pass: the bytes hexed in one call and the
    dashes put in by numpy (a 10k-item ``add_items``: ~3x faster than a ``str()`` per id, one tenth of the
    raw ``executemany`` floor's time)."""
    raw = b"".join(u.bytes for u in ids)
    digits = np.frombuffer(raw.hex().encode("ascii"), dtype=np.uint8).reshape(-1, 32)
    spelled = np.full((len(digits), 36), ord("-"), dtype=np.uint8)
    spelled[:, _HEX_AT] = digits
    text = spelled.tobytes().decode("ascii")
    return [text[i:i + 36] for i in range(0, len(text), 36)], np.frombuffer(raw, dtype=np.uint8).reshape(-1, 16)


class PropertySource(Protocol):
    """Where :class:`Properties` reads rows from (the store's SQLite file)."""

    def fetch(self, rows: list[int]) -> dict[int, tuple[str, str]]:
        """``row -> (uuid text, properties JSON)`` of the given SQLite rows that exist."""

    def column(self, name: str, last_row: int) -> list[Any] | None:
        """One property of every row up to ``last_row``, in row order (None: not answerable in SQL)."""

    def first_seen(self, last_row: int) -> list[str]:
        """Every property name of the rows up to ``last_row`` in first-seen order."""


class Properties(Sequence):
    """Row-ordered properties, read lazily (see the module docstring) or held as a list."""

    def __init__(self, n: int, *, known: list[dict] | None = None, rows: np.ndarray | None = None,
                 uuids: Uuids | None = None, source: PropertySource | None = None,
                 cache: dict[int, dict] | None = None) -> None:
        self.n, self.known, self.rows, self.uuids, self.source = n, known, rows, uuids, source
        self.cache = {} if cache is None else cache
        self._names: list[str] | None = None

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return self.many(range(*i.indices(self.n)))
        return self.many([i])[0]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.many(range(self.n)))

    def many(self, positions: Iterable[int]) -> list[dict]:
        """The properties of the rows at ``positions`` (read from SQLite once, then kept)."""
        positions = [int(p) for p in positions]
        if self.known is not None:
            return [self.known[p] for p in positions]
        rows = self.rows[positions].tolist() if positions else []
        found = {r: d for r in rows if (d := self.cache.get(r)) is not None}
        missing = list(dict.fromkeys(r for r in rows if r not in found))
        if missing:
            where = dict(zip(rows, positions))
            for start in range(0, len(missing), 50_000):
                found.update(self._read(missing[start:start + 50_000], where))
            if len(self.cache) + len(missing) > CACHE_ROWS:
                self.cache.clear()
            if len(missing) <= CACHE_ROWS:
                self.cache.update((r, found[r]) for r in missing)
        return [found[r] for r in rows]

    def _read(self, missing: list[int], where: dict[int, int]) -> dict[int, dict]:
        got = self.source.fetch(missing)
        out = {}
        for r in missing:
            uid, text = got.get(r, (None, None))
            if uid is None or UUID(uid) != self.uuids[where[r]]:
                raise StoreError("this collection was deleted or replaced while it was being read; ask again")
            out[r] = json.loads(text)
        return out

    def column(self, name: str) -> list[Any]:
        """Property ``name`` of every row (None where missing), for a filter column."""
        if self.known is None and self.n:
            values = self.source.column(name, int(self.rows[self.n - 1]))
            if values is not None and len(values) == self.n:
                return values
        return [p.get(name) for p in self]

    def names(self) -> list[str]:
        """Every property name in first-seen order."""
        if self._names is None:
            if self.known is None and self.n:
                self._names = self.source.first_seen(int(self.rows[self.n - 1]))
            else:
                names: dict[str, None] = {}
                for props in self:
                    names.update(dict.fromkeys(props))
                self._names = list(names)
        return list(self._names)

    def extended(self, n: int, rows: np.ndarray, given: Sequence[dict]) -> Properties:
        """These rows and ``n - len(self)`` more (``given``: their properties when known, kept in the cache
        while it has room); the caller sets ``uuids``."""
        if self.known is not None:
            return Properties(n, known=[*self.known, *given])
        if given and len(self.cache) + len(given) <= CACHE_ROWS:
            self.cache.update(zip(rows[self.n:n].tolist(), given))
        return Properties(n, rows=rows, source=self.source, cache=self.cache)


def as_properties(values: Sequence[dict] | Properties) -> Properties:
    return values if isinstance(values, Properties) else Properties(len(values), known=list(values))
