"""The validated options of one request: ``get_objects``, ``query(...)`` and its search call.

Each is a frozen model with the official parameter names and defaults; the agent builds one per
call, so a bad value fails before any work with a message naming it. ``model_dump(mode="json")``
of these (filters excepted: they are weaviate objects, recorded as text) is what the trace's
``config`` step records, and :meth:`~pydantic.BaseModel.model_validate` of that dump rebuilds them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from core.checks import check_text, describe
from core.errors import InvalidInputError, NotAvailableError
from core.ids import to_uuid
from core.models.fields import Config, Flag, Int, Model, OptionalInt, OptionalReal, Real, check_real, to_datetime

SEARCH_METHODS: tuple[str, ...] = ("near_text", "bm25", "hybrid")
METADATA_FIELDS: tuple[str, ...] = ("creation_time", "last_update_time", "distance", "certainty", "score",
                                    "explain_score", "is_consistent", "query_profile")
"""weaviate-client's ``MetadataQuery`` fields, the names ``return_metadata`` accepts."""


def _strategy(value: Any, info: ValidationInfo) -> str:
    # only its form here: the engine checks it names a registered strategy (core.retrieval.strategies)
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"strategy must be a strategy name, got {describe(value)}")
    return value


def _now(value: Any, info: ValidationInfo) -> datetime | None:
    return None if value is None else to_datetime(value, what="now")


StrategyName = Annotated[str, BeforeValidator(_strategy)]
Now = Annotated[datetime | None, BeforeValidator(_now)]


class BlendWeights(Config):
    """The ``blend`` strategy's weights (:mod:`core.retrieval.strategies.blend`).

    ``score = content × content similarity + behaviour × ramp(n) × behaviour similarity +
    popularity × popularity``, where ``n`` is the persona's number of likes the behaviour model knows
    and ``ramp(n) = n / (n + ramp)`` lets personas with few interactions lean on content and popularity.
    ``query`` is how interactions weigh in the behaviour query: ``"graded"`` (the decayed weight,
    dislikes subtract) or ``"binary"`` (each like counts its decay, dislikes nothing).
    """

    content: Real(0, 10) = 0.2
    behaviour: Real(0, 10) = 1.0
    popularity: Real(0, 10) = 0.0
    ramp: Real(0, 1000) = 0.0
    query: Literal["graded", "binary"] = "graded"
    history: Int(1, 100_000) = 1000
    """How many of the persona's most recent interactions its behaviour query folds in (the content part
    keeps ``recent_interactions_count``, the official parameter: a learned model gains from long histories)."""

    def label(self) -> str:
        return (f"content {self.content:g} · behaviour {self.behaviour:g} · popularity {self.popularity:g}"
                + (f" · ramp {self.ramp:g}" if self.ramp else "") + f" · {self.query} query")


class _Options(Model):
    model_config = ConfigDict(frozen=True)


class GetObjectsOptions(_Options):
    """The options of one ``get_objects`` call (official names and defaults, plus ``strategy``/``now``)."""

    limit: Int(1, 1000) = 10
    recent_interactions_count: Int(1, 100_000) = 100
    exclude_interacted_items: Flag = True
    decay_rate: Real(0, 1) = 0.1
    exclude_items: tuple[UUID, ...] = ()
    use_agent_ranking: Flag = True
    explain_results: Flag = True
    instruction: str | None = None
    filters: Any = Field(default=None, exclude=True)
    strategy: StrategyName = "centroid"
    blend: BlendWeights | None = None
    """The ``blend`` strategy's weights for this request (None: the collection's tuned defaults)."""
    now: Now = None

    @field_validator("exclude_items", mode="before")
    @classmethod
    def _exclude_items(cls, value: Any) -> tuple[UUID, ...]:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
            raise InvalidInputError(f"exclude_items must be a list of item IDs, got {describe(value)}")
        return tuple(to_uuid(i, what="exclude_items entry") for i in value)

    @field_validator("instruction", mode="before")
    @classmethod
    def _instruction(cls, value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(f"instruction must be a string or None, got {type(value).__name__}")
        return check_text(value, "instruction") if value is not None and value.strip() else None


class QueryOptions(_Options):
    """The settings of one ``agent.query(persona_id, ...)`` (official names and defaults)."""

    strength: Real(0, 1) = 0.5
    overfetch_factor: Real(1, 100) = 1.5
    recent_interactions_count: Int(1, 100_000) = 100
    decay_rate: Real(0, 1) = 0.1
    strategy: StrategyName = "centroid"
    now: Now = None

    def profile_options(self) -> GetObjectsOptions:
        """The options the persona's profile is loaded with (as in ``get_objects``)."""
        return GetObjectsOptions(recent_interactions_count=self.recent_interactions_count,
                                 decay_rate=self.decay_rate, strategy=self.strategy, now=self.now)


class Movement(_Options):
    """A ``move_to`` / ``move_away`` of ``near_text``: weaviate-client's ``Move`` as data."""

    force: Real(0, None)
    objects: tuple[UUID, ...] = ()
    concepts: tuple[str, ...] = ()


def _movement(value: Any, info: ValidationInfo) -> Movement | None:
    """A weaviate ``Move`` (or its dump) as a :class:`Movement`."""
    if value is None or isinstance(value, Movement):
        return value
    if isinstance(value, dict):
        return Movement.model_validate(value)
    if hasattr(value, "force") and hasattr(value, "_concepts_list"):
        return Movement(force=value.force, objects=tuple(value._objects_list or ()),
                        concepts=tuple(value._concepts_list or ()))
    raise InvalidInputError(f"{info.field_name} must be a weaviate.classes.query.Move, got {describe(value)}")


def _names(value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
    if value is None:
        return None
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInputError(f"{info.field_name} must be a property name or a list of them, got {describe(value)}")
    return tuple(value)


def _metadata(value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
    """``return_metadata`` as field names: a list of names or a ``MetadataQuery``."""
    if value is None:
        return None
    if hasattr(type(value), "model_fields"):
        value = [name for name in type(value).model_fields if getattr(value, name) is True]
    names = _names(value, info)
    unknown = sorted(set(names) - set(METADATA_FIELDS))
    if unknown:
        raise InvalidInputError(f"return_metadata names {unknown} are not metadata; valid: {list(METADATA_FIELDS)}")
    return names


def _fusion(value: Any, info: ValidationInfo) -> str:
    """``fusion_type`` as ``"relative_score"`` (Weaviate's default) or ``"ranked"``; ``HybridFusion`` members too."""
    if value is None:
        return "relative_score"
    text = str(getattr(value, "value", value)).lower().removeprefix("fusion_type_")
    if text in ("relative_score", "relativescore", "ranked"):
        return "ranked" if text == "ranked" else "relative_score"
    raise InvalidInputError(f"fusion_type must be HybridFusion.RELATIVE_SCORE or HybridFusion.RANKED, got {describe(value)}")


def _boost(value: Any, info: ValidationInfo) -> Any:
    # only its form here: core.retrieval.boost checks it against the collection (properties, weights, durations)
    if value is not None and not isinstance(getattr(value, "conditions", None), (list, tuple)):
        raise InvalidInputError(f"boost must be a weaviate.classes.query.Boost (Boost.filter, time_decay, "
                                f"numeric_decay, numeric_property or blend), got {describe(value)}")
    return value


def _include_vector(value: Any, info: ValidationInfo) -> bool | tuple[str, ...]:
    if isinstance(value, bool):
        return value
    return _names(value, info) or False


def _vector(value: Any, info: ValidationInfo) -> tuple[float, ...] | None:
    if value is None:
        return None
    if isinstance(value, dict) or hasattr(type(value), "model_fields"):
        raise NotAvailableError(f"vector must be a list of numbers: named-vector dicts and HybridVector "
                                f"sub-searches are not supported, got {type(value).__name__}")
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not len(value):
        raise InvalidInputError(f"vector must be a non-empty list of numbers, got {describe(value)}")
    return tuple(check_real(v, f"vector[{n}]") for n, v in enumerate(value))


def _query(value: Any, info: ValidationInfo) -> str | tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and value and all(isinstance(q, str) and q.strip() for q in value):
        return tuple(check_text(q, f"query[{n}]") for n, q in enumerate(value))
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"query must be a non-empty string, got {describe(value)}")
    return check_text(value, "query")


class SearchOptions(_Options):
    """The arguments of one ``near_text`` / ``bm25`` / ``hybrid`` call, validated.

    Field names are weaviate-client's; see :mod:`core.retrieval.search` for what each does here.
    """

    method: Literal["near_text", "bm25", "hybrid"]
    query: Annotated[str | tuple[str, ...] | None, BeforeValidator(_query)] = None
    limit: Int(1, 1000) = 10
    offset: Int(0, 100_000) = 0
    auto_limit: OptionalInt() = None
    filters: Any = Field(default=None, exclude=True)
    certainty: OptionalReal(0, 1) = None
    distance: OptionalReal(0, 2) = None
    max_vector_distance: OptionalReal(0, 2) = None
    alpha: Real(0, 1) = 0.7
    vector: Annotated[tuple[float, ...] | None, BeforeValidator(_vector)] = None
    query_properties: Annotated[tuple[str, ...] | None, BeforeValidator(_names)] = None
    fusion_type: Annotated[Literal["relative_score", "ranked"], BeforeValidator(_fusion)] = "relative_score"
    move_to: Annotated[Movement | None, BeforeValidator(_movement)] = None
    move_away: Annotated[Movement | None, BeforeValidator(_movement)] = None
    target_vector: str | None = None
    include_vector: Annotated[bool | tuple[str, ...], BeforeValidator(_include_vector)] = False
    return_metadata: Annotated[tuple[str, ...] | None, BeforeValidator(_metadata)] = None
    return_properties: Annotated[tuple[str, ...] | None, BeforeValidator(_names)] = None
    boost: Annotated[Any, BeforeValidator(_boost)] = Field(default=None, exclude=True)
    """A weaviate ``Boost`` (recorded as text in the trace's ``search`` step, like ``filters``)."""

    @field_validator("target_vector", mode="before")
    @classmethod
    def _target_vector(cls, value: Any) -> str | None:
        if value is None or isinstance(value, str) and value:
            return value
        raise NotAvailableError(f"target_vector must be one vector name: multi-target searches "
                                f"(lists, TargetVectors) are not supported, got {describe(value)}")

    @model_validator(mode="after")
    def _consistent(self) -> "SearchOptions":
        if self.certainty is not None and self.distance is not None:
            raise InvalidInputError("pass certainty or distance, not both (as in Weaviate)")
        if self.method == "near_text" and self.query is None:
            raise InvalidInputError("near_text needs a query, got None")
        if self.method != "near_text" and isinstance(self.query, tuple):
            raise InvalidInputError(f"{self.method} query must be one string, got a list {list(self.query)!r}")
        return self
