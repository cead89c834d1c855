"""The engine's one vocabulary: typed inputs, request options and outputs, as pydantic models.

Field names, types and defaults follow ``weaviate-agents`` 1.8.0, so code written against the
official agent builds and reads them unchanged (``Persona(persona_id=..., properties=...)``,
``model_dump()``, ``model_validate()``, attribute assignment). Every validation error is an
:class:`~core.errors.InvalidInputError` naming the field and the bad value.

- :mod:`core.models.inputs`: ``Item``, ``Persona``, ``PersonaInteraction``;
- :mod:`core.models.options`: ``GetObjectsOptions``, ``QueryOptions``, ``SearchOptions``;
- :mod:`core.models.outputs`: responses, their objects, ``Usage`` and ``TraceStep``;
- :mod:`core.models.fields`: the base model and the field checks shared with ``core.configs``.
"""

from core.models.fields import Config, Model, check_weight, copy_json, to_datetime
from core.models.inputs import Item, Persona, PersonaInteraction
from core.models.options import (METADATA_FIELDS, SEARCH_METHODS, GetObjectsOptions, Movement, QueryOptions,
                                 SearchOptions)
from core.models.outputs import (PersonaInteractionResponse, PersonalizationAgentGetObjectsResponse,
                                 PersonalizationResponse, PersonalizedObject, PersonalizedQueryResponse,
                                 QueryMetadata, QueryObject, TraceStep, Usage, jsonable)

__all__ = [
    "Config", "GetObjectsOptions", "Item", "METADATA_FIELDS", "Model", "Movement", "Persona", "PersonaInteraction",
    "PersonaInteractionResponse", "PersonalizationAgentGetObjectsResponse", "PersonalizationResponse",
    "PersonalizedObject", "PersonalizedQueryResponse", "QueryMetadata", "QueryObject", "QueryOptions",
    "SEARCH_METHODS", "SearchOptions", "TraceStep", "Usage", "check_weight", "copy_json",
    "jsonable", "to_datetime",
]
