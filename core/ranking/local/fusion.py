"""The local agent's fusion: the signed components of relevance under a :class:`~core.configs.LocalRankerConfig`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.configs import LOCAL_COMPONENTS, LOCAL_SIGNS, LocalRankerConfig
from core.ranking.base import Candidate

__all__ = ["COMPONENTS", "SIGNALS", "LocalRankerConfig", "components", "fuse", "number"]

COMPONENTS = LOCAL_COMPONENTS
"""Fusion components, in the column order of :func:`components`."""

SIGNALS = ("like_similarity", "dislike_penalty", "instruction_similarity", "popularity", "property_match",
           "instruction_fit", "instruction_conflict")
"""The signal each of :data:`COMPONENTS` reads (the last two are the ranker's own reading of the
instruction, :mod:`core.ranking.local.intent`)."""


def components(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig,
               values_matched: bool = False) -> np.ndarray:
    """The signed contribution of each component to each candidate's relevance, shape (n, 7)
    (weights: :meth:`LocalRankerConfig.weights`)."""
    raw = np.array([[number(c.signals.get(key)) for key in SIGNALS] for c in pool], dtype=np.float64)
    return raw.reshape(len(pool), len(SIGNALS)) * (LOCAL_SIGNS * config.weights(instruction_given, values_matched))


def fuse(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig,
         values_matched: bool = False) -> np.ndarray:
    """The relevance of each candidate (the formula in :mod:`core.ranking.local.ranker`)."""
    return components(pool, instruction_given, config, values_matched).sum(axis=1)


def number(value: Any) -> float:
    """A signal as a float; missing, non-numeric (e.g. None) or non-finite counts as 0."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return 0.0
    return result if math.isfinite(result) else 0.0
