"""``AsyncPersonalizationAgent``: the same API as :class:`PersonalizationAgent`, awaitable.

The official client's users asked for an async agent; it never shipped. This one wraps the sync
agent and runs each blocking call in a worker thread (``asyncio.to_thread``), so an event loop
(FastAPI, a notebook, ``asyncio.gather``) is never blocked. The embedded store serialises its
work with a lock and the text model is shared, so concurrent requests give the same results as
sequential ones::

    agent = await AsyncPersonalizationAgent.create(client=store, reference_collection="Movies")
    await agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=movie, weight=1.0)])
    response = await agent.get_objects(pid, limit=10)
    hits = await agent.query(pid, strength=0.5).bm25("space opera", limit=5)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from core.models import (Persona, PersonaInteraction, PersonaInteractionResponse,
                         PersonalizationAgentGetObjectsResponse, PersonalizedQueryResponse, QueryOptions,
                         SearchOptions)
from core.personalization.sync import PersonalizationAgent
from core.store.base import Store


class AsyncPersonalizationAgent:
    """:class:`PersonalizationAgent` with awaitable methods (same parameters, same results).

    ``sync`` is the wrapped agent, for anything that needs no awaiting (``collection``,
    ``vector_name``, ``config``, ...).
    """

    def __init__(self, client: Store | None = None, reference_collection: str | None = None,
                 agents_host: str | None = None, vector_name: str | None = None, timeout: float | None = None,
                 **options: Any) -> None:
        """The parameters of :class:`PersonalizationAgent` (this checks the collection exists, synchronously)."""
        self.sync = PersonalizationAgent(client, reference_collection, agents_host, vector_name, timeout, **options)

    @classmethod
    def wrap(cls, agent: PersonalizationAgent) -> "AsyncPersonalizationAgent":
        """An async face for an existing sync agent (they share everything)."""
        wrapped = cls.__new__(cls)
        wrapped.sync = agent
        return wrapped

    @classmethod
    async def create(cls, client: Store | None = None, reference_collection: str | None = None,
                     user_properties: dict[str, Any] | None = None, agents_host: str | None = None,
                     vector_name: str | None = None, timeout: float | None = None,
                     **options: Any) -> "AsyncPersonalizationAgent":
        """See :meth:`PersonalizationAgent.create`."""
        return cls.wrap(await asyncio.to_thread(PersonalizationAgent.create, client, reference_collection,
                                                user_properties, agents_host, vector_name, timeout, **options))

    @classmethod
    async def connect(cls, client: Store | None = None, reference_collection: str | None = None,
                      agents_host: str | None = None, vector_name: str | None = None, timeout: float | None = None,
                      **options: Any) -> "AsyncPersonalizationAgent":
        """See :meth:`PersonalizationAgent.connect`."""
        return cls.wrap(await asyncio.to_thread(PersonalizationAgent.connect, client, reference_collection,
                                                agents_host, vector_name, timeout, **options))

    @classmethod
    async def exists(cls, client: Store | None = None, reference_collection: str | None = None,
                     agents_host: str | None = None, timeout: float | None = None, **options: Any) -> bool:
        """See :meth:`PersonalizationAgent.exists`."""
        return await asyncio.to_thread(PersonalizationAgent.exists, client, reference_collection, agents_host,
                                       timeout, **options)

    async def add_persona(self, persona: Persona) -> None:
        await asyncio.to_thread(self.sync.add_persona, persona)

    async def update_persona(self, persona: Persona) -> None:
        await asyncio.to_thread(self.sync.update_persona, persona)

    async def get_persona(self, persona_id: UUID | str) -> Persona:
        return await asyncio.to_thread(self.sync.get_persona, persona_id)

    async def delete_persona(self, persona_id: UUID | str) -> None:
        await asyncio.to_thread(self.sync.delete_persona, persona_id)

    async def has_persona(self, persona_id: UUID | str) -> bool:
        return await asyncio.to_thread(self.sync.has_persona, persona_id)

    async def list_personas(self) -> list[Persona]:
        return await asyncio.to_thread(self.sync.list_personas)

    async def add_interactions(self, interactions: Sequence[PersonaInteraction],
                               create_persona_if_not_exists: bool = True, remove_previous_interactions: bool = False,
                               *, now: datetime | None = None) -> None:
        await asyncio.to_thread(self.sync.add_interactions, interactions, create_persona_if_not_exists,
                                remove_previous_interactions, now=now)

    async def get_interactions(self, persona_id: UUID | str,
                               interaction_type: str = "positive") -> list[PersonaInteractionResponse]:
        return await asyncio.to_thread(self.sync.get_interactions, persona_id, interaction_type)

    async def get_objects(self, persona_id: UUID | str, limit: int = 10, recent_interactions_count: int = 100,
                          exclude_interacted_items: bool = True, decay_rate: float = 0.1,
                          exclude_items: Sequence[UUID | str] = (), use_agent_ranking: bool = True,
                          explain_results: bool = True, instruction: str | None = None, filters: Any = None,
                          **extras: Any) -> PersonalizationAgentGetObjectsResponse:
        """See :meth:`PersonalizationAgent.get_objects` (same parameters; ``extras``: its keyword-only ones)."""
        return await asyncio.to_thread(self.sync.get_objects, persona_id, limit, recent_interactions_count,
                                       exclude_interacted_items, decay_rate, exclude_items, use_agent_ranking,
                                       explain_results, instruction, filters, **extras)

    def query(self, persona_id: UUID | str, strength: float = 0.5, overfetch_factor: float = 1.5,
              recent_interactions_count: int = 100, decay_rate: float = 0.1, *,
              now: datetime | None = None) -> "AsyncPersonalizedQuery":
        """``await agent.query(pid, strength=...).near_text(...)`` (or bm25 / hybrid).

        The settings are checked here; the persona is looked up when a search is awaited.
        """
        options = QueryOptions(strength=strength, overfetch_factor=overfetch_factor,
                               recent_interactions_count=recent_interactions_count, decay_rate=decay_rate,
                               strategy=self.sync.strategy, now=now)
        return AsyncPersonalizedQuery(self.sync, persona_id, options)


class AsyncPersonalizedQuery:
    """The awaitable ``near_text`` / ``bm25`` / ``hybrid`` of one persona (see :class:`PersonalizedQuery`)."""

    def __init__(self, agent: PersonalizationAgent, persona_id: UUID | str, options: QueryOptions) -> None:
        self._agent, self._persona_id, self.options = agent, persona_id, options

    def _sync_query(self):
        o = self.options
        return self._agent.query(self._persona_id, o.strength, o.overfetch_factor, o.recent_interactions_count,
                                 o.decay_rate, now=o.now)

    async def near_text(self, query: str | Sequence[str], **kwargs: Any) -> PersonalizedQueryResponse:
        return await asyncio.to_thread(lambda: self._sync_query().near_text(query, **kwargs))

    async def bm25(self, query: str | None, **kwargs: Any) -> PersonalizedQueryResponse:
        return await asyncio.to_thread(lambda: self._sync_query().bm25(query, **kwargs))

    async def hybrid(self, query: str | None, **kwargs: Any) -> PersonalizedQueryResponse:
        return await asyncio.to_thread(lambda: self._sync_query().hybrid(query, **kwargs))

    async def run(self, search: SearchOptions) -> PersonalizedQueryResponse:
        """Replay a recorded search (see :meth:`PersonalizedQuery.run`)."""
        return await asyncio.to_thread(lambda: self._sync_query().run(search))
