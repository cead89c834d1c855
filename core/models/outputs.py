"""What the engine returns: stored interactions, ranked objects, search hits, usage and a trace.

Field names follow ``weaviate-agents`` 1.8.0 (``PersonalizedObject``,
``PersonalizationAgentGetObjectsResponse``, ``PersonalizedQueryResponse``, ``Usage``,
``PersonaInteractionResponse``) and, for search hits, weaviate-client's ``Object`` and
``MetadataReturn``, so ported code reads them unchanged. Extras (``score``, ``signals``,
``explanation``, ``trace``, ``ranker``, ``fallback``, ...) are additional fields with defaults.
Every ``properties`` dict is copied on the way in: mutating a result never changes the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
from pydantic import ConfigDict, Field, field_serializer

from core.models.fields import ID, Model, Properties


class PersonaInteractionResponse(Model):
    """One stored interaction, as ``get_interactions`` returns it.

    Validates the official JSON names too (``uuid``, ``createdAt``); ``created_at`` is a UTC
    datetime here (the official model keeps the server's string).
    """

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    item_id: ID = Field(alias="uuid")
    weight: float
    created_at: datetime = Field(alias="createdAt")


class Usage(Model):
    """LLM usage of one request (all zero / None for vector-only and the local agent)."""

    model_config = ConfigDict(validate_assignment=False)

    requests: int | str = 0
    request_tokens: int | str | None = None
    response_tokens: int | str | None = None
    total_tokens: int | str | None = None
    details: dict[str, int] | dict[str, str] | None = None


class TraceStep(Model):
    """What one pipeline stage did: its name, wall time and outputs (JSON-able)."""

    model_config = ConfigDict(validate_assignment=False)

    name: str
    seconds: float
    details: dict[str, Any] = Field(default_factory=dict)

    @field_serializer("details", when_used="json")
    def _details_json(self, details: dict[str, Any]) -> Any:
        return jsonable(details)


class PersonalizedObject(Model):
    """One recommended item.

    ``original_rank`` is the item's 1-based rank in the vector-only list (None when only an extra
    search found it; the official type is ``int``); ``personalized_rank`` its rank in the returned
    list. ``score`` is the ranker's score (higher is better); ``signals`` holds the named numbers
    behind it and ``explanation`` says why the item is here: from the engine, a first line of plain
    words and a second line with the same reasons and their numbers; from an LLM, its own words
    after ``"LLM: "``.
    """

    model_config = ConfigDict(validate_assignment=False)

    uuid: ID
    original_rank: int | None
    personalized_rank: int | None
    properties: Properties
    score: float = 0.0
    signals: dict[str, Any] = Field(default_factory=dict)
    explanation: str | None = None

    @property
    def id(self) -> UUID:
        return self.uuid

    @field_serializer("uuid")
    def _uuid_text(self, value: UUID) -> str:
        return str(value)  # as the official model_dump does

    @field_serializer("signals", when_used="json")
    def _signals_json(self, signals: dict[str, Any]) -> Any:
        return jsonable(signals)


class PersonalizationAgentGetObjectsResponse(Model):
    """What ``get_objects`` returns: objects, rationale, usage and a trace of every stage."""

    model_config = ConfigDict(validate_assignment=False)

    objects: list[PersonalizedObject]
    ranking_rationale: str | None = None
    usage: Usage = Field(default_factory=Usage)
    trace: list[TraceStep] = Field(default_factory=list)
    ranker: str = "vector"
    """Who ordered the list: ``"vector"``, ``"local agent (no LLM)"`` or ``"LLM <model>"``."""
    fallback: bool = False
    fallback_reason: str | None = None
    """Why the local agent finished a request the LLM agent started (``fallback=True``)."""
    ranker_note: str | None = None
    """E.g. that no LLM is configured, so the local agent ranked."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (UUIDs and datetimes as strings)."""
        return self.model_dump(mode="json")


PersonalizationResponse = PersonalizationAgentGetObjectsResponse
"""The official name of the get_objects response is long; both spellings work."""


class QueryMetadata(Model):
    """Metadata of one search hit: weaviate-client's ``MetadataReturn`` fields plus the mix.

    ``score`` is the personalized score the list is ordered by; ``search_score`` and
    ``persona_score`` are its two parts, each min-max scaled to [0, 1] over the fetched results;
    ``search_rank`` is the hit's 1-based rank in the plain search. ``distance`` (cosine distance
    to the query vector) and ``certainty`` (``1 - distance / 2``) are set for ``near_text``;
    ``explain_score`` spells out how ``score`` was computed. Fields the embedded store cannot
    know (creation and update times, consistency, rerank scores) stay None.
    """

    model_config = ConfigDict(validate_assignment=False)

    creation_time: datetime | None = None
    last_update_time: datetime | None = None
    distance: float | None = None
    certainty: float | None = None
    score: float | None = None
    explain_score: str | None = None
    is_consistent: bool | None = None
    rerank_score: float | None = None
    search_score: float = 0.0
    persona_score: float = 0.0
    search_rank: int = 0


class QueryObject(Model):
    """One personalized search hit, shaped like weaviate-client's ``Object``.

    ``vector`` is ``{}`` unless ``include_vector`` asked for it, then ``{"default": [...]}`` (or
    the named vector's name): the stored, L2-normalised vector.
    """

    model_config = ConfigDict(validate_assignment=False)

    uuid: ID
    properties: Properties
    metadata: QueryMetadata = Field(default_factory=QueryMetadata)
    references: dict[str, Any] | None = None
    vector: dict[str, list[float]] = Field(default_factory=dict)
    collection: str = ""


class PersonalizedQueryResponse(Model):
    """What ``query(...).near_text / bm25 / hybrid`` return."""

    model_config = ConfigDict(validate_assignment=False)

    objects: list[QueryObject]
    usage: Usage = Field(default_factory=Usage)
    trace: list[TraceStep] = Field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (UUIDs and datetimes as strings)."""
        return self.model_dump(mode="json")


def jsonable(value: Any) -> Any:
    """``value`` with UUIDs, datetimes, tuples and numpy values turned into JSON types."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
