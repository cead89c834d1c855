"""The in-memory exact vector index of one collection: one unit-length float32 matrix per named vector.

Exact search is one matrix-vector product and an ``argpartition``, the same work as a bare numpy
top-k, so the engine adds almost nothing over that floor (see ``benchmarks/bench_latency.py``).
With a per-item prior that decides most of the ranking (the ``blend`` strategy's behaviour part,
the most-liked list) it reads only the rows that can still reach the top, and stays exact
(:mod:`core.store.embedded.pruning`).

An index is immutable once built: a write makes a new one (:meth:`VectorIndex.appended`,
:meth:`VectorIndex.with_vectors`) that the store swaps in, so a reader holding an index sees one
consistent state — its ids, properties and matrices always have the same rows — however many
items are added meanwhile. Appending does not copy the rows already there: the arrays are views
of a *backing* with room to grow, in memory or memory-mapped files (:mod:`.buffers`,
:mod:`.vector_files`); ids and properties are not Python objects per row (:mod:`.rows`).
``origin`` records where the rows came from (the store's business).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError, NotFoundError
from core.store.base import Hit
from core.store.embedded.buffers import Arrays, MemoryBacking
from core.store.embedded.rows import Properties, Uuids, as_properties
from core.store.embedded.pruning import pruned_scores

_BLOCK = 32768  # rows per block in search_max: the (rows, queries) product stays small (2.6 MB at 20 queries);
# 8192-row blocks on two BLAS threads took 1.6-2x as long (100k x 20 queries, busy machine: per-block thread sync)
_FEW, _FEW_ROWS = 8, 1024  # up to _FEW queries: one matrix-vector product per query over blocks of _FEW_ROWS rows


class VectorIndex:
    """Ids, properties and the named vector matrices of one collection, row-aligned (see the module docstring)."""

    def __init__(self, uuids: Sequence[UUID] | Uuids, properties: Sequence[dict] | Properties,
                 matrices: Mapping[str, np.ndarray], *, origin: Any = None, rows: np.ndarray | None = None,
                 backing: Any = None, ann: Any = None) -> None:
        self.uuids = uuids if isinstance(uuids, Uuids) else Uuids.of(uuids)
        self.properties = as_properties(properties)
        self.matrices = {name: _frozen(m) for name, m in matrices.items()}
        self.rows = np.zeros(len(self.uuids), np.int64) if rows is None else rows  # SQLite keys (0: none)
        self.origin = origin
        self.backing = backing
        self.ann = ann  # the approximate stage's faiss indexes (core.store.embedded.ann_index.AnnSlot)
        self.text_before: Any = None  # what keyword search kept with the index this one extends (core...fts)
        self._evaluator = None

    @classmethod
    def from_arrays(cls, arrays: Arrays, properties: Properties, backing: Any, *, origin: Any = None,
                    parent: Uuids | None = None) -> VectorIndex:
        return cls(Uuids(arrays.ids, parent), properties, arrays.matrices, origin=origin, rows=arrays.rows,
                   backing=backing)

    def __len__(self) -> int:
        return len(self.uuids)

    def matrix(self, name: str) -> np.ndarray:
        return self.matrices[name]

    def arrays(self) -> Arrays:
        return Arrays(self.uuids.raw, self.rows, self.matrices)

    def appended(self, uuids: Sequence[UUID], properties: Sequence[dict], vectors: Mapping[str, np.ndarray], *,
                 rows: Sequence[int] | None = None, origin: Any = None, state: dict | None = None) -> VectorIndex:
        """A new index: this one's rows followed by the given ones (see :meth:`extended`)."""
        keys = np.zeros(len(uuids), np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        matrices = {name: np.asarray(vectors[name], np.float32) for name in self.matrices}
        block = Arrays(Uuids.of(uuids).raw, keys, matrices)
        return self.extended(block, properties, origin=origin, state=state)

    def extended(self, block: Arrays, properties: Sequence[dict] = (), *, origin: Any = None,
                 state: dict | None = None, early: Any = None) -> VectorIndex:
        """A new index: this one's rows followed by ``block`` (this one is left as it is; its backing appends
        without copying the rows there when nothing was appended to it before). ``properties``: the new rows',
        when known."""
        backing = self.backing
        if backing is None:
            backing, _ = MemoryBacking.start(self.arrays())
        backing, arrays = backing.extend(self.arrays(), block, state or {}, early)  # early: a FileBacking's
        props = self.properties.extended(len(arrays), arrays.rows, properties)
        index = VectorIndex.from_arrays(arrays, props, backing, origin=origin, parent=self.uuids)
        index.ann = self.ann  # the first rows are unchanged: an ANN build over them still holds
        index.text_before = getattr(self, "text_kept", None) or self.text_before  # so are their texts
        props.uuids = index.uuids
        return index

    def with_vectors(self, name: str, ids: Sequence[UUID], vectors: np.ndarray, *, origin: Any = None) -> VectorIndex:
        """A new index with named vector ``name`` of ``ids`` replaced (in memory; the other matrices are shared)."""
        matrix = self.matrices[name].copy()
        matrix[self.positions(ids)] = vectors
        index = VectorIndex(self.uuids, self.properties, {**self.matrices, name: matrix}, origin=origin, rows=self.rows)
        index.text_before = getattr(self, "text_kept", None) or self.text_before  # the same rows and texts
        return index

    def positions(self, ids: Sequence[UUID]) -> np.ndarray:
        ids = list(ids)
        rows = self.uuids.find(ids)
        if (rows < 0).any():
            raise NotFoundError(f"item {ids[int(np.flatnonzero(rows < 0)[0])]} is not in this collection")
        return rows

    def vectors_of(self, ids: Sequence[UUID], name: str) -> np.ndarray:
        return self.matrices[name][self.positions(list(ids))]

    def property_names(self) -> list[str]:
        """Every property name in first-seen order (kept until items are added: the lab asks on every rerun)."""
        return self.properties.names()

    def allowed(self, filters: Any, exclude: Iterable[UUID]) -> np.ndarray | None:
        """Boolean mask of rows that pass ``filters`` and are not excluded (None = all rows)."""
        mask = None
        if filters is not None:
            if self._evaluator is None:
                # the evaluator imports weaviate's filter classes (~1.4 s): only when a filter is used
                from core.store.embedded.filter_eval import FilterEvaluator
                self._evaluator = FilterEvaluator(self.uuids, self.properties)
            mask = np.array(self._evaluator.mask(filters), dtype=bool, copy=True)
        rows = self.uuids.find(exclude)
        rows = rows[rows >= 0]
        if len(rows):
            mask = np.ones(len(self), dtype=bool) if mask is None else mask
            mask[rows] = False
        return mask

    def search(self, queries: np.ndarray, limit: int, name: str, *, filters: Any = None,
               exclude: Iterable[UUID] = ()) -> list[list[Hit]]:
        """Exact top-``limit`` by dot product for each query row (queries: (m, d) or (d,))."""
        matrix = self.matrices[name]
        q = np.asarray(queries, dtype=np.float32)
        q = q[None, :] if q.ndim == 1 else q
        if q.ndim != 2 or q.shape[1] != matrix.shape[1]:
            raise InvalidInputError(f"query vectors for {name!r} must have {matrix.shape[1]} dimensions, "
                                    f"got shape {q.shape}")
        _check_finite(q, name)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InvalidInputError(f"limit must be a positive integer, got {limit!r}")
        allowed = self.allowed(filters, exclude)
        if len(self) == 0:
            return [[] for _ in range(len(q))]
        scores = _products(matrix, q)
        if allowed is not None:
            scores[~allowed] = -np.inf
        return [self._top(scores[:, j], limit) for j in range(len(q))]

    def search_max(self, queries: np.ndarray, weights: np.ndarray, limit: int, name: str, *, filters: Any = None,
                   exclude: Iterable[UUID] = (), prior: np.ndarray | None = None) -> list[Hit]:
        """Exact top-``limit`` by ``max_j weights[j] * (x . queries[j]) (+ prior[x])``, in row blocks."""
        matrix = self.matrices[name]
        q, w = check_search_max(self, queries, weights, name)
        allowed = self.allowed(filters, exclude)
        if len(self) == 0:
            return []
        qw = np.ascontiguousarray((q * w[:, None]).T)
        best = pruned_scores(matrix, qw, prior, allowed, limit) if prior is not None else None
        if best is not None:
            return self._top(best, limit)
        if len(q) == 1:
            best = matrix @ qw[:, 0]
        else:
            best = np.empty(len(self), dtype=np.float32)
            for start in range(0, len(self), _BLOCK):
                np.max(matrix[start:start + _BLOCK] @ qw, axis=1, out=best[start:start + _BLOCK])
        if prior is not None:
            best += prior
        if allowed is not None:
            best[~allowed] = -np.inf
        return self._top(best, limit)

    def _top(self, col: np.ndarray, limit: int) -> list[Hit]:
        k = min(limit, len(col))
        top = np.argpartition(-col, k - 1)[:k] if k < len(col) else np.arange(len(col))
        order = top[np.argsort(-col[top], kind="stable")]
        return [Hit(self.uuids[i], float(col[i])) for i in order if col[i] > -np.inf]


def check_search_max(index: VectorIndex, queries: np.ndarray, weights: np.ndarray,
                     name: str) -> tuple[np.ndarray, np.ndarray]:
    """``search_max``'s queries and weights as float32, or the error naming what is wrong with them."""
    matrix = index.matrices[name]
    q = np.asarray(queries, dtype=np.float32)
    w = np.asarray(weights, dtype=np.float32)
    if q.ndim != 2 or q.shape[1] != matrix.shape[1] or w.shape != (len(q),) or not len(q) or not (w > 0).all():
        raise InvalidInputError(f"search_max needs (m, {matrix.shape[1]}) queries and m positive weights, "
                                f"got {q.shape} and {w.shape}")
    _check_finite(q, name)
    if not np.isfinite(w).all():
        raise InvalidInputError(f"search_max weights must be finite positive numbers, got {w.tolist()[:8]}")
    return q, w


def _products(matrix: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``matrix @ q.T`` as (rows, queries). A few queries read the matrix once, block by block (a block stays in
    cache for each query's matrix-vector product; each product is the one a single query gets, to the bit):
    BLAS's matrix-matrix product over a skinny ``q`` packs the matrix first and cost more than one scan per
    query here (``benchmarks/bench_search.py``)."""
    if len(q) == 1:
        return (matrix @ q[0])[:, None]
    if len(q) > _FEW:
        return matrix @ q.T
    out = np.empty((len(q), len(matrix)), dtype=np.float32)
    for start in range(0, len(matrix), _FEW_ROWS):
        block = matrix[start:start + _FEW_ROWS]
        for j in range(len(q)):
            np.matmul(block, q[j], out=out[j, start:start + _FEW_ROWS])
    return out.T


def _check_finite(queries: np.ndarray, name: str) -> None:
    """A NaN or infinite query scores every item NaN, which sorts like a perfect match: an error instead."""
    if not np.isfinite(queries).all():
        row = int(np.argwhere(~np.isfinite(queries))[0][0])
        raise InvalidInputError(f"query vector #{row} for {name!r} holds NaN or infinity; query vectors are finite "
                                "numbers")


def _frozen(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` as a contiguous float32 array nobody can write to (indexes share their matrices)."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    if matrix.flags.writeable:
        matrix = matrix.view()
        matrix.flags.writeable = False
    return matrix
