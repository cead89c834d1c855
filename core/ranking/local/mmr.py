"""Maximal marginal relevance for the local agent, with what decided each pick (:class:`Step`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InvalidInputError

@dataclass(frozen=True)
class Step:
    """One MMR pick and what decided it.

    ``pick`` was chosen with diversity penalty ``penalty`` (``(1 - lam) * similarity``, its
    similarity to ``nearest``, the closest item chosen before it; -1 and 0 for the first pick);
    ``best`` was the most relevant candidate left at that step and ``best_penalty`` its penalty.
    """

    pick: int
    penalty: float
    nearest: int
    similarity: float
    best: int
    best_penalty: float

    def promoted(self, relevance: Sequence[float]) -> bool:
        """True when ``pick`` beat a more relevant item only because that one's penalty was larger."""
        return relevance[self.best] > relevance[self.pick] and self.best_penalty > self.penalty


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, lam: float) -> list[int]:
    """Greedy maximal-marginal-relevance selection of ``min(k, n)`` distinct row indices."""
    return [s.pick for s in mmr_steps(relevance, vectors, k, lam)]


def mmr_steps(relevance: np.ndarray, vectors: np.ndarray, k: int, lam: float) -> list[Step]:
    """:func:`mmr` with what decided each step (penalties, nearest chosen item, the most relevant left)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InvalidInputError(f"k must be an integer >= 0, got {k!r}")
    if not 0 <= lam <= 1:
        raise InvalidInputError(f"lam must be between 0 and 1, got {lam!r}")
    n, keep = len(relevance), 1.0 - lam
    V = np.asarray(vectors, dtype=np.float64)
    rel_left = np.array(relevance, dtype=np.float64)  # chosen items are set to -inf
    score_left = lam * rel_left
    max_sim, nearest = np.zeros(n), np.full(n, -1)
    steps = []
    for step in range(min(k, n)):
        pick = int((score_left - keep * max_sim).argmax())
        best = int(rel_left.argmax())
        steps.append(Step(pick, keep * max_sim[pick].item(), int(nearest[pick]), max_sim[pick].item(),
                          best, keep * max_sim[best].item()))
        rel_left[pick] = score_left[pick] = -np.inf
        sims = V @ V[pick]
        if step == 0:  # the first pick defines max_sim, negative similarities included
            max_sim, nearest = sims, np.full(n, pick)
        else:
            nearest[sims > max_sim] = pick
            np.maximum(max_sim, sims, out=max_sim)
    return steps
