"""What an evaluation runs: one engine setting (:class:`EngineConfig`), kept apart from the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.configs import BlendWeights, PipelineConfig


@dataclass(frozen=True)
class EngineConfig:
    """One engine setting to evaluate: ``get_objects`` arguments (the defaults are the engine's) and the
    blend weights of the vector stage (``None``: the engine's :class:`~core.configs.PipelineConfig`).

    ``property_weight=0`` turns persona properties off; ``negative_weight`` is how much dislikes
    subtract; ``use_agent_ranking`` reranks with the agent (the local one unless an LLM is given).
    ``strategy`` "auto" is the engine's default (``blend`` once a behaviour model is trained). The
    ``blend`` strategy's weights (:class:`~core.configs.BlendWeights`) are ``content_weight``,
    ``behaviour_weight``, ``popularity_weight`` (its popularity), ``ramp`` and ``behaviour_query``;
    unset ones come from the weights stored with the model.
    """

    strategy: str = "auto"
    decay_rate: float = 0.1
    recent_interactions_count: int = 100
    popularity_weight: float | None = None
    property_weight: float | None = None
    negative_weight: float | None = None
    use_agent_ranking: bool = False
    content_weight: float | None = None
    behaviour_weight: float | None = None
    ramp: float | None = None
    behaviour_query: str | None = None

    @property
    def label(self) -> str:
        parts = [self.strategy, f"decay {self.decay_rate:g}", f"recent {self.recent_interactions_count}"]
        for name in ("content", "behaviour", "popularity", "property", "negative"):
            value = getattr(self, f"{name}_weight")
            parts += [] if value is None else [f"{name} {value:g}"]
        parts += [] if self.ramp is None else [f"ramp {self.ramp:g}"]
        parts += [] if self.behaviour_query is None else [f"{self.behaviour_query} query"]
        return " · ".join(parts + (["agent"] if self.use_agent_ranking else []))

    def blend(self, stored: BlendWeights | None) -> BlendWeights | None:
        """The blend weights a request under this config passes (None: none set, the stored ones apply)."""
        update = {name: value for name, value in (
            ("content", self.content_weight), ("behaviour", self.behaviour_weight), ("ramp", self.ramp),
            ("query", self.behaviour_query), ("popularity", self.popularity_weight)) if value is not None}
        if not update or self.strategy not in ("auto", "blend"):
            return None
        return (stored or BlendWeights()).validated_copy(**update)

    def pipeline(self, base: PipelineConfig) -> PipelineConfig:
        """``base`` with this config's blend weights (validated: a bad weight is an error naming it)."""
        update: dict[str, Any] = {}
        if self.popularity_weight is not None:
            update["popularity_weight"] = self.popularity_weight
        if self.property_weight is not None:
            update["property_weight"] = self.property_weight
        if self.negative_weight is not None:
            update["strategy"] = base.strategy.validated_copy(negative_weight=self.negative_weight)
        return base.validated_copy(**update) if update else base
