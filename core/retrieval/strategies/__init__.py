"""Retrieval strategies: how a profile turns into query vectors and an exact score.

Each strategy gives a :class:`Scorer`: ``queries`` and ``weights`` (candidates are the items with
the highest ``max_j weights[j] * (x . queries[j])``, one exact ``search_max`` in the store) and ``score(X)`` (the exact score of any item vectors, with the named
signals that produced it). With ``e`` the decayed weights, ``v`` the unit item vectors and
``beta`` the dislike weight (default 0.5):

- ``centroid`` (Rocchio): ``q = sum(e+ v+) / sum(e+) - beta * sum(|e-| v-) / sum(|e-|)``,
  ``score(x) = x . q``.
- ``knn`` (per-interaction max similarity, item-kNN over vectors):
  ``score(x) = max_i e+_i (x . v+_i) - beta * max_j |e-_j| (x . v-_j)``.
- ``multi_interest``: liked items are clustered (weighted spherical k-means, at most
  ``max_interests`` clusters, about one per ``items_per_interest`` likes, deterministic);
  ``score(x) = max_c x . q_c - beta * max_j |e-_j| (x . v-_j)`` with ``q_c`` each cluster's
  weighted mean, so every interest can put its own nearest items on the list.

In all three, dislikes lower the score of items similar to them, not only exclude them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.configs import StrategyConfig
from core.errors import InvalidInputError
from core.models import STRATEGIES
from core.retrieval.profile import Profile


@dataclass
class Scorer:
    """Query vectors for candidate search plus the exact scoring of candidates.

    For ``centroid``, ``like_query`` and ``dislike_query`` are the two Rocchio terms (the latter
    already scaled by ``beta``) and ``queries`` holds their difference.
    """

    name: str
    queries: np.ndarray
    weights: np.ndarray
    profile: Profile
    config: StrategyConfig
    like_query: np.ndarray | None = None
    dislike_query: np.ndarray | None = None
    interests: list[np.ndarray] | None = None

    def score(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Scores of item vectors ``X`` (n, d) and the signals behind them.

        Signals always include ``like_similarity`` (the positive part) and ``dislike_penalty``
        (what dislikes subtracted); ``score = like_similarity - dislike_penalty``.
        """
        if self.name == "centroid":
            like, penalty = X @ self.like_query, X @ self.dislike_query
            return like - penalty, {"like_similarity": like, "dislike_penalty": penalty}
        p = self.profile
        e, V, pos, neg = p.effective, p.vectors, p.positive, p.negative
        penalty = np.zeros(len(X), dtype=np.float32)
        if len(neg):
            penalty = self.config.negative_weight * (X @ V[neg].T * np.abs(e[neg])).max(axis=1)
        like = np.zeros(len(X), dtype=np.float32)
        if len(pos):
            sims = X @ V[pos].T * e[pos] if self.name == "knn" else X @ self.queries.T
            like = sims.max(axis=1)
        return like - penalty, {"like_similarity": like, "dislike_penalty": penalty}


def build_scorer(strategy: str, profile: Profile, config: StrategyConfig = StrategyConfig()) -> Scorer:
    """The :class:`Scorer` of ``strategy`` for ``profile`` (which must not be empty)."""
    if strategy not in STRATEGIES:
        raise InvalidInputError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    e, V = profile.effective, profile.vectors
    pos, neg = profile.positive, profile.negative
    if strategy == "centroid":
        like = np.zeros(V.shape[1], dtype=np.float32)
        dislike = np.zeros(V.shape[1], dtype=np.float32)
        if len(pos):
            like = (e[pos, None] * V[pos]).sum(axis=0) / e[pos].sum()
        if len(neg):
            dislike = config.negative_weight * (np.abs(e[neg])[:, None] * V[neg]).sum(axis=0) / np.abs(e[neg]).sum()
        return Scorer(strategy, (like - dislike)[None, :], _ONE, profile, config, like_query=like, dislike_query=dislike)
    if not len(pos):  # only dislikes: look for what is least like them
        away = -(np.abs(e[neg])[:, None] * V[neg]).sum(axis=0)
        return Scorer(strategy, away[None, :], _ONE, profile, config, interests=[])
    if strategy == "knn":
        return Scorer(strategy, V[pos], e[pos], profile, config)
    labels, centroids = weighted_kmeans(V[pos], e[pos], interest_count(len(pos), config), config.kmeans_iterations)
    return Scorer(strategy, centroids, np.ones(len(centroids), dtype=np.float32), profile, config,
                  interests=[pos[labels == c] for c in range(len(centroids))])


_ONE = np.ones(1, dtype=np.float32)


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
