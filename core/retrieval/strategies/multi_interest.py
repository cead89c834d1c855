"""``multi_interest``: likes clustered into interests, the best interest minus the best-matching dislike.

Liked items are clustered by deterministic weighted spherical k-means (at most ``max_interests``
clusters, about one per ``items_per_interest`` likes); ``score(x) = max_c x . q_c - beta * max_j
|e-_j| (x . v-_j)`` with ``q_c`` each cluster's weighted mean, so every interest can put its own
nearest items on the list.
"""

from __future__ import annotations

import math

import numpy as np

from core.retrieval.profile import Profile
from core.retrieval.strategies.base import MaxSimilarityScorer, StrategyConfig, away_from_dislikes


class MultiInterest:
    name = "multi_interest"
    summary = "likes clustered into up to 3 interests; each interest brings its own nearest items"

    def scorer(self, profile: Profile, config: StrategyConfig) -> MaxSimilarityScorer:
        pos = profile.positive
        if not len(pos):
            return away_from_dislikes(self.name, profile, config)
        e, V = profile.effective, profile.vectors
        labels, centroids = weighted_kmeans(V[pos], e[pos], interest_count(len(pos), config), config.kmeans_iterations)
        return MaxSimilarityScorer(self.name, centroids, np.ones(len(centroids), dtype=np.float32), profile, config,
                                   interests=[pos[labels == c] for c in range(len(centroids))])


def interest_count(n_likes: int, config: StrategyConfig) -> int:
    return max(1, min(config.max_interests, math.ceil(n_likes / config.items_per_interest)))


def weighted_kmeans(X: np.ndarray, w: np.ndarray, k: int, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic weighted spherical k-means: labels and unit-length centroids.

    Seeds: the heaviest item, then repeatedly the item least similar to every chosen seed
    (farthest-point), so the same likes always give the same interests.
    """
    k = min(k, len(X))
    seeds = [int(np.argmax(w))]
    while len(seeds) < k:
        closest = (X @ X[seeds].T).max(axis=1)
        closest[seeds] = np.inf
        seeds.append(int(np.argmin(closest)))
    centroids = X[seeds].copy()
    labels = np.zeros(len(X), dtype=np.int64)
    for _ in range(iterations):
        new = (X @ centroids.T).argmax(axis=1)
        if _ and (new == labels).all():
            break
        labels = new
        for c in range(k):
            members = labels == c
            if members.any():
                m = (w[members, None] * X[members]).sum(axis=0)
                centroids[c] = m / (np.linalg.norm(m) or 1.0)
    return labels, centroids.astype(np.float32)


STRATEGY = MultiInterest()
