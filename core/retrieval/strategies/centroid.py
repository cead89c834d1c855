"""``centroid`` (Rocchio): one query, the weighted mean of likes minus ``beta`` times that of dislikes.

``q = sum(e+ v+) / sum(e+) - beta * sum(|e-| v-) / sum(|e-|)`` and ``score(x) = x . q``, split into
``like_similarity = x . like_query`` and ``dislike_penalty = x . dislike_query``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.retrieval.profile import Profile
from core.retrieval.strategies.base import ONE, StrategyConfig


@dataclass
class CentroidScorer:
    """The two Rocchio terms (``dislike_query`` already scaled by ``beta``); ``queries`` is their difference."""

    like_query: np.ndarray
    dislike_query: np.ndarray
    name: str = "centroid"

    @property
    def queries(self) -> np.ndarray:
        return (self.like_query - self.dislike_query)[None, :]

    @property
    def weights(self) -> np.ndarray:
        return ONE

    def score(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        like, penalty = X @ self.like_query, X @ self.dislike_query
        return like - penalty, {"like_similarity": like, "dislike_penalty": penalty}


class Centroid:
    name = "centroid"
    summary = "Rocchio: one query vector, the weighted mean of likes minus half that of dislikes"

    def scorer(self, profile: Profile, config: StrategyConfig) -> CentroidScorer:
        e, V, pos, neg = profile.effective, profile.vectors, profile.positive, profile.negative
        like = np.zeros(V.shape[1], dtype=np.float32)
        dislike = np.zeros(V.shape[1], dtype=np.float32)
        if len(pos):
            like = (e[pos, None] * V[pos]).sum(axis=0) / e[pos].sum()
        if len(neg):
            dislike = config.negative_weight * (np.abs(e[neg])[:, None] * V[neg]).sum(axis=0) / np.abs(e[neg]).sum()
        return CentroidScorer(like, dislike)


STRATEGY = Centroid()
