"""A self-hostable personalization engine with the API of Weaviate's PersonalizationAgent.

The stable names live here; the lab and the CLI import only from this module.
"""

from core.personalization.sync import PersonalizationAgent
from core.io.catalog import ParsedCatalog, import_catalog, read_catalog, read_interactions
from core.retrieval.explain_vector import display_title
from core.errors import (AlreadyExistsError, CatalogImportError, InvalidInputError, NotAvailableError, NotFoundError,
                     PersonalizationError, StoreError, UnsupportedFilterError)
from core.ids import generate_uuid5, to_uuid
from core.models import (GetObjectsOptions, Item, Persona, PersonaInteraction, PersonaInteractionResponse,
                     PersonalizationAgentGetObjectsResponse, PersonalizationResponse, PersonalizedObject,
                     PersonalizedQueryResponse, QueryObject, TraceStep, Usage, to_datetime)
from core.retrieval.vector_stage import PipelineConfig
from core.retrieval.profile import DEFAULT_HALF_LIFE_DAYS, decay_factor
from core.ranking.llm.client import LLMConfig
from core.ranking.local.ranker import LocalRanker, LocalRankerConfig
from core.ranking.pipeline import AgentConfig
from core.io.samples import (SampleCatalog, SampleInfo, install_catalog, install_sample, list_samples, load_sample,
                      load_sample_interactions)
from core.store.base import CollectionSpec, Hit, Store
from core.store.embedded.store import EmbeddedStore
from core.where import build_filter, parse_condition

# seams: stores by location and their capabilities, named vectors, the strategy registry
from core.retrieval.strategies import STRATEGIES, Strategy, StrategyConfig, register, strategy_names
from core.store.base import DEFAULT_VECTOR, Capabilities
from core.store.factory import open_store

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
    "Capabilities", "DEFAULT_VECTOR", "Strategy", "open_store", "register", "strategy_names",
]

# Official-API parity (weaviate-agents 1.8.0): the async agent, request options and query objects.
from core.models import METADATA_FIELDS, Movement, QueryMetadata, QueryOptions, SearchOptions  # noqa: E402
from core.personalization.aio import AsyncPersonalizationAgent, AsyncPersonalizedQuery  # noqa: E402
from core.retrieval.search import PersonalizedQuery  # noqa: E402

__all__ += [
    "AsyncPersonalizationAgent", "AsyncPersonalizedQuery", "METADATA_FIELDS", "Movement", "PersonalizedQuery",
    "QueryMetadata", "QueryOptions", "SearchOptions",
]
