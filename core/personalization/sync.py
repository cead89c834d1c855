"""``PersonalizationAgent``: the public API, mirroring ``weaviate-agents`` 1.8.0's PersonalizationAgent.

Porting code from the official agent is one import::

    from core import PersonalizationAgent, Persona, PersonaInteraction

    agent = PersonalizationAgent.create(client=store, reference_collection="Movies",
                                        user_properties={"favorite_genres": DataType.TEXT_ARRAY})
    agent.add_persona(Persona(persona_id=pid, properties={"favorite_genres": ["Sci-Fi"]}))
    agent.add_interactions(interactions=[PersonaInteraction(persona_id=pid, item_id=movie, weight=0.8)])
    response = agent.get_objects(pid, limit=10, use_agent_ranking=False)

``client`` is a store here (e.g. ``EmbeddedStore(path)``); every official parameter binds in the
official order, positionally or by keyword. Each response's first trace step, ``config``, records
the options and configs the request ran with (``model_dump(mode="json")``, no secrets), so building
the same configs from it and calling again gives the same list.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from core.configs import AgentConfig, BlendWeights, LLMConfig, PipelineConfig
from core.learn import BehaviourStatus, behaviour_status, train_behaviour
from core.personalization.behaviour import AUTO, local_ranker_config, request_blend, resolve_strategy
from core.errors import InvalidInputError, NotFoundError
from core.ids import to_uuid
from core.io.embedding import default_embedder
from core.models import (GetObjectsOptions, Persona, PersonaInteraction, PersonaInteractionResponse,
                         PersonalizationAgentGetObjectsResponse, QueryOptions, to_datetime)
from core.personalization.arguments import (check_name, compat_args, interaction_batch, store_arg, typed_or_none,
                                            with_config)
from core.personalization import inspect
from core.personalization.schema import check_persona, user_properties_schema
from core.ranking.llm.ranker import LLMRanker
from core.ranking.local.ranker import LocalRanker
from core.ranking.pipeline import agent_recommend
from core.retrieval.search import PersonalizedQuery, check_filters
from core.retrieval.strategies import get_strategy
from core.retrieval.vector_stage import recommend
from core.store.base import Store

NO_LLM_NOTE = ("no LLM configured (set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server): "
               "ranked by the local agent (no LLM)")


class PersonalizationAgent:
    """Personas, interactions and personalized ranking over one reference collection."""

    def __init__(self, client: Store | None = None, reference_collection: str | None = None,
                 agents_host: str | None = None, vector_name: str | None = None, timeout: float | None = None, *,
                 store: Store | None = None, strategy: str | None = None, config: PipelineConfig | None = None,
                 embedder: Any = None, llm: Any = None, agent_config: AgentConfig | None = None) -> None:
        """The official parameters, then this engine's.

        ``client`` (or ``store=``): the store holding the collection. ``agents_host`` and
        ``timeout`` are accepted for compatibility and mean nothing here: there is no agents
        service to call, and requests run in-process. ``vector_name``: which named vector of the
        collection to use (None: its default vector). ``strategy``: ``"blend"``, ``"centroid"``,
        ``"knn"`` or ``"multi_interest"``, or None (the default): ``blend`` once the collection has a
        behaviour model (:mod:`core.learn`, trained by itself when cheap), else ``centroid``; ``config`` / ``agent_config``: engine tunables; ``embedder``: the text
        model for ``near_text`` (default: the process-wide one); ``llm``: an ``LLMConfig`` (default:
        ``LLMConfig.from_env()``; not configured -> the local agent) or a ready ``LLMRanker`` (share
        one per process so its call budget and cache cover every agent).
        """
        store = store_arg(client, store)
        check_name("reference_collection", reference_collection)
        if not store.has_collection(reference_collection):
            raise NotFoundError(f"reference collection {reference_collection!r} does not exist; "
                                f"existing: {store.list_collections()}")
        self.agents_host, self.timeout = compat_args(agents_host, timeout)
        self.store, self.collection = store, reference_collection
        # the vector the agent ranks with: as given, else the one it was created with; None is the default vector
        self.vector_name = check_name("vector_name", vector_name, optional=True) or \
            store.get_collection(reference_collection).vector_name
        store.get_collection(reference_collection).vector(self.vector_name)  # an unknown name fails here
        self.strategy = AUTO if strategy is None else get_strategy(GetObjectsOptions(strategy=strategy).strategy).name
        self.config = typed_or_none("config", config, PipelineConfig) or PipelineConfig()
        self._agent_config = typed_or_none("agent_config", agent_config, AgentConfig) or AgentConfig()
        self._embedder, self._llm = embedder, llm
        self._llm_ranker: tuple[Any, str | None] | None = None
        self._lock = threading.Lock()

    # lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(cls, client: Store | None = None, reference_collection: str | None = None,
               user_properties: dict[str, Any] | None = None, agents_host: str | None = None,
               vector_name: str | None = None, timeout: float | None = None, *, store: Store | None = None,
               **options: Any) -> "PersonalizationAgent":
        """Attach an agent to ``reference_collection`` (re-creating replaces its property schema).

        ``options`` are this engine's keyword-only parameters of :class:`PersonalizationAgent`.
        """
        schema = user_properties_schema(user_properties)
        agent = cls(client, reference_collection, agents_host, vector_name, timeout, store=store, **options)
        agent.store.set_agent_config(agent.collection, user_properties=schema, vector_name=agent.vector_name)
        return agent

    @classmethod
    def connect(cls, client: Store | None = None, reference_collection: str | None = None,
                agents_host: str | None = None, vector_name: str | None = None, timeout: float | None = None, *,
                store: Store | None = None, **options: Any) -> "PersonalizationAgent":
        """Connect to an agent created earlier; :class:`NotFoundError` if there is none."""
        if not cls.exists(client, reference_collection, agents_host, timeout, store=store):
            raise NotFoundError(f"no personalization agent exists for collection {reference_collection!r}; "
                                "use PersonalizationAgent.create first")
        return cls(client, reference_collection, agents_host, vector_name, timeout, store=store, **options)

    @classmethod
    def exists(cls, client: Store | None = None, reference_collection: str | None = None,
               agents_host: str | None = None, timeout: float | None = None, *, store: Store | None = None) -> bool:
        """Whether an agent was created for ``reference_collection`` (``agents_host``/``timeout`` unused)."""
        store = store_arg(client, store)
        compat_args(agents_host, timeout)
        check_name("reference_collection", reference_collection)
        return store.has_collection(reference_collection) and store.has_agent(reference_collection)

    @property
    def user_properties(self) -> dict[str, str]:
        """The persona property schema given to :meth:`create` (a copy)."""
        return dict(self.store.get_collection(self.collection).user_properties)

    # personas ----------------------------------------------------------------------------
    def add_persona(self, persona: Persona) -> None:
        check_persona(persona, self.user_properties)
        self.store.put_persona(self.collection, persona, must_exist=False)

    def update_persona(self, persona: Persona) -> None:
        check_persona(persona, self.user_properties)
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
        """The personas people made (a sample's community of background personas is left out)."""
        return self.store.list_personas(self.collection)

    # interactions ------------------------------------------------------------------------
    def add_interactions(self, interactions: Sequence[PersonaInteraction], create_persona_if_not_exists: bool = True,
                         remove_previous_interactions: bool = False, *, now: datetime | None = None) -> None:
        """Store interactions atomically: all of them, or (on any error) none.

        Unknown items are rejected; unknown personas are created (with no properties) unless
        ``create_persona_if_not_exists`` is False. ``replace_previous_interactions`` on an
        interaction (or ``remove_previous_interactions`` for the whole batch) first removes the
        persona's stored interactions with that item; ``created_at`` defaults to ``now``. The
        interactions are validated models already: they are passed to the store as they are.
        """
        rows, replace = interaction_batch(interactions, create_persona_if_not_exists, remove_previous_interactions)
        stamp = to_datetime(now, what="now") if now is not None else datetime.now(timezone.utc)
        personas = self._check_known(rows, create_persona_if_not_exists)
        self.store.add_interactions(self.collection, rows, default_time=stamp, replace_pairs=list(replace),
                                    create_personas=personas if create_persona_if_not_exists else ())

    def _check_known(self, rows: list[PersonaInteraction], create_personas: bool) -> list[UUID]:
        """Reject unknown items (and unknown personas unless they may be created); the batch's personas.

        No per-row tuples: in a bulk load they would be hundreds of thousands of objects for the
        garbage collector to scan. Int keys hash far faster than UUIDs.
        """
        items = list({(i := r.item_id).int: i for r in rows}.values())
        personas = list({(p := r.persona_id).int: p for r in rows}.values())
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
        rows = self.store.recent_interactions(self.collection, to_uuid(persona_id, what="persona_id"), None)
        keep = {"positive": lambda w: w > 0, "negative": lambda w: w < 0, "all": lambda w: True}[interaction_type]
        return [PersonaInteractionResponse(item_id=r.item_id, weight=r.weight, created_at=r.created_at)
                for r in rows if keep(r.weight)]

    # ranking -----------------------------------------------------------------------------
    def get_objects(self, persona_id: UUID | str, limit: int = 10, recent_interactions_count: int = 100,
                    exclude_interacted_items: bool = True, decay_rate: float = 0.1,
                    exclude_items: Sequence[UUID | str] = (), use_agent_ranking: bool = True,
                    explain_results: bool = True, instruction: str | None = None, filters: Any = None, *,
                    strategy: str | None = None, now: datetime | None = None,
                    popularity_weight: float | None = None,
                    blend: BlendWeights | dict | None = None) -> PersonalizationAgentGetObjectsResponse:
        """Personalized objects for a persona (official parameters and defaults).

        Extras: ``strategy`` (default: the agent's), ``now`` (the reference time of the decay;
        default: the time of the call), ``popularity_weight`` (default: ``self.config``'s) and
        ``blend``: the ``blend`` strategy's :class:`~core.configs.BlendWeights` for this request
        (default: the ones tuned for the collection).
        """
        start = time.perf_counter()
        strategy = self.resolve_strategy(strategy)
        options = GetObjectsOptions(
            limit=limit, recent_interactions_count=recent_interactions_count,
            exclude_interacted_items=exclude_interacted_items, decay_rate=decay_rate, exclude_items=exclude_items,
            use_agent_ranking=use_agent_ranking, explain_results=explain_results, instruction=instruction,
            filters=filters, strategy=strategy,
            now=datetime.now(timezone.utc) if now is None else now)
        get_strategy(options.strategy)
        check_filters(self.store, filters)
        config = self.config if popularity_weight is None else self.config.validated_copy(
            popularity_weight=popularity_weight)
        options = options.model_copy(update={"blend": request_blend(self.store, self.collection, strategy, blend,
                                                                    popularity_weight)})
        persona = self.get_persona(persona_id)
        setup = time.perf_counter() - start
        if not use_agent_ranking:  # the instruction only steers the agent; vector-only ranking ignores it
            response = recommend(self.store, self.collection, persona, options, config, self.vector_name)
            return with_config(response, setup, options, self.vector_name, pipeline=config, agent=None,
                                local_ranker=None, llm=None)
        local = LocalRanker(local_ranker_config(self.store, self.collection, options, config))
        llm, note = self.llm_ranker
        response = agent_recommend(self.store, self.collection, persona, options, config=config,
                                   vector_name=self.vector_name, agent_config=self._agent_config, ranker=llm or local,
                                   local=local, embedder=self.embedder, ranker_note=note)
        return with_config(response, setup, options, self.vector_name, pipeline=config, agent=self._agent_config,
                            local_ranker=local.config, llm=llm.config if llm is not None else None)

    def resolve_strategy(self, strategy: str | None = None) -> str:
        """The strategy a request runs: ``strategy`` else the agent's (:mod:`core.personalization.behaviour`)."""
        return resolve_strategy(self.store, self.collection, strategy or self.strategy)

    def train_behaviour(self, *, dims: int | None = None, l2: float | None = None) -> BehaviourStatus:
        """Train (or retrain) the collection's behaviour model from every persona's interactions now
        (:func:`core.learn.train_behaviour`); its status afterwards. :func:`core.tune_behaviour` also tunes."""
        train_behaviour(self.store, self.collection, dims=dims, l2=l2)
        return behaviour_status(self.store, self.collection)

    def behaviour_status(self) -> BehaviourStatus:
        """Whether the collection has a behaviour model, and whether it is stale."""
        return behaviour_status(self.store, self.collection)

    def query(self, persona_id: UUID | str, strength: float = 0.5, overfetch_factor: float = 1.5,
              recent_interactions_count: int = 100, decay_rate: float = 0.1, *,
              now: datetime | None = None) -> PersonalizedQuery:
        """Personalized search: ``agent.query(pid, strength=0.5).near_text("space")`` (or bm25 / hybrid)."""
        options = QueryOptions(strength=strength, overfetch_factor=overfetch_factor,
                               recent_interactions_count=recent_interactions_count, decay_rate=decay_rate,
                               strategy="centroid" if self.strategy in (AUTO, "blend") else self.strategy, now=now)
        return PersonalizedQuery(self.store, self.collection, self.get_persona(persona_id), options,
                                 config=self.config, embedder=lambda: self.embedder, vector_name=self.vector_name)

    def profile_vectors(self, persona_id: UUID | str, **options: Any) -> inspect.ProfileVectors:
        """The query vector(s) a strategy searches with (see :func:`core.personalization.inspect.profile_vectors`)."""
        return inspect.profile_vectors(self, persona_id, **options)

    @property
    def llm_ranker(self) -> tuple[LLMRanker | None, str | None]:
        """The LLM agent (None when no LLM is configured) and a note for responses."""
        with self._lock:
            if self._llm_ranker is None:
                llm = self._llm if self._llm is not None else LLMConfig.from_env()
                if isinstance(llm, LLMRanker):
                    self._llm_ranker = (llm, None)
                else:
                    self._llm_ranker = (LLMRanker(llm), None) if llm.configured else (None, NO_LLM_NOTE)
            return self._llm_ranker

    @property
    def embedder(self):
        """The text model (loaded on first use)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = default_embedder()
            return self._embedder
