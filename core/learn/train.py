"""Train a collection's behaviour model from every persona's interactions, and say when it is stale.

:func:`train_behaviour` builds the personas × items like matrix (weight > 0, a repeated like
counted once) from :meth:`~core.store.base.Store.scan_interactions`, fits
:func:`~core.learn.spectral.fit_spectral` and stores the vectors with
:meth:`~core.store.base.Store.put_learned` under :data:`~core.learn.model.BEHAVIOUR`. The metadata
records the parameters, the training time and a fingerprint of the interactions it saw; a retrain
keeps the blend weights tuned earlier (:mod:`core.eval.blend_tuning`) unless given new ones.

A model is *stale* when interactions were added, changed or removed since it was trained. New
interactions of a persona count at once without retraining (its query is folded in at every
request); what a retrain adds is what they teach about the items. :func:`ensure_behaviour` is what
``get_objects`` calls: it trains a collection that has likes but no model, and retrains a stale one
whose log grew by a quarter, when that is cheap (at most :data:`AUTO_TRAIN_MAX` interactions, about
a second or two); bigger logs are retrained explicitly (``agent.train_behaviour()``, ``python -m core
train``, the lab's Retrain button).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from core.configs import BlendWeights
from core.errors import InvalidInputError, ReadOnlyError
from core.learn.model import BEHAVIOUR, BehaviourModel
from core.learn.spectral import fit_spectral
from core.store.base import AppendedInteractions, InteractionScan, LearnedVectors, Store

DEFAULT_DIMS = 128
"""Dimensions of an untuned model. Each request reads every item's learned vector, so this sets the blend's
extra cost: at 10,000 items 128 dims keep a request within 1.2x of vector-only, 256 do not; on the movies
validation part 128 dims lose 2 % of 256's NDCG (``benchmarks/results/behaviour_models.md``). Tuning
chooses more where validation shows they pay (:data:`core.eval.blend_tuning.MODEL_GRID`)."""
DEFAULT_L2 = 250.0
AUTO_TRAIN_MAX = 300_000
"""``get_objects`` trains or retrains by itself only up to this many interactions."""
AUTO_RETRAIN_GROWTH = 0.25


def fingerprint(scan: InteractionScan) -> dict[str, Any]:
    """What a model was trained on: counts and sums that change with any added, changed or removed interaction."""
    return {"interactions": len(scan), "personas": len(scan.personas),
            "weight_sum": round(float(np.asarray(scan.weight, np.float64).sum()), 4),
            "time_sum": round(float(np.nansum(scan.created_at)), 1)}


def grown_fingerprint(old: dict[str, Any], appended: AppendedInteractions) -> dict[str, Any]:
    """:func:`fingerprint` after ``appended`` without a scan (sums rounded as there; any appended row changes it)."""
    return {"interactions": old["interactions"] + appended.rows, "personas": old["personas"] + appended.new_personas,
            "weight_sum": round(old["weight_sum"] + appended.weight_sum, 4),
            "time_sum": round(old["time_sum"] + appended.time_sum, 1)}


def like_matrix(scan: InteractionScan):
    """Personas × items 0/1 sparse matrix of likes (columns are ``scan.items``)."""
    from scipy import sparse  # ~0.5 s to import: only when training

    liked = np.asarray(scan.weight) > 0
    x = sparse.csr_matrix((np.ones(int(liked.sum()), np.float32), (scan.persona_index[liked], scan.item_index[liked])),
                          shape=(len(scan.personas), len(scan.items)))
    x.data[:] = 1.0
    return x


def train_behaviour(store: Store, collection: str, *, dims: int | None = None, l2: float | None = None,
                    blend: BlendWeights | None = None, seed: int = 0, tuning: Mapping[str, Any] | None = None,
                    store_result: bool = True) -> LearnedVectors:
    """Fit and store the behaviour model of ``collection`` (module docstring); returns what was stored."""
    old = store.get_learned(collection, BEHAVIOUR)
    old_meta = dict(old.meta) if old is not None else {}
    dims = int(dims or old_meta.get("dims_requested") or DEFAULT_DIMS)
    l2 = float(l2 or old_meta.get("l2") or DEFAULT_L2)
    if dims < 1 or dims > 4096:
        raise InvalidInputError(f"dims must be an integer in [1, 4096], got {dims!r}")
    started = time.perf_counter()
    scan = store.scan_interactions(collection)
    vectors, fold = fit_spectral(like_matrix(scan), dims, l2, seed=seed)
    if blend is None:  # a retrain keeps the weights stored with the previous model
        blend = BlendWeights.model_validate(old_meta["blend"]) if old_meta.get("blend") else BlendWeights()
    meta = {"kind": "spectral-ease", "dims": int(vectors.shape[1] - 1), "dims_requested": dims, "l2": l2, "seed": seed,
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3), "trained_on": fingerprint(scan),
            "items_with_likes": int((np.bincount(scan.item_index[np.asarray(scan.weight) > 0],
                                                 minlength=len(scan.items)) > 0).sum()),
            "blend": blend.model_dump(mode="json"),
            "tuning": dict(tuning) if tuning is not None else old_meta.get("tuning")}
    learned = LearnedVectors(tuple(scan.items), vectors, fold, meta)
    if store_result:
        store.put_learned(collection, BEHAVIOUR, learned)
    return learned


@dataclass(frozen=True)
class BehaviourStatus:
    """Whether ``collection`` has a behaviour model and whether it is stale."""

    trained: bool
    stale: bool
    interactions: int
    """Interactions stored now."""
    trained_on: int | None
    """Interactions the model was trained on (None: no model)."""
    meta: Mapping[str, Any]

    @property
    def summary(self) -> str:
        if not self.trained:
            return f"no behaviour model yet ({self.interactions:,} interactions stored)"
        when = self.meta.get("trained_at", "?")
        state = (f"stale: {self.interactions - (self.trained_on or 0):+,} interactions since training"
                 if self.stale else "up to date")
        return (f"behaviour model: {self.meta.get('dims')} dims, trained {when} on {self.trained_on:,} "
                f"interactions in {self.meta.get('seconds', 0):.1f} s; {state}; {self.blend_note}")

    @property
    def tuned_on(self) -> int | None:
        """Interactions stored when the blend weights were tuned (None: not tuned, or not recorded)."""
        tuning = self.meta.get("tuning") or {}
        return tuning.get("interactions")

    @property
    def tuned_since(self) -> int:
        """Interactions added (minus removed) since the blend weights were tuned (0: not recorded)."""
        return 0 if self.tuned_on is None else self.interactions - self.tuned_on

    @property
    def blend_note(self) -> str:
        """Where the stored blend weights come from; a retrain keeps weights tuned on older data."""
        if not self.meta.get("tuning"):
            return "blend weights not tuned"
        if self.tuned_on is None:
            return "blend weights tuned on validation"
        since = f" ({self.tuned_since:+,} since)" if self.tuned_since else ""
        return f"blend weights tuned on {self.tuned_on:,} interactions{since}"


def behaviour_status(store: Store, collection: str) -> BehaviourStatus:
    learned = store.get_learned(collection, BEHAVIOUR)
    now = store.memo(collection, "interaction_fingerprint", lambda: fingerprint(store.scan_interactions(collection)),
                     grow=grown_fingerprint)
    if learned is None:
        return BehaviourStatus(False, False, now["interactions"], None, {})
    seen = dict(learned.meta.get("trained_on") or {})
    return BehaviourStatus(True, seen != now, now["interactions"], seen.get("interactions"), dict(learned.meta))


def behaviour_model(store: Store, collection: str) -> BehaviourModel | None:
    """The stored model as the engine reads it (None without one), memoised until the next write."""
    learned = store.get_learned(collection, BEHAVIOUR)  # cached by the store; the memo is per model object
    if learned is None:  # a read-only workspace's model lives in memory only (see _auto_train)
        return _unsaved(store, collection).get("model")
    return store.memo(collection, f"behaviour_model:{id(learned)}", lambda: BehaviourModel(learned),
                      grow=BehaviourModel.carried)  # added interactions or items leave the vectors as they are


def ensure_behaviour(store: Store, collection: str,
                     train: Callable[..., LearnedVectors] = train_behaviour) -> BehaviourModel | None:
    """The model ``get_objects`` uses: trained or retrained first when that is cheap (module docstring).

    One attempt per state of the interactions: a failed one (too few likes) is not retried until
    the next write, so requests on an untrainable collection pay nothing for it.
    """
    status = behaviour_status(store, collection)
    due = (not status.trained and status.interactions) or (
        status.stale and status.interactions >= (1 + AUTO_RETRAIN_GROWTH) * (status.trained_on or 0))
    if due and status.interactions <= AUTO_TRAIN_MAX:
        store.memo(collection, "behaviour_auto_train", lambda: _auto_train(store, collection, train))
    return behaviour_model(store, collection)


def _unsaved(store: Store, collection: str) -> dict[str, BehaviourModel]:
    """A box for the model of a workspace that cannot store one, kept until the collection's next write."""
    return store.memo(collection, "behaviour_unsaved", dict)


def _auto_train(store: Store, collection: str, train: Callable[..., LearnedVectors]) -> bool:
    """Train and store (a read-only workspace: keep the model in memory only); whether a model came of it."""
    try:
        train(store, collection)
    except ReadOnlyError:  # a protected workspace: learn for this process only
        _unsaved(store, collection)["model"] = BehaviourModel(train(store, collection, store_result=False))
    except InvalidInputError:  # too few likes to learn from: no model yet
        return False
    return True
