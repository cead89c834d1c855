"""The local agent's fusion: the signed components of relevance under a :class:`~core.configs.LocalRankerConfig`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.configs import LOCAL_COMPONENTS, LOCAL_SIGNS, LocalRankerConfig
from core.ranking.base import Candidate

__all__ = ["COMPONENTS", "LocalRankerConfig", "components", "fuse", "number"]

COMPONENTS = LOCAL_COMPONENTS
"""Fusion components, in the column order of :func:`components`."""

_SIGNALS = ("like_similarity", "dislike_penalty", "instruction_similarity", "popularity", "property_match")


def components(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig) -> np.ndarray:
    """The signed contribution of each component to each candidate's relevance, shape (n, 5)."""
    raw = np.array([[number(c.signals.get(key)) for key in _SIGNALS] for c in pool], dtype=np.float64)
    return raw.reshape(len(pool), len(_SIGNALS)) * (LOCAL_SIGNS * config.weights(instruction_given))


def fuse(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig) -> np.ndarray:
    """The relevance of each candidate (the formula in the module docstring)."""
    return components(pool, instruction_given, config).sum(axis=1)


def number(value: Any) -> float:
    """A signal as a float; missing, non-numeric (e.g. None) or non-finite counts as 0."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return 0.0
    return result if math.isfinite(result) else 0.0
