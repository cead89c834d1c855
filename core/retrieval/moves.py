"""``near_text``'s query vector as Weaviate builds it: concepts combined, then moved.

Weaviate's text modules embed each text of a list and average the vectors (``CombineVectors``);
``move_to`` / ``move_away`` targets are the average of their concepts' combined vector and the
listed objects' vectors. With ``f`` the force and ``m = 0.5`` (Weaviate's multiplier)::

    move_to(q, t)   = q * (1 - f * m) + t * (f * m)        (f in [0, 1])
    move_away(q, t) = q + f * m * (q - t)                  (f >= 0)

Weaviate compares by cosine, which ignores length; the store ranks by dot product, so the result
is L2-normalised here. A force of 0 (or a move with nothing to move by) leaves ``q`` unchanged.
"""

from __future__ import annotations

import numpy as np

from core.errors import InvalidInputError

MOVE_MULTIPLIER = 0.5


def combine(vectors: np.ndarray) -> np.ndarray:
    """The element-wise mean of row vectors (Weaviate's ``CombineVectors``)."""
    return np.asarray(vectors, dtype=np.float64).mean(axis=0)


def move_to(query: np.ndarray, target: np.ndarray, force: float) -> np.ndarray:
    """``query`` moved towards ``target`` (Weaviate's ``MoveTo``)."""
    if not 0 <= force <= 1:
        raise InvalidInputError(f"move_to force must be between 0 and 1, got {force!r}")
    step = force * MOVE_MULTIPLIER
    return query * (1 - step) + target * step


def move_away(query: np.ndarray, target: np.ndarray, force: float) -> np.ndarray:
    """``query`` moved away from ``target`` (Weaviate's ``MoveAwayFrom``)."""
    if force < 0:
        raise InvalidInputError(f"move_away force must be 0 or positive, got {force!r}")
    return query + force * MOVE_MULTIPLIER * (query - target)


def unit(vector: np.ndarray, *, what: str = "query vector") -> np.ndarray:
    """``vector`` L2-normalised as float32; a zero vector has no direction and is rejected."""
    v = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0:
        raise InvalidInputError(f"the {what} has no direction (all zeros or not finite)")
    return (v / norm).astype(np.float32)
