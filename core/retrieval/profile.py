"""Persona profiles: recent interactions, weighted by time decay.

The decay formula
-----------------
For an interaction with weight ``w`` in [-1, 1], created ``age`` days before ``now``::

    decay(age)   = 0.5 ** (decay_rate * age / half_life_days)      (age < 0 counts as 0)
    effective(w) = w * decay(age)

``decay_rate`` 0 keeps every interaction at full weight; at ``decay_rate`` 1 an interaction's weight
halves every ``half_life_days`` (default 30) days, so a year-old like counts 0.02 of a fresh one.
In between, the half-life stretches: ``decay_rate`` 0.1 (the official default) halves the weight
every 300 days. Only the ``recent_interactions_count`` newest interactions are used (newest by
``created_at``; ties by insertion order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import DEFAULT_HALF_LIFE_DAYS
from core.errors import InvalidInputError
from core.models import Persona
from core.store.base import StoredInteraction

SECONDS_PER_DAY = 86_400.0


def decay_factor(age_days: float, decay_rate: float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> float:
    """``0.5 ** (decay_rate * max(age_days, 0) / half_life_days)`` — see the module docstring."""
    return 0.5 ** (decay_rate * max(age_days, 0.0) / half_life_days)


def check_decay(decay_rate: float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> None:
    """Raise :class:`InvalidInputError` naming the value unless ``decay_rate`` is in [0, 1] and
    ``half_life_days`` a positive finite number of days."""
    if isinstance(decay_rate, bool) or not isinstance(decay_rate, (int, float)) or not 0 <= decay_rate <= 1:
        raise InvalidInputError(f"decay_rate must be a number in [0, 1], got {decay_rate!r}")
    if not isinstance(half_life_days, (int, float)) or not half_life_days > 0 or not math.isfinite(half_life_days):
        raise InvalidInputError(f"half_life_days must be a positive number of days, got {half_life_days!r}")


@dataclass(frozen=True)
class WeightedInteraction:
    """A stored interaction with its decay applied."""

    item_id: UUID
    weight: float
    created_at: datetime
    age_days: float
    decay: float

    @property
    def effective_weight(self) -> float:
        return self.weight * self.decay


@dataclass(frozen=True)
class Profile:
    """What the strategies see of a persona: its properties and decayed recent interactions.

    ``vectors`` is row-aligned with ``interactions`` (unit-length item vectors).
    """

    persona: Persona
    interactions: tuple[WeightedInteraction, ...]
    vectors: np.ndarray
    now: datetime
    decay_rate: float
    learned: Any = None
    """For the ``blend`` strategy: the collection's :class:`~core.learn.model.LearnedContext` (None: no model)."""

    @cached_property
    def effective(self) -> np.ndarray:
        return np.array([i.effective_weight for i in self.interactions], dtype=np.float32)

    @cached_property
    def positive(self) -> np.ndarray:
        """Row indexes of interactions whose effective weight is > 0 (likes)."""
        return np.flatnonzero(self.effective > 0)

    @cached_property
    def negative(self) -> np.ndarray:
        """Row indexes of interactions whose effective weight is < 0 (dislikes)."""
        return np.flatnonzero(self.effective < 0)

    @property
    def is_empty(self) -> bool:
        return not (self.effective != 0).any()


def weigh(interactions: list[StoredInteraction], now: datetime, decay_rate: float,
          half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> tuple[WeightedInteraction, ...]:
    """Apply the decay to each interaction relative to ``now`` (timezone-aware or UTC)."""
    check_decay(decay_rate, half_life_days)
    now = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now
    out = []
    for it in interactions:
        age = (now - it.created_at).total_seconds() / SECONDS_PER_DAY
        out.append(WeightedInteraction(it.item_id, it.weight, it.created_at, age,
                                       decay_factor(age, decay_rate, half_life_days)))
    return tuple(out)
