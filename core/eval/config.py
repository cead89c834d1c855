"""What an evaluation runs: one engine setting (:class:`EngineConfig`), kept apart from the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.configs import PipelineConfig


@dataclass(frozen=True)
class EngineConfig:
    """One engine setting to evaluate: ``get_objects`` arguments (the defaults are the engine's) and the
    blend weights of the vector stage (``None``: the engine's :class:`~core.configs.PipelineConfig`).

    ``property_weight=0`` turns persona properties off; ``negative_weight`` is how much dislikes
    subtract; ``use_agent_ranking`` reranks with the agent (the local one unless an LLM is given).
    """

    strategy: str = "centroid"
    decay_rate: float = 0.1
    recent_interactions_count: int = 100
    popularity_weight: float | None = None
    property_weight: float | None = None
    negative_weight: float | None = None
    use_agent_ranking: bool = False

    @property
    def label(self) -> str:
        parts = [self.strategy, f"decay {self.decay_rate:g}", f"recent {self.recent_interactions_count}"]
        for name in ("popularity", "property", "negative"):
            value = getattr(self, f"{name}_weight")
            parts += [] if value is None else [f"{name} {value:g}"]
        return " · ".join(parts + (["agent"] if self.use_agent_ranking else []))

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
