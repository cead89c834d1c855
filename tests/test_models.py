"""The vocabulary and the configs as pydantic models: parity with weaviate-agents 1.8.0, clear errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from uuid import UUID, uuid4

import numpy as np
import pytest
from weaviate.util import generate_uuid5

from core import (AgentConfig, GetObjectsOptions, InvalidInputError, Item, LLMConfig, LocalRankerConfig, Persona,
                  PersonaInteraction, PersonaInteractionResponse, PersonalizationAgentGetObjectsResponse,
                  PersonalizedObject, PipelineConfig, StrategyConfig, TraceStep, Usage)

from .store_contract import NOW, uid

# The get_objects reply of the official client's own test (weaviate-agents 1.8.0,
# test/personalization_agent/test_personalization_agent.py).
OFFICIAL_REPLY = {
    "objects": [{"uuid": "ae0fc31d-2f11-4e3a-a0f8-6e64795d7db9", "original_rank": 0, "personalized_rank": None,
                 "properties": {"title": "The Crush", "genres": ["Drama", "Thriller", "Horror"]}}],
    "ranking_rationale": None,
    "usage": {"requests": 0, "request_tokens": 0, "response_tokens": 0, "total_tokens": 0, "details": None},
}


def test_models_are_built_by_keyword_and_coerce_ids_like_weaviate():
    persona = Persona(persona_id="alice", properties={"age": 30})
    assert persona.persona_id == UUID(generate_uuid5("alice")) == uid("alice")
    pid = uuid4()
    assert Persona(persona_id=str(pid), properties={}).persona_id == pid
    interaction = PersonaInteraction(persona_id="alice", item_id=42, weight=0.5)
    assert (interaction.item_id, interaction.replace_previous_interactions, interaction.created_at) == \
        (UUID(generate_uuid5(42)), False, None)
    with pytest.raises(TypeError):
        Persona("alice", {})  # keyword-only, as the official pydantic models


def test_dump_json_and_validate_roundtrip():
    interaction = PersonaInteraction(persona_id="alice", item_id="a", weight=-0.25, created_at="2024-06-01T00:00:00Z")
    data = json.loads(interaction.model_dump_json())
    assert data == {"persona_id": str(uid("alice")), "item_id": str(uid("a")), "weight": -0.25,
                    "replace_previous_interactions": False, "created_at": "2024-06-01T00:00:00Z"}
    assert PersonaInteraction.model_validate(data) == interaction
    assert PersonaInteraction.model_validate_json(interaction.model_dump_json()) == interaction
    assert Persona.model_validate(Persona(persona_id="bob", properties={"x": [1]}).model_dump()).properties == {"x": [1]}


def test_attribute_assignment_is_validated():
    persona = Persona(persona_id="alice", properties={})
    persona.properties = {"favorite_genres": ["Drama"]}
    assert persona.properties == {"favorite_genres": ["Drama"]}
    persona.persona_id = "bob"
    assert persona.persona_id == uid("bob")
    with pytest.raises(InvalidInputError, match="properties must be a dict, got list"):
        persona.properties = ["Drama"]
    interaction = PersonaInteraction(persona_id="alice", item_id="a", weight=1.0)
    with pytest.raises(InvalidInputError, match=r"weight must be a number in \[-1, 1\], got 2"):
        interaction.weight = 2
    assert interaction.weight == 1.0


@pytest.mark.parametrize("kwargs, message", [
    ({"weight": 1.5}, r"weight .* got 1.5"), ({"weight": "0.5"}, "weight .* got '0.5'"),
    ({"weight": True}, "weight .* got True"), ({"item_id": None}, "item_id must be a non-empty identifier"),
    ({"created_at": "yesterday"}, "created_at .* got 'yesterday'"),
    ({"replace_previous_interactions": "yes"}, "replace_previous_interactions must be True or False"),
    ({"colour": "red"}, r"unknown PersonaInteraction field\(s\) \['colour'\]"),
])
def test_bad_inputs_name_the_value(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        PersonaInteraction(**{"persona_id": "alice", "item_id": "a", "weight": 0.5, **kwargs})


def test_invalid_input_is_a_value_error_and_missing_fields_are_named():
    with pytest.raises(ValueError, match="weight is required"):
        PersonaInteraction(persona_id="alice", item_id="a")
    with pytest.raises(InvalidInputError, match="uuid is required"):
        Item(properties={})
    with pytest.raises(InvalidInputError, match="properties must be a dict, got list"):
        Item(uuid="a", properties=["x"])
    assert Item(uuid=7, properties={"t": 1}).uuid == uid(7)


def test_numpy_numbers_are_plain_numbers():
    interaction = PersonaInteraction(persona_id="a", item_id="b", weight=np.float32(0.5))
    assert type(interaction.weight) is float and interaction.weight == 0.5
    options = GetObjectsOptions(limit=np.int64(5), decay_rate=np.float32(0.5))
    assert (type(options.limit), type(options.decay_rate)) == (int, float)
    config = PipelineConfig(popularity_weight=np.float64(2), pool_factor=np.int32(4))
    assert (type(config.popularity_weight), type(config.pool_factor)) == (float, int)


def test_times_are_utc():
    naive = PersonaInteraction(persona_id="a", item_id="b", weight=1, created_at=datetime(2024, 6, 1))
    assert naive.created_at == NOW and naive.created_at.tzinfo is timezone.utc
    assert PersonaInteraction(persona_id="a", item_id="b", weight=1, created_at=NOW.timestamp()).created_at == NOW


def test_official_json_validates_into_our_responses():
    response = PersonalizationAgentGetObjectsResponse.model_validate(OFFICIAL_REPLY)
    assert response.objects[0].uuid == UUID("ae0fc31d-2f11-4e3a-a0f8-6e64795d7db9")
    assert response.objects[0].original_rank == 0 and response.usage.total_tokens == 0
    assert response.objects[0].model_dump()["uuid"] == "ae0fc31d-2f11-4e3a-a0f8-6e64795d7db9"  # as the official
    stored = PersonaInteractionResponse.model_validate({"uuid": str(uid("a")), "weight": 0.5,
                                                        "createdAt": "2024-06-01T00:00:00+00:00"})
    assert (stored.item_id, stored.created_at) == (uid("a"), NOW)
    assert Usage.model_validate({"requests": "3"}).requests == "3"  # the official Usage allows strings


def test_results_copy_their_properties():
    source = {"title": "X", "genres": ["Drama"]}
    obj = PersonalizedObject(uuid="a", original_rank=None, personalized_rank=1, properties=source)
    obj.properties["genres"].append("Horror")
    obj.properties["title"] = "Y"
    assert source == {"title": "X", "genres": ["Drama"]}


def test_response_json_handles_numpy_in_trace_and_signals():
    obj = PersonalizedObject(uuid="a", original_rank=1, personalized_rank=1, properties={},
                             signals={"like_similarity": np.float32(0.5)})
    response = PersonalizationAgentGetObjectsResponse(
        objects=[obj], trace=[TraceStep(name="s", seconds=0.1, details={"v": np.arange(2), "id": uid("a")})])
    data = json.loads(response.model_dump_json())
    assert data["trace"][0]["details"] == {"v": [0, 1], "id": str(uid("a"))}
    assert response.to_dict()["objects"][0]["signals"] == {"like_similarity": 0.5}


# --- configs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, message", [
    (lambda: PipelineConfig(half_life_days=0), r"PipelineConfig.half_life_days must be a positive number of days, got 0"),
    (lambda: AgentConfig(min_pool=0), r"AgentConfig.min_pool must be an integer from 1 to 1000, got 0"),
    (lambda: PipelineConfig(popularity_weight=True), r"popularity_weight .* got True"),
    (lambda: StrategyConfig(negative_weight=float("nan")), "negative_weight .* got nan"),
    (lambda: LocalRankerConfig(mmr_lambda=1.5), r"mmr_lambda must be a number in \[0, 1\], got 1.5"),
    (lambda: LLMConfig(max_retries=11), "max_retries must be an integer from 0 to 10, got 11"),
    (lambda: LLMConfig(per_day=0), "per_day must be an integer >= 1, got 0"),
    (lambda: AgentConfig(search_limit=2.5), "search_limit .* got 2.5"),
    (lambda: PipelineConfig(strategy={"max_interests": 0}), "max_interests .* got 0"),
    (lambda: PipelineConfig(pool=3), r"unknown PipelineConfig field\(s\) \['pool'\]; valid fields are"),
])
def test_configs_validate_at_construction(build, message):
    with pytest.raises(InvalidInputError, match=message):
        build()


def test_configs_are_frozen_and_copies_are_validated():
    config = PipelineConfig()
    with pytest.raises(InvalidInputError, match="frozen"):
        config.min_pool = 3
    assert config.validated_copy(min_pool=3).min_pool == 3
    with pytest.raises(InvalidInputError, match="min_pool"):
        config.validated_copy(min_pool=0)
    assert PipelineConfig.model_validate(PipelineConfig(strategy=StrategyConfig(negative_weight=0.8)).model_dump(
        mode="json")).strategy.negative_weight == 0.8


def test_the_api_key_stays_out_of_repr_dumps_and_json():
    config = LLMConfig(api_key="sk-secret-123", base_url="http://localhost:1/v1")
    shown = repr(config) + str(config) + json.dumps(config.model_dump(mode="json")) + config.model_dump_json()
    assert "sk-secret-123" not in shown and "api_key" not in config.model_dump()
    assert config.api_key == "sk-secret-123" and config.configured
