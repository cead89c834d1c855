"""AsyncPersonalizationAgent: the same API awaitable, and concurrent requests equal sequential ones."""

from __future__ import annotations

import asyncio

import pytest

from core import AsyncPersonalizationAgent, LLMConfig, NotFoundError, Persona, PersonaInteraction, PersonalizationAgent

from .store_contract import NOW, uid

NO_LLM = LLMConfig()  # nothing configured: the local agent ranks, whatever the environment says
LIKES = {"ann": [("a", 1.0), ("e", -1.0)], "ben": [("c", 1.0)], "cat": [("f", 0.8), ("b", 0.5)], "dan": [("d", 1.0)]}


def run(coroutine):
    return asyncio.run(coroutine)


def signature(response):
    return [(o.uuid, round(o.score, 9)) for o in response.objects]


def hits(response):
    return [(o.uuid, round(o.metadata.score, 9)) for o in response.objects]


async def populated(store) -> AsyncPersonalizationAgent:
    agent = await AsyncPersonalizationAgent.create(store, "Things", {"favorite_genres": "text[]"}, llm=NO_LLM)
    await agent.add_persona(Persona(persona_id="ann", properties={"favorite_genres": ["Comedy"]}))
    for name, pairs in LIKES.items():
        await agent.add_interactions([PersonaInteraction(persona_id=name, item_id=item, weight=w, created_at=NOW)
                                      for item, w in pairs])
    return agent


def test_lifecycle_and_personas_are_awaitable(store):
    async def scenario():
        assert not await AsyncPersonalizationAgent.exists(store, "Things")
        with pytest.raises(NotFoundError, match="create"):
            await AsyncPersonalizationAgent.connect(store, "Things")
        agent = await populated(store)
        assert await AsyncPersonalizationAgent.exists(client=store, reference_collection="Things")
        again = await AsyncPersonalizationAgent.connect(client=store, reference_collection="Things")
        assert (await again.get_persona("ann")).properties == {"favorite_genres": ["Comedy"]}
        assert await agent.has_persona("ben") and len(await agent.list_personas()) == 4
        await agent.update_persona(Persona(persona_id="ben", properties={"favorite_genres": ["Drama"]}))
        assert [i.item_id for i in await agent.get_interactions("ann", "negative")] == [uid("e")]
        await agent.delete_persona("dan")
        assert not await agent.has_persona("dan")
        with pytest.raises(NotFoundError):
            await agent.get_objects("dan", use_agent_ranking=False)
        with pytest.raises(NotFoundError):
            await agent.query("dan").bm25("item")  # the persona is looked up when the search is awaited
    run(scenario())


def test_async_results_equal_the_sync_agent(store):
    agent = run(populated(store))
    sync = PersonalizationAgent.connect(store, "Things", llm=NO_LLM)
    for use_agent in (False, True):
        got = run(agent.get_objects("ann", 3, use_agent_ranking=use_agent, now=NOW))
        assert signature(got) == signature(sync.get_objects("ann", 3, use_agent_ranking=use_agent, now=NOW))
    searched = run(agent.query("ben", strength=0.6, now=NOW).hybrid("comedy", vector=[0, 1, 0, 0], limit=4))
    assert hits(searched) == hits(sync.query("ben", strength=0.6, now=NOW).hybrid("comedy", vector=[0, 1, 0, 0],
                                                                                   limit=4))


def test_concurrent_requests_give_the_sequential_results(store):
    agent = run(populated(store))

    def requests():
        for name in LIKES:
            yield agent.get_objects(name, limit=4, use_agent_ranking=False, now=NOW)
            yield agent.get_objects(name, limit=3, now=NOW)
            yield agent.query(name, strength=0.8, now=NOW).bm25("item comedy drama", limit=5)

    async def sequential():
        return [await r for r in requests()]

    async def concurrent():
        return await asyncio.gather(*requests())

    one_by_one, together = run(sequential()), run(concurrent())
    assert len(together) == 3 * len(LIKES)
    for first, second in zip(one_by_one, together):
        key = hits if hasattr(first.objects[0], "metadata") else signature
        assert key(first) == key(second) and key(first)


def test_the_sync_agent_is_shared(store):
    sync = PersonalizationAgent.create(store, "Things")
    wrapped = AsyncPersonalizationAgent.wrap(sync)
    run(wrapped.add_interactions([PersonaInteraction(persona_id="eve", item_id="a", weight=1.0, created_at=NOW)]))
    assert sync.has_persona("eve") and wrapped.sync is sync
