"""Read-only views of what the engine computes for a persona, for tools that show the engine's numbers.

:func:`weighted_interactions` is a persona's stored interactions with the engine's own time decay
applied (``core.decay_factor``, the agent's half-life); :func:`profile_vectors` is the query
vector(s) a strategy searches with. Both go through the same functions ``get_objects`` uses, so
a chart or map drawn from them cannot drift from the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol
from uuid import UUID

import numpy as np

from core.configs import BlendWeights, PipelineConfig
from core.ids import to_uuid
from core.models import GetObjectsOptions, Persona
from core.personalization.behaviour import request_blend
from core.retrieval.profile import WeightedInteraction, weigh
from core.retrieval.strategies import build_scorer, get_strategy
from core.retrieval.strategies.blend import BlendScorer
from core.retrieval.vector_stage import load_profile

from core.store.base import Store


class PersonalizationAgent(Protocol):
    """What these views read of a :class:`core.PersonalizationAgent` (which calls into this module)."""

    store: Store
    collection: str
    config: PipelineConfig
    strategy: str
    vector_name: str | None

    def get_persona(self, persona_id: UUID | str) -> Persona: ...

__all__ = ["ProfileVectors", "WeightedInteraction", "profile_vectors", "weighted_interactions"]


@dataclass(frozen=True)
class ProfileVectors:
    """The query vectors of ``strategy`` for a persona, one label per vector saying what it is.

    ``vectors`` has shape ``(k, dims)``; ``k`` is 0 when the profile is empty (no interaction
    with a non-zero weight after decay), and the engine then has nothing to search with. For
    ``blend`` the one vector is its content query, unscaled (the content weight scales its score,
    not its direction); its behaviour query lives in the learned space, not among the catalog's
    text vectors, so it is not here and ``note`` says what it does.
    """

    strategy: str
    vectors: np.ndarray
    labels: tuple[str, ...]
    note: str = ""
    """What the vectors leave out, in words (empty when they are the whole query)."""


def weighted_interactions(agent: PersonalizationAgent, persona_id: UUID | str, *, decay_rate: float = 0.1,
                          now: datetime | None = None, limit: int | None = None) -> tuple[WeightedInteraction, ...]:
    """The persona's interactions, newest first (at most ``limit``; None: all), with age and decay at
    ``now`` (default: the current time) as the engine weighs them."""
    pid = agent.get_persona(persona_id).persona_id
    now = now or datetime.now(timezone.utc)
    stored = agent.store.recent_interactions(agent.collection, pid, limit)
    return weigh(stored, now, decay_rate, agent.config.half_life_days)


def profile_vectors(agent: PersonalizationAgent, persona_id: UUID | str, *, strategy: str | None = None,
                    decay_rate: float = 0.1, recent_interactions_count: int = 100, now: datetime | None = None,
                    blend: BlendWeights | dict | None = None) -> ProfileVectors:
    """The query vector(s) ``get_objects(persona_id, strategy=..., decay_rate=..., now=..., blend=...)`` searches
    with among the catalog's vectors (for ``blend``, see :class:`ProfileVectors`)."""
    persona = agent.get_persona(to_uuid(persona_id, what="persona_id"))
    strategy = get_strategy(agent.resolve_strategy(strategy)).name
    options = GetObjectsOptions(recent_interactions_count=recent_interactions_count, decay_rate=decay_rate,
                                strategy=strategy, now=now,
                                blend=request_blend(agent.store, agent.collection, strategy, blend, None))
    profile = load_profile(agent.store, agent.collection, persona, options, agent.config, agent.vector_name)
    if profile.is_empty:
        return ProfileVectors(strategy, np.zeros((0, profile.vectors.shape[1]), dtype=np.float32), ())
    scorer = build_scorer(strategy, profile, agent.config.strategy)
    if isinstance(scorer, BlendScorer):
        return _blend_profile(scorer, agent.config.strategy.negative_weight)
    queries = np.asarray(scorer.queries, dtype=np.float32)
    return ProfileVectors(strategy, queries, _labels(strategy, len(profile.positive), len(queries),
                                                     agent.config.strategy.negative_weight))


def _blend_profile(scorer: BlendScorer, negative_weight: float) -> ProfileVectors:
    """The blend's content query (unless its weight is 0) and a note on its behaviour query."""
    content = scorer.weights_used.content
    if scorer.behaviour_weight:
        behaviour = (f"Its behaviour query, folded in from the {scorer.known_likes} likes the behaviour model knows, "
                     f"lives in the learned space and is not on this map (weight {scorer.behaviour_weight:.2g}).")
    else:
        behaviour = ("It has no behaviour part here (no behaviour model, or none of these likes is known to it): "
                     "content and popularity only.")
    if not content:
        return ProfileVectors("blend", np.zeros((0, scorer.like_query.shape[0]), np.float32), (),
                              "The blend's content weight is 0, so it has no query among the text vectors. " + behaviour)
    query = np.asarray(scorer.like_query - scorer.dislike_query, dtype=np.float32)[None, :]
    label = f"profile: content query (mean of likes − {negative_weight:g} × mean of dislikes, weight {content:g})"
    return ProfileVectors("blend", query, (label,), f"★ is the blend's content query (weight {content:g}). " + behaviour)


def _labels(strategy: str, likes: int, count: int, negative_weight: float) -> tuple[str, ...]:
    if strategy == "centroid":
        return (f"profile: mean of likes − {negative_weight:g} × mean of dislikes",)
    if not likes:
        return ("profile: away from the dislikes",)
    what = "interest" if strategy == "multi_interest" else "liked item"
    return tuple(f"profile: {what} {k}" for k in range(1, count + 1))
