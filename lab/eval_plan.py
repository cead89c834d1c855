"""What the Evaluate page's widgets ask for, as plain values, and the background job that runs it.

No widget here: :class:`Protocol` and :class:`Plan` hold the choices, :func:`engine_configs`
crosses the chosen settings into engine configurations, :func:`parse_values` reads a sweep's
values, :func:`problems` names what is wrong before anything runs, and :func:`job_for` builds
the :class:`core.EvaluationJob` whose preparation (reading the log, splitting it, sampling users)
runs in the job's own thread. Tested directly, like ``lab.interaction_upload.mapping_from``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core import (EngineConfig, Evaluation, EvaluationJob, InvalidInputError, LogSource, Prepared, Split, Store,
                  baseline_step, engine_step, llm_step, split_source, sweep_step)

PROTOCOLS = {"temporal": "temporal (the latest share)", "leave_last_k": "leave-last-k",
             "random": "random (seeded; no times needed)"}
PROTOCOL_HELP = ("temporal: each user's latest interactions (the test fraction) are held out; leave-last-k: each "
                 "user's last k; random: a seeded random share per user, for logs without times.")
TIMED = ("temporal", "leave_last_k")
DECAY_CHOICES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
POPULARITY_CHOICES = (None, 0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
"""``popularity_weight`` values offered (for auto/blend: the blend's popularity weight); None is the engine's own
default (for blend: the weights stored with the behaviour model)."""
CONTENT_CHOICES = (None, 0.0, 0.1, 0.2, 0.4, 1.0)
BEHAVIOUR_CHOICES = (None, 0.0, 0.5, 1.0, 2.0)
"""The blend's content and behaviour weights offered; None: the weights stored with the behaviour model."""
BLENDED = ("auto", "blend")
"""The strategies the blend weights act on (auto is blend once a behaviour model is trained)."""
QUERY_KINDS = ("graded", "binary")
SWEEP_PARAMETERS = {"decay_rate": float, "popularity_weight": float, "property_weight": float,
                    "negative_weight": float, "recent_interactions_count": int, "content_weight": float,
                    "behaviour_weight": float, "ramp": float, "behaviour_query": str}
BLEND_PARAMETERS = ("content_weight", "behaviour_weight", "ramp", "behaviour_query")
MAX_CONFIGS = 24
MIN_USERS = 5


@dataclass(frozen=True)
class Protocol:
    """How the log is split (``core.split_source``'s arguments) and which held-out ratings count."""

    name: str = "temporal"
    test_fraction: float = 0.2
    validation_fraction: float = 0.0
    last: int = 1
    validation_last: int = 0
    seed: int = 0
    min_rating: float | None = None

    @property
    def has_validation(self) -> bool:
        return (self.validation_last if self.name == "leave_last_k" else self.validation_fraction) > 0

    def split(self, source: LogSource) -> Split:
        return split_source(source, self.name, test_fraction=self.test_fraction,
                            validation_fraction=self.validation_fraction, last=self.last,
                            validation_last=self.validation_last, seed=self.seed, min_rating=self.min_rating)


@dataclass(frozen=True)
class Sweep:
    """One parameter tuned on validation, then the best value and the base reported on test."""

    parameter: str
    values: tuple[Any, ...]
    metric: str = "ndcg"


@dataclass(frozen=True)
class Plan:
    """Everything one run needs. ``source`` makes the ``core.LogSource`` (in the job's thread);
    ``timed`` is False when the log is known to lack times (an upload without a time column)."""

    source_name: str
    source: Callable[[], LogSource] = field(repr=False, compare=False)
    protocol: Protocol = Protocol()
    k: int = 10
    users: int | None = None
    configs: tuple[EngineConfig, ...] = ()
    baselines: tuple[str, ...] = ()
    sweep: Sweep | None = None
    timed: bool | None = None
    errors: tuple[str, ...] = ()
    llm: Any = None
    """A confirmed ``lab.eval_llm.LLMPlan``: the LLM reranking step (None: no LLM step)."""

    def settings(self, collection: str) -> dict[str, Any]:
        """The choices as JSON-able values (recorded with the job and in the results file)."""
        return {"collection": collection, "source": self.source_name, "protocol": asdict(self.protocol),
                "k": self.k, "users": self.users, "configs": [asdict(c) for c in self.configs],
                "baselines": list(self.baselines), "sweep": asdict(self.sweep) if self.sweep else None,
                "llm": None if self.llm is None else {"users": self.llm.users, "config": asdict(self.llm.config),
                                                      "budget": asdict(self.llm.budget)}}


def engine_configs(strategies: Sequence[str], decay_rates: Sequence[float], popularity: Sequence[float | None],
                   properties: Sequence[bool], agent: Sequence[bool], recent: int = 100,
                   content: Sequence[float | None] = (None,),
                   behaviour: Sequence[float | None] = (None,)) -> list[EngineConfig]:
    """Every combination of the chosen settings (``properties`` False: persona properties off); the blend's
    ``content`` and ``behaviour`` weights cross only the strategies they act on (:data:`BLENDED`)."""
    configs = [EngineConfig(strategy=s, decay_rate=float(d), recent_interactions_count=int(recent),
                            popularity_weight=p, use_agent_ranking=a, property_weight=None if on else 0.0,
                            content_weight=c if s in BLENDED else None, behaviour_weight=b if s in BLENDED else None)
               for s, d, p, on, a, c, b in itertools.product(strategies, decay_rates, popularity, properties, agent,
                                                             content or (None,), behaviour or (None,))]
    return list(dict.fromkeys(configs))


def parse_values(parameter: str, text: str) -> tuple[Any, ...]:
    """``"0, 0.1, 0.3"`` as the sweep's values of ``parameter`` (InvalidInputError naming a bad one)."""
    if parameter not in SWEEP_PARAMETERS:
        raise InvalidInputError(f"cannot sweep {parameter!r}; parameters: {', '.join(SWEEP_PARAMETERS)}")
    kind, values = SWEEP_PARAMETERS[parameter], []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        if kind is str:
            if part not in QUERY_KINDS:
                raise InvalidInputError(f"{part!r} is not a kind of behaviour query; the kinds: {', '.join(QUERY_KINDS)}")
            values.append(part)
            continue
        try:
            value = kind(part)
        except ValueError:
            raise InvalidInputError(f"{part!r} is not {'an integer' if kind is int else 'a number'} (sweep "
                                    f"values of {parameter} are separated by commas, e.g. 0, 0.1, 0.3)") from None
        if not math.isfinite(value) or value < 0:
            raise InvalidInputError(f"sweep value {part!r} of {parameter} must be a finite number >= 0")
        values.append(value)
    if len(dict.fromkeys(values)) < 2:
        raise InvalidInputError(f"a sweep needs at least two different values of {parameter}, got {text!r}")
    return tuple(dict.fromkeys(values))


def problems(plan: Plan) -> list[str]:
    """What keeps ``plan`` from running, in words (empty when it can run)."""
    found = list(plan.errors)
    if not plan.configs and not plan.baselines and plan.sweep is None:
        found.append("Choose at least one engine configuration, baseline or sweep.")
    if len(plan.configs) > MAX_CONFIGS:
        found.append(f"{len(plan.configs)} engine configurations were chosen (every combination of the settings); "
                     f"at most {MAX_CONFIGS} run at once: choose fewer values, or sweep one parameter.")
    if plan.timed is False and plan.protocol.name in TIMED:
        found.append(f"This log has no timestamps, so a {plan.protocol.name.replace('_', '-')} split cannot order "
                     "it: choose the random split, or a time column.")
    base = plan.configs[0] if plan.configs else EngineConfig()
    if plan.sweep is not None and plan.sweep.parameter in BLEND_PARAMETERS and base.strategy not in BLENDED:
        found.append(f"{plan.sweep.parameter} is a weight of the blend, and the sweep's base (the first configuration) "
                     f"uses {base.strategy}: choose the auto or blend strategy first.")
    if plan.sweep is not None and not plan.protocol.has_validation:
        what = "validation interactions per user" if plan.protocol.name == "leave_last_k" else "a validation fraction"
        found.append(f"A sweep is tuned on the validation split: set {what} above 0.")
    return found


def sample_users(split: Split, count: int | None, seed: int) -> list[Hashable]:
    """Up to ``count`` test users with training rows and relevant held-out items (seeded; all for None)."""
    eligible = sorted((u for u, held in split.test.items() if held and split.train.get(u)), key=str)
    if count is None or count >= len(eligible):
        return eligible
    picked = np.random.default_rng(seed).choice(len(eligible), size=count, replace=False)
    return [eligible[i] for i in sorted(picked)]


def prepare(plan: Plan, store: Store, collection: str) -> Prepared:
    """Read the source, split it, sample the users: what every step of the job runs on."""
    source = plan.source()
    split = plan.protocol.split(source)
    users = sample_users(split, plan.users, plan.protocol.seed)
    if len(users) < MIN_USERS:
        raise InvalidInputError(
            f"only {len(users)} user(s) of {source.name} have both training interactions and a relevant held-out one "
            f"after this split (at least {MIN_USERS} are needed): add interactions, lower the relevant rating, or "
            "hold out a larger share")
    split.protocol["source_description"] = source.description
    evaluation = Evaluation(split, store, collection, k=plan.k, users=users, properties=source.properties)
    if plan.configs:
        evaluation.agent()  # builds the throwaway personas now, so step 1's time is its ranking alone
    return Prepared(split, evaluation)


def job_for(plan: Plan, store: Store, collection: str) -> EvaluationJob:
    """The (not yet started) job: the engine configurations, then the baselines (each fitted in a child
    process, so a large EASE inversion cannot hold up the server's other sessions), then the sweep
    (from the first configuration)."""
    steps = [engine_step(c) for c in plan.configs] + [baseline_step(b, process=True) for b in plan.baselines]
    if plan.sweep is not None:
        base = plan.configs[0] if plan.configs else EngineConfig()
        steps.append(sweep_step({plan.sweep.parameter: list(plan.sweep.values)}, base=base, metric=plan.sweep.metric))
    if plan.llm is not None:
        steps.append(llm_step(plan.llm.config, plan.llm.llm, users=plan.llm.users, budget=plan.llm.budget,
                              estimate=plan.llm.estimate))
    return EvaluationJob(lambda: prepare(plan, store, collection), steps, settings=plan.settings(collection))
