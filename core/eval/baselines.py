"""Classical baselines on a split's training rows: random, most popular, item-kNN, EASE, ALS, BPR.

Each is fitted on the positive training interactions (``value > 0``: the same rows a persona's
likes would be) and recommends the top ``k`` items a user has not interacted with in training
(liked or not: the split never holds out an item the user has in training).
They share one implicit-feedback matrix ``X`` (users × items, 1 where a user liked an item):

- :class:`RandomBaseline`: a seeded random order of the catalog;
- :class:`MostPopular`: items by the number of training users who liked them;
- :class:`ItemKNN`: item-item cosine similarity of co-occurrence, a user's score the sum of the
  similarities to their likes over each item's ``neighbours`` nearest items;
- :class:`EASE` (Steck 2019): ``B = I - P / diag(P)`` with ``P = (XᵀX + λI)⁻¹``, scores ``X B``. It
  inverts a dense items × items matrix: about 8·n² bytes, e.g. 0.8 GB and a few seconds for the
  10,000 items of the samples; past ~30,000 items it is impractical on one machine
  (:data:`EASE_MAX_ITEMS`), and fitting raises rather than swapping;
- :class:`ALS` and :class:`BPR`: matrix factorisation from the ``implicit`` library, an optional
  extra (``pip install implicit`` or ``-r requirements-eval.txt``; :mod:`core.eval.factorization`).
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from core.errors import InvalidInputError
from core.eval.factorization import ALS_DEFAULTS, BPR_DEFAULTS, fit_factors
from core.eval.splits import LogRow

EASE_MAX_ITEMS = 30_000


class _Matrix:
    """Users × items matrix of positive training interactions, the id maps, and what each user interacted with."""

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable]) -> None:
        self.items = list(dict.fromkeys(catalog))
        self.item_pos = {item: i for i, item in enumerate(self.items)}
        known = [(r.user, self.item_pos[r.item], r.value > 0) for r in rows if r.item in self.item_pos]
        likes = [(u, i) for u, i, liked in known if liked]
        self.users = list(dict.fromkeys(u for u, _ in likes))
        self.user_pos = {u: n for n, u in enumerate(self.users)}
        self.seen: dict[Hashable, set[int]] = {}  # every training interaction, dislikes too: never recommended
        for u, i, _ in known:
            self.seen.setdefault(u, set()).add(i)
        data = np.ones(len(likes), dtype=np.float32)
        users = np.fromiter((self.user_pos[u] for u, _ in likes), dtype=np.int64, count=len(likes))
        cols = np.fromiter((i for _, i in likes), dtype=np.int64, count=len(likes))
        from scipy import sparse  # imported here: scipy.sparse costs ~0.5 s, and only fitting needs it

        x = sparse.csr_matrix((data, (users, cols)), shape=(len(self.users), len(self.items)))
        x.data[:] = 1.0  # a repeated like counts once
        self.x = x

    def top(self, user: Hashable, scores: np.ndarray, k: int, exclude: Iterable[int] = ()) -> list[Hashable]:
        scores = np.asarray(scores, dtype=np.float64).copy()
        blocked = list(self.seen.get(user, ())) + list(exclude)
        scores[blocked] = -np.inf
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        part = np.argpartition(-scores, k - 1)[:k]
        order = part[np.lexsort((part, -scores[part]))]  # ties by catalog order
        return [self.items[i] for i in order]


class Baseline:
    """Fit on training rows and a catalog; :meth:`recommend` a user's top ``k`` unseen items."""

    name = "baseline"
    params: Mapping[str, Any] = {}
    """The settings a model was fitted with beyond its constructor's arguments (recorded with its results)."""

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable]) -> None:
        self.m = _Matrix(rows, catalog)
        if not self.m.items:
            raise InvalidInputError("the catalog is empty: nothing to recommend")

    def scores(self, user: Hashable) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def recommend(self, user: Hashable, k: int = 10) -> list[Hashable]:
        return self.m.top(user, self.scores(user), k)

    def _history(self, user: Hashable):
        row = self.m.user_pos.get(user)
        if row is not None:
            return self.m.x[row]
        from scipy import sparse

        return sparse.csr_matrix((1, len(self.m.items)), dtype=np.float32)


class RandomBaseline(Baseline):
    name = "random"

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable], seed: int = 0) -> None:
        super().__init__(rows, catalog)
        self.seed = seed

    def scores(self, user: Hashable) -> np.ndarray:
        rng = np.random.default_rng([self.seed, zlib.crc32(str(user).encode())])  # the same in every process
        return rng.random(len(self.m.items))


class MostPopular(Baseline):
    name = "most popular"

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable]) -> None:
        super().__init__(rows, catalog)
        self.counts = np.asarray(self.m.x.sum(axis=0)).ravel()

    def scores(self, user: Hashable) -> np.ndarray:
        return self.counts


class ItemKNN(Baseline):
    name = "item-kNN"

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable], neighbours: int = 100) -> None:
        super().__init__(rows, catalog)
        x = self.m.x.tocsc()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel()).clip(1e-12)
        sim = (x.T @ x).toarray().astype(np.float32)
        sim /= norms[:, None] * norms[None, :]
        np.fill_diagonal(sim, 0.0)
        if neighbours < sim.shape[0]:  # keep each item's strongest neighbours only
            cut = np.partition(sim, -neighbours, axis=0)[-neighbours]
            sim[sim < cut[None, :]] = 0.0
        self.sim = sim

    def scores(self, user: Hashable) -> np.ndarray:
        return np.asarray(self._history(user) @ self.sim).ravel()


class EASE(Baseline):
    name = "EASE"

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable], l2: float = 500.0) -> None:
        super().__init__(rows, catalog)
        n = len(self.m.items)
        if n > EASE_MAX_ITEMS:
            raise InvalidInputError(f"EASE inverts a dense {n:,} × {n:,} matrix (~{8 * n * n / 1e9:.0f} GB); it is "
                                    f"practical up to {EASE_MAX_ITEMS:,} items")
        gram = (self.m.x.T @ self.m.x).toarray().astype(np.float64)
        gram[np.diag_indices(n)] += l2
        p = np.linalg.inv(gram)
        self.b = (-p / np.diag(p)[None, :]).astype(np.float32)
        np.fill_diagonal(self.b, 0.0)

    def scores(self, user: Hashable) -> np.ndarray:
        return np.asarray(self._history(user) @ self.b).ravel()


class _Factors(Baseline):
    """A factor model of ``implicit``: a user's scores are their factors · every item's factors."""

    model = ""  # "als" or "bpr" in a subclass
    defaults: Mapping[str, float] = {}

    def __init__(self, rows: Iterable[LogRow], catalog: Sequence[Hashable], seed: int = 0, **params: float) -> None:
        super().__init__(rows, catalog)
        hyper = {**self.defaults, **params}
        self.user_factors, self.item_factors = fit_factors(self.model, self.m.x, seed=seed, **hyper)
        self.params = {**hyper, "seed": seed}

    def scores(self, user: Hashable) -> np.ndarray:
        row = self.m.user_pos.get(user)
        if row is None:  # no like in training: no factors, every item ties
            return np.zeros(len(self.m.items))
        return self.item_factors @ self.user_factors[row]


class ALS(_Factors):
    name, model, defaults = "ALS", "als", ALS_DEFAULTS


class BPR(_Factors):
    name, model, defaults = "BPR", "bpr", BPR_DEFAULTS


BASELINES = {"random": RandomBaseline, "most_popular": MostPopular, "item_knn": ItemKNN, "ease": EASE,
             "als": ALS, "bpr": BPR}
