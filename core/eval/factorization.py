"""ALS and BPR from the ``implicit`` library (an optional extra), fitted on a baseline's like matrix.

``implicit`` is imported only when a model is fitted; without it :func:`fit_factors` raises
:class:`~core.errors.NotAvailableError` saying how to install it (``pip install implicit``, or
``pip install -r requirements-eval.txt``). Fitting runs under ``threadpool_limits(1, "blas")``
(``implicit`` warns that a threaded BLAS inside its own loops is many times slower; the process's
``OPENBLAS_*`` settings are left alone) and on one ``implicit`` thread: BPR's updates race across
threads, so only one thread makes the same seed give the same model, and ALS on two threads was
slower here, not faster, whenever the other core was busy (movies: 0.6–0.9 s on one thread,
1.2–1.6 s on two, under load; a 300-like log 0.03 s against 0.7–1.0 s). A fit is a second or so on
the samples, and an evaluation running in the lab's background leaves the other core to the pages.

The like matrix is binary (1 where a user liked an item). ALS (Hu, Koren, Volinsky 2008, conjugate
gradient) gives a like confidence ``alpha`` (``implicit`` scales the matrix by it; a non-like
weighs 1); BPR (Rendle et al. 2009) samples a non-liked item per like and learns an item bias with
the factors. The defaults were chosen on a *validation* split of the movies sample, never its
test part: the README's protocol (a rating >= 4 relevant) with ``temporal_split(test_fraction=0.2,
validation_fraction=0.2)``, fitted on the remaining training rows and scored on the validation
items of its 593 users (``python -m benchmarks.tune_factorization``, 2026-12-01). NDCG@10 there,
95 % bootstrap intervals:

=========================================================  =========================
setting                                                    NDCG@10 (validation)
=========================================================  =========================
most popular / EASE (for reference)                        0.0827 / 0.1253
ALS 64 factors, 15 iterations, regularization 10, alpha 1  **0.1237** [0.1099, 0.1386]
ALS ... regularization 5, alpha 0.5 / 20, alpha 2          0.1226 / 0.1215
ALS ... regularization 2.5, alpha 1 / 20, alpha 0.25       0.1116 / 0.0823
BPR 64 factors, learning rate 0.005, reg. 0.01, 100 it.    **0.1008** [0.0886, 0.1138]
BPR ... learning rate 0.005, 200 / 400 iterations          0.0885 / 0.0744
BPR ... learning rate 0.01, 50 / 100 iterations            0.0956 / 0.0882
BPR ... learning rate 0.05 / 0.1, 100 iterations           0.0672 / 0.0658
BPR ... learning rate 0.005, regularization 0.05 / 0.1     0.0927 / 0.0891
=========================================================  =========================

ALS depends most on ``regularization / alpha``: best near 10, 0.012 lower at 2.5 and 0.041 lower at
80; 32 and 128 factors were no better beyond the noise in an earlier grid (run before the baselines
excluded disliked training items). BPR is best near ``learning_rate × iterations ≈ 0.5`` and
overfits past it; it beats most popular but stays behind ALS and EASE. The 16 ALS and 36 BPR
settings tried are the script's grids.

These defaults fit logs like movies (610 users, ~130 likes each), not books (53,424 users, ~12
likes each): on books' validation part (``--sample books --split random --users 1000``) ALS
scores 0.025 at ``alpha`` 1 and 0.077 at 40, BPR 0.004 at learning rate 0.005 and 0.064 at 0.05
(EASE 0.116); pass such values as options (``Evaluation.baseline("als", alpha=40)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import InvalidInputError, NotAvailableError

if TYPE_CHECKING:
    from scipy import sparse

ALS_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {"factors": 64, "regularization": 10.0, "alpha": 1.0, "iterations": 15})
BPR_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {"factors": 64, "learning_rate": 0.005, "regularization": 0.01, "iterations": 100})

_PARAMS = {"als": set(ALS_DEFAULTS), "bpr": set(BPR_DEFAULTS)}
_INSTALL = "pip install implicit (or pip install -r requirements-eval.txt)"


def _model_class(model: str) -> Any:
    try:
        if model == "als":
            from implicit.cpu.als import AlternatingLeastSquares as cls
        else:
            from implicit.cpu.bpr import BayesianPersonalizedRanking as cls
    except ImportError as exc:
        raise NotAvailableError(f"the {model.upper()} baseline needs the optional 'implicit' library, which is "
                                f"not installed: {_INSTALL}") from exc
    return cls


def _check(model: str, params: dict[str, float]) -> dict[str, Any]:
    if model not in _PARAMS:
        raise InvalidInputError(f"unknown factor model {model!r}; models: {', '.join(_PARAMS)}")
    unknown = sorted(set(params) - _PARAMS[model])
    if unknown:
        raise InvalidInputError(f"{model.upper()} has no parameter {', '.join(map(repr, unknown))}; "
                                f"parameters: {', '.join(sorted(_PARAMS[model]))}")
    checked = {}
    for name, value in params.items():
        whole, floor = name in ("factors", "iterations"), 0.0 if name == "regularization" else None
        bad = isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and int(value) != value)
        if bad or (value < floor if floor is not None else value <= 0):
            kind = "an integer >= 1" if whole else "a number >= 0" if floor is not None else "a number > 0"
            raise InvalidInputError(f"{model.upper()} {name} must be {kind}, got {value!r}")
        checked[name] = int(value) if whole else float(value)
    return checked


def fit_factors(model: str, likes: sparse.csr_matrix, *, seed: int = 0,
                **params: float) -> tuple[np.ndarray, np.ndarray]:
    """Fit ``model`` ("als" or "bpr") on the users × items ``likes``; its user and item factors
    (for BPR the item factors end with the item bias and the user factors with a 1)."""
    params = _check(model, params)
    cls = _model_class(model)
    if likes.nnz == 0:  # nobody liked anything: no factors to learn, every score is 0
        return np.zeros((likes.shape[0], 1), np.float32), np.zeros((likes.shape[1], 1), np.float32)
    from threadpoolctl import threadpool_limits  # a dependency of implicit's

    with threadpool_limits(1, "blas"):
        fitted = cls(**params, num_threads=1, random_state=seed)
        fitted.fit(likes.astype(np.float32), show_progress=False)
    return np.asarray(fitted.user_factors), np.asarray(fitted.item_factors)
