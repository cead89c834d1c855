"""Tune a collection's blend after its interactions change (an imported log), or say why not.

:func:`learn_behaviour` is what a script, the CLI's ``import-interactions`` and the lab's upload
call after a write: it tunes the blend on a validation split of the collection's own personas
(:func:`~core.eval.blend_tuning.tune_behaviour`; the test part is never read) and retrains with the
choice; when they are too few to tune on (fewer than ``min_users`` with a validation part), or
the interactions grew by less than :data:`RETUNE_GROWTH` since the stored weights were tuned, it
retrains with the weights already stored (tuned earlier, else the defaults) and says why.
:func:`import_and_tune` is :func:`core.import_interactions` followed by it, one call for a script::

    result = core.import_and_tune(store, "Movies", core.read_interaction_log("ratings.csv"))
    print(result.summary())   # what was stored, what was chosen on validation (or why not)

The import stays one atomic write and is kept whatever the learning does: a learning that fails
comes back as ``outcome == "unchanged"`` with the error as its reason, next to the import report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import InvalidInputError, PersonalizationError
from core.eval.blend_tuning import BlendTuning, tune_behaviour
from core.eval.runner import Cancel, Progress
from core.io.interaction_log import InteractionLog, LogMapping
from core.io.interactions import InteractionImportReport, import_interactions
from core.learn import BehaviourStatus, behaviour_status, train_behaviour
from core.store.base import Store

__all__ = ["MIN_TUNE_USERS", "TUNE_USERS", "LearningReport", "TunedImport", "import_and_tune", "learn_behaviour"]

TUNE_USERS = 1000
"""Validation users a tuning scores at most (as :func:`~core.eval.blend_tuning.tune_behaviour`)."""
MIN_TUNE_USERS = 10
"""Fewer personas with a validation part than this are not tuned on (the stored weights are kept). A
choice among 96 points on a few users is noisy: per-user NDCG@10 has a standard deviation near 0.18
(the movies run under Measurements in the README), so ten users give an interval near ±0.11; the
tuning record keeps the user count."""
RETUNE_GROWTH = 0.25
"""Weights tuned on ``n`` interactions are tuned again once there are ``(1 + RETUNE_GROWTH) n`` (as the
automatic retrain's growth): a small import into a large catalog (a sample's community) keeps them."""


@dataclass(frozen=True)
class LearningReport:
    """What happened to the behaviour model: ``"tuned"`` (``tuning`` is set), ``"trained"`` with the weights
    stored before (``reason`` says why it was not tuned), or ``"unchanged"`` (``reason`` says why)."""

    outcome: str
    status: BehaviourStatus
    seconds: float
    tuning: BlendTuning | None = None
    reason: str | None = None

    def summary(self) -> str:
        """One or two sentences, e.g. ``tuned the blend on 593 validation users ...; retrained on ...``."""
        if self.tuning is not None:
            r = self.tuning.record()
            default = r["default_validation"]
            default = f"; the default weights {default:.4f}" if default is not None else ""
            return (f"tuned the blend on {r['users']:,} validation users in {self.seconds:.1f} s: chose "
                    f"{self.tuning.best.label()}, model {_model(r['model'], self.status.meta)} "
                    f"(validation {r['metric'].upper()} {r['validation']:.4f}{default}); retrained on "
                    f"{self.status.trained_on:,} interactions")
        if self.outcome == "trained":
            return (f"not tuned: {self.reason}; retrained on {self.status.trained_on:,} interactions in "
                    f"{self.seconds:.1f} s, {self.status.blend_note}")
        model = "the stored behaviour model is kept" if self.status.trained else "no behaviour model yet"
        return f"{model}: {self.reason}"

    def record(self) -> dict[str, Any]:
        """The outcome as plain data (the CLI's ``--json``)."""
        return {"outcome": self.outcome, "reason": self.reason, "seconds": round(self.seconds, 3),
                "tuning": self.tuning.record() if self.tuning is not None else None,
                "blend": self.status.meta.get("blend"), "trained_on": self.status.trained_on,
                "interactions": self.status.interactions}


def _model(chosen: dict[str, Any], meta: dict[str, Any]) -> str:
    """The chosen model setting, with the dimensions the collection could hold when fewer."""
    held = meta.get("dims")
    dims = f"{chosen.get('dims')} dims" + (f" ({held} held)" if held is not None and held != chosen.get("dims") else "")
    return f"{dims}, l2 {chosen.get('l2'):g}"


def _tuning_holds(status: BehaviourStatus) -> str | None:
    """Why the stored tuning still holds (the interactions grew by less than :data:`RETUNE_GROWTH` since), or None."""
    if status.tuned_on is None or status.interactions >= (1 + RETUNE_GROWTH) * status.tuned_on:
        return None
    return (f"the blend weights were tuned on {status.tuned_on:,} interactions and there are {status.interactions:,} "
            f"now, less than {RETUNE_GROWTH:.0%} more; they are kept (`train --tune` or Tune and retrain chooses "
            "again now)")


def learn_behaviour(store: Store, collection: str, *, tune: bool = True, users: int = TUNE_USERS,
                    min_users: int = MIN_TUNE_USERS, seed: int = 0, progress: Progress | None = None,
                    cancel: Cancel | None = None) -> LearningReport:
    """Tune ``collection``'s blend on validation and retrain with the choice, or retrain with the stored
    weights when it cannot be tuned (or ``tune`` is false); see the module docstring.

    ``progress(done, total)`` follows the tuning's validation users; ``cancel()`` returning True stops it
    between users with :class:`~core.errors.CancelledError`, the model as it was.
    """
    _check_users(users)
    started = time.perf_counter()
    reason = "tuning was not asked for" if not tune else _tuning_holds(behaviour_status(store, collection))
    if reason is None:
        try:
            tuning = tune_behaviour(store, collection, users=users, min_users=min_users, seed=seed,
                                    progress=progress, cancel=cancel)
            return LearningReport("tuned", behaviour_status(store, collection), time.perf_counter() - started, tuning)
        except InvalidInputError as exc:  # the personas do not allow a validation split worth tuning on
            reason = str(exc)
    try:
        train_behaviour(store, collection)
    except InvalidInputError as exc:  # too few likes to learn item vectors from
        return LearningReport("unchanged", behaviour_status(store, collection), time.perf_counter() - started,
                              reason=f"{exc} (not tuned: {reason})")
    return LearningReport("trained", behaviour_status(store, collection), time.perf_counter() - started, reason=reason)


def _check_users(users: int) -> None:
    if isinstance(users, bool) or not isinstance(users, int) or users < 1:
        raise InvalidInputError(f"the number of validation users to tune on must be an integer of at least 1, "
                                f"got {users!r}")


@dataclass(frozen=True)
class TunedImport:
    """An import's report and what the behaviour model learned from it."""

    report: InteractionImportReport
    learning: LearningReport

    def summary(self) -> str:
        return f"{self.report.summary()}; {self.learning.summary()}"


def import_and_tune(store: Store, collection: str, log: InteractionLog, mapping: LogMapping | None = None, *,
                    tune: bool = True, tune_users: int = TUNE_USERS, min_users: int = MIN_TUNE_USERS,
                    skip_unknown_items: bool = False, name_property: str | None = "name",
                    progress: Callable[[int, int], None] | None = None, tune_progress: Progress | None = None,
                    cancel: Cancel | None = None, now: datetime | None = None) -> TunedImport:
    """:func:`core.import_interactions` (its arguments and errors: a bad row stores nothing), then
    :func:`learn_behaviour` on the collection; ``tune=False`` only retrains with the stored weights.

    Once the rows are stored they stay: an error while learning (or a cancel) is the learning's
    ``reason`` with ``outcome == "unchanged"``, not an exception.
    """
    _check_users(tune_users)  # a usage error stops before anything is stored
    report = import_interactions(store, collection, log, mapping, skip_unknown_items=skip_unknown_items,
                                 name_property=name_property, progress=progress, now=now)
    started = time.perf_counter()
    try:
        learning = learn_behaviour(store, collection, tune=tune, users=tune_users, min_users=min_users,
                                   progress=tune_progress, cancel=cancel)
    except PersonalizationError as exc:  # the import is stored: report the failure beside it
        learning = LearningReport("unchanged", behaviour_status(store, collection), time.perf_counter() - started,
                            reason=f"learning failed after the import: {exc}")
    return TunedImport(report, learning)
