"""The extension seams: the strategy registry, and the engine asking the store what it can do."""

from __future__ import annotations

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import (STRATEGIES, EmbeddedStore, InvalidInputError, PersonaInteraction, PersonalizationAgent,
                  UnsupportedFilterError, register, strategy_names)
from core.retrieval.strategies import get_strategy
from core.retrieval.strategies.base import MaxSimilarityScorer

from .store_contract import uid


class FarthestFirst:
    """A toy strategy for the test: prefers what is least like the likes."""

    name = "farthest_first_test"
    summary = "the opposite of the likes (test only)"

    def scorer(self, profile, config):
        away = -profile.vectors[profile.positive].sum(axis=0)
        return MaxSimilarityScorer(self.name, away[None, :], np.ones(1, np.float32), profile, config)


def test_builtin_names_come_from_the_registry():
    assert STRATEGIES == ("blend", "centroid", "knn", "multi_interest")
    assert all(get_strategy(name).name == name and get_strategy(name).summary for name in STRATEGIES)
    with pytest.raises(InvalidInputError, match=r"strategy must be one of \['blend', 'centroid', 'knn', 'multi_interest'"):
        get_strategy("magic")


def test_a_registered_strategy_is_usable_by_name(agent):
    strategy = register(FarthestFirst())
    assert "farthest_first_test" in strategy_names() and register(strategy) is strategy  # idempotent
    with pytest.raises(InvalidInputError, match="already registered"):
        register(FarthestFirst())
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=uid("a"), weight=1.0)])
    got = agent.get_objects("p", limit=2, use_agent_ranking=False, popularity_weight=0, strategy="farthest_first_test")
    near = agent.get_objects("p", limit=2, use_agent_ranking=False, popularity_weight=0, strategy="centroid")
    assert uid("b") == near.objects[0].uuid and uid("b") not in [o.uuid for o in got.objects]
    assert "'farthest_first_test' strategy" in got.ranking_rationale


def test_unknown_strategy_is_rejected_before_any_work(agent):
    with pytest.raises(InvalidInputError, match="strategy must be one of"):
        agent.get_objects("p", strategy="nope", use_agent_ranking=False)
    with pytest.raises(InvalidInputError, match="strategy must be one of"):
        PersonalizationAgent(agent.store, "Things", strategy="nope")


class NoFilterStore(EmbeddedStore):
    """A backend that evaluates no filters at all (a stand-in for a limited server)."""

    def check_filter(self, filters):
        if filters is not None:
            raise UnsupportedFilterError("this backend evaluates no filters")


def test_the_engine_asks_the_store_which_filters_it_supports(store):
    limited = NoFilterStore(":memory:")
    for name in store.list_collections():
        spec = store.get_collection(name)
        limited.create_collection(spec)
        limited.add_items(name, store.iter_items(name), store.get_vectors(name, [i.uuid for i in store.iter_items(name)]))
    agent = PersonalizationAgent.create(limited, "Things")
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=uid("a"), weight=1.0)])
    flt = Filter.by_property("year").greater_than(1990)
    with pytest.raises(UnsupportedFilterError, match="evaluates no filters"):
        agent.get_objects("p", filters=flt, use_agent_ranking=False)
    assert agent.get_objects("p", use_agent_ranking=False).objects  # without a filter it works
    assert "Equal" not in store.capabilities.filter_operators and "equal" in store.capabilities.filter_operators


def test_results_do_not_share_the_stores_objects(agent):
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=uid("a"), weight=1.0)])
    first = agent.get_objects("p", limit=1, use_agent_ranking=False).objects[0]
    first.properties["genres"].append("Changed")
    first.properties["title"] = "Changed"
    again = agent.get_objects("p", limit=1, use_agent_ranking=False).objects[0]
    assert again.uuid == first.uuid and again.properties["title"] != "Changed"
    assert "Changed" not in again.properties["genres"]
    assert "Changed" not in agent.store.get_items("Things", [first.uuid])[first.uuid].properties["genres"]
