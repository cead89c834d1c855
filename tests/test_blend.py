"""The blend strategy through the public API, and its tuning on validation (core.eval.blend_tuning)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core import (BlendWeights, EmbeddedStore, InvalidInputError, Persona, PersonaInteraction, PersonalizationAgent,
                  behaviour_status, install_sample, split_source, train_behaviour, tune_blend)
from core.eval.sources import LogSource

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


@pytest.fixture
def cooks_agent(workshop_cooks):
    """A fresh workshop store with the 30 cooks as personas (their likes: one cuisine each)."""
    _, rows = workshop_cooks
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    agent = PersonalizationAgent.create(store, "Workshop")
    people = sorted({r.user for r in rows})
    for p in people:
        agent.add_persona(Persona(persona_id=f"{p}", properties={}))
    agent.add_interactions([PersonaInteraction(persona_id=r.user, item_id=r.item, weight=1.0,
                                               created_at=datetime.fromtimestamp(r.time, tz=timezone.utc))
                            for r in rows])
    return agent, rows


def _fan(agent, rows, cook: str = "cook0", likes: int = 3) -> set:
    """A new persona "fan" who liked the first ``likes`` dishes of ``cook``; the cook's other dishes."""
    dishes = [r.item for r in rows if r.user == cook]
    agent.add_interactions([PersonaInteraction(persona_id="fan", item_id=d, weight=1.0, created_at=NOW)
                            for d in dishes[:likes]])
    return set(dishes[likes:])


def test_the_default_is_blend_once_a_model_exists_and_its_reasons_are_its_numbers(cooks_agent):
    agent, rows = cooks_agent
    rest = _fan(agent, rows)
    first = agent.get_objects("fan", limit=5, use_agent_ranking=False, now=NOW)
    assert agent.behaviour_status().trained  # trained by the first request: 243 likes are cheap
    search = next(s for s in first.trace if s.name == "vector_search").details
    assert search["strategy"] == "blend" and search["blend_source"] == "default" and search["known_likes"] == 3
    assert len(first.objects) == 5 and {o.uuid for o in first.objects} <= rest  # the cook's other dishes
    top = first.objects[0]
    assert top.signals["behaviour_part"] > 0.1
    assert top.score == pytest.approx(top.signals["content_part"] + top.signals["behaviour_part"] +
                                      top.signals.get("popularity_boost", 0.0) + top.signals["property_boost"], abs=1e-5)
    assert f"People who liked {top.signals['because_of']} also liked this" in top.explanation
    assert f"({top.signals['because_of_part']:.2f} of its behaviour score +{top.signals['behaviour_part']:.2f}" \
        in top.explanation
    assert "Score = 0.2 × content similarity + 1 × behaviour similarity" in first.ranking_rationale
    centroid = agent.get_objects("fan", limit=5, use_agent_ranking=False, now=NOW, strategy="centroid")
    assert len({o.uuid for o in centroid.objects} & rest) < 5  # content alone does not find all of them


def test_weights_per_request_override_the_stored_ones_and_bad_ones_name_the_field(cooks_agent):
    agent, _ = cooks_agent
    only_content = agent.get_objects("cook0", limit=5, use_agent_ranking=False, now=NOW,
                                     blend={"behaviour": 0.0, "content": 1.0})
    details = next(s for s in only_content.trace if s.name == "vector_search").details
    assert details["blend_source"] == "request" and details["behaviour_weight"] == 0.0
    assert all(o.signals["behaviour_part"] == 0.0 for o in only_content.objects)
    centroid = agent.get_objects("cook0", limit=5, use_agent_ranking=False, now=NOW, strategy="centroid",
                                 popularity_weight=0.0)
    assert [o.uuid for o in only_content.objects] == [o.uuid for o in centroid.objects]  # content alone = centroid
    with pytest.raises(InvalidInputError, match="content"):
        agent.get_objects("cook0", blend={"content": -1})
    with pytest.raises(InvalidInputError, match="blend must be BlendWeights"):
        agent.get_objects("cook0", blend=[1, 2])


def test_without_interactions_from_others_the_default_is_centroid_and_blend_says_it_has_no_model():
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    agent = PersonalizationAgent.create(store, "Workshop")
    item = store.iter_items("Workshop", limit=1)[0].uuid
    agent.add_interactions([PersonaInteraction(persona_id="solo", item_id=item, weight=1.0)])
    assert agent.resolve_strategy() == "centroid" and not agent.behaviour_status().trained
    blend = agent.get_objects("solo", strategy="blend", use_agent_ranking=False)
    assert "no behaviour part (no behaviour model trained yet)" in blend.ranking_rationale and len(blend.objects) == 10


def test_agent_ranking_reranks_the_blend_pool_and_quotes_its_parts(cooks_agent):
    agent, rows = cooks_agent
    rest = _fan(agent, rows, "cook3")
    response = agent.get_objects("fan", limit=5, now=NOW)
    assert response.ranker.startswith("local") and len(response.objects) == 5
    assert len({o.uuid for o in response.objects} & rest) >= 3  # the behaviour part carries into the agent's pool
    assert any("also liked this" in o.explanation for o in response.objects)


def test_tuning_on_validation_is_reproduced_by_get_objects(workshop_cooks):
    store, rows = workshop_cooks
    split = split_source(LogSource("cooks", "30 cooks", rows), "temporal", validation_fraction=0.25)
    tuning = tune_blend(split, store, "Workshop", grid={"content": (0.0, 0.5), "query": ("graded",)},
                        models=[{"dims": 8, "l2": 5.0}])
    assert len(tuning.points) == 2 and tuning.best.content in (0.0, 0.5)
    record = tuning.record()
    assert record["engine_validation"] == pytest.approx(record["validation"], abs=1e-9)  # the engine agrees
    assert record["users"] == len([u for u, held in split.validation.items() if held])
    assert store.list_personas("Workshop") == []  # the catalog's store was never written


def test_train_stores_the_tuned_blend_with_the_model(cooks_agent):
    agent, _ = cooks_agent
    train_behaviour(agent.store, agent.collection, dims=8, l2=5.0, blend=BlendWeights(content=0.5),
                    tuning={"validation": 0.3})
    response = agent.get_objects("cook0", use_agent_ranking=False, now=NOW)
    details = next(s for s in response.trace if s.name == "vector_search").details
    assert details["blend"]["content"] == 0.5 and details["blend_source"] == "tuned"
    assert behaviour_status(agent.store, agent.collection).meta["dims"] <= 8
