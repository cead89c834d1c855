"""The embedded store's candidate stage: exact, or approximate candidates re-scored exactly.

:func:`search_max` and :func:`near_vectors` choose a path per request and say which in the hits'
``path`` (:class:`SearchHits`, a list of :class:`~core.store.base.Hit` the vector stage copies into
its trace):

- ``exact``: every row is scored (:meth:`VectorIndex.search_max`, with its exact pruning when a
  prior decides). Taken for catalogs below ``AnnConfig.min_rows`` (one query) / ``min_rows_multi``
  (several: knn, multi_interest, the local agent's batched searches), without faiss, with ``enabled=False``,
  while the index builds, and for a query of zeros (the most-liked list: only the prior counts).
- ``exact-pruned``: with a prior that decides the ranking (:mod:`~core.store.embedded.pruning`) so
  that at most ``few_rows`` rows can still reach the top, only those are scored, exactly.
- ``exact-subset``: a filter leaves at most ``few_rows`` rows (and at most half): only those are scored.
- ``ann-hnsw`` / ``ann-ivf``: each query's top rows from the faiss index (pre-filtered by an ID
  selector built from the filter and exclusion mask), the rows appended since the build (the tail),
  and with a prior every row it can lift into the top (:func:`_lifted`); all of them are scored exactly, so every
  returned score is the exact one and only *which* rows were looked at is approximate.

Which rows the index returns is approximate; ``benchmarks/bench_ann.py`` measures recall@10 against
exact on real text embeddings and on synthetic vectors, and the latency of each path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import numpy as np

from core.configs import AnnConfig
from core.store.base import Hit
from core.store.embedded.ann_files import home_of
from core.store.embedded.ann_index import AnnSlot, Built, effort, load_faiss, search_params, selector
from core.store.embedded.index import VectorIndex, check_search_max
from core.store.embedded.pruning import pruned_scores
from core.store.embedded.threads import blas_threads

PRIOR_FETCH = 3
"""With a prior, a single query fetches this many times ``limit`` (the prior reorders its top); several
queries fetch ``limit`` each, their union is already several lists."""


SMALL_SHARE = 0.1
"""A faiss search of one query, or whose selector passes fewer than this share of the rows, runs on one OpenMP
thread: its work is too small to split (1M rows, 20 queries, a 4 % selector under load: 3.1 ms on one thread,
7.9 ms on two; without a selector two threads were no faster either, 24 against 22 ms, so only these are set)."""


SUBSET_SHARE = 0.5
"""``exact-subset`` only when at most this share of the rows pass: gathering more costs more than it saves."""


class SearchHits(list):
    """Hits, best first, and ``path``: how the store found them (see the module docstring)."""

    def __init__(self, hits: Iterable[Hit], path: dict[str, Any]) -> None:
        super().__init__(hits)
        self.path = path


def slot_of(index: VectorIndex) -> AnnSlot:
    if index.ann is None:
        index.ann = AnnSlot()  # a race creates two slots; one is dropped, nothing was built in it yet
    return index.ann


def search_max(index: VectorIndex, config: AnnConfig, queries: np.ndarray, weights: np.ndarray, limit: int,
               name: str, *, filters: Any = None, exclude: Iterable[UUID] = (),
               prior: np.ndarray | None = None) -> SearchHits:
    """``index.search_max``'s answer (top ``limit`` by ``max_j w_j (x . q_j) + prior(x)``) by the path
    this request takes."""
    q, w = check_search_max(index, queries, weights, name)
    exclude = list(exclude)
    allowed = index.allowed(filters, exclude)
    n = len(index)
    passing = n if allowed is None else int(np.count_nonzero(allowed))
    matrix = index.matrices[name]
    if n and passing <= config.few_rows and passing <= SUBSET_SHARE * n:
        rows = np.flatnonzero(allowed)
        qw = np.ascontiguousarray((q * w[:, None]).T)
        with blas_threads(len(rows)):
            scores = _scores(matrix, rows, qw, prior)
        return SearchHits(_top(index, rows, scores, limit), dict(path="exact-subset", candidates=len(rows)))
    reason, built = _ann_ready(index, config, matrix, name, len(q), q)
    if built is None:
        with blas_threads(n):
            hits = index.search_max(q, w, limit, name, filters=filters, exclude=exclude, prior=prior)
        return SearchHits(hits, dict(path="exact", candidates=n, reason=reason))
    qw = np.ascontiguousarray((q * w[:, None]).T)
    if prior is not None and _may_decide(prior, qw):
        best = pruned_scores(matrix, qw, prior, allowed, limit, max_rows=config.few_rows)
        if best is not None:  # the prior decides: exact over few rows
            return SearchHits(index._top(best, limit), dict(path="exact-pruned",
                                                            candidates=int(np.count_nonzero(best > -np.inf))))
    fetch = limit * (PRIOR_FETCH if prior is not None and len(q) == 1 else 1)  # m queries: m lists already
    rows, info, kth = _candidates(index, built, q, fetch, allowed, config)
    with blas_threads(len(rows)):
        scores = _scores(matrix, rows, qw, None)
    if prior is not None:
        lift = Lift(index, built, config, matrix, (q, w, qw), prior, allowed)
        rows, scores = lift.rows(rows, scores, limit, kth)
        info.update(prior_rows=len(rows) - info["candidates"], **lift.info)
    if allowed is not None:
        scores[~allowed[rows]] = -np.inf
    return SearchHits(_top(index, rows, scores, limit), info)


def near_vectors(index: VectorIndex, config: AnnConfig, queries: np.ndarray, limit: int, name: str, *,
                 filters: Any = None, exclude: Iterable[UUID] = ()) -> list[SearchHits]:
    """``index.search``'s answer (each query's top ``limit``) by the path this request takes."""
    q = np.asarray(queries, dtype=np.float32)
    q = q[None, :] if q.ndim == 1 else q
    exclude = list(exclude)
    matrix = index.matrices.get(name)
    valid = matrix is not None and q.ndim == 2 and q.shape[1] == matrix.shape[1] and np.isfinite(q).all()
    reason, built = _ann_ready(index, config, matrix, name, len(q), q) if valid else ("", None)
    allowed = index.allowed(filters, exclude) if built is not None else None
    if built is not None and allowed is not None and np.count_nonzero(allowed) <= config.few_rows:
        reason, built = "few rows pass the filter", None
    if built is None:  # (invalid queries: index.search raises the error)
        with blas_threads(len(index)):
            hits = index.search(q, limit, name, filters=filters, exclude=exclude)
        return [SearchHits(h, dict(path="exact", candidates=len(index), reason=reason)) for h in hits]
    out = []
    for row in q:
        rows, info, _ = _candidates(index, built, row[None, :], limit, allowed, config)
        scores = matrix[rows] @ row
        if allowed is not None:
            scores[~allowed[rows]] = -np.inf
        out.append(SearchHits(_top(index, rows, scores, limit), info))
    return out


def _ann_ready(index: VectorIndex, config: AnnConfig, matrix: np.ndarray, name: str, m: int,
               q: np.ndarray) -> tuple[str, Built | None]:
    """Why the search is exact (and None), or ("", the faiss index to use)."""
    if not config.enabled:
        return "ann disabled", None
    if len(index) < (config.min_rows if m == 1 else config.min_rows_multi):
        return "small catalog", None
    if not np.abs(q).max(initial=0.0) > 0:
        return "no query vector (prior only)", None
    faiss = load_faiss()
    if faiss is None:
        return "faiss is not installed", None
    slot = slot_of(index)
    built = slot.ready(name, matrix, config, faiss, home_of(index))
    if built is None:
        return (f"ann build failed: {slot.failure}" if slot.failure else "ann index building"), None
    return "", built


def _candidates(index: VectorIndex, built: Built, q: np.ndarray, k: int, allowed: np.ndarray | None,
                config: AnnConfig, boost: bool = True) -> tuple[np.ndarray, dict[str, Any], np.ndarray]:
    """The index's top ``k`` rows for each query plus the tail (unique row numbers), the trace details, and
    each query's ``k``-th similarity (-inf when it found fewer rows: it found every row that passes).
    ``boost``: search harder for a few queries or when ``allowed`` passes few rows (:func:`~.ann_index.effort`)."""
    faiss = load_faiss()
    n = len(index)
    sel = selector(faiss, allowed, n, built.rows)
    share = 1.0 if allowed is None else float(np.count_nonzero(allowed[:built.rows])) / max(1, min(n, built.rows))
    tuning = effort(built, k, config, len(q), share, boost)
    params = search_params(faiss, built, sel, tuning)
    with omp_threads(faiss, 1 if len(q) == 1 or share < SMALL_SHARE else None):
        sims, found = built.index.search(np.ascontiguousarray(q, dtype=np.float32), k, params=params)
    rows = np.unique(found[found >= 0])
    full = found[:, -1] >= 0  # a query with fewer than k rows found every row its selector passes
    kth = np.where(full, sims[:, -1], -np.inf).astype(np.float32)  # (its 8-bit codes' estimate)
    tail = np.arange(built.rows, n) if n > built.rows else np.zeros(0, np.int64)
    info = dict(path=f"ann-{built.kind}", candidates=len(rows) + len(tail), indexed_rows=min(built.rows, n),
                tail_rows=len(tail), per_query=k, filtered=allowed is not None, **tuning)
    return (np.concatenate([rows, tail]) if len(tail) else rows), info, kth


LIFT_SEARCH_ROWS = 4096
"""More rows than this that a prior may lift: the IVF index is searched among them first (see :class:`Lift`)."""


class Lift:
    """The candidates with the prior added, plus every other row the prior can lift into the top ``limit``.

    A row the index did not return for query ``j`` is (as far as the index knows) no more similar than
    the ``k``-th row it returned, so outside the candidates ``max_j w_j (x . q_j) <= bound = max_j w_j
    kth_j``. With ``tau`` the ``limit``-th best candidate score, only rows with ``prior > tau - bound``
    can reach the top; they are scored exactly. (A fixed number of the prior's top rows picked an
    arbitrary few of a popularity prior's ties and missed most of the exact top 10 on real text.)

    When more than :data:`LIFT_SEARCH_ROWS` rows can (a popularity prior over a big community's liked
    items: 39k rows at 1M, most of them tied), an IVF index is searched again with a selector of just
    those rows: its top rows among them are scored, ``tau`` rises, and a row it did not return is at
    most as similar as its ``k``-th, a lower ``bound``; only the rows still above ``tau - bound`` are
    scored exactly. (Not with HNSW: a graph search over a few percent of its nodes finds little.)"""

    def __init__(self, index: VectorIndex, built: Built, config: AnnConfig, matrix: np.ndarray,
                 queries: tuple[np.ndarray, np.ndarray, np.ndarray], prior: np.ndarray,
                 allowed: np.ndarray | None) -> None:
        """``queries``: the queries, their weights and the weighted queries as columns (``qw``)."""
        self.index, self.built, self.config, self.matrix = index, built, config, matrix
        (self.q, self.w, self.qw), self.prior, self.allowed = queries, prior, allowed
        self.info: dict[str, Any] = {}

    def rows(self, rows: np.ndarray, similarity: np.ndarray, limit: int,
             kth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        matrix, prior = self.matrix, self.prior
        scores = similarity + prior[rows]
        bound = float(np.max(kth * self.w)) if len(kth) else -np.inf
        if bound == -np.inf:  # every passing row is a candidate already
            return rows, scores
        reach = self._reach(rows, scores, limit, bound)
        if self.built.kind == "ivf" and np.count_nonzero(reach) > LIFT_SEARCH_ROWS:
            found, _, kth2 = _candidates(self.index, self.built, self.q, limit, reach, self.config, boost=False)
            found = found[reach[found]]
            self.info.update(prior_search=len(found), prior_reach=int(np.count_nonzero(reach)))
            rows = np.concatenate([rows, found])
            scores = np.concatenate([scores, _scores(matrix, found, self.qw, prior)])
            # a query whose search came back short says nothing new about the rows it did not return
            kth = np.where(np.isfinite(kth2), np.minimum(kth, kth2), kth)
            reach[found] = False
            reach &= self._reach(rows, scores, limit, float(np.max(kth * self.w)))
        more = np.flatnonzero(reach)
        if not len(more):
            return rows, scores
        return np.concatenate([rows, more]), np.concatenate([scores, _scores(matrix, more, self.qw, prior)])

    def _reach(self, rows: np.ndarray, scores: np.ndarray, limit: int, bound: float) -> np.ndarray:
        """The rows outside ``rows`` whose prior can lift them above the ``limit``-th best of ``scores``."""
        live = scores if self.allowed is None else np.where(self.allowed[rows], scores, -np.inf)
        tau = np.partition(live, len(live) - limit)[len(live) - limit] if len(live) >= limit else -np.inf
        prior = self.prior
        reach = prior > tau - bound if np.isfinite(tau) else prior > prior.min(initial=0.0)
        if self.allowed is not None:
            reach &= self.allowed
        reach[rows] = False
        return reach


def _may_decide(prior: np.ndarray, qw: np.ndarray) -> bool:
    """Whether the prior spans at least the queries' reach (``max_j |w_j q_j|``, what similarity adds at most):
    only then can it rule enough rows out for :func:`pruned_scores` to pay (a popularity prior of 0.5 beside
    knn's unit-weight likes never does, and trying costs ~5 ms at 1M; blend's content weight 0.2 beside a
    behaviour prior up to 1 does). Either way the answer is exact for the rows scored."""
    reach = float(np.linalg.norm(qw, axis=0).max(initial=0.0))
    return bool(len(prior)) and float(prior.max() - prior.min()) >= reach


@contextmanager
def omp_threads(faiss: Any, count: int | None) -> Iterator[None]:
    """faiss's OpenMP threads for this thread's searches inside the block (None: as they are)."""
    if count is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)  # per calling thread: other threads' searches keep theirs
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _scores(matrix: np.ndarray, rows: np.ndarray, qw: np.ndarray, prior: np.ndarray | None) -> np.ndarray:
    scores = (matrix[rows] @ qw).max(axis=1)
    return scores + prior[rows] if prior is not None else scores


def _top(index: VectorIndex, rows: np.ndarray, scores: np.ndarray, limit: int) -> list[Hit]:
    """The best ``limit`` of ``rows`` by ``scores`` (ties: lower row first, as the exact path's stable sort)."""
    order = np.lexsort((rows, -scores))[:limit]
    return [Hit(index.uuids[rows[i]], float(scores[i])) for i in order if scores[i] > -np.inf]
