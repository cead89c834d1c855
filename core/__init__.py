"""A self-hostable personalization engine with the API of Weaviate's PersonalizationAgent.

The stable names live here, grouped by layer (see the README, "How the engine is laid out"); the lab
and the CLI import only from this module.
"""

# vocabulary: models, configs, errors, IDs, values, titles, filter expressions
from core.configs import (DEFAULT_HALF_LIFE_DAYS, AgentConfig, AnnConfig, BlendWeights, LLMConfig, LocalRankerConfig,
                          PipelineConfig)
from core.errors import (AccessDeniedError, AlreadyExistsError, BatchWriteError, CancelledError, CatalogImportError, InvalidInputError,
                         NotAvailableError,
                         NotFoundError, PersonalizationError, ReadOnlyError, StoreError, UnsupportedFilterError)
from core.ids import generate_uuid5, to_uuid
from core.models import (METADATA_FIELDS, GetObjectsOptions, Item, Movement, Persona, PersonaInteraction,
                         PersonaInteractionResponse, PersonalizationAgentGetObjectsResponse, PersonalizationResponse,
                         PersonalizedObject, PersonalizedQueryResponse, QueryMetadata, QueryObject, QueryOptions,
                         SearchOptions, TraceStep, Usage, to_datetime)
from core.titles import display_title
from core.values import format_value, parse_scalar, parse_value
from core.where import WHERE_HELP, build_filter, parse_condition

# stores: the protocol, its capabilities, the embedded default and the factory
from core.store.base import DEFAULT_VECTOR, Capabilities, CollectionSpec, Hit, LearnedVectors, Store
from core.store.embedded.ann_mode import VECTOR_SEARCH_ENV, VECTOR_SEARCH_MODES, ann_config, vector_search_from_env
from core.store.embedded.store import EmbeddedStore
from core.store.factory import open_store
from core.store.overlay import OverlayStore, SharedCatalogs

# file import: tables, catalogs and their column types, interaction logs, the shipped samples
from core.io.community import UNTIMED_AT, CommunityReport, community_name, community_persona_id
from core.io.catalog import MAX_CATALOG_ROWS, ParsedCatalog, import_catalog, read_catalog
from core.io.column_types import COLUMN_KINDS, ColumnType, detect_column_type, detect_column_types, parse_column_type
from core.io.interaction_log import (MAX_INTERACTION_ROWS, ConvertedLog, InteractionLog, LogMapping, convert_log,
                                     read_interaction_log, read_interactions)
from core.io.interactions import InteractionImportReport, import_interactions
from core.io.ratings import RATING_KINDS, RatingMapping
from core.io.samples import (SampleCatalog, SampleInfo, install_catalog, install_community, install_sample,
                             list_samples, load_sample, load_sample_interactions)
from core.io.tables import ReadLimits, read_table

# retrieval: decay, the strategy registry
# learned item vectors: the behaviour model
from core.learn import (AUTO_TRAIN_MAX, BEHAVIOUR, BehaviourModel, BehaviourStatus, behaviour_model, behaviour_status,
                        train_behaviour)
from core.learn.blas import BLAS_THREADS_ENV, blas_threads, blas_threads_from_env, set_blas_threads
from core.retrieval.boost_stage import boost_note, boost_properties, simple_boost
from core.retrieval.profile import WeightedInteraction, check_decay, decay_factor
from core.retrieval.strategies import STRATEGIES, Strategy, StrategyConfig, register, strategy_names

# the agent's rankers
from core.ranking.llm.ranker import LLMRanker
from core.ranking.local.ranker import LocalRanker

# public objects: the agents, their searches, what tools inspect, the install helper
from core.personalization.aio import AsyncPersonalizationAgent, AsyncPersonalizedQuery
from core.personalization.inspect import ProfileVectors, profile_vectors, weighted_interactions
from core.personalization.samples import import_catalog_agent, install_sample_agent
from core.personalization.sync import PersonalizationAgent
from core.retrieval.search import PersonalizedQuery

# workspaces: file-backed stores in a data directory, sharing the shipped samples read-only
from core.workspaces.archive import export_workspace, import_workspace
from core.workspaces.copy import copy_persona
from core.workspaces.library import SampleLibrary
from core.workspaces.passcodes import ADMIN_ENV, admin_configured, admin_matches
from core.workspaces.refs import DATA_ENV, WorkspaceRef, default_data_dir
from core.workspaces.server import server_location, server_workspace
from core.workspaces.registry import Workspaces
from core.workspaces.report import CollectionSummary, WorkspaceInfo, describe, overview
from core.workspaces.workspace import Workspace

# evaluation: splits of a log, metrics with intervals, baselines, engine runs, sweeps, their record
from core.eval.agent_cost import LLMEstimate, estimate_llm_run
from core.eval.auto_tuning import (MIN_TUNE_USERS, TUNE_USERS, LearningReport, TunedImport, import_and_tune,
                                   learn_behaviour)
from core.eval.baselines import BASELINES
from core.eval.blend_tuning import MODEL_GRID, WEIGHT_GRID, BlendTuning, tune_behaviour, tune_blend, tuned_behaviour
from core.eval.job_registry import JobRegistry
from core.eval.jobs import (EvaluationJob, JobStatus, JobStep, Prepared, StepResult, baseline_step,
                            engine_step, llm_step, sweep_step)
from core.eval.llm_run import LLMBudget, evaluate_llm, llm_unavailable
from core.eval.metrics import METRICS, Estimate, mean_ci, paired_difference
from core.eval.report import beyond_accuracy, evaluation_report
from core.eval.runner import EngineConfig, Evaluation, RunResult
from core.eval.sources import PROTOCOLS, LogSource, log_source, sample_source, split_source, store_source
from core.eval.splits import LogRow, Split, leave_last_k, random_split, temporal_split
from core.eval.sweep import SWEEPABLE, SweepResult, grid_points, sweep

__all__ = [
    # vocabulary
    "AgentConfig", "AnnConfig", "BlendWeights", "DEFAULT_HALF_LIFE_DAYS", "LLMConfig", "LocalRankerConfig",
    "PipelineConfig",
    "AccessDeniedError", "AlreadyExistsError", "BatchWriteError", "CancelledError", "CatalogImportError", "InvalidInputError", "NotAvailableError", "NotFoundError",
    "PersonalizationError", "ReadOnlyError", "StoreError", "UnsupportedFilterError", "generate_uuid5", "to_uuid",
    "METADATA_FIELDS", "GetObjectsOptions", "Item", "Movement", "Persona", "PersonaInteraction",
    "PersonaInteractionResponse", "PersonalizationAgentGetObjectsResponse", "PersonalizationResponse",
    "PersonalizedObject", "PersonalizedQueryResponse", "QueryMetadata", "QueryObject", "QueryOptions",
    "SearchOptions", "TraceStep", "Usage", "to_datetime", "display_title", "format_value", "parse_scalar",
    "parse_value", "WHERE_HELP", "build_filter", "parse_condition",
    # stores
    "DEFAULT_VECTOR", "Capabilities", "CollectionSpec", "EmbeddedStore", "Hit", "LearnedVectors", "OverlayStore", "SharedCatalogs", "Store",
    "open_store", "VECTOR_SEARCH_ENV", "VECTOR_SEARCH_MODES", "ann_config", "vector_search_from_env",
    # file import
    "MAX_CATALOG_ROWS", "ParsedCatalog", "SampleCatalog", "SampleInfo", "import_catalog", "install_catalog",
    "install_sample", "list_samples", "load_sample", "load_sample_interactions", "read_catalog", "read_interactions",
    "read_table", "ReadLimits",
    "COLUMN_KINDS", "ColumnType", "detect_column_type", "detect_column_types", "parse_column_type",
    "MAX_INTERACTION_ROWS", "ConvertedLog", "InteractionLog", "LogMapping", "convert_log", "read_interaction_log",
    "InteractionImportReport", "import_interactions", "RATING_KINDS", "RatingMapping",
    "CommunityReport", "UNTIMED_AT", "community_name", "community_persona_id", "install_community",
    # learned item vectors
    "AUTO_TRAIN_MAX", "BEHAVIOUR", "BehaviourModel", "BehaviourStatus", "behaviour_model", "behaviour_status",
    "train_behaviour", "BLAS_THREADS_ENV", "blas_threads", "blas_threads_from_env", "set_blas_threads",
    # retrieval
    "STRATEGIES", "Strategy", "StrategyConfig", "WeightedInteraction", "check_decay", "decay_factor", "register",
    "strategy_names", "boost_note", "boost_properties", "simple_boost",
    # rankers
    "LLMRanker", "LocalRanker",
    # public objects
    "AsyncPersonalizationAgent", "AsyncPersonalizedQuery", "PersonalizationAgent", "PersonalizedQuery",
    "ProfileVectors", "import_catalog_agent", "install_sample_agent", "profile_vectors", "weighted_interactions",
    # workspaces
    "ADMIN_ENV", "CollectionSummary", "DATA_ENV", "SampleLibrary", "Workspace", "WorkspaceInfo", "WorkspaceRef",
    "Workspaces", "admin_configured", "admin_matches", "copy_persona", "default_data_dir", "describe",
    "export_workspace", "import_workspace", "overview", "server_location", "server_workspace",
    # evaluation
    "BASELINES", "METRICS", "PROTOCOLS", "SWEEPABLE", "EngineConfig", "Estimate", "Evaluation", "LogRow", "LogSource",
    "RunResult", "Split", "SweepResult", "beyond_accuracy", "evaluation_report", "grid_points", "leave_last_k", "log_source", "mean_ci",
    "paired_difference", "random_split", "sample_source", "split_source", "store_source", "sweep", "temporal_split",
    "EvaluationJob", "JobRegistry", "JobStatus", "JobStep", "Prepared", "StepResult", "baseline_step", "engine_step", "llm_step",
    "sweep_step",
    "BlendTuning", "MODEL_GRID", "WEIGHT_GRID", "tune_behaviour", "tune_blend", "tuned_behaviour",
    "LearningReport", "MIN_TUNE_USERS", "TUNE_USERS", "TunedImport", "import_and_tune", "learn_behaviour",
    "LLMBudget", "LLMEstimate", "estimate_llm_run", "evaluate_llm", "llm_unavailable",
]
