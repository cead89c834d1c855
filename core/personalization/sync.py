"""``PersonalizationAgent``: the public API, mirroring ``weaviate-agents``' PersonalizationAgent.

Porting code from the official agent is one import::

    from core import PersonalizationAgent, Persona, PersonaInteraction

    agent = PersonalizationAgent.create(store, reference_collection="Movies",
                                        user_properties={"favorite_genres": "text[]"})
    agent.add_persona(Persona(persona_id=pid, properties={"favorite_genres": ["Sci-Fi"]}))
    agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=movie, weight=0.8)])
    response = agent.get_objects(pid, limit=10, use_agent_ranking=False)

``store`` may also be passed as ``client=`` (the official keyword).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from core.errors import InvalidInputError, NotFoundError
from core.ids import to_uuid
from core.models import (GetObjectsOptions, Persona, PersonaInteraction, PersonaInteractionResponse,
                     PersonalizationAgentGetObjectsResponse, to_datetime)
from core.personalization import inspect
from core.retrieval.vector_stage import PipelineConfig, recommend
from core.store.base import Store

_PROPERTY_TYPES = {"text": str, "text[]": list, "int": int, "int[]": list, "number": (int, float),
                   "number[]": list, "boolean": bool, "boolean[]": list, "date": str, "date[]": list}


class PersonalizationAgent:
    """Personas, interactions and personalized ranking over one reference collection."""

    def __init__(self, store: Store, reference_collection: str, vector_name: str | None = None, *,
                 strategy: str = "centroid", config: PipelineConfig | None = None, embedder: Any = None,
                 llm: Any = None, agent_config: Any = None) -> None:
        """``llm``: an ``LLMConfig`` (default: ``LLMConfig.from_env()``; not configured -> the local agent) or a
        ready ``LLMRanker`` (share one per process so its call budget and cache cover every agent)."""
        if not store.has_collection(reference_collection):
            raise NotFoundError(f"reference collection {reference_collection!r} does not exist; "
                                f"existing: {store.list_collections()}")
        GetObjectsOptions(strategy=strategy)  # validates the name
        self.store = store
        self.collection = reference_collection
        self.vector_name = vector_name
        self.strategy = strategy
        self.config = config or PipelineConfig()
        self._embedder = embedder
        self._llm = llm
        self._agent_config = agent_config
        self._llm_ranker: tuple[Any, str | None] | None = None

    # lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(cls, store: Store | None = None, reference_collection: str | None = None,
               user_properties: dict[str, Any] | None = None, vector_name: str | None = None, *,
               client: Store | None = None, **options: Any) -> "PersonalizationAgent":
        """Attach an agent to ``reference_collection`` (re-creating replaces its property schema)."""
        store = _store_arg(store, client)
        if not isinstance(reference_collection, str) or not reference_collection:
            raise InvalidInputError(f"reference_collection must be a collection name, got {reference_collection!r}")
        agent = cls(store, reference_collection, vector_name, **options)
        store.set_agent_config(reference_collection, user_properties=_schema(user_properties),
                               vector_name=vector_name)
        return agent

    @classmethod
    def connect(cls, store: Store | None = None, reference_collection: str | None = None,
                vector_name: str | None = None, *, client: Store | None = None, **options: Any) -> "PersonalizationAgent":
        """Connect to an agent created earlier; :class:`NotFoundError` if there is none."""
        store = _store_arg(store, client)
        if not cls.exists(store, reference_collection):
            raise NotFoundError(f"no personalization agent exists for collection {reference_collection!r}; "
                                "use PersonalizationAgent.create first")
        return cls(store, reference_collection, vector_name, **options)

    @classmethod
    def exists(cls, store: Store | None = None, reference_collection: str | None = None, *,
               client: Store | None = None) -> bool:
        store = _store_arg(store, client)
        return store.has_collection(reference_collection) and store.has_agent(reference_collection)

    @property
    def user_properties(self) -> dict[str, str]:
        return self.store.get_collection(self.collection).user_properties

    # personas ----------------------------------------------------------------------------
    def add_persona(self, persona: Persona) -> None:
        self._check_properties(persona)
        self.store.put_persona(self.collection, persona, must_exist=False)

    def update_persona(self, persona: Persona) -> None:
        self._check_properties(persona)
        self.store.put_persona(self.collection, persona, must_exist=True)

    def get_persona(self, persona_id: UUID | str) -> Persona:
        persona = self.store.get_persona(self.collection, to_uuid(persona_id, what="persona_id"))
        if persona is None:
            raise NotFoundError(f"persona {persona_id} does not exist")
        return persona

    def delete_persona(self, persona_id: UUID | str) -> None:
        """Delete a persona and all its interactions."""
        if not self.store.delete_persona(self.collection, to_uuid(persona_id, what="persona_id")):
            raise NotFoundError(f"persona {persona_id} does not exist")

    def has_persona(self, persona_id: UUID | str) -> bool:
        return self.store.get_persona(self.collection, to_uuid(persona_id, what="persona_id")) is not None

    def list_personas(self) -> list[Persona]:
        return self.store.list_personas(self.collection)

    def _check_properties(self, persona: Persona) -> None:
        if not isinstance(persona, Persona):
            raise InvalidInputError(f"expected a Persona, got {type(persona).__name__}")
        schema = self.user_properties
        if not schema:
            return
        unknown = sorted(set(persona.properties) - set(schema))
        if unknown:
            raise InvalidInputError(f"persona properties {unknown} are not in the agent's user_properties "
                                    f"{sorted(schema)}")
        for name, value in persona.properties.items():
            expected, kind = _PROPERTY_TYPES[schema[name]], schema[name]
            wrong_bool = isinstance(value, bool) and not kind.startswith("boolean")
            if value is not None and (not isinstance(value, expected) or wrong_bool):
                raise InvalidInputError(f"persona property {name!r} must be of type {schema[name]}, got {value!r}")

    # interactions ------------------------------------------------------------------------
    def add_interactions(self, interactions: Sequence[PersonaInteraction], create_persona_if_not_exists: bool = True,
                         remove_previous_interactions: bool = False, *, now: datetime | None = None) -> None:
        """Store interactions atomically: all of them, or (on any error) none.

        Unknown items are rejected; unknown personas are created (with no properties) unless
        ``create_persona_if_not_exists`` is False. ``replace_previous_interactions`` on an
        interaction (or ``remove_previous_interactions`` for the whole batch) first removes the
        persona's stored interactions with that item; ``created_at`` defaults to ``now``.
        """
        if isinstance(interactions, PersonaInteraction) or not isinstance(interactions, Sequence):
            raise InvalidInputError("interactions must be a list of PersonaInteraction")
        stamp = to_datetime(now, what="now") if now is not None else datetime.now(timezone.utc)
        rows = list(interactions)
        replace: dict[tuple[UUID, UUID], int] = {}
        for n, it in enumerate(rows):
            if type(it) is not PersonaInteraction and not isinstance(it, PersonaInteraction):
                raise InvalidInputError(f"interactions[{n}] must be a PersonaInteraction, got {type(it).__name__}")
            if it.replace_previous_interactions or remove_previous_interactions:
                replace[(it.persona_id, it.item_id)] = n
        if replace:  # an interaction that replaces history also replaces the same pair earlier in this batch
            rows = [r for k, r in enumerate(rows) if replace.get((r.persona_id, r.item_id), k) <= k]
        personas = self._check_known(rows, create_persona_if_not_exists)
        self.store.add_interactions(self.collection, rows, default_time=stamp, replace_pairs=list(replace),
                                    create_personas=personas if create_persona_if_not_exists else ())

    def _check_known(self, rows: list[PersonaInteraction], create_personas: bool) -> list[UUID]:
        """Reject unknown items (and unknown personas unless they may be created); the batch's personas."""
        items = list({r.item_id.int: r.item_id for r in rows}.values())  # int keys hash far faster than UUIDs
        personas = list({r.persona_id.int: r.persona_id for r in rows}.values())
        missing = sorted(str(i) for i in self.store.missing_items(self.collection, items))
        if missing:
            raise NotFoundError(f"{len(missing)} item(s) are not in collection {self.collection!r}, "
                                f"e.g. {missing[:3]}; nothing was stored")
        if not create_personas:
            absent = [str(p) for p in personas if not self.has_persona(p)]
            if absent:
                raise NotFoundError(f"persona(s) {sorted(absent)[:3]} do not exist and "
                                    "create_persona_if_not_exists is False; nothing was stored")
        return personas

    def get_interactions(self, persona_id: UUID | str, interaction_type: str = "positive") -> list[PersonaInteractionResponse]:
        """A persona's interactions, newest first: ``"positive"`` (weight > 0), ``"negative"`` (< 0) or ``"all"``."""
        if interaction_type not in ("positive", "negative", "all"):
            raise InvalidInputError(f"interaction_type must be 'positive', 'negative' or 'all', got {interaction_type!r}")
        pid = to_uuid(persona_id, what="persona_id")
        rows = self.store.recent_interactions(self.collection, pid, None)
        keep = {"positive": lambda w: w > 0, "negative": lambda w: w < 0, "all": lambda w: True}[interaction_type]
        return [PersonaInteractionResponse(r.item_id, r.weight, r.created_at) for r in rows if keep(r.weight)]

    # ranking -----------------------------------------------------------------------------
    def get_objects(self, persona_id: UUID | str, limit: int = 10, recent_interactions_count: int = 100,
                    exclude_interacted_items: bool = True, decay_rate: float = 0.1,
                    exclude_items: Sequence[UUID | str] = (), use_agent_ranking: bool = True,
                    explain_results: bool = True, instruction: str | None = None, filters: Any = None, *,
                    strategy: str | None = None, now: datetime | None = None,
                    popularity_weight: float | None = None) -> PersonalizationAgentGetObjectsResponse:
        """Personalized objects for a persona (official parameters and defaults).

        Extras: ``strategy`` (default: the agent's), ``now`` (the reference time of the decay) and
        ``popularity_weight`` (default: ``self.config.popularity_weight``).
        """
        options = GetObjectsOptions(limit, recent_interactions_count, exclude_interacted_items, decay_rate,
                                    exclude_items, use_agent_ranking, explain_results, instruction, filters,
                                    strategy or self.strategy, now)
        if filters is not None:
            from core.store.embedded.filter_eval import validate_filter
            validate_filter(filters)
        if isinstance(instruction, str) and not instruction.strip():
            options = replace(options, instruction=None)
        config = self.config
        if popularity_weight is not None:
            if isinstance(popularity_weight, bool) or not isinstance(popularity_weight, (int, float)) \
                    or not 0 <= popularity_weight <= 10:
                raise InvalidInputError(f"popularity_weight must be a number from 0 to 10, got {popularity_weight!r}")
            config = replace(config, popularity_weight=float(popularity_weight))
        persona = self.get_persona(persona_id)
        if not use_agent_ranking:  # the instruction only steers the agent; vector-only ranking ignores it
            return recommend(self.store, self.collection, persona, options, config)
        from core.ranking.local.ranker import LocalRanker, LocalRankerConfig
        from core.ranking.pipeline import AgentConfig, agent_recommend
        # the local agent weighs popularity as the vector stage does, so popularity_weight=0 means off in both
        local = LocalRanker(LocalRankerConfig(popularity=config.popularity_weight))
        llm, note = self.llm_ranker
        return agent_recommend(self.store, self.collection, persona, options, config=config,
                               agent_config=self._agent_config or AgentConfig(), ranker=llm or local, local=local,
                               embedder=self.embedder, ranker_note=note)

    def query(self, persona_id: UUID | str, strength: float = 0.5, overfetch_factor: float = 1.5,
              recent_interactions_count: int = 100, decay_rate: float = 0.1, *, now: datetime | None = None):
        """Personalized search: ``agent.query(pid, strength=0.5).near_text("space")`` (or bm25 / hybrid)."""
        from core.retrieval.search import PersonalizedQuery
        return PersonalizedQuery(self, self.get_persona(persona_id), strength=strength,
                                 overfetch_factor=overfetch_factor, recent_interactions_count=recent_interactions_count,
                                 decay_rate=decay_rate, now=now)

    def profile_vectors(self, persona_id: UUID | str, **options: Any) -> inspect.ProfileVectors:
        """The query vector(s) a strategy searches with (see :func:`core.personalization.inspect.profile_vectors`)."""
        return inspect.profile_vectors(self, persona_id, **options)

    @property
    def llm_ranker(self) -> tuple[Any, str | None]:
        """The LLM agent (None when no LLM is configured) and a note for responses."""
        if self._llm_ranker is None:
            from core.ranking.llm.client import LLMConfig
            from core.ranking.llm.ranker import LLMRanker
            llm = self._llm if self._llm is not None else LLMConfig.from_env()
            if isinstance(llm, LLMRanker):
                self._llm_ranker = (llm, None)
            else:
                self._llm_ranker = (LLMRanker(llm), None) if llm.configured else (
                    None, "no LLM configured (set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server): "
                          "ranked by the local agent (no LLM)")
        return self._llm_ranker

    @property
    def embedder(self):
        if self._embedder is None:
            from core.io.embedding import default_embedder
            self._embedder = default_embedder()
        return self._embedder


def _store_arg(store: Store | None, client: Store | None) -> Store:
    if store is not None and client is not None:
        raise InvalidInputError("pass the store positionally or as client=, not both")
    store = store if store is not None else client
    if store is None or not hasattr(store, "near_vectors"):
        raise InvalidInputError(f"expected a store (e.g. EmbeddedStore(path)), got {type(store).__name__}")
    return store


def _schema(user_properties: dict[str, Any] | None) -> dict[str, str]:
    """user_properties as ``{name: type}`` strings; weaviate ``DataType`` members are accepted."""
    out = {}
    for name, kind in (user_properties or {}).items():
        text = str(getattr(kind, "value", kind)).lower()
        if not isinstance(name, str) or not name or text not in _PROPERTY_TYPES:
            raise InvalidInputError(f"user_properties[{name!r}] must be one of {sorted(_PROPERTY_TYPES)}, got {kind!r}")
        out[name] = text
    return out

