"""The agent's vocabulary: what a ranker sees (persona summary, candidate pool) and decides.

A ranker (the LLM agent or the local rule-based agent) implements :class:`Ranker`: ``plan``
proposes extra searches, ``rerank`` orders the pool. Both read the same typed inputs and return
plain dataclasses, so the pipeline (``core.ranking.pipeline``) can fall back from one to the
other mid-request and record every step in the trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import numpy as np

from core.errors import PersonalizationError
from core.models import Usage


@dataclass(frozen=True)
class Interest:
    """One strong recent interaction after decay: the item's title and effective weight."""

    item_id: UUID
    title: str
    weight: float


@dataclass(frozen=True)
class PersonaSummary:
    """Step 1 of the pipeline: what the rankers know about the persona."""

    properties: dict[str, Any]
    likes: tuple[Interest, ...]
    dislikes: tuple[Interest, ...]
    terms: tuple[str, ...]
    """Text terms from the persona's properties (see ``core.retrieval.persona_match``)."""


@dataclass(frozen=True)
class PlannedSearch:
    """An extra search the planner asked for, and why."""

    query: str
    reason: str
    method: str = "hybrid"
    """``"hybrid"``, ``"near_text"`` or ``"bm25"``."""
    toward_likes: float = 0.0
    """For ``"near_text"`` and ``"hybrid"``: the force (0 to 1) of a Weaviate ``move_to`` of the query
    vector towards the persona's strongest recent likes (the mean of their vectors; see
    ``core.retrieval.moves``), so the search finds the query's meaning near the persona's taste.
    0 leaves the query as it is; ``"bm25"`` ignores it."""
    depth: int = 1
    """How many times the pipeline's per-search limit this search fetches (a search whose hits the
    ranker filters further can ask for more of them)."""


@dataclass(frozen=True)
class Candidate:
    """One item in the pool the ranker orders.

    ``original_rank`` is its 1-based rank in the vector-only list (None when only an extra search
    found it); ``sources`` says which searches found it (``"vector"``, ``"search: <query>"``,
    ``"search near your likes: <query>"`` for one moved towards the persona's likes, ...).
    ``signals`` are the numbers the local agent fuses and explanations quote: ``like_similarity``,
    ``dislike_penalty``, ``popularity`` (with the count ``liked_by``), ``property_match`` (with
    ``matched_terms``) and, with an instruction,
    ``instruction_similarity``; ``nearest_like`` / ``nearest_dislike`` name the closest
    interactions (with ``*_similarity``).
    """

    uuid: UUID
    title: str
    properties: dict[str, Any]
    original_rank: int | None
    sources: tuple[str, ...]
    vector: np.ndarray
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass
class RankDecision:
    """A ranker's answer: the chosen order and, when asked, the reasons.

    ``order`` holds exactly ``min(limit, len(pool))`` distinct UUIDs from the pool.
    """

    order: list[UUID]
    rationale: str | None = None
    explanations: dict[UUID, str] = field(default_factory=dict)
    scores: dict[UUID, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    """Ranker-specific facts for the trace (fusion weights, the LLM's raw reply size, ...)."""


@dataclass
class CallRecord:
    """One LLM call (or cache hit) as the trace shows it."""

    stage: str
    seconds: float
    cached: bool = False
    attempts: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


@dataclass
class RankContext:
    """Per-request bookkeeping shared by the pipeline and the ranker."""

    usage: Usage = field(default_factory=Usage)
    calls: list[CallRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What a ranker repaired or noticed on the way (e.g. a malformed plan reply); shown in the trace."""

    def record(self, call: CallRecord) -> None:
        """Add a call to the trace and, unless it was a cache hit, its requests and tokens to usage."""
        self.calls.append(call)
        if call.cached:
            return
        self.usage.requests += call.attempts  # 0 when the budget refused the call: nothing was sent
        self.usage.request_tokens = (self.usage.request_tokens or 0) + (call.prompt_tokens or 0)
        self.usage.response_tokens = (self.usage.response_tokens or 0) + (call.completion_tokens or 0)
        self.usage.total_tokens = self.usage.request_tokens + self.usage.response_tokens


class LLMUnavailable(PersonalizationError):
    """The LLM could not answer usefully (no key, budget spent, timeouts, errors after retries).

    The pipeline catches it and continues with the local agent, reporting ``reason``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Ranker(Protocol):
    """What the pipeline needs from an agent."""

    name: str
    """Shown in responses: ``"local agent (no LLM)"`` or ``"LLM <model>"``."""

    def plan(self, persona: PersonaSummary, instruction: str | None, max_searches: int,
             ctx: RankContext) -> list[PlannedSearch]: ...

    def rerank(self, persona: PersonaSummary, instruction: str | None, pool: list[Candidate], limit: int,
               explain: bool, ctx: RankContext) -> RankDecision: ...
