"""Evaluate engine configurations and baselines on one split, through the public API.

:class:`Evaluation` holds a split and a catalog (a collection in any store). The engine is run as
users of the official API would: every training user becomes a persona with their training
interactions in a throwaway store that reads the catalog without copying it
(:class:`~core.store.overlay.OverlayStore`), so the catalog's own store is never written; each
test user then gets ``get_objects(..., exclude_interacted_items=True, now=<their last training
time>)``. Baselines (:mod:`core.eval.baselines`) rank the same users. Every run keeps per-user
metric values (for intervals and paired A/B differences), the time it took, each user's ranking
time and (engine runs) the seconds spent in each pipeline stage, from the responses' traces;
:meth:`Evaluation.load` builds the personas once and says how long that bulk load took.

``progress(done, total)`` is called as users are ranked; ``cancel()`` returning True stops a run
between users with :class:`~core.errors.CancelledError`. A ranking function may also end a run
early by raising :class:`StopRun` (a spent LLM budget, :mod:`core.eval.llm_run`): the users ranked
so far are the result, marked ``partial`` in its notes.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import CancelledError, InvalidInputError
from core.eval.baselines import BASELINES
from core.eval.metrics import K, METRICS, Estimate, mean_ci, paired_difference
from core.eval.splits import Split
from core.configs import BlendWeights, LLMConfig
from core.learn import BEHAVIOUR, train_behaviour
from core.eval.config import EngineConfig
from core.ids import to_uuid
from core.models import Persona, PersonaInteraction, PersonalizationAgentGetObjectsResponse
from core.personalization.sync import PersonalizationAgent
from core.store.base import Store
from core.store.embedded.store import EmbeddedStore
from core.store.overlay import OverlayStore

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class StopRun(Exception):
    """Raised by a ranking function to end a run before its next user; ``reason`` goes in the notes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class RunResult:
    """One configuration or baseline on the split: per-user metric values, time, what produced it."""

    name: str
    config: dict[str, Any]
    per_user: dict[str, dict[Hashable, float]]
    seconds: float
    lists: dict[Hashable, list] = field(default_factory=dict, repr=False)
    call_seconds: dict[Hashable, float] = field(default_factory=dict, repr=False)
    """Each user's ranking time (one ``get_objects`` call, or one baseline recommendation)."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Engine runs: total seconds in each pipeline stage over all users (the responses' traces)."""
    notes: dict[str, Any] = field(default_factory=dict)
    """What else the run recorded: ``partial`` with the users evaluated and why it stopped, LLM usage."""

    def call_ms(self, percentile: float = 50) -> float:
        """A percentile of the per-user ranking time, in milliseconds (NaN without users)."""
        times = list(self.call_seconds.values())
        return float(np.percentile(times, percentile)) * 1000 if times else math.nan

    def estimate(self, metric: str = "ndcg", **options: Any) -> Estimate:
        return mean_ci(self.per_user[metric].values(), **options)

    def versus(self, other: RunResult, metric: str = "ndcg", **options: Any) -> Estimate:
        """``other - self`` per user on ``metric``, with its interval (an A/B on the same users)."""
        return paired_difference(self.per_user[metric], other.per_user[metric], **options)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config, "seconds": round(self.seconds, 3),
                "ms_per_call_p50": round(self.call_ms(50), 3), **{m: asdict(self.estimate(m)) for m in self.per_user},
                **({"notes": self.notes} if self.notes else {})}


@dataclass(frozen=True)
class Loaded:
    """The bulk load of the training rows as personas (building the ``PersonaInteraction`` rows and one
    store ``add_interactions`` call that creates the personas): how many interactions and personas, how long."""

    interactions: int
    personas: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.interactions / self.seconds if self.seconds > 0 else math.inf


class _OneCatalog:
    """The catalog's store as the one shared, read-only collection of an overlay."""

    def __init__(self, store: Store, collection: str) -> None:
        self._store, self._collection = store, collection

    def names(self) -> frozenset[str]:
        return frozenset({self._collection})

    def store_for(self, collection: str) -> Store:
        return self._store


class Evaluation:
    """A split over the catalog ``collection`` of ``store``; :meth:`engine` and :meth:`baseline` runs."""

    def __init__(self, split: Split, store: Store, collection: str, *, k: int = K,
                 users: Sequence[Hashable] | None = None, part: str = "test",
                 properties: Mapping[Hashable, Mapping[str, Any]] | None = None, llm: Any = None,
                 behaviour: Mapping[str, Any] | None = None) -> None:
        """``part``: ``"test"`` (fit on training plus validation rows) or ``"validation"`` (fit on training
        only); ``properties``: persona properties per user; ``llm``: what agent ranking uses
        (an ``LLMConfig`` or ``LLMRanker``; None: the local agent); ``behaviour``: arguments of
        :func:`core.learn.train_behaviour` (``dims``, ``l2``, ``blend``) for the behaviour model the
        ``blend`` strategy learns from the training rows (trained once, before the first run that needs it)."""
        if part not in ("test", "validation"):
            raise InvalidInputError(f"part must be 'test' or 'validation', got {part!r}")
        split = split.for_validation() if part == "validation" else split.for_test() if split.validation_rows else split
        self.split, self.store, self.collection, self.k, self.part = split, store, collection, k, part
        self.properties = {u: dict(p) for u, p in (properties or {}).items() if p}
        self.llm = llm if llm is not None else LLMConfig()  # unconfigured: the local agent, whatever the env says
        self.catalog = [item.uuid for item in store.iter_items(collection)]
        self.catalog_pos = {u: i for i, u in enumerate(self.catalog)}
        known = set(self.catalog)
        wanted = list(users) if users is not None else list(split.test)
        self.users = [u for u in wanted if split.test.get(u) and split.train.get(u)]
        self.unknown_items = sum(r.item not in known for r in split.training_rows())
        self._agent: PersonalizationAgent | None = None
        self._overlay: OverlayStore | None = None
        self.loaded: Loaded | None = None
        self.behaviour = dict(behaviour or {})
        self.training_seconds: float | None = None
        self.behaviour_note: str | None = None
        """How long training the behaviour model on the training rows took (None: not trained)."""

    # the engine ------------------------------------------------------------------------------
    def load(self) -> Loaded:
        """Build the personas (once; the first run does it otherwise) and say what that took."""
        self._personas()
        assert self.loaded is not None
        return self.loaded

    def _personas(self) -> PersonalizationAgent:
        if self._agent is None:
            start = time.perf_counter()
            overlay = OverlayStore(EmbeddedStore(":memory:"), _OneCatalog(self.store, self.collection))
            overlay.attach(self.collection)
            schema = self.store.get_collection(self.collection).user_properties if self.properties else None
            agent = PersonalizationAgent.create(overlay, self.collection, user_properties=schema)
            known = set(self.catalog)
            pids = {u: persona_of(u) for u in self.split.train}  # once per user: a UUID5 is a hash
            rows = [PersonaInteraction(persona_id=pids[r.user], item_id=r.item, weight=_clip(r.value),
                                       created_at=_when(r.time)) for r in self.split.training_rows() if r.item in known]
            overlay.add_interactions(self.collection, rows, default_time=datetime.now(timezone.utc), create_personas=[
                Persona(persona_id=pid, properties=self.properties.get(u, {})) for u, pid in pids.items()])
            self.loaded = Loaded(len(rows), len(self.split.train), time.perf_counter() - start)
            self._agent, self._overlay = agent, overlay
        return self._agent

    def agent(self, config: EngineConfig = EngineConfig(), *, llm: Any = None,
              agent_config: Any = None) -> PersonalizationAgent:
        """The evaluation's agent over its throwaway personas, with ``config``'s blend weights; ``llm``
        (default: the evaluation's) and ``agent_config`` (default: the engine's) for agent ranking."""
        base = self._personas()
        if config.strategy in ("auto", "blend"):
            self.train()
        return PersonalizationAgent(store=self._overlay, reference_collection=self.collection,
                                    config=config.pipeline(base.config), llm=self.llm if llm is None else llm,
                                    agent_config=agent_config)

    def train(self) -> float:
        """Train the behaviour model on the training rows (once); the seconds it took."""
        self._personas()
        if self.training_seconds is None:
            start = time.perf_counter()
            try:
                train_behaviour(self._overlay, self.collection, **self.behaviour)
            except InvalidInputError as exc:  # too few likes to learn from: blend runs on content and popularity
                self.behaviour_note = str(exc)
            self.training_seconds = time.perf_counter() - start
        return self.training_seconds

    def retrain(self, behaviour: Mapping[str, Any]) -> float:
        """Train the behaviour model again with other :func:`~core.learn.train_behaviour` arguments; the seconds."""
        self.behaviour, self.training_seconds, self.behaviour_note = dict(behaviour), None, None
        return self.train()

    def stored_blend(self) -> BlendWeights | None:
        """The blend weights stored with the evaluation's behaviour model (None before training)."""
        learned = self._overlay.get_learned(self.collection, BEHAVIOUR) if self._overlay is not None else None
        return BlendWeights.model_validate(learned.meta["blend"]) if learned is not None else None

    def respond(self, user: Hashable, config: EngineConfig, agent: PersonalizationAgent
                ) -> PersonalizationAgentGetObjectsResponse:
        """``get_objects`` for ``user`` as a run under ``config`` asks it, from ``agent`` (see :meth:`agent`)."""
        return agent.get_objects(
            persona_of(user), limit=self.k, use_agent_ranking=config.use_agent_ranking,
            explain_results=False, exclude_interacted_items=True,
            recent_interactions_count=config.recent_interactions_count, decay_rate=config.decay_rate,
            strategy=None if config.strategy == "auto" else config.strategy, now=self._now(user),
            blend=config.blend(self.stored_blend()))

    def engine(self, config: EngineConfig = EngineConfig(), *, progress: Progress | None = None,
               cancel: Cancel | None = None, users: Sequence[Hashable] | None = None) -> RunResult:
        agent = self.agent(config)
        stages: Counter[str] = Counter()

        def rank(user: Hashable) -> list[UUID]:
            response = self.respond(user, config, agent)
            stages.update({step.name: step.seconds for step in response.trace})
            return [o.uuid for o in response.objects]
        result = self.run(config.label, asdict(config), rank, progress, cancel, users)
        result.stage_seconds = dict(stages)
        return result

    def _now(self, user: Hashable) -> datetime | None:
        times = [r.time for r in self.split.train[user] if r.time is not None and not math.isnan(r.time)]
        return _when(max(times)) if times else None

    # baselines -------------------------------------------------------------------------------
    def baseline(self, name: str, *, progress: Progress | None = None, cancel: Cancel | None = None,
                 **options: Any) -> RunResult:
        if name not in BASELINES:
            raise InvalidInputError(f"unknown baseline {name!r}; baselines: {', '.join(BASELINES)}")
        start = time.perf_counter()
        model = BASELINES[name](self.split.training_rows(), self.catalog, **options)
        fitted = time.perf_counter() - start
        result = self.run(model.name, {"baseline": name, **model.params, **options},
                           lambda u: model.recommend(u, self.k), progress, cancel)
        result.seconds += fitted
        return result

    def scored(self, name: str, config: dict[str, Any], lists: Mapping[Hashable, Sequence],
               seconds: float) -> RunResult:
        """The run of ranked ``lists`` made elsewhere (a baseline fitted in another process), scored here
        like every other run; a user without a list scores as an empty one."""
        result = self.run(name, config, lambda u: list(lists.get(u, ())))
        result.seconds = seconds
        return result

    # shared ----------------------------------------------------------------------------------
    def run(self, name: str, config: dict[str, Any], rank: Callable[[Hashable], list | None],
            progress: Progress | None = None, cancel: Cancel | None = None,
            users: Sequence[Hashable] | None = None) -> RunResult:
        """``rank(user)`` for each of ``users`` (default: the evaluation's) and its metrics.

        ``rank`` returning None leaves that user out; raising :class:`StopRun` ends the run there.
        """
        users = self.users if users is None else list(users)
        per_user: dict[str, dict[Hashable, float]] = {m: {} for m in METRICS}
        lists: dict[Hashable, list] = {}
        call_seconds: dict[Hashable, float] = {}
        notes: dict[str, Any] = {}
        start = time.perf_counter()
        for n, user in enumerate(users):
            if cancel is not None and cancel():
                raise CancelledError(f"evaluation of {name} cancelled after {n} of {len(users)} users")
            began = time.perf_counter()
            try:
                ranked = rank(user)
            except StopRun as stop:
                notes = {"partial": True, "users_evaluated": len(lists), "users_planned": len(users),
                         "stopped": stop.reason}
                break
            call_seconds[user] = time.perf_counter() - began
            if ranked is not None:
                lists[user] = ranked
                for metric, f in METRICS.items():
                    per_user[metric][user] = f(ranked, self.split.test[user], self.k)
            if progress is not None:
                progress(n + 1, len(users))
        return RunResult(name, config, per_user, time.perf_counter() - start, lists, call_seconds, notes=notes)


def persona_of(user: Hashable) -> UUID:
    """The persona id the evaluation gives a log's user."""
    return to_uuid(f"eval-user-{user}")


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, float(value)))


def _when(stamp: float | None) -> datetime | None:
    return None if stamp is None or math.isnan(stamp) else datetime.fromtimestamp(stamp, tz=timezone.utc)
