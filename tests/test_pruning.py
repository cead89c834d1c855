"""The embedded index's pruned search (core/store/embedded/pruning.py) returns exactly the full scan's top k."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from core.store.embedded import pruning
from core.store.embedded.index import VectorIndex
from core.store.embedded.pruning import pruned_scores


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _full(matrix: np.ndarray, qw: np.ndarray, prior: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    best = (matrix @ qw).max(axis=1) + prior
    if allowed is not None:
        best[~allowed] = -np.inf
    return best


def _top(scores: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(i) for i in order if scores[i] > -np.inf]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("queries", [1, 3])
def test_pruned_top_k_is_the_full_scans_for_peaked_priors(seed, queries):
    rng = np.random.default_rng(seed)
    matrix = _unit(rng, 5000, 16)
    qw = (_unit(rng, queries, 16) * rng.uniform(0.05, 0.3, size=(queries, 1))).T.astype(np.float32)
    prior = (rng.pareto(2.0, 5000) / 10).astype(np.float32)  # a few items far ahead, as a behaviour prior is
    allowed = rng.random(5000) > 0.2 if seed % 2 else None
    for k in (1, 10, 30):
        got = pruned_scores(matrix, qw, prior, None if allowed is None else allowed.copy(), k)
        assert got is not None  # the prior decides: the fast path ran
        full = _full(matrix, qw, prior, allowed)
        assert _top(got, k) == _top(full, k)
        kept = np.isfinite(got)
        assert kept.sum() < 0.3 * len(matrix)
        np.testing.assert_allclose(got[kept], full[kept], rtol=1e-5, atol=1e-6)  # survivors scored exactly


def test_a_flat_prior_or_a_small_matrix_falls_back_to_the_full_scan():
    rng = np.random.default_rng(0)
    matrix = _unit(rng, 5000, 16)
    qw = _unit(rng, 1, 16).T.copy()
    assert pruned_scores(matrix, qw, np.zeros(5000, np.float32) + 0.1, None, 10) is None  # nothing to prune by
    assert pruned_scores(matrix[:100], qw, np.arange(100, dtype=np.float32), None, 10) is None  # too few rows


def test_only_the_prior_counts_when_the_queries_are_zero():
    rng = np.random.default_rng(1)
    matrix = _unit(rng, 4096, 8)
    prior = rng.random(4096).astype(np.float32)
    allowed = np.ones(4096, bool)
    allowed[np.argsort(-prior)[:5]] = False  # the five best are excluded
    got = pruned_scores(matrix, np.zeros((8, 1), np.float32), prior, allowed, 10)
    assert got is not None and np.isfinite(got).sum() < 50
    assert _top(got, 10) == [int(i) for i in np.argsort(-prior)[5:15]]


def test_fewer_allowed_rows_than_the_limit_are_all_returned():
    rng = np.random.default_rng(2)
    matrix = _unit(rng, 4096, 8)
    prior = rng.random(4096).astype(np.float32)
    allowed = np.zeros(4096, bool)
    allowed[[3, 70, 900]] = True
    qw = np.zeros((8, 1), np.float32)
    got = pruned_scores(matrix, qw, prior, allowed, 10)
    result = _top(got, 10) if got is not None else _top(_full(matrix, qw, prior, allowed), 10)
    assert sorted(result) == [3, 70, 900]


def test_the_index_search_is_the_same_with_and_without_pruning(monkeypatch):
    rng = np.random.default_rng(3)
    n = 6000
    index = VectorIndex([uuid.UUID(int=i + 1) for i in range(n)], [{} for _ in range(n)],
                        {"default": _unit(rng, n, 32)})
    queries, weights = _unit(rng, 2, 32), np.array([0.2, 0.1], np.float32)
    prior = (rng.pareto(2.0, n) / 10).astype(np.float32)
    exclude = [index.uuids[i] for i in np.argsort(-prior)[:3]]
    pruned = index.search_max(queries, weights, 20, "default", exclude=exclude, prior=prior.copy())
    monkeypatch.setattr(pruning, "MIN_ROWS", 10 ** 9)
    full = index.search_max(queries, weights, 20, "default", exclude=exclude, prior=prior.copy())
    assert [h.uuid for h in pruned] == [h.uuid for h in full]
    assert [h.score for h in pruned] == pytest.approx([h.score for h in full], rel=1e-5)
    assert not set(exclude) & {h.uuid for h in pruned}
