"""A self-hostable personalization engine with the API of Weaviate's PersonalizationAgent.

The stable names live here; the lab and the CLI import only from this module.
"""

from .agent import PersonalizationAgent
from .catalog import ParsedCatalog, import_catalog, read_catalog, read_interactions
from .explain import display_title
from .errors import (AlreadyExistsError, CatalogImportError, InvalidInputError, NotAvailableError, NotFoundError,
                     PersonalizationError, StoreError, UnsupportedFilterError)
from .ids import generate_uuid5, to_uuid
from .models import (STRATEGIES, GetObjectsOptions, Item, Persona, PersonaInteraction, PersonaInteractionResponse,
                     PersonalizationAgentGetObjectsResponse, PersonalizationResponse, PersonalizedObject,
                     PersonalizedQueryResponse, QueryObject, TraceStep, Usage, to_datetime)
from .pipeline import PipelineConfig
from .profile import DEFAULT_HALF_LIFE_DAYS, decay_factor
from .ranking.llm import LLMConfig
from .ranking.local import LocalRanker, LocalRankerConfig
from .ranking.pipeline import AgentConfig
from .samples import (SampleCatalog, SampleInfo, install_catalog, install_sample, list_samples, load_sample,
                      load_sample_interactions)
from .store.base import CollectionSpec, Hit, Store
from .store.embedded import EmbeddedStore
from .strategies import StrategyConfig
from .where import build_filter, parse_condition

__all__ = [
    "AlreadyExistsError", "CatalogImportError", "CollectionSpec", "DEFAULT_HALF_LIFE_DAYS", "EmbeddedStore",
    "GetObjectsOptions", "Hit", "InvalidInputError", "Item", "NotAvailableError", "NotFoundError", "Persona",
    "PersonaInteraction", "PersonaInteractionResponse", "PersonalizationAgent", "PersonalizationAgentGetObjectsResponse",
    "PersonalizationError", "PersonalizationResponse", "PersonalizedObject", "PersonalizedQueryResponse",
    "PipelineConfig", "QueryObject", "STRATEGIES", "Store", "StoreError", "StrategyConfig", "TraceStep",
    "UnsupportedFilterError", "Usage", "decay_factor", "generate_uuid5", "to_uuid",
    "ParsedCatalog", "import_catalog", "read_catalog", "read_interactions",
    "SampleCatalog", "SampleInfo", "install_catalog", "install_sample", "list_samples", "load_sample", "load_sample_interactions",
    "build_filter", "parse_condition", "display_title", "to_datetime", "AgentConfig", "LLMConfig", "LocalRanker", "LocalRankerConfig",
]
