"""Ranking metrics as pure functions, and per-user aggregation with confidence intervals.

Every per-list metric takes ``ranked`` (item ids, best first) and ``relevant`` (the held-out
relevant ids) and returns NaN when nothing is relevant, so users without relevant items are left
out of averages rather than counted as zeros. A repeated item in ``ranked`` counts once.

:func:`mean_ci` gives a mean with a percentile-bootstrap interval over users (seeded);
:func:`paired_difference` the mean of per-user differences between two configurations, with its
interval (the users are the same, so the interval is much tighter than two separate ones).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InvalidInputError

K = 10


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInputError(f"k must be a positive integer, got {k!r}")


def hit_positions(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = K) -> list[int]:
    """0-based positions in the top ``k`` holding a relevant item (a repeated item counts once)."""
    _check_k(k)
    seen: set[Hashable] = set()
    positions = []
    for pos, item in enumerate(ranked[:k]):
        if item in relevant and item not in seen:
            positions.append(pos)
        seen.add(item)
    return positions


def ndcg_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = K) -> float:
    """Binary-relevance NDCG@k, log2 discount: ``sum 1/log2(p + 2)`` over hits at 0-based ``p``, over
    the ideal DCG of ``min(k, len(relevant))`` hits at the top; NaN when nothing is relevant."""
    if not relevant:
        _check_k(k)
        return math.nan
    dcg = sum(1.0 / math.log2(p + 2) for p in hit_positions(ranked, relevant, k))
    return dcg / sum(1.0 / math.log2(p + 2) for p in range(min(k, len(relevant))))


def recall_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = K, *,
                capped: bool = True) -> float:
    """Hits in the top ``k`` over ``min(k, len(relevant))`` (``capped``, so a perfect list scores 1)
    or over ``len(relevant)``; NaN when nothing is relevant."""
    if not relevant:
        _check_k(k)
        return math.nan
    hits = len(hit_positions(ranked, relevant, k))
    return hits / (min(k, len(relevant)) if capped else len(relevant))


def hit_rate_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = K) -> float:
    """1 if any relevant item is in the top ``k``, else 0; NaN when nothing is relevant."""
    if not relevant:
        _check_k(k)
        return math.nan
    return 1.0 if hit_positions(ranked, relevant, k) else 0.0


def mrr_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int = K) -> float:
    """1 / (1-based rank of the first relevant item in the top ``k``), 0 without one; NaN when nothing is relevant."""
    if not relevant:
        _check_k(k)
        return math.nan
    hits = hit_positions(ranked, relevant, k)
    return 1.0 / (hits[0] + 1) if hits else 0.0


METRICS = {"ndcg": ndcg_at_k, "recall": recall_at_k, "hit_rate": hit_rate_at_k, "mrr": mrr_at_k}
"""The per-list relevance metrics by name (each ``f(ranked, relevant, k)``)."""


def coverage(lists: Iterable[Sequence[Hashable]], catalog_size: int, k: int = K) -> float:
    """Share of the catalog that appears in at least one top-``k`` list."""
    _check_k(k)
    if catalog_size < 1:
        raise InvalidInputError(f"catalog_size must be at least 1, got {catalog_size!r}")
    shown = set()
    for ranked in lists:
        shown.update(ranked[:k])
    return len(shown) / catalog_size


def intra_list_diversity(ranked: Sequence[Hashable], vectors: Mapping[Hashable, np.ndarray], k: int = K) -> float:
    """Mean pairwise cosine distance (1 - cosine) among the top ``k``; NaN for fewer than two items."""
    _check_k(k)
    rows = [np.asarray(vectors[i], dtype=np.float64) for i in dict.fromkeys(ranked[:k])]
    if len(rows) < 2:
        return math.nan
    m = np.vstack(rows)
    m /= np.linalg.norm(m, axis=1, keepdims=True).clip(1e-12)
    sims = m @ m.T
    n = len(rows)
    return float(1.0 - (sims.sum() - np.trace(sims)) / (n * (n - 1)))


def novelty(ranked: Sequence[Hashable], popularity: Mapping[Hashable, int], users: int, k: int = K) -> float:
    """Mean self-information ``-log2((count + 1) / (users + 1))`` of the top ``k`` (higher = less popular
    items; ``popularity`` counts the training users who interacted with each item); NaN for an empty list."""
    _check_k(k)
    items = list(dict.fromkeys(ranked[:k]))
    if not items:
        return math.nan
    return float(np.mean([-math.log2((popularity.get(i, 0) + 1) / (users + 1)) for i in items]))


@dataclass(frozen=True)
class Estimate:
    """A mean over users with its percentile-bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    users: int

    def __str__(self) -> str:
        return f"{self.mean:.4f} [{self.low:.4f}, {self.high:.4f}]"


def mean_ci(values: Iterable[float], *, level: float = 0.95, resamples: int = 2000, seed: int = 0) -> Estimate:
    """The mean of the non-NaN ``values`` with a ``level`` percentile-bootstrap interval (seeded)."""
    if not 0 < level < 1:
        raise InvalidInputError(f"level must be between 0 and 1, got {level!r}")
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if x.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Estimate(float(x.mean()), float(low), float(high), int(x.size))


def paired_difference(a: Mapping[Hashable, float], b: Mapping[Hashable, float], **options) -> Estimate:
    """``b - a`` averaged over the users both score (non-NaN in both), with its bootstrap interval;
    ``options`` go to :func:`mean_ci`."""
    users = [u for u in a if u in b and not math.isnan(a[u]) and not math.isnan(b[u])]
    return mean_ci([b[u] - a[u] for u in users], **options)
