"""The plain values of the store protocol (:mod:`core.store.base` re-exports them): a search hit, a stored
interaction, every interaction as columns, what an append added, and learned item vectors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError


@dataclass(frozen=True)
class Hit:
    """One search result: an item and its score (higher is better)."""

    uuid: UUID
    score: float


class StoredInteraction(NamedTuple):
    """An interaction as stored: ``created_at`` is always timezone-aware UTC.

    A named tuple rather than a dataclass: bulk imports build hundreds of thousands of them.
    """

    persona_id: UUID
    item_id: UUID
    weight: float
    created_at: datetime


@dataclass(frozen=True)
class InteractionScan:
    """Every interaction of a collection as columns (row ``k`` is one stored interaction).

    ``personas[persona_index[k]]`` and ``items[item_index[k]]`` are its persona and item,
    ``weight[k]`` its weight and ``created_at[k]`` its time in unix seconds.
    """

    personas: list[UUID]
    items: list[UUID]
    persona_index: np.ndarray
    item_index: np.ndarray
    weight: np.ndarray
    created_at: np.ndarray

    def __len__(self) -> int:
        return len(self.weight)


@dataclass(frozen=True)
class AppendedInteractions:
    """What one write that only *added* interactions or items changed (no replaced or deleted ones), for the
    ``grow`` hooks of :meth:`Store.memo`: enough to update counts without scanning every interaction. A hook
    must hold only what such an append changes this way (interaction counts; not item lists)."""

    rows: int
    weight_sum: float
    time_sum: float
    """The sum of the new rows' ``created_at`` (unix seconds)."""
    new_personas: int
    """Personas with no interaction before this write."""
    first_likes: Mapping[UUID, int]
    """Item -> how many personas got their first positive interaction with it in this write."""


@dataclass(frozen=True)
class LearnedVectors:
    """Item vectors learned from a collection's interactions (see :mod:`core.learn`).

    ``vectors[k]`` (unit length, float32) and ``fold[k]`` belong to item ``ids[k]``; ``meta`` is the
    model's JSON-safe description (kind, parameters, training time, what it was trained on).
    """

    ids: tuple[UUID, ...]
    vectors: np.ndarray
    fold: np.ndarray
    meta: Mapping[str, Any]

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.vectors.ndim != 2 or len(self.vectors) != n or self.fold.shape != (n,):
            raise InvalidInputError(f"learned vectors need one row and one fold weight per id: {n} ids, vectors "
                                    f"{self.vectors.shape}, fold {self.fold.shape}")
        if not (np.isfinite(self.vectors).all() and np.isfinite(self.fold).all()):
            raise InvalidInputError("learned vectors hold NaN or infinity; nothing stored")

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])


NO_INTERACTIONS = AppendedInteractions(rows=0, weight_sum=0.0, time_sum=0.0, new_personas=0, first_likes={})
"""What a write that only added items adds to interaction counts."""
