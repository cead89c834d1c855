"""The local agent's fusion: its weights (:class:`LocalRankerConfig`) and the signed components of relevance."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from core.errors import InvalidInputError
from core.ranking.base import Candidate

COMPONENTS = ("like", "dislike", "instruction", "popularity", "property")
"""Fusion components, in the column order of :func:`components`."""

_SIGNALS = ("like_similarity", "dislike_penalty", "instruction_similarity", "popularity", "property_match")
_SIGNS = np.array([1.0, -1.0, 1.0, 1.0, 1.0])
_LABELS = ("like similarity", "dislike penalty", "instruction similarity", "popularity", "property match")


@dataclass(frozen=True)
class LocalRankerConfig:
    """Fusion weights (all >= 0), the MMR trade-off and the smallest contribution worth a mention."""

    like: float = 1.0
    dislike: float = 1.0
    instruction: float = 3.0
    popularity: float = 0.5
    property: float = 0.1
    mmr_lambda: float = 0.8
    mention_threshold: float = 0.01

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                raise InvalidInputError(f"LocalRankerConfig.{name} must be a finite number >= 0, got {value!r}")
        if self.mmr_lambda > 1:
            raise InvalidInputError(f"LocalRankerConfig.mmr_lambda must be between 0 and 1, got {self.mmr_lambda!r}")

    def weights(self, instruction_given: bool) -> np.ndarray:
        """The weight of each of :data:`COMPONENTS`; the instruction's is 0 without an instruction."""
        w = [self.like, self.dislike, self.instruction if instruction_given else 0.0, self.popularity, self.property]
        return np.array(w, dtype=np.float64)

    def formula(self, instruction_given: bool) -> str:
        """The relevance formula with these weights, as the rationale quotes it (no instruction term without one)."""
        terms = [f"{'−' if sign < 0 else '+'} {w:g} × {label}"
                 for label, sign, w in zip(_LABELS, _SIGNS, self.weights(instruction_given))
                 if w or label != "instruction similarity"]
        return " ".join(terms).lstrip("+ ")


def components(pool: list[Candidate], instruction_given: bool, config: LocalRankerConfig) -> np.ndarray:
    """The signed contribution of each component to each candidate's relevance, shape (n, 5)."""
    raw = np.array([[number(c.signals.get(key)) for key in _SIGNALS] for c in pool], dtype=np.float64)
    return raw.reshape(len(pool), len(_SIGNALS)) * (_SIGNS * config.weights(instruction_given))


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
