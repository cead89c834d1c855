"""Where an index's row arrays live, and how rows are appended without copying what is there.

An index holds :class:`Arrays`: the ids (``(n, 16)`` bytes), the SQLite row keys and one matrix per
named vector, all read-only views of ``n`` rows. Its *backing* appends rows: :class:`MemoryBacking`
writes them after the filled part of arrays with spare capacity (growing by a quarter when full, so
a write copies the rows only now and then), the file backing
(:mod:`core.store.embedded.vector_files`) appends them to the memory-mapped files. Either way the
rows a reader's view covers are never written again, so an index's arrays never change under it; an
append on an older index (one another append already extended) copies instead of overwriting.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Arrays(NamedTuple):
    """Row-aligned arrays of an index: ids ``(n, 16)`` uint8, SQLite row keys ``(n,)`` int64, matrices."""

    ids: np.ndarray
    rows: np.ndarray
    matrices: dict[str, np.ndarray]

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.ids)

    @classmethod
    def empty(cls, vectors: dict[str, int]) -> Arrays:
        return cls(np.zeros((0, 16), np.uint8), np.zeros(0, np.int64),
                   {name: np.zeros((0, dims), np.float32) for name, dims in vectors.items()})

    @classmethod
    def joined(cls, parts: list[Arrays]) -> Arrays:
        return cls(np.concatenate([p.ids for p in parts]), np.concatenate([p.rows for p in parts]),
                   {name: np.concatenate([p.matrices[name] for p in parts]) for name in parts[0].matrices})


def read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class Growing:
    """One append-only array with spare capacity (see the module docstring)."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.filled = len(data)

    def extend(self, n: int, block: np.ndarray) -> tuple[Growing, np.ndarray]:
        """A buffer holding its first ``n`` rows and then ``block``, and the read-only view of those rows."""
        need = n + len(block)
        if n != self.filled:  # this prefix was extended already: never overwrite rows someone may read
            fresh = Growing(np.concatenate([self.data[:n], block]))
            return fresh, read_only(fresh.data)
        if need > len(self.data):
            grown = np.empty((max(need, len(self.data) + len(self.data) // 4 + 1024), *self.data.shape[1:]),
                             dtype=self.data.dtype)
            grown[:n] = self.data[:n]
            self.data = grown  # views of the old array stay as they were
        self.data[n:need] = block
        self.filled = need
        return self, read_only(self.data[:need])


class MemoryBacking:
    """Appends rows in memory (a ``":memory:"`` store, or files that cannot be written)."""

    persisted = False

    def __init__(self, arrays: Arrays) -> None:
        self.ids, self.rows = Growing(arrays.ids), Growing(arrays.rows)
        self.matrices = {name: Growing(m) for name, m in arrays.matrices.items()}

    @classmethod
    def start(cls, arrays: Arrays) -> tuple[MemoryBacking, Arrays]:
        backing = cls(arrays)
        return backing, backing.views(len(arrays))

    def views(self, n: int) -> Arrays:
        return Arrays(read_only(self.ids.data[:n]), read_only(self.rows.data[:n]),
                      {name: read_only(g.data[:n]) for name, g in self.matrices.items()})

    def extend(self, current: Arrays, block: Arrays, state: dict, early: None = None) -> tuple[MemoryBacking, Arrays]:
        n = len(current)
        if self.ids.filled != n:  # extended from this prefix already: a copy of it
            return MemoryBacking.start(Arrays.joined([current, block]))
        self.ids, ids = self.ids.extend(n, block.ids)
        self.rows, rows = self.rows.extend(n, block.rows)
        matrices = {}
        for name, g in self.matrices.items():
            g, matrices[name] = g.extend(n, block.matrices[name])
            self.matrices[name] = g
        return self, Arrays(ids, rows, matrices)
