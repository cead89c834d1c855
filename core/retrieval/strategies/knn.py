"""``knn`` (item-kNN over vectors): the best single like, minus the best-matching dislike.

``score(x) = max_i e+_i (x . v+_i) - beta * max_j |e-_j| (x . v-_j)``: one query per liked item,
weighted by its decayed weight relative to the newest interaction (:attr:`Profile.effective`), so
an old history scores as high as a fresh one and decay only orders the likes against each other.
"""

from __future__ import annotations

import numpy as np

from core.retrieval.profile import Profile
from core.retrieval.strategies.base import MaxSimilarityScorer, StrategyConfig, away_from_dislikes


class Knn:
    name = "knn"
    summary = "per-interaction maximum similarity: each like pulls in its own neighbours"

    def scorer(self, profile: Profile, config: StrategyConfig) -> MaxSimilarityScorer:
        pos = profile.positive
        if not len(pos):
            return away_from_dislikes(self.name, profile, config)
        # a like decayed to below float32's range still counts (a little): the store searches in float32
        weights = np.maximum(profile.effective[pos], np.finfo(np.float32).tiny)
        return MaxSimilarityScorer(self.name, profile.vectors[pos], weights, profile, config)


STRATEGY = Knn()
