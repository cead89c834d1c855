"""Tune the ``blend`` strategy per catalog on a validation split (never on test).

For each behaviour model setting (``dims``, ``l2``) a model is trained on the split's training
rows (:meth:`Evaluation.train`), and each validation user's three parts are computed once over the
whole catalog by the engine's own code (:func:`blend_parts`: the blend scorer's content and
behaviour similarities, the engine's popularity); every weight point of the grid is then a linear
combination of them, ranked with the user's training items excluded and scored by
:meth:`Evaluation.scored`. The chosen point is then run once through ``get_objects`` on the same
users (``confirmed``): the engine must reproduce it (the tests check they agree).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.configs import BlendWeights, PipelineConfig
from core.errors import CancelledError, InvalidInputError
from core.eval.config import EngineConfig
from core.eval.runner import Cancel, Evaluation, Progress, RunResult, persona_of
from core.eval.sources import split_source, store_source
from core.eval.splits import LogRow, Split
from core.learn import behaviour_status, train_behaviour
from core.models import GetObjectsOptions
from core.retrieval.popularity import popularity
from core.retrieval.strategies.blend import STRATEGY as BLEND, known_likes, ramp_factor
from core.retrieval.vector_stage import load_profile
from core.store.base import Store

WEIGHT_GRID: dict[str, tuple] = {"content": (0.0, 0.1, 0.2, 0.4), "popularity": (0.0, 0.05, 0.2),
                                 "ramp": (0.0, 3.0), "query": ("graded", "binary")}
MODEL_GRID: tuple[dict[str, Any], ...] = ({"dims": 256, "l2": 250.0}, {"dims": 1536, "l2": 50.0})
"""Chosen from sweeps on the samples' validation parts (``benchmarks/results/behaviour_models.md``): movies
(610 users) peaks near 256 dimensions and l2 250; books (53,424 users) gains up to ~1,500 dimensions
with a smaller l2. A catalog with fewer users than dimensions gets as many as it can hold."""
MIN_INTERACTIONS = 5
""":func:`tune_behaviour` splits only the personas with at least this many interactions."""


@dataclass
class BlendTuning:
    """Every point's validation result, the chosen model setting and weights, and the engine's check."""

    metric: str
    points: list[tuple[dict[str, Any], BlendWeights, RunResult]]
    best_model: dict[str, Any]
    best: BlendWeights
    confirmed: RunResult | None = None
    seconds: float = 0.0
    training_seconds: dict[str, float] = field(default_factory=dict)
    interactions: int | None = None
    """The collection's interactions when it was tuned (:func:`tune_behaviour`; None for a split given directly)."""
    split: str | None = None
    """The split's protocol (``"temporal"``, ``"random"``, ...)."""

    def best_result(self) -> RunResult:
        return max(self.points, key=lambda p: _mean(p[2], self.metric))[2]

    def record(self) -> dict[str, Any]:
        """What is stored with the model: the choice, its validation score and the default's."""
        default = [r for m, w, r in self.points if w == BlendWeights() and m == self.points[0][0]]
        best = self.best_result()
        return {"metric": self.metric, "validation": round(_mean(best, self.metric), 5),
                "default_validation": round(_mean(default[0], self.metric), 5) if default else None,
                "engine_validation": round(_mean(self.confirmed, self.metric), 5) if self.confirmed else None,
                "points": len(self.points), "users": best.estimate(self.metric).users, "model": self.best_model,
                "seconds": round(self.seconds, 1), "split": self.split,
                **({"interactions": self.interactions} if self.interactions is not None else {})}


def _mean(result: RunResult, metric: str) -> float:
    return result.estimate(metric).mean


def weight_points(grid: Mapping[str, Sequence] | None = None) -> list[BlendWeights]:
    """Every :class:`BlendWeights` of ``grid`` (names of its fields to values), behaviour weight 1."""
    grid = dict(WEIGHT_GRID if grid is None else grid)
    unknown = set(grid) - set(BlendWeights.model_fields)
    if unknown:
        raise InvalidInputError(f"cannot tune {sorted(unknown)}; blend weights: {list(BlendWeights.model_fields)}")
    names = list(grid)
    return [BlendWeights(**dict(zip(names, combo))) for combo in itertools.product(*(grid[n] for n in names))]


def blend_parts(evaluation: Evaluation, user: Hashable, ids: Sequence, X: np.ndarray, config: PipelineConfig,
                queries: Sequence[str], base: EngineConfig = EngineConfig()) -> dict[str, Any]:
    """One user's content similarity, behaviour similarity per query kind and known likes over the
    catalog ``ids`` (vectors ``X``), from the blend scorer itself, as a run under ``base`` sees them."""
    store, collection = evaluation._overlay, evaluation.collection
    persona = store.get_persona(collection, persona_of(user))
    parts: dict[str, Any] = {}
    for kind in queries:
        options = GetObjectsOptions(strategy="blend", blend=BlendWeights(query=kind), now=evaluation._now(user),
                                    decay_rate=base.decay_rate, recent_interactions_count=base.recent_interactions_count)
        profile = load_profile(store, collection, persona, options, config)
        scorer = BLEND.scorer(profile, config.strategy)
        if "content" not in parts:
            parts["content"] = scorer.score(X)[1]["content_similarity"]
            parts["likes"] = known_likes(scorer.model, profile.learned.history) if scorer.model else 0
        parts[kind] = scorer.model.similarity_rows(scorer.query, ids) if scorer.model is not None and \
            scorer.query is not None else np.zeros(len(ids), np.float32)  # the row map converted once per catalog
    return parts


def tune_blend(split: Split, store: Store, collection: str, *, users: Sequence[Hashable] | None = None,
               grid: Mapping[str, Sequence] | None = None, models: Sequence[Mapping[str, Any]] | None = None,
               metric: str = "ndcg", confirm: bool = True, k: int = 10, progress: Progress | None = None,
               cancel: Cancel | None = None) -> BlendTuning:
    """Choose the behaviour model setting and blend weights with the best validation ``metric``."""
    weights = weight_points(grid)
    models = [dict(m) for m in (models or MODEL_GRID)]
    queries = sorted({w.query for w in weights})
    started, points, trained = time.perf_counter(), [], {}
    ev = Evaluation(split, store, collection, k=k, part="validation", users=users)  # the personas load once
    for n, model in enumerate(models):
        trained[f"dims {model.get('dims')} l2 {model.get('l2')}"] = round(ev.retrain(model), 2)
        ids = ev.catalog
        X = store.get_vectors(collection, ids)
        pop = popularity(ev._overlay, collection).scaled(ids)
        config = ev.agent().config
        seen = {u: [ev.catalog_pos[r.item] for r in ev.split.train[u] if r.item in ev.catalog_pos] for u in ev.users}
        lists: dict[int, dict[Hashable, list]] = {k: {} for k in range(len(weights))}
        for done, user in enumerate(ev.users):
            if cancel is not None and cancel():
                raise CancelledError(f"tuning cancelled after {done} of {len(ev.users)} users")
            parts = blend_parts(ev, user, ids, X, config, queries)
            for k, w in enumerate(weights):
                score = w.content * parts["content"] + w.behaviour * ramp_factor(parts["likes"], w.ramp) * \
                    parts[w.query] + w.popularity * pop
                lists[k][user] = _top(score, seen[user], ids, ev.k)
            if progress is not None:
                progress(n * len(ev.users) + done + 1, len(models) * len(ev.users))
        points += [(model, w, ev.scored(w.label(), {**model, **w.model_dump()}, lists[k], 0.0))
                   for k, w in enumerate(weights)]
    best_model, best, _ = max(points, key=lambda p: _mean(p[2], metric))
    tuning = BlendTuning(metric, points, best_model, best, training_seconds=trained, split=split.protocol.get("split"))
    if confirm:
        if best_model != models[-1]:
            ev.retrain(best_model)
        tuning.confirmed = ev.engine(EngineConfig(strategy="blend", decay_rate=0.1, content_weight=best.content,
                                                  behaviour_weight=best.behaviour, popularity_weight=best.popularity,
                                                  ramp=best.ramp, behaviour_query=best.query))
    tuning.seconds = time.perf_counter() - started
    return tuning


def _top(score: np.ndarray, seen: Sequence[int], ids: Sequence, k: int) -> list:
    score = np.asarray(score, dtype=np.float64).copy()
    score[list(seen)] = -np.inf
    k = min(k, int(np.isfinite(score).sum()))  # a small catalog: no more than its unseen items
    if k <= 0:
        return []
    top = np.argpartition(-score, k - 1)[:k]
    order = top[np.lexsort((top, -score[top]))]
    return [ids[i] for i in order]


def tuned_behaviour(tuning: BlendTuning) -> dict[str, Any]:
    """:func:`core.learn.train_behaviour` arguments for the tuned choice (an :class:`Evaluation`'s ``behaviour``)."""
    return {**tuning.best_model, "blend": tuning.best, "tuning": tuning.record()}


def spans_time(rows: Sequence[LogRow]) -> bool:
    """Whether most users' interactions carry more than one distinct time: what a temporal split needs.
    A log imported without times is stored at the import's time, a sample's community without times
    (books) at :data:`core.io.community.UNTIMED_AT`; ordering those by time would be ordering by file."""
    times: dict[Hashable, set] = {}
    for row in rows:
        times.setdefault(row.user, set()).add(row.time)
    return sum(len(t) > 1 for t in times.values()) * 2 >= len(times) > 0


def tune_behaviour(store: Store, collection: str, *, users: int = 1000, min_users: int = 1, seed: int = 0,
                   grid: Mapping[str, Sequence] | None = None, models: Sequence[Mapping[str, Any]] | None = None,
                   progress: Progress | None = None, cancel: Cancel | None = None) -> BlendTuning:
    """Tune ``collection``'s blend on its personas, then retrain its model on all of them with the choice.

    Every persona the model learns from takes part, a sample's community (background personas)
    included, so the tuning's models learn from what the stored one does. The interactions are
    split per user (temporal when every one has a real time, else random with ``seed``: a log stored
    without times has one placeholder time per user, see :func:`spans_time`; 20 % held out,
    20 % of the rest for validation); the grid is tuned on validation for the first ``users``
    validation users, the test part is never read. Fewer than ``min_users``
    personas with a validation part is an :class:`~core.errors.InvalidInputError` saying so. The
    model stored afterwards is trained on every interaction and carries the chosen weights and the
    tuning record (with the number of interactions stored when tuning began).
    """
    interactions = behaviour_status(store, collection).interactions
    source = store_source(store, collection, background=True)
    protocol = "temporal" if source.timed and spans_time(source.rows) else "random"
    split = split_source(source, protocol, validation_fraction=0.2, seed=seed, min_interactions=MIN_INTERACTIONS)
    ready = sorted((u for u, held in split.validation.items() if held), key=str)
    if len(ready) < max(min_users, 1):
        raise InvalidInputError(
            f"too few personas to tune on: {len(ready):,} of the {source.users:,} personas have a validation part "
            f"(at least {MIN_INTERACTIONS} interactions and a liked one held out); tuning needs {max(min_users, 1):,}")
    tuning = tune_blend(split, store, collection, users=ready[:users], grid=grid, models=models, progress=progress,
                        cancel=cancel)
    tuning.interactions = interactions
    train_behaviour(store, collection, **tuned_behaviour(tuning))
    return tuning
