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

What the strategies weigh: decay counted from the newest interaction
--------------------------------------------------------------------
Decay changes how much interactions count *against each other*, never how much the persona counts
against everything else (the popularity prior, the property boost). The strategies therefore weigh
each interaction by its effective weight relative to the newest one's decay::

    weight_used(w) = w * decay(age) / decay(newest age) = w * 0.5 ** (decay_rate * (age - newest age) / half_life_days)

(:attr:`Profile.effective`, float64, computed from the exponent so it never underflows where the
absolute ``decay`` does). A fresh history (newest interaction at ``now``) is weighed exactly by the
formula above; an old one keeps its likes' relative order and strength instead of fading into the
popularity prior. ``centroid`` divides by the sum of weights, so its scores never depended on the
scale; ``knn``, ``multi_interest`` and the dislike penalty now do not either.

Everything decayed away
-----------------------
When even the newest interaction's decay is below :data:`DECAYED_AWAY` (more than ten half-lives
old: 300 days at decay_rate 1, 3,000 at 0.1), the whole history has *decayed away* in absolute
terms. The rule: such a persona is **not** a cold start. It is ranked by that history as above
(the list the same history would get had its newest interaction happened at ``now``), and the
trace (``profile.decayed_away``, ``newest_age_days``) and the rationale say so, naming the
interaction count, the decay rate and the newest interaction's age, since it usually means ``now``
is far after the history (an offline log ranked at the wall clock). Why: ``decay_rate`` says how
fast older interactions lose influence against newer ones, and old likes are still all the engine
knows of the persona; as a cold start (what float32 underflow did after about 12 years at decay
rate 1) MovieLens users ranked at the wall clock scored NDCG@10 0.013-0.015 instead of 0.072-0.077
(``python -m benchmarks.vector_paths``).
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
DECAYED_AWAY = 2.0 ** -10
"""Below this decay of the newest interaction (ten half-lives), a history has decayed away (see above)."""


def decay_factor(age_days: float, decay_rate: float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> float:
    """``0.5 ** (decay_rate * max(age_days, 0) / half_life_days)`` — see the module docstring."""
    return 0.5 ** halvings(age_days, decay_rate, half_life_days)


def halvings(age_days: float, decay_rate: float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> float:
    """How many times the weight halved: ``decay_rate * max(age_days, 0) / half_life_days``."""
    return decay_rate * max(age_days, 0.0) / half_life_days


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
    halvings: float = 0.0
    """``decay == 0.5 ** halvings``; kept because ``decay`` underflows to 0 for very old interactions."""

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
        """The weights the strategies use (float64): each interaction's effective weight relative to the
        newest one's decay, ``w * 0.5 ** (halvings - newest halvings)`` (see the module docstring)."""
        w = np.array([i.weight for i in self.interactions], dtype=np.float64)
        h = np.array([i.halvings for i in self.interactions], dtype=np.float64)
        live = w != 0
        return w * np.exp2(-(h - h[live].min())) if live.any() else w

    @cached_property
    def newest(self) -> WeightedInteraction | None:
        """The newest interaction with a non-zero weight (None for an empty profile)."""
        live = [i for i in self.interactions if i.weight != 0]
        return min(live, key=lambda i: i.halvings) if live else None

    @property
    def decayed_away(self) -> bool:
        """Whether even the newest interaction's decay is below :data:`DECAYED_AWAY`."""
        return self.newest is not None and self.newest.halvings > -math.log2(DECAYED_AWAY)

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
        h = halvings(age, decay_rate, half_life_days)
        out.append(WeightedInteraction(it.item_id, it.weight, it.created_at, age, 0.5 ** h, h))
    return tuple(out)
