"""How an agent's requests use the behaviour model: which strategy runs and with which blend weights.

The default strategy, ``"auto"``, is ``blend`` once the collection has a behaviour model (trained
by :func:`core.learn.ensure_behaviour` first when that is cheap), else ``centroid``.
"""

from __future__ import annotations

from typing import Any

from core.configs import BLEND_MMR_LAMBDA, BlendWeights, LocalRankerConfig, PipelineConfig
from core.errors import InvalidInputError
from core.learn import ensure_behaviour
from core.models import GetObjectsOptions
from core.retrieval.strategies.blend import blend_popularity, learned_context
from core.store.base import Store

AUTO = "auto"
"""The default strategy: ``blend`` once the collection has a behaviour model, else ``centroid``."""


def resolve_strategy(store: Store, collection: str, name: str) -> str:
    """The strategy a request named ``name`` (``"auto"`` or a registered one) runs."""
    if name in (AUTO, "blend"):
        model = ensure_behaviour(store, collection)
        return "blend" if model is not None or name == "blend" else "centroid"
    return name


def request_blend(store: Store, collection: str, strategy: str, blend: Any,
                  popularity_weight: float | None) -> BlendWeights | None:
    """The request's blend weights (None: the stored ones apply): a :class:`BlendWeights`, or a dict of
    some of its fields over the stored ones; an explicit ``popularity_weight`` holds for ``blend`` too."""
    if blend is not None and not isinstance(blend, (BlendWeights, dict)):
        raise InvalidInputError(f"blend must be BlendWeights or a dict of its fields, got {type(blend).__name__}")
    update = dict(blend) if isinstance(blend, dict) else {}
    if strategy == "blend" and popularity_weight is not None:
        update["popularity"] = popularity_weight
    base = blend if isinstance(blend, BlendWeights) else None
    if not update:
        return base
    return (base or learned_context(store, collection, None).weights).validated_copy(**update)


def local_ranker_config(store: Store, collection: str, options: GetObjectsOptions,
                        config: PipelineConfig) -> LocalRankerConfig:
    """The local agent's config for a request: it weighs popularity as the vector stage did (so 0 means off in
    both), and over a ``blend`` pool trades diversity at :data:`~core.configs.BLEND_MMR_LAMBDA`."""
    if options.strategy == "blend":
        return LocalRankerConfig(popularity=blend_popularity(store, collection, options), mmr_lambda=BLEND_MMR_LAMBDA)
    return LocalRankerConfig(popularity=config.popularity_weight)
