"""Exact top-k of ``max_j (x . qw_j) + prior(x)`` without scanning every row, when the prior decides.

The rows are at most unit length, so ``|x . qw_j| <= |qw_j|`` and every row's score lies within
``slack = max_j |qw_j|`` of its prior. The rows with the largest upper bounds (``prior + slack``)
are scored exactly first; the ``limit``-th best of those, ``tau``, is a score that ``limit`` rows
reach, so a row whose upper bound is below ``tau`` cannot be in the top ``limit`` and is never read.
The probed rows are the best of the block maxima of ``BLOCKS * PROBE * limit`` strided blocks (an
``argmax`` per block, cheaper than a partial sort of all rows). What is left is scored exactly.
This is the ``blend`` strategy's case (a content weight of 0.2 beside a behaviour prior up to 1)
and the most-liked list's (zero queries: only the prior). The store's vectors are unit length
(:func:`core.store.inputs.check_vectors`). When more than :data:`SHARE` of the rows
survive, the caller scans them all instead.
"""

from __future__ import annotations

import numpy as np

MIN_ROWS = 2048
"""Below this many rows a full scan costs less than pruning's bookkeeping."""
SHARE = 0.3
"""Prune only when at most this share of the rows can still reach the top."""
PROBE = 4
"""Rows scored exactly to find ``tau``: ``PROBE * limit`` rows with large upper bounds."""
BLOCKS = 8
"""Block maxima looked at per probed row."""


def pruned_scores(matrix: np.ndarray, qw: np.ndarray, prior: np.ndarray, allowed: np.ndarray | None,
                  limit: int, max_rows: int | None = None) -> np.ndarray | None:
    """Every row's exact score where it can reach the top ``limit`` and ``-inf`` elsewhere (also for
    rows not ``allowed``), or None when pruning would not pay: few rows, or too many survivors (more
    than :data:`SHARE` of the rows, or than ``max_rows``: the ANN stage's bar, which has a cheaper way).

    ``matrix`` (n, d) rows of at most unit length; ``qw`` (d, m) weighted queries as columns;
    ``prior`` (n,) float32."""
    n = len(matrix)
    if n < MIN_ROWS or limit * PROBE * 4 > n:
        return None
    slack = np.float32(float(np.linalg.norm(qw, axis=0).max()) * (1 + 1e-5) + 1e-6)  # float32 rounding included
    upper = prior + slack
    if allowed is not None:
        upper[~allowed] = -np.inf
    probe = _block_maxima(upper, PROBE * limit)
    if len(probe) < limit:
        return None
    exact = _exact(matrix, qw, prior, probe)
    tau = np.partition(exact, len(exact) - limit)[len(exact) - limit]
    rows = np.flatnonzero(upper >= tau)
    if len(rows) > SHARE * n or max_rows is not None and len(rows) > max_rows:
        return None
    out = np.full(n, -np.inf, dtype=np.float32)
    out[rows] = _exact(matrix, qw, prior, rows)
    return out


def _block_maxima(upper: np.ndarray, count: int) -> np.ndarray:
    """``count`` distinct rows with large finite bounds, found without a partial sort of all rows: the
    best row of each of ``BLOCKS * count`` strided blocks (rows ``b, b + B, b + 2B, ...``: a catalog
    sorted by popularity does not crowd its best rows into one block), then the ``count`` best of those (their exact
    scores only have to give a good ``tau``)."""
    blocks = min(BLOCKS * count, len(upper))
    size = len(upper) // blocks
    best = np.argmax(upper[:size * blocks].reshape(size, blocks), axis=0) * blocks + np.arange(blocks)  # strided
    if len(best) > count:
        best = best[np.argpartition(-upper[best], count - 1)[:count]]
    return best[upper[best] > -np.inf]


def _exact(matrix: np.ndarray, qw: np.ndarray, prior: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return (matrix[rows] @ qw).max(axis=1) + prior[rows]
