"""What every retrieval strategy is: a :class:`Strategy` that turns a profile into a :class:`Scorer`.

A scorer gives ``queries`` and ``weights`` (the candidates are the items with the highest
``max_j weights[j] * (x . queries[j])``, one exact ``search_max`` in the store) and ``score(X)``:
the exact score of any item vectors with the named signals behind it. Signals always include
``like_similarity`` (the positive part) and ``dislike_penalty`` (what dislikes subtracted), and
``score = like_similarity - dislike_penalty``. With ``e`` the decayed weights relative to the newest
interaction (:attr:`~core.retrieval.profile.Profile.effective`: never scaled down by age as a whole), ``v`` the unit item
vectors and ``beta`` the dislike weight (``StrategyConfig.negative_weight``, default 0.5), the
shared dislike term of the per-item strategies is ``beta * max_j |e-_j| (x . v-_j)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from core.configs import StrategyConfig
from core.retrieval.profile import Profile

ONE = np.ones(1, dtype=np.float32)


@runtime_checkable
class Scorer(Protocol):
    """Query vectors for the candidate search plus the exact scoring of candidates."""

    name: str
    queries: np.ndarray
    weights: np.ndarray

    def score(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of item vectors ``X`` (n, d) and the signals behind them."""
        ...

# A scorer may also have (the ``blend`` strategy does): ``prior``, an ItemPrior added inside the
# candidate search; ``by_id(ids) -> (scores, signals)``, a part of the score looked up by item id and
# added to ``score(X)``'s; ``popularity_weight``, its own weight for the popularity prior.


@runtime_checkable
class Strategy(Protocol):
    """A named way to rank items for a profile; one module under ``core/retrieval/strategies/`` each."""

    name: str
    summary: str
    """One line for help texts and the lab."""

    def scorer(self, profile: Profile, config: StrategyConfig) -> Scorer:
        """The scorer for ``profile`` (which has at least one non-zero effective weight)."""
        ...


def dislike_penalty(X: np.ndarray, profile: Profile, config: StrategyConfig) -> np.ndarray:
    """``beta * max_j |e-_j| (x . v-_j)`` per row of ``X``; zeros without dislikes."""
    neg = profile.negative
    if not len(neg):
        return np.zeros(len(X), dtype=np.float32)
    e, V = profile.effective, profile.vectors
    return config.negative_weight * (X @ V[neg].T * np.abs(e[neg])).max(axis=1)


@dataclass
class MaxSimilarityScorer:
    """``score(x) = max_j weights[j] * (x . queries[j]) - dislike_penalty(x)``, or just minus the
    penalty when ``likes`` is False (a profile with dislikes only)."""

    name: str
    queries: np.ndarray
    weights: np.ndarray
    profile: Profile
    config: StrategyConfig
    likes: bool = True
    interests: list[np.ndarray] | None = None
    """For ``multi_interest``: the profile rows (liked items) of each interest."""

    def score(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        penalty = dislike_penalty(X, self.profile, self.config)
        like = (X @ self.queries.T * self.weights).max(axis=1) if self.likes else np.zeros(len(X), np.float32)
        return like - penalty, {"like_similarity": like, "dislike_penalty": penalty}


def away_from_dislikes(name: str, profile: Profile, config: StrategyConfig) -> MaxSimilarityScorer:
    """Only dislikes: search for what is least like them (their negated weighted sum)."""
    e, V, neg = profile.effective, profile.vectors, profile.negative
    away = -(np.abs(e[neg])[:, None] * V[neg]).sum(axis=0)
    return MaxSimilarityScorer(name, away[None, :], ONE, profile, config, likes=False, interests=[])
