"""The official weaviate-agents 1.8.0 surface: parameter order, call shapes from its docs, result shapes."""

from __future__ import annotations

import dataclasses
import inspect
from uuid import uuid4

import pytest
from weaviate.classes.config import DataType
from weaviate.collections.classes.internal import MetadataReturn, Object

from core import (AsyncPersonalizationAgent, InvalidInputError, NotFoundError, Persona, PersonaInteraction,
                  PersonalizationAgent)
from core.retrieval.search import KEYWORDS, PersonalizedQuery

from .store_contract import NOW, uid

# Parameter lists of weaviate_agents 1.8.0 (personalization_agent.py and query.py), in order.
OFFICIAL = {
    "__init__": ["client", "reference_collection", "agents_host", "vector_name", "timeout"],
    "create": ["client", "reference_collection", "user_properties", "agents_host", "vector_name", "timeout"],
    "connect": ["client", "reference_collection", "agents_host", "vector_name", "timeout"],
    "exists": ["client", "reference_collection", "agents_host", "timeout"],
    "add_persona": ["persona"], "update_persona": ["persona"], "get_persona": ["persona_id"],
    "delete_persona": ["persona_id"], "has_persona": ["persona_id"],
    "add_interactions": ["interactions", "create_persona_if_not_exists", "remove_previous_interactions"],
    "get_interactions": ["persona_id", "interaction_type"],
    "get_objects": ["persona_id", "limit", "recent_interactions_count", "exclude_interacted_items", "decay_rate",
                    "exclude_items", "use_agent_ranking", "explain_results", "instruction", "filters"],
    "query": ["persona_id", "strength", "overfetch_factor", "recent_interactions_count", "decay_rate"],
}
OFFICIAL_SEARCH = {
    "near_text": ["query", "certainty", "distance", "move_to", "move_away", "limit", "offset", "auto_limit", "filters",
                  "rerank", "target_vector", "include_vector", "return_metadata", "return_properties",
                  "return_references"],
    "bm25": ["query", "query_properties", "limit", "offset", "auto_limit", "filters", "rerank", "include_vector",
             "return_metadata", "return_properties", "return_references"],
    "hybrid": ["query", "alpha", "vector", "query_properties", "fusion_type", "max_vector_distance", "limit", "offset",
               "auto_limit", "filters", "rerank", "target_vector", "include_vector", "return_metadata",
               "return_properties", "return_references"],
}


def leading_parameters(function, n: int) -> list[str]:
    names = [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
    return names[:n]


@pytest.mark.parametrize("agent_class", [PersonalizationAgent, AsyncPersonalizationAgent])
@pytest.mark.parametrize("method", sorted(OFFICIAL))
def test_parameters_bind_in_the_official_order(agent_class, method):
    expected = OFFICIAL[method]
    assert leading_parameters(getattr(agent_class, method), len(expected)) == expected


@pytest.mark.parametrize("method", sorted(OFFICIAL_SEARCH))
def test_search_methods_take_the_official_keywords(method):
    official = OFFICIAL_SEARCH[method] + ["boost"]  # + weaviate-client's boost (Weaviate 1.38), after the official ones
    params = inspect.signature(getattr(PersonalizedQuery, method)).parameters
    assert [p for p in params if p not in ("self", "unknown")] == official
    assert all(params[p].kind is inspect.Parameter.KEYWORD_ONLY for p in official[1:])  # keyword-only, as official
    assert sorted(KEYWORDS[method]) == sorted(official[1:])


def test_the_documented_workflow_runs_as_written(store):
    # The calls of the official docs (docs.weaviate.io/agents/personalization/usage), keyword style.
    client = store
    if PersonalizationAgent.exists(client, "Things"):  # noqa: SIM108 - as in the docs
        pa = PersonalizationAgent.connect(client=client, reference_collection="Things")
    else:
        pa = PersonalizationAgent.create(client=client, reference_collection="Things",
                                         user_properties={"age": DataType.NUMBER,
                                                          "favorite_genres": DataType.TEXT_ARRAY})
    persona_id = uuid4()
    pa.add_persona(Persona(persona_id=persona_id, properties={"age": 30, "favorite_genres": ["Comedy"]}))
    pa.add_interactions(interactions=[PersonaInteraction(persona_id=persona_id, item_id=uid("c"), weight=0.8),
                                      PersonaInteraction(persona_id=persona_id, item_id=uid("e"), weight=-0.5)])
    response = pa.get_objects(persona_id, limit=3, use_agent_ranking=False)
    assert [o.personalized_rank for o in response.objects] == [1, 2, 3]
    assert response.objects[0].properties["title"] == "Item D"  # nearest to the liked c
    print(response.ranking_rationale)
    results = pa.query(persona_id=persona_id, strength=0.95).hybrid(query="drama", alpha=0.0, limit=2)
    assert [o.properties["title"] for o in results.objects][0] == "Item C"
    assert PersonalizationAgent.exists(client, "Things")
    interactions = pa.get_interactions(persona_id=persona_id, interaction_type="positive")
    assert [i.item_id for i in interactions] == [uid("c")]


def test_positional_calls_bind_like_the_official_ones(store):
    agent = PersonalizationAgent.create(store, "Things", {"age": "int"}, "https://agents.example", None, 30)
    assert (agent.agents_host, agent.vector_name, agent.timeout, agent.user_properties) == \
        ("https://agents.example", None, 30.0, {"age": "int"})
    same = PersonalizationAgent(store, "Things", None, None, 5)
    assert (same.agents_host, same.timeout) == (None, 5.0)
    assert PersonalizationAgent.connect(store, "Things", "https://x", None, 2).timeout == 2.0
    assert PersonalizationAgent.exists(store, "Things", "https://x", 2)
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id="a", weight=1.0, created_at=NOW)], True, False)
    positional = agent.get_objects("p", 2, 100, True, 0.0, [str(uid("b"))], False, False, None, None, now=NOW)
    assert [o.properties["original_id"] for o in positional.objects] == ["c", "d"]  # b excluded, a interacted
    assert agent.query("p", 0.0, 2.0, 10, 0.0).bm25("comedy").objects[0].properties["original_id"] == "a"


@pytest.mark.parametrize("kwargs, message", [
    ({"agents_host": 42}, "agents_host must be a URL string"), ({"timeout": -1}, "timeout must be a positive"),
    ({"vector_name": ""}, "vector_name must be a name or None"), ({"reference_collection": None}, "collection name"),
    ({"config": {"min_pool": 3}}, "config must be a PipelineConfig"),
])
def test_bad_agent_arguments_are_named(store, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        PersonalizationAgent(**{"client": store, "reference_collection": "Things", **kwargs})
    with pytest.raises(InvalidInputError, match="client must be a store"):
        PersonalizationAgent.exists("http://localhost:8080", "Things")
    with pytest.raises(NotFoundError, match="Nope"):
        PersonalizationAgent.create(store, "Nope")


def test_query_objects_have_weaviates_field_names(agent):
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id="a", weight=1.0, created_at=NOW)])
    hit = agent.query("p", now=NOW).bm25("comedy", include_vector=True).objects[0]
    object_fields = [f.name for f in dataclasses.fields(Object)]
    assert all(hasattr(hit, name) for name in object_fields)
    assert all(hasattr(hit.metadata, f.name) for f in dataclasses.fields(MetadataReturn))
    assert (hit.collection, hit.references, list(hit.vector)) == ("Things", None, ["default"])
    assert hit.metadata.score is not None and hit.metadata.search_rank == 1
