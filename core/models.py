"""The engine's one vocabulary: typed inputs and plain outputs.

Inputs validate themselves on construction (an interaction's weight outside [-1, 1] is rejected
at once, naming the value). Outputs are plain dataclasses whose field names follow the official
``weaviate-agents`` classes (``uuid``, ``original_rank``, ``personalized_rank``, ``properties``,
``ranking_rationale``, ``usage``) so code written against the official agent reads them unchanged.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from core.errors import InvalidInputError
from core.ids import to_uuid



def to_datetime(value: Any, *, what: str = "created_at") -> datetime:
    """A timezone-aware UTC datetime from a datetime, ISO-8601 string or unix seconds.

    Naive datetimes are taken as UTC (the official agent sends them unchanged, which Weaviate
    stores as UTC).
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, bool):
        raise InvalidInputError(f"{what} must be a datetime, ISO-8601 string or unix seconds, got {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise InvalidInputError(f"{what} must be a finite number of unix seconds, got {value!r}")
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    if isinstance(value, str):
        try:
            return to_datetime(datetime.fromisoformat(value.strip().replace("Z", "+00:00")), what=what)
        except ValueError:
            pass
    raise InvalidInputError(f"{what} must be a datetime, ISO-8601 string or unix seconds, got {value!r}")


def check_weight(value: Any, *, what: str = "weight") -> float:
    """A weight as float in [-1, 1]; booleans, NaN, strings and other non-numbers are rejected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{what} must be a number in [-1, 1], got {value!r}")
    value = float(value)
    if not math.isfinite(value) or not -1.0 <= value <= 1.0:
        raise InvalidInputError(f"{what} must be a number in [-1, 1], got {value!r}")
    return value


@dataclass(frozen=True)
class Item:
    """One catalog object: its UUID and its properties (plain JSON values)."""

    uuid: UUID
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "uuid", to_uuid(self.uuid, what="item id"))
        if not isinstance(self.properties, dict):
            raise InvalidInputError(f"item properties must be a dict, got {type(self.properties).__name__}")


@dataclass(frozen=True)
class Persona:
    """A user profile: an ID and free properties (e.g. ``{"favorite_genres": ["Sci-Fi"]}``)."""

    persona_id: UUID
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "persona_id", to_uuid(self.persona_id, what="persona_id"))
        if not isinstance(self.properties, dict):
            raise InvalidInputError(f"persona properties must be a dict, got {type(self.properties).__name__}")


@dataclass(frozen=True)
class PersonaInteraction:
    """A persona's reaction to an item: weight 1 = loved, -1 = hated, 0 = neutral.

    ``replace_previous_interactions`` replaces this persona's earlier interactions with the same
    item; ``created_at`` defaults to the time the interaction is stored.
    """

    persona_id: UUID
    item_id: UUID
    weight: float
    replace_previous_interactions: bool = False
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "persona_id", to_uuid(self.persona_id, what="persona_id"))
        object.__setattr__(self, "item_id", to_uuid(self.item_id, what="item_id"))
        object.__setattr__(self, "weight", check_weight(self.weight))
        if self.created_at is not None:
            object.__setattr__(self, "created_at", to_datetime(self.created_at))


@dataclass(frozen=True)
class PersonaInteractionResponse:
    """One stored interaction, as ``get_interactions`` returns it."""

    item_id: UUID
    weight: float
    created_at: datetime


@dataclass
class Usage:
    """LLM usage of one request (all zero / None for vector-only and the local agent)."""

    requests: int = 0
    request_tokens: int | None = None
    response_tokens: int | None = None
    total_tokens: int | None = None
    details: dict[str, Any] | None = None


@dataclass
class TraceStep:
    """What one pipeline stage did: its name, wall time and outputs (JSON-able)."""

    name: str
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PersonalizedObject:
    """One recommended item.

    ``original_rank`` is the item's 1-based rank in the vector-only list (None when only an extra
    search found it); ``personalized_rank`` its rank in the returned list. ``score`` is the
    strategy's score (higher is better); ``signals`` holds the named numbers that produced it.
    """

    uuid: UUID
    original_rank: int | None
    personalized_rank: int | None
    properties: dict[str, Any]
    score: float
    signals: dict[str, float] = field(default_factory=dict)
    explanation: str | None = None

    @property
    def id(self) -> UUID:
        return self.uuid


@dataclass
class PersonalizationAgentGetObjectsResponse:
    """What ``get_objects`` returns: objects, rationale, usage and a trace of every stage."""

    objects: list[PersonalizedObject]
    ranking_rationale: str | None = None
    usage: Usage = field(default_factory=Usage)
    trace: list[TraceStep] = field(default_factory=list)
    ranker: str = "vector"
    """Who ordered the list: ``"vector"``, ``"local agent (no LLM)"`` or ``"LLM <model>"``."""
    fallback: bool = False
    fallback_reason: str | None = None
    """Why the local agent finished a request the LLM agent started (``fallback=True``)."""
    ranker_note: str | None = None
    """E.g. that no LLM is configured, so the local agent ranked."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (UUIDs as strings)."""
        return _jsonable(asdict(self))


@dataclass
class QueryMetadata:
    """Scores behind one personalized search hit (all higher-is-better, in [0, 1] after scaling)."""

    score: float
    search_score: float
    persona_score: float
    search_rank: int


@dataclass
class QueryObject:
    """One personalized search hit, shaped like weaviate-client's ``Object``."""

    uuid: UUID
    properties: dict[str, Any]
    metadata: QueryMetadata


@dataclass
class PersonalizedQueryResponse:
    """What ``query(...).near_text / bm25 / hybrid`` return."""

    objects: list[QueryObject]
    usage: Usage = field(default_factory=Usage)
    trace: list[TraceStep] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# The official name for the get_objects response is long; both spellings work.
PersonalizationResponse = PersonalizationAgentGetObjectsResponse


@dataclass(frozen=True)
class GetObjectsOptions:
    """The validated options of one ``get_objects`` call (official names and defaults)."""

    limit: int = 10
    recent_interactions_count: int = 100
    exclude_interacted_items: bool = True
    decay_rate: float = 0.1
    exclude_items: tuple[UUID, ...] = ()
    use_agent_ranking: bool = True
    explain_results: bool = True
    instruction: str | None = None
    filters: Any = None
    strategy: str = "centroid"
    now: datetime | None = None

    def __post_init__(self) -> None:
        _check_int("limit", self.limit, 1, 1000)
        _check_int("recent_interactions_count", self.recent_interactions_count, 1, 100_000)
        if isinstance(self.decay_rate, bool) or not isinstance(self.decay_rate, numbers.Real) \
                or not 0 <= self.decay_rate <= 1:
            raise InvalidInputError(f"decay_rate must be a number in [0, 1], got {self.decay_rate!r}")
        for name in ("exclude_interacted_items", "use_agent_ranking", "explain_results"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInputError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if isinstance(self.exclude_items, (str, bytes)) or not isinstance(self.exclude_items, (list, tuple, set)):
            raise InvalidInputError(f"exclude_items must be a list of item IDs, got {self.exclude_items!r}")
        object.__setattr__(self, "exclude_items",
                           tuple(to_uuid(i, what="exclude_items entry") for i in self.exclude_items))
        if self.instruction is not None and not isinstance(self.instruction, str):
            raise InvalidInputError(f"instruction must be a string or None, got {type(self.instruction).__name__}")
        if not isinstance(self.strategy, str) or not self.strategy:  # the engine checks it names a registered one
            raise InvalidInputError(f"strategy must be a strategy name, got {self.strategy!r}")
        if self.now is not None:
            object.__setattr__(self, "now", to_datetime(self.now, what="now"))


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise InvalidInputError(f"{name} must be an integer from {low} to {high}, got {value!r}")
