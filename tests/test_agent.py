"""The public PersonalizationAgent API on the embedded store (vector-only ranking)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from weaviate.classes.config import DataType
from weaviate.classes.query import Filter

from core import (AgentConfig, InvalidInputError, LLMConfig, NotFoundError, Persona,
                  PersonaInteraction, PersonalizationAgent, PipelineConfig, StrategyConfig, UnsupportedFilterError,
                  to_uuid)

from .store_contract import NOW, uid


def like(agent, persona, *pairs, at=NOW):
    agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=name, weight=w, created_at=at)
                            for name, w in pairs])


def titles(response):
    return [o.properties["original_id"] for o in response.objects]


def vector_only(agent, persona="alice", **kw):
    kw.setdefault("now", NOW)
    return agent.get_objects(persona, use_agent_ranking=False, **kw)


def test_create_connect_exists(store):
    assert not PersonalizationAgent.exists(store, "Things")
    with pytest.raises(NotFoundError, match="create"):
        PersonalizationAgent.connect(store, "Things")
    PersonalizationAgent.create(client=store, reference_collection="Things",
                                user_properties={"age": DataType.INT, "favorite_genres": DataType.TEXT_ARRAY})
    assert PersonalizationAgent.exists(store, "Things")
    agent = PersonalizationAgent.connect(store, "Things")
    assert agent.user_properties == {"age": "int", "favorite_genres": "text[]"}
    with pytest.raises(NotFoundError, match="Nope"):
        PersonalizationAgent.create(store, "Nope")


def test_persona_crud_and_schema(agent):
    pid = to_uuid("alice")
    agent.add_persona(Persona(persona_id=str(pid), properties={"age": 30}))
    assert agent.has_persona(pid) and agent.get_persona("alice").properties == {"age": 30}
    agent.update_persona(Persona(persona_id="alice", properties={"age": 31, "favorite_genres": ["Drama"]}))
    assert agent.get_persona(pid).properties["age"] == 31
    with pytest.raises(InvalidInputError, match="shoe_size"):
        agent.add_persona(Persona(persona_id="bob", properties={"shoe_size": 44}))
    with pytest.raises(InvalidInputError, match="age"):
        agent.add_persona(Persona(persona_id="bob", properties={"age": "old"}))
    with pytest.raises(NotFoundError):
        agent.update_persona(Persona(persona_id="nobody", properties={}))
    agent.delete_persona("alice")
    assert not agent.has_persona("alice")
    with pytest.raises(NotFoundError):
        agent.get_persona("alice")


def test_interactions_roundtrip_and_types(agent):
    like(agent, "alice", ("a", 1.0), ("c", -0.5), ("b", 0.0))
    assert agent.has_persona("alice")  # created on the fly
    assert [i.item_id for i in agent.get_interactions("alice", "positive")] == [uid("a")]
    assert [i.weight for i in agent.get_interactions("alice", "negative")] == [-0.5]
    assert len(agent.get_interactions("alice", "all")) == 3
    with pytest.raises(InvalidInputError, match="interaction_type"):
        agent.get_interactions("alice", "liked")


@pytest.mark.parametrize("weight", [1.5, -2, float("nan"), "0.5", True, None])
def test_bad_weights_are_rejected(weight):
    with pytest.raises(InvalidInputError, match="weight"):
        PersonaInteraction(persona_id="alice", item_id="a", weight=weight)


def test_a_bad_batch_stores_nothing(agent):
    with pytest.raises(NotFoundError, match="nothing was stored"):
        agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="a", weight=1.0),
                                PersonaInteraction(persona_id="alice", item_id="zzz", weight=1.0)])
    assert not agent.has_persona("alice")
    with pytest.raises(NotFoundError, match="create_persona_if_not_exists"):
        agent.add_interactions([PersonaInteraction(persona_id="bob", item_id="a", weight=1.0)],
                               create_persona_if_not_exists=False)
    with pytest.raises(InvalidInputError, match=r"interactions\[1\]"):
        agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="a", weight=1.0), {"item_id": "b"}])
    assert agent.get_interactions("alice", "all") == [] if agent.has_persona("alice") else True


def test_replace_previous_interactions(agent):
    like(agent, "alice", ("a", 1.0), ("b", 0.5))
    agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="a", weight=-1.0,
                                               replace_previous_interactions=True, created_at=NOW)])
    assert {(i.item_id, i.weight) for i in agent.get_interactions("alice", "all")} == {(uid("a"), -1.0), (uid("b"), 0.5)}
    agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="b", weight=1.0, created_at=NOW)],
                                               remove_previous_interactions=True)
    assert sorted(i.weight for i in agent.get_interactions("alice", "all")) == [-1.0, 1.0]


def test_get_objects_known_answer_and_exclusions(agent):
    like(agent, "alice", ("a", 1.0), ("e", -1.0))
    response = vector_only(agent, limit=4)
    # q = a - 0.5 e: b 0.994, then c and f tie at 0 (catalog order), d -0.055; a and e are excluded
    assert titles(response) == ["b", "c", "f", "d"]
    assert [o.personalized_rank for o in response.objects] == [1, 2, 3, 4]
    assert response.objects[0].score == pytest.approx(0.9 / 0.90554, abs=1e-4)
    assert "dislike" in response.objects[3].explanation and "Item E" in response.objects[3].explanation
    assert "Item A" in response.objects[0].explanation
    assert [t.name for t in response.trace][:4] == ["config", "profile", "exclusions", "vector_search"]
    assert titles(vector_only(agent, limit=2, exclude_interacted_items=False)) == ["a", "b"]
    assert "b" not in titles(vector_only(agent, exclude_items=[str(uid("b"))]))
    assert titles(vector_only(agent, limit=10)) == ["b", "c", "f", "d"]


def test_get_objects_recent_count_and_decay(agent):
    like(agent, "alice", ("a", 1.0), at=NOW - timedelta(days=60))
    like(agent, "alice", ("c", 1.0))
    assert titles(vector_only(agent, limit=1, decay_rate=0.0)) == ["b"]
    assert titles(vector_only(agent, limit=1, decay_rate=1.0)) == ["d"]
    assert titles(vector_only(agent, limit=1, recent_interactions_count=1, decay_rate=0.0)) == ["d"]


def test_get_objects_filters(agent):
    like(agent, "alice", ("a", 1.0))
    got = vector_only(agent, filters=Filter.by_property("year").greater_or_equal(2005))
    assert set(titles(got)) == {"d", "e", "f"}
    with pytest.raises(UnsupportedFilterError):
        vector_only(agent, filters=Filter.by_ref("writer").by_property("name").equal("x"))


def test_persona_properties_influence_results(agent):
    agent.add_persona(Persona(persona_id="carol", properties={"favorite_genres": ["Horror"]}))
    cold = vector_only(agent, "carol", limit=3)
    # nobody liked anything: the text match first, then the catalog's own order fills the list
    assert titles(cold) == ["d", "a", "b"] and "text search" in cold.objects[0].explanation
    assert [o.signals["source"] for o in cold.objects] == ["bm25 over persona terms", "catalog order", "catalog order"]
    like(agent, "carol", ("c", 1.0))
    boosted = vector_only(agent, "carol", limit=2)
    assert titles(boosted)[0] == "d" and "Horror" in boosted.objects[0].explanation.title()
    assert boosted.objects[0].signals["property_boost"] == pytest.approx(0.1)


def test_empty_persona_gets_a_clear_rationale(agent):
    agent.add_persona(Persona(persona_id="dave", properties={}))
    response = vector_only(agent, "dave")
    # nobody has liked anything and dave has no terms: the whole catalog in its own order, and said so
    assert titles(response) == list("abcdef")
    words, numbers = response.ranking_rationale.splitlines()
    assert "cold start" in words and "catalog's own order" in words and "centroid" not in words + numbers
    assert numbers == "Cold start (no interactions): 6 topped up in catalog order."


@pytest.mark.parametrize("kwargs, message", [
    ({"limit": 0}, "limit"), ({"limit": 2.5}, "limit"), ({"decay_rate": 2}, "decay_rate"),
    ({"recent_interactions_count": 0}, "recent_interactions_count"), ({"strategy": "best"}, "strategy"),
    ({"exclude_items": "abc"}, "exclude_items"), ({"filters": {"year": 1}}, "filter"),
])
def test_bad_options_name_the_problem(agent, kwargs, message):
    like(agent, "alice", ("a", 1.0))
    with pytest.raises((InvalidInputError, UnsupportedFilterError), match=message):
        vector_only(agent, **kwargs)


def test_vector_only_ignores_the_instruction(agent):
    like(agent, "alice", ("a", 1.0))
    assert titles(vector_only(agent, instruction="only horror please")) == titles(vector_only(agent))


def test_unknown_persona(agent):
    with pytest.raises(NotFoundError, match="does not exist"):
        vector_only(agent, "nobody")


def test_created_at_defaults_to_now(agent):
    before = datetime.now(timezone.utc)
    agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="a", weight=1.0)])
    (got,) = agent.get_interactions("alice")
    assert before - timedelta(seconds=1) <= got.created_at <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_popularity_weight_blends_in_what_other_personas_like(agent):
    like(agent, "alice", ("a", 1.0))
    for fan in ("u1", "u2", "u3"):
        like(agent, fan, ("f", 1.0))
    assert titles(vector_only(agent, limit=1, strategy="centroid")) == ["b"]
    # centroid: f scores 0 on similarity but 4 * log(4)/log(101) = 1.20 on popularity; b scores 0.994, nobody liked it
    boosted = vector_only(agent, limit=2, popularity_weight=4.0, strategy="centroid")
    assert titles(boosted) == ["f", "b"]
    assert boosted.objects[0].signals["liked_by"] == 3 and "Liked by 3 persona" in boosted.objects[0].explanation
    with pytest.raises(InvalidInputError, match="popularity_weight"):
        vector_only(agent, popularity_weight=-1)


def test_cold_start_falls_back_to_the_most_liked(agent):
    like(agent, "u1", ("c", 1.0), ("f", 1.0))
    like(agent, "u2", ("f", 1.0))
    agent.add_persona(Persona(persona_id="newbie", properties={}))
    # popularity_weight 0 adds nothing to scores, but the like counts still order a cold start
    assert titles(vector_only(agent, "newbie", popularity_weight=0)) == ["f", "c", "a", "b", "d", "e"]
    got = vector_only(agent, "newbie", popularity_weight=0.5)
    assert titles(got) == ["f", "c", "a", "b", "d", "e"] and "most liked" in got.trace[3].details["strategy"]
    assert got.trace[3].details["topped_up"] == 4 and got.trace[3].details["top_up_source"] == "catalog order"


def test_the_config_step_replays_the_run(store, agent):
    like(agent, "alice", ("a", 1.0), ("e", -0.5), at=NOW - timedelta(days=20))
    like(agent, "u1", ("f", 1.0))
    tuned = PersonalizationAgent.connect(store, "Things", config=PipelineConfig(
        half_life_days=7, popularity_weight=2.0, strategy=StrategyConfig(negative_weight=0.9)),
        agent_config=AgentConfig(max_searches=1, pool_factor=2), llm=LLMConfig())
    for use_agent in (False, True):
        first = tuned.get_objects("alice", limit=4, decay_rate=np.float32(0.5), use_agent_ranking=use_agent,
                                  exclude_items=[uid("b")])
        step = first.trace[0]
        assert step.name == "config" and step.details["pipeline"]["strategy"]["negative_weight"] == 0.9
        assert step.details["options"]["now"] and step.details["options"]["decay_rate"] == 0.5
        assert (step.details["agent"] is not None) == use_agent and step.details.get("llm") is None
        replay = PersonalizationAgent.connect(
            store, "Things", config=PipelineConfig.model_validate(step.details["pipeline"]),
            agent_config=AgentConfig.model_validate(step.details["agent"] or {}), llm=LLMConfig())
        again = replay.get_objects("alice", **step.details["options"])
        assert [(o.uuid, o.score) for o in again.objects] == [(o.uuid, o.score) for o in first.objects]
        assert again.trace[0].details["options"] == step.details["options"]


def test_the_config_step_names_the_llm_without_its_key(store, agent):
    like(agent, "alice", ("a", 1.0))
    llm = LLMConfig(api_key="sk-never-shown", base_url="http://127.0.0.1:9/v1", timeout_s=0.2, max_retries=0)
    got = PersonalizationAgent.connect(store, "Things", llm=llm).get_objects("alice", limit=2, now=NOW)
    details = got.trace[0].details
    assert details["llm"]["base_url"] == "http://127.0.0.1:9/v1" and "api_key" not in details["llm"]
    assert "sk-never-shown" not in got.model_dump_json() and got.fallback  # nothing listens on port 9


def test_results_never_alias_the_store(store, agent):
    like(agent, "alice", ("a", 1.0))
    first = vector_only(agent, limit=1)
    first.objects[0].properties["genres"].append("Western")
    first.objects[0].properties["title"] = "changed"
    again = vector_only(agent, limit=1)
    assert again.objects[0].properties["title"] == "Item B" and again.objects[0].properties["genres"] == [
        "Comedy", "Drama"]
    persona = agent.get_persona("alice")
    persona.properties["age"] = 99
    assert agent.get_persona("alice").properties == {}


def test_a_persona_edited_by_assignment_is_stored(agent):
    persona = Persona(persona_id="alice", properties={})
    agent.add_persona(persona)
    persona.properties = {"age": 31}
    agent.update_persona(persona)
    assert agent.get_persona("alice").properties == {"age": 31}
    persona.properties = {"age": "old"}  # a dict, so the model accepts it; the agent's schema does not
    with pytest.raises(InvalidInputError, match="age"):
        agent.update_persona(persona)


def test_an_unknown_vector_name_is_rejected_when_the_agent_is_made(store, agent):
    """The agent's vector_name must name one of the collection's vectors (see tests/test_named_vectors.py)."""
    with pytest.raises(InvalidInputError, match=r"no vector named 'nope'; named vectors: \['default'\]"):
        PersonalizationAgent.connect(store, "Things", vector_name="nope")
