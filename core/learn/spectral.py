"""Spectral EASE: EASE's item-item model restricted to the top ``dims`` eigenvectors, as item vectors.

EASE (Steck 2019) scores item ``j`` for a user with likes ``x`` as ``-(x P)_j / P_jj`` with
``P = (XᵀX + λI)⁻¹``. With the eigendecomposition ``XᵀX = V diag(e) Vᵀ`` (``V`` from the SVD of
the users × items like matrix ``X``) and ``w = e / (e + λ)``, keeping the top ``dims`` components::

    P  ≈ (I - V diag(w) Vᵀ) / λ           P_jj ≈ (1 - Σ_k V_jk² w_k) / λ
    score_j ∝ (x V √w) · (V_j √w) / P_jj   (the -I/λ term only touches the user's own items)

so a user's query is the sum of their items' *fold-in rows* ``f_i = V_i √w`` and item ``j``'s vector
is ``r_j = f_j / P_jj``: a dot-product (maximum inner product) search. To store unit vectors, as
every named vector is stored, each row is scaled by the largest norm ``M`` and given one more
coordinate, ``b_j = [r_j / M, √(1 - |r_j|² / M²)]``; a query ``[q, 0]`` then ranks by
``q · r_j / M`` exactly (the standard MIPS-to-cosine reduction), and ``f_i = M P_ii b_i[:dims]``
is recovered from the stored row with the per-item fold weight ``M P_ii``. Items nobody liked
have ``r_j = 0``: their vector is the last axis and their behaviour score 0.

Measured against full EASE on the samples' validation parts (``benchmarks/behaviour_models.py``):
this keeps EASE's ranking where PureSVD (``r_j = V_j``) loses it as ``dims`` grows.
"""

from __future__ import annotations

import numpy as np

from core.errors import InvalidInputError


def fit_spectral(likes, dims: int, l2: float, *, seed: int = 0, power_iterations: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``(vectors, fold)`` from a users × items sparse 0/1 matrix: unit rows ``(items, k + 1)`` and
    fold weights ``(items,)`` (module docstring); ``k = min(dims, min(likes.shape) - 1)``."""
    if not l2 > 0:
        raise InvalidInputError(f"l2 must be a positive number, got {l2!r}")
    users, items = likes.shape
    k = min(int(dims), users - 1, items - 1)
    if k < 1 or not likes.nnz:
        raise InvalidInputError(f"learning item vectors needs likes from at least two personas on at least two "
                                f"items; got {likes.nnz} likes by {users} personas on {items} items")
    from sklearn.utils.extmath import randomized_svd  # scikit-learn costs ~1 s to import: only when training

    _, s, vt = randomized_svd(likes.astype(np.float32), k, n_iter=power_iterations, random_state=seed)
    v = vt.T.astype(np.float64)
    w = s.astype(np.float64) ** 2 / (s.astype(np.float64) ** 2 + l2)
    p_diag = np.clip(1.0 - (v * v * w).sum(axis=1), 1e-9, None) / l2
    fold_rows = v * np.sqrt(w)
    r = fold_rows / p_diag[:, None]
    scale = float(np.linalg.norm(r, axis=1).max()) or 1.0
    r /= scale
    last = np.sqrt(np.clip(1.0 - (r * r).sum(axis=1), 0.0, None))
    vectors = np.hstack([r, last[:, None]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), (scale * p_diag).astype(np.float32)
