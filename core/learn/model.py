"""A trained behaviour model as the engine reads it: fold-in of a persona and behaviour similarity.

A persona's behaviour query is folded in from its interactions without retraining:
``q = Σ_i a_i f_i`` over its interactions, with ``f_i = fold_i · b_i[:k]`` the fold-in row of
item ``i`` (:mod:`core.learn.spectral`) and ``a_i`` its weight (the decayed weight, or 1 for a like
and 0 otherwise with ``query="binary"``). An item's *behaviour similarity* is
``s_j = [q, 0] · b_j / |q|`` in [-1, 1], and it splits exactly into one part per interaction,
``a_i f_i · b_j / |q|``: the "people who liked X also liked this" of an explanation. Items the
model never saw (added after training) and interactions with them count 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np

from core.configs import BlendWeights
from core.store.base import LearnedVectors

BEHAVIOUR = "behaviour"
"""The name the behaviour model's vectors are stored under (:meth:`~core.store.base.Store.get_learned`)."""


@dataclass(frozen=True)
class BehaviourQuery:
    """A persona's folded-in query, the rows it came from and their parts (for explanations)."""

    vector: np.ndarray
    """``[q, 0]`` over ``|q|`` (unit length), or all zeros when nothing known was liked."""
    parts: np.ndarray
    """``(m, k + 1)``: each used interaction's ``a_i f_i / |q|`` (their sum is ``vector``)."""
    item_ids: tuple[UUID, ...]
    """The interactions' items, row-aligned with ``parts``."""

    @property
    def empty(self) -> bool:
        return not self.vector.any()


class BehaviourModel:
    """Row lookup, fold-in and scoring over one collection's :class:`LearnedVectors`."""

    def __init__(self, learned: LearnedVectors) -> None:
        self.learned = learned
        self.meta = dict(learned.meta)
        self._row: dict[UUID, int] | None = None
        self._aligned: tuple[Sequence[UUID], int, np.ndarray | None] | None = None

    @property
    def row(self) -> dict[UUID, int]:
        """Each model item's row (made on first use: a store's own row lists are looked up the other way)."""
        if self._row is None:
            self._row = {u: k for k, u in enumerate(self.learned.ids)}
        return self._row

    def carried(self, _appended: object = None) -> BehaviourModel:
        """This model as a new object over the same vectors, keeping what it worked out (a memo's ``grow``:
        added interactions or items change nothing it holds)."""
        out = BehaviourModel.__new__(BehaviourModel)
        out.learned, out.meta, out._row, out._aligned = self.learned, self.meta, self._row, self._aligned
        return out

    @property
    def dims(self) -> int:
        return self.learned.dims

    def rows_of(self, ids: Sequence[UUID]) -> np.ndarray:
        """Each id's row in the model, -1 for items it never saw (a list that can ``find`` ids, the embedded
        store's, is looked up the other way: the model's ids in it, without a ``UUID`` per row)."""
        find = getattr(ids, "find", None)
        if find is None:
            return np.fromiter((self.row.get(u, -1) for u in ids), dtype=np.int64, count=len(ids))
        where = find(list(self.learned.ids))
        rows = np.full(len(ids), -1, dtype=np.int64)
        known = where >= 0
        rows[where[known]] = np.flatnonzero(known)
        return rows

    def query(self, item_ids: Sequence[UUID], weights: Sequence[float]) -> BehaviourQuery:
        """Fold in interactions (``weights[i]`` for ``item_ids[i]``; unknown items and 0 weights drop out)."""
        rows, a = self.rows_of(item_ids), np.asarray(weights, dtype=np.float64)
        keep = (rows >= 0) & (a != 0)
        rows, a = rows[keep], a[keep]
        kept = tuple(u for u, k in zip(item_ids, keep) if k)
        vectors = self.learned.vectors[rows].astype(np.float64)
        parts = (a * self.learned.fold[rows])[:, None] * vectors
        parts[:, -1] = 0.0  # the query's last coordinate is 0 (the MIPS reduction)
        total = parts.sum(axis=0) if len(rows) else np.zeros(self.dims)
        norm = float(np.linalg.norm(total))
        if norm <= 1e-12:
            return BehaviourQuery(np.zeros(self.dims, np.float32), np.zeros((len(rows), self.dims)), kept)
        return BehaviourQuery((total / norm).astype(np.float32), parts / norm, kept)

    def similarity(self, query: BehaviourQuery, ids: Sequence[UUID]) -> np.ndarray:
        """Behaviour similarity of each of ``ids`` (0 for unknown items)."""
        rows = self.rows_of(ids)
        out = np.zeros(len(ids), dtype=np.float32)
        known = rows >= 0
        if known.any() and not query.empty:
            out[known] = self.learned.vectors[rows[known]] @ query.vector
        return out

    def similarity_rows(self, query: BehaviourQuery, ids: Sequence[UUID]) -> np.ndarray:
        """:meth:`similarity` over a store's own row list, the row map converted once per list and length."""
        cached = self._aligned  # holds the list itself: a freed list's id can come back for another one
        if cached is None or cached[0] is not ids or cached[1] != len(ids):
            rows = self._aligned_rows(ids, cached)
            same = len(rows) == len(self.learned.ids) and bool((rows == np.arange(len(rows))).all())
            cached = self._aligned = (ids, len(ids), None if same else rows)  # None: the model's own row order
        rows = cached[2]
        if query.empty:
            return np.zeros(len(ids), dtype=np.float32)
        if rows is None:  # trained on the store's items in its order (the usual case): no gather
            return self.learned.vectors @ query.vector
        scores = np.append(self.learned.vectors @ query.vector, np.float32(0.0))  # row -1 reads the appended 0
        return scores[rows]

    def _aligned_rows(self, ids: Sequence[UUID], before: tuple | None) -> np.ndarray:
        """:meth:`rows_of` ``ids``; for a store list that is the last one aligned with rows appended (its
        ``extends``), that one's rows plus a lookup of the new ids only."""
        extends = getattr(ids, "extends", None)
        if before is None or extends is None or not extends(before[0]) or before[1] > len(ids):
            return self.rows_of(ids)
        old = np.arange(before[1], dtype=np.int64) if before[2] is None else before[2]
        new = np.fromiter((self.row.get(u, -1) for u in ids[before[1]:]), dtype=np.int64, count=len(ids) - before[1])
        return np.concatenate([old, new])

    def top_contributions(self, query: BehaviourQuery, ids: Sequence[UUID]) -> list[tuple[UUID, float] | None]:
        """For each of ``ids``: the interaction with the largest part of its similarity and that part
        (None for an item the model never saw, or an empty query); one product for all of them."""
        rows = self.rows_of(ids)
        out: list[tuple[UUID, float] | None] = [None] * len(ids)
        known = np.flatnonzero(rows >= 0)
        if not len(known) or query.empty:
            return out
        parts = query.parts @ self.learned.vectors[rows[known]].T.astype(np.float64)  # (interactions, items)
        best = np.argmax(parts, axis=0)
        for col, (j, k) in enumerate(zip(known.tolist(), best.tolist())):
            out[j] = (query.item_ids[k], float(parts[k, col]))
        return out

    def contributions(self, query: BehaviourQuery, item_id: UUID) -> list[tuple[UUID, float]]:
        """Each interaction's part of ``item_id``'s similarity, largest first (they sum to it)."""
        row = self.row.get(item_id)
        if row is None or query.empty:
            return []
        parts = query.parts @ self.learned.vectors[row].astype(np.float64)
        order = np.argsort(-parts, kind="stable")
        return [(query.item_ids[i], float(parts[i])) for i in order]


@dataclass(frozen=True)
class LearnedContext:
    """What the ``blend`` strategy gets with a profile: the model (None: not trained yet), the weights
    used and where they came from (``"request"``, ``"tuned"`` or ``"default"``)."""

    model: BehaviourModel | None
    weights: BlendWeights
    source: str
    history: tuple = ()
    """The persona's ``weights.history`` most recent interactions, decayed (``WeightedInteraction``), newest
    first: what its behaviour query folds in."""
