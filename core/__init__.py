"""A self-hostable personalization engine with the API of Weaviate's PersonalizationAgent.

The stable names live here; the lab and the CLI import only from this module.
"""

from core.personalization.sync import PersonalizationAgent
from core.io.catalog import ParsedCatalog, import_catalog, read_catalog, read_interactions
from core.errors import (AlreadyExistsError, CatalogImportError, InvalidInputError, NotAvailableError, NotFoundError,
                     PersonalizationError, StoreError, UnsupportedFilterError)
from core.ids import generate_uuid5, to_uuid
from core.models import (STRATEGIES, GetObjectsOptions, Item, Persona, PersonaInteraction, PersonaInteractionResponse,
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
from core.retrieval.strategies import StrategyConfig
from core.where import build_filter, parse_condition
# --- the lab's and the CLI's shared helpers (issue 7: one front door) ---
from core.titles import display_title, item_titles
from core.values import format_value, parse_scalar, parse_value
from core.where import WHERE_HELP
from core.retrieval.profile import WeightedInteraction, check_decay
from core.personalization.inspect import ProfileVectors, profile_vectors, weighted_interactions
from core.personalization.samples import install_sample_agent
from core.io.catalog import MAX_CATALOG_ROWS
from core.io.tables import read_table
from core.ranking.llm.ranker import LLMRanker

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
    # --- the lab's and the CLI's shared helpers (issue 7: one front door) ---
    "MAX_CATALOG_ROWS", "ProfileVectors", "WHERE_HELP", "WeightedInteraction", "format_value", "install_sample_agent",
    "item_titles", "parse_scalar", "parse_value", "profile_vectors", "read_table", "weighted_interactions",
    "LLMRanker", "check_decay",
]
