"""Agent ranking end to end on the workshop catalog, with the local agent (no LLM configured)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from weaviate.classes.query import Filter

from core import EmbeddedStore, Persona, PersonaInteraction, PersonalizationAgent, install_sample_agent

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
PASTA = ["spaghetti-carbonara", "cacio-e-pepe"]


@pytest.fixture(scope="module")
def workshop_store():
    store = EmbeddedStore(":memory:")
    install_sample_agent(store, "workshop")
    return store


@pytest.fixture
def agent(workshop_store, no_llm):
    agent = PersonalizationAgent.create(workshop_store, "Workshop", user_properties={"favorite_cuisines": "text[]"})
    for persona in agent.list_personas():
        agent.delete_persona(persona.persona_id)
    agent.add_persona(Persona(persona_id="pat", properties={"favorite_cuisines": ["Japanese"]}))
    agent.add_interactions([PersonaInteraction(persona_id="pat", item_id=dish, weight=1.0,
                                               created_at=NOW) for dish in PASTA])
    return agent


def ask(agent, **kw):
    kw.setdefault("now", NOW)
    return agent.get_objects("pat", **kw)


def names(response):
    return [o.properties["original_id"] for o in response.objects]


def test_local_agent_is_used_and_says_so(agent):
    response = ask(agent, limit=5)
    assert response.ranker == "local agent (no LLM)" and "no LLM configured" in response.ranker_note
    assert not response.fallback and response.usage.requests == 0
    assert [s.name for s in response.trace] == ["config", "analyse_persona", "vector_search", "plan", "searches",
                                                "rerank", "explain"]
    assert len(names(response)) == 5 == len(set(names(response)))
    assert not set(names(response)) & set(PASTA)
    assert response.ranking_rationale and all(o.explanation for o in response.objects)


def test_property_search_brings_in_new_candidates(agent):
    response = ask(agent, limit=10)
    plan = next(s for s in response.trace if s.name == "plan").details["searches"]
    assert plan[0]["method"] == "bm25" and "japanese" in plan[0]["query"].lower()
    searches = next(s for s in response.trace if s.name == "searches").details["searches"]
    assert searches[0]["hits"] and searches[0]["new_candidates"] > 0
    vector_only = agent.get_objects("pat", limit=60, use_agent_ranking=False, now=NOW)
    vector_rank = {o.uuid: o.personalized_rank for o in vector_only.objects}
    for obj in response.objects:
        if obj.original_rank is None:  # found only by an extra search
            assert obj.uuid not in list(vector_rank)[:30]
        else:
            assert vector_rank[obj.uuid] == obj.original_rank


@pytest.mark.slow
def test_instruction_steers_the_ranking(agent):
    plain = ask(agent, limit=8)
    sweet = ask(agent, limit=8, instruction="a sweet dessert")
    courses = [o.properties["course"] for o in sweet.objects]
    assert courses.count("dessert") > [o.properties["course"] for o in plain.objects].count("dessert")
    assert courses.count("dessert") >= 4
    plan = next(s for s in sweet.trace if s.name == "plan").details["searches"]
    assert plan[0]["reason"] == "instruction" and plan[0]["query"] == "a sweet dessert"
    assert any("instruction" in o.explanation for o in sweet.objects)


@pytest.mark.slow
def test_instruction_negation_and_the_move_towards_the_likes(agent):
    # pat likes carbonara and cacio e pepe: Italian desserts are nearest to that taste, and ruled out here
    response = ask(agent, limit=6, instruction="a dessert, but not an Italian one")
    assert [o.properties["course"] for o in response.objects] == ["dessert"] * 6
    assert all(o.properties["cuisine"] != "Italian" for o in response.objects)
    plan = next(s for s in response.trace if s.name == "plan").details["searches"]
    assert [(s["query"], s["method"], s["toward_likes"], s["depth"]) for s in plan] == [
        ("dessert", "hybrid", 0.0, 1), ("dessert sweet", "bm25", 0.0, 2), ("dessert", "near_text", 1.0, 3)]
    assert "rules out italian" in response.ranking_rationale
    italian = ask(agent, limit=6, instruction="a dessert")  # without the negation they lead
    assert any(o.properties["cuisine"] == "Italian" for o in italian.objects)


@pytest.mark.slow
def test_filters_and_exclusions_hold_for_every_search(agent):
    only_mains = Filter.by_property("course").equal("main")
    response = ask(agent, limit=10, filters=only_mains, instruction="noodles", exclude_items=["pad-thai"])
    assert response.objects and all(o.properties["course"] == "main" for o in response.objects)
    assert "pad-thai" not in names(response)


@pytest.mark.slow
def test_edge_cases_keep_the_guarantees(agent):
    everything = ask(agent, limit=500)
    assert len(everything.objects) == 109 - len(PASTA) == len(set(names(everything)))
    nothing = ask(agent, limit=3, filters=Filter.by_property("course").equal("no such course"))
    assert nothing.objects == [] and "0 candidate" in nothing.ranking_rationale
    agent.add_persona(Persona(persona_id="newcomer", properties={}))
    cold = agent.get_objects("newcomer", limit=3, instruction="spicy noodles", now=NOW)
    assert len(cold.objects) == 3 == len(set(names(cold))) and names(cold)[0] == "dan-dan-noodles"
    # the vector stage offers a full pool even to a cold start (pat's 2 likes, then catalog order), and says so
    step = next(s for s in cold.trace if s.name == "vector_search").details
    assert step["found"] == step["pool"] == 20 and step["strategy"] == "cold start: most liked + catalog order"


def test_explain_results_off(agent):
    response = ask(agent, limit=3, explain_results=False)
    assert response.ranking_rationale is None and all(o.explanation is None for o in response.objects)


# --- the LLM agent end to end, against a local server that speaks the OpenAI API ----------------

import json  # noqa: E402

from core.ranking.llm.client import LLMConfig  # noqa: E402

from devtools.fake_openai import Reply  # noqa: E402

PLAN = json.dumps({"searches": [{"query": "japanese noodles", "reason": "the persona likes Japanese food"}]})
RERANK = json.dumps({"ranking": [{"id": "c3", "reason": "another Roman pasta"}, {"id": "c1", "reason": "close"}],
                     "rationale": "pasta first"})


def llm_agent(workshop_store, fake_llm, tmp_path, agent_config=None, **config):
    llm = LLMConfig(**{"api_key": "sk-test-secret", "base_url": fake_llm.url, "model": "test-model", "timeout_s": 2,
                       "max_retries": 1, "backoff_s": 0.01, "cache_dir": tmp_path / "cache", **config})
    agent = PersonalizationAgent(workshop_store, "Workshop", llm=llm, agent_config=agent_config)
    for persona in agent.list_personas():
        agent.delete_persona(persona.persona_id)
    agent.add_persona(Persona(persona_id="pat", properties={}))
    agent.add_interactions([PersonaInteraction(persona_id="pat", item_id=dish, weight=1.0,
                                               created_at=NOW) for dish in PASTA])
    return agent


@pytest.mark.integration
@pytest.mark.slow
def test_llm_agent_plans_reranks_and_caches(workshop_store, fake_llm, tmp_path):
    agent = llm_agent(workshop_store, fake_llm, tmp_path)
    fake_llm.script(Reply(PLAN), Reply(RERANK))
    first = ask(agent, limit=4, instruction="pasta tonight")
    assert first.ranker == "LLM test-model" and not first.fallback
    assert first.usage.requests == 2 and first.usage.request_tokens > 0 and len(fake_llm.requests) == 2
    vector_only = agent.get_objects("pat", limit=4, use_agent_ranking=False, now=NOW)
    pool_first, pool_third = vector_only.objects[0].uuid, vector_only.objects[2].uuid
    assert [o.uuid for o in first.objects][:2] == [pool_third, pool_first]  # c3, c1 as the LLM said
    assert len({o.uuid for o in first.objects}) == 4  # the rest appended in vector order
    assert first.objects[0].explanation.startswith("LLM") and "another Roman pasta" in first.objects[0].explanation
    searches = next(s for s in first.trace if s.name == "searches").details["searches"]
    assert searches[0]["query"] == "japanese noodles"
    again = ask(agent, limit=4, instruction="pasta tonight")
    assert again.usage.requests == 0 and len(fake_llm.requests) == 2
    assert [o.uuid for o in again.objects] == [o.uuid for o in first.objects]
    for path in (tmp_path / "cache").rglob("*"):
        assert not path.is_file() or b"sk-test-secret" not in path.read_bytes()


@pytest.mark.integration
def test_llm_failure_falls_back_to_the_local_agent(workshop_store, fake_llm, tmp_path):
    agent = llm_agent(workshop_store, fake_llm, tmp_path)
    fake_llm.script(Reply(status=500, error="boom"))
    response = ask(agent, limit=5)
    assert response.fallback and response.ranker == "local agent (no LLM)"
    assert "500" in response.fallback_reason and "sk-test-secret" not in response.fallback_reason
    assert len(names(response)) == 5 and response.usage.requests == 2  # one call, retried once, then local
    assert len(fake_llm.requests) == 2


@pytest.mark.integration
@pytest.mark.slow
def test_llm_budget_exhausted_falls_back_without_calling(workshop_store, fake_llm, tmp_path):
    agent = llm_agent(workshop_store, fake_llm, tmp_path, per_minute=1)
    fake_llm.script(Reply(PLAN), Reply(RERANK))
    ask(agent, limit=3)  # plan uses the one call; rerank finds the budget spent
    response = ask(agent, limit=3, instruction="something else")
    assert response.fallback and "budget" in response.fallback_reason
    assert len(fake_llm.requests) == 1


@pytest.mark.integration
def test_a_repaired_plan_reply_is_reported_in_the_trace(workshop_store, fake_llm, tmp_path):
    agent = llm_agent(workshop_store, fake_llm, tmp_path)
    fake_llm.script(Reply("sorry, I cannot plan today"), Reply(RERANK))
    response = ask(agent, limit=3)
    plan = next(s for s in response.trace if s.name == "plan").details
    assert plan["searches"] == [] and any(w.startswith("plan:") for w in plan["warnings"])
    assert not response.fallback and response.usage.requests == 2
