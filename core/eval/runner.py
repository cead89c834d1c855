"""Evaluate engine configurations and baselines on one split, through the public API.

:class:`Evaluation` holds a split and a catalog (a collection in any store). The engine is run as
users of the official API would: every training user becomes a persona with their training
interactions in a throwaway store that reads the catalog without copying it
(:class:`~core.store.overlay.OverlayStore`), so the catalog's own store is never written; each
test user then gets ``get_objects(..., exclude_interacted_items=True, now=<their last training
time>)``. Baselines (:mod:`core.eval.baselines`) rank the same users. Every run keeps per-user
metric values (for intervals and paired A/B differences), the time it took and what produced it.

``progress(done, total)`` is called as users are ranked; ``cancel()`` returning True stops a run
between users with :class:`~core.errors.CancelledError`. A ranking function may also end a run
early by raising :class:`StopRun` (a spent LLM budget, :mod:`core.eval.llm_run`): the users ranked
so far are the result, marked ``partial`` in its notes.

Agent ranking here is the local agent whatever the environment configures: an LLM reranking run
goes through :mod:`core.eval.llm_run`, with its cost estimated up front and a budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from core.configs import LLMConfig
from core.errors import CancelledError, InvalidInputError
from core.eval.baselines import BASELINES
from core.eval.metrics import K, METRICS, Estimate, mean_ci, paired_difference
from core.eval.splits import Split
from core.ids import to_uuid
from core.models import PersonaInteraction, PersonalizationAgentGetObjectsResponse
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


@dataclass(frozen=True)
class EngineConfig:
    """One engine setting to evaluate (``get_objects`` arguments; the defaults are the engine's)."""

    strategy: str = "centroid"
    decay_rate: float = 0.1
    recent_interactions_count: int = 100
    popularity_weight: float | None = None
    use_agent_ranking: bool = False

    @property
    def label(self) -> str:
        pop = "default" if self.popularity_weight is None else f"{self.popularity_weight:g}"
        return (f"{self.strategy} · decay {self.decay_rate:g} · recent {self.recent_interactions_count} · "
                f"popularity {pop}{' · agent' if self.use_agent_ranking else ''}")


@dataclass
class RunResult:
    """One configuration or baseline on the split: per-user metric values, time, what produced it."""

    name: str
    config: dict[str, Any]
    per_user: dict[str, dict[Hashable, float]]
    seconds: float
    lists: dict[Hashable, list] = field(default_factory=dict, repr=False)
    notes: dict[str, Any] = field(default_factory=dict)
    """What else the run recorded: ``partial`` with the users evaluated and why it stopped, LLM usage."""

    def estimate(self, metric: str = "ndcg", **options: Any) -> Estimate:
        return mean_ci(self.per_user[metric].values(), **options)

    def versus(self, other: RunResult, metric: str = "ndcg", **options: Any) -> Estimate:
        """``other - self`` per user on ``metric``, with its interval (an A/B on the same users)."""
        return paired_difference(self.per_user[metric], other.per_user[metric], **options)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "config": self.config, "seconds": round(self.seconds, 3),
                **{m: asdict(self.estimate(m)) for m in self.per_user}, **({"notes": self.notes} if self.notes else {})}


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
                 users: Sequence[Hashable] | None = None) -> None:
        self.split, self.store, self.collection, self.k = split, store, collection, k
        self.catalog = [item.uuid for item in store.iter_items(collection)]
        known = set(self.catalog)
        wanted = list(users) if users is not None else list(split.test)
        self.users = [u for u in wanted if split.test.get(u) and split.train.get(u)]
        self.unknown_items = sum(r.item not in known for r in split.training_rows())
        self._agent: PersonalizationAgent | None = None

    # the engine ------------------------------------------------------------------------------
    def _personas(self) -> PersonalizationAgent:
        if self._agent is None:
            overlay = OverlayStore(EmbeddedStore(":memory:"), _OneCatalog(self.store, self.collection))
            overlay.attach(self.collection)
            agent = PersonalizationAgent.create(overlay, self.collection, llm=LLMConfig())  # no LLM: the local agent
            known = set(self.catalog)
            rows = [PersonaInteraction(persona_id=persona_of(r.user), item_id=r.item, weight=_clip(r.value),
                                       created_at=_when(r.time)) for r in self.split.training_rows() if r.item in known]
            overlay.add_interactions(self.collection, rows, default_time=datetime.now(timezone.utc),
                                     create_personas={persona_of(u) for u in self.split.train})
            self._agent = agent
        return self._agent

    def agent(self, **options: Any) -> PersonalizationAgent:
        """The agent over this evaluation's personas; ``options`` (e.g. ``llm=``) give another one over them."""
        base = self._personas()
        return PersonalizationAgent(base.store, base.collection, **options) if options else base

    def respond(self, user: Hashable, config: EngineConfig = EngineConfig(), *,
                agent: PersonalizationAgent | None = None) -> PersonalizationAgentGetObjectsResponse:
        """``get_objects`` for ``user`` as a run under ``config`` asks it (no explanations: they cost time)."""
        return (agent or self._personas()).get_objects(
            persona_of(user), limit=self.k, use_agent_ranking=config.use_agent_ranking,
            exclude_interacted_items=True, recent_interactions_count=config.recent_interactions_count,
            decay_rate=config.decay_rate, strategy=config.strategy, now=self._now(user),
            popularity_weight=config.popularity_weight, explain_results=False)

    def engine(self, config: EngineConfig = EngineConfig(), *, progress: Progress | None = None,
               cancel: Cancel | None = None, users: Sequence[Hashable] | None = None) -> RunResult:
        return self.run(config.label, asdict(config), lambda u: [o.uuid for o in self.respond(u, config).objects],
                        progress, cancel, users)

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
        result = self.run(model.name, {"baseline": name, **options}, lambda u: model.recommend(u, self.k),
                           progress, cancel)
        result.seconds += fitted
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
        notes: dict[str, Any] = {}
        start = time.perf_counter()
        for n, user in enumerate(users):
            if cancel is not None and cancel():
                raise CancelledError(f"evaluation of {name} cancelled after {n} of {len(users)} users")
            try:
                ranked = rank(user)
            except StopRun as stop:
                notes = {"partial": True, "users_evaluated": len(lists), "users_planned": len(users),
                         "stopped": stop.reason}
                break
            if ranked is not None:
                lists[user] = ranked
                for metric, f in METRICS.items():
                    per_user[metric][user] = f(ranked, self.split.test[user], self.k)
            if progress is not None:
                progress(n + 1, len(users))
        return RunResult(name, config, per_user, time.perf_counter() - start, lists, notes)


def persona_of(user: Hashable) -> UUID:
    """The persona id the evaluation gives a log's user."""
    return to_uuid(f"eval-user-{user}")


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, float(value)))


def _when(stamp: float | None) -> datetime | None:
    return None if stamp is None or math.isnan(stamp) else datetime.fromtimestamp(stamp, tz=timezone.utc)
