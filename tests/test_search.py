"""Personalized search: strength mixes plain search order with the persona's ranking."""

from __future__ import annotations

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import CollectionSpec, EmbeddedStore, InvalidInputError, Item, NotAvailableError, PersonaInteraction, \
    PersonalizationAgent
from core.retrieval.fusion import fuse_relative, scale
from core.store.base import Hit

from .store_contract import NOW, uid


def ids(response):
    return [o.properties["original_id"] for o in response.objects]


@pytest.fixture
def alice(agent):
    agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="d", weight=1.0, created_at=NOW)])
    return agent


def test_strength_zero_is_plain_search(alice, store):
    plain = [h.uuid for h in store.bm25("Things", "item comedy drama", 6)]
    got = alice.query("alice", strength=0.0, now=NOW).bm25("item comedy drama", limit=6)
    assert [o.uuid for o in got.objects] == plain
    assert [o.metadata.search_rank for o in got.objects] == list(range(1, 7))


def test_strength_one_is_persona_order_of_the_overfetched(alice, store):
    got = alice.query("alice", strength=1.0, overfetch_factor=3, now=NOW).bm25("comedy drama", limit=3)
    # only a, b, c match the text; the persona (likes d, which is near c) ranks c first
    assert ids(got)[0] == "c" and set(ids(got)) == {"a", "b", "c"}
    half = alice.query("alice", strength=0.5, now=NOW).bm25("comedy drama", limit=3)
    for o in half.objects:
        assert o.metadata.score == pytest.approx(0.5 * o.metadata.search_score + 0.5 * o.metadata.persona_score)


def test_persona_without_interactions_keeps_search_order(agent, store):
    agent.add_interactions([PersonaInteraction(persona_id="bob", item_id="a", weight=0.0, created_at=NOW)])
    plain = [h.uuid for h in store.bm25("Things", "item", 6)]
    got = agent.query("bob", strength=1.0, now=NOW).bm25("item", limit=6)
    assert [o.uuid for o in got.objects] == plain


def test_hybrid_with_a_given_vector_fuses_like_weaviate(alice):
    got = alice.query("alice", strength=0.0, now=NOW).hybrid("horror", vector=[1, 0, 0, 0], alpha=0.5, limit=2)
    # vector side: a 1.0 (scaled 1), b .994 (scaled ~.99); bm25 side: only d matches (scaled 1)
    assert ids(got) == ["a", "b"] or ids(got)[0] in {"a", "d"}
    pure_text = alice.query("alice", strength=0.0, now=NOW).hybrid("horror", alpha=0.0, limit=1)
    assert ids(pure_text) == ["d"]


def test_fuse_relative_known_answer():
    a, b, c = uid("a"), uid("b"), uid("c")
    fused = fuse_relative([Hit(a, 0.9), Hit(b, 0.5)], [Hit(b, 10.0), Hit(c, 2.0)], alpha=0.75)
    # dense scaled a 1, b 0; sparse scaled b 1, c 0 -> a .75, b .25, c 0
    assert [(h.uuid, round(h.score, 6)) for h in fused] == [(a, 0.75), (b, 0.25), (c, 0.0)]
    np.testing.assert_allclose(scale(np.array([2.0, 2.0])), [1, 1])


def test_filters_apply_to_search(alice):
    got = alice.query("alice", now=NOW).bm25("item", limit=6, filters=Filter.by_property("year").less_than(2000))
    assert set(ids(got)) == {"a", "b"}


@pytest.mark.parametrize("kwargs, message", [({"strength": 1.5}, "strength"), ({"overfetch_factor": 0.5}, "overfetch"),
                                             ({"decay_rate": -1}, "decay_rate")])
def test_bad_query_settings(alice, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        alice.query("alice", **kwargs)


def test_bad_search_arguments(alice):
    q = alice.query("alice")
    with pytest.raises(InvalidInputError, match="query"):
        q.bm25("   ")
    with pytest.raises(InvalidInputError, match="limit"):
        q.bm25("item", limit=0)
    with pytest.raises(NotAvailableError, match="rerank"):
        q.bm25("item", rerank="x")
    with pytest.raises(InvalidInputError, match="query_properties"):
        q.bm25("item", query_properties=["nope"])
    with pytest.raises(NotAvailableError, match="4-d"):
        q.near_text("comedy")


def test_near_text_with_the_real_model():
    from core.io.embedding import default_embedder
    texts = ["A spaceship crew explores a distant galaxy.", "A romantic comedy set in Paris.",
             "A documentary about deep sea creatures.", "Astronauts stranded on Mars fight to survive."]
    embedder = default_embedder()
    store = EmbeddedStore()
    store.create_collection(CollectionSpec("Films", 384, text_fields=("text",)))
    store.add_items("Films", [Item(uuid=str(i), properties={"text": t, "original_id": i}) for i, t in enumerate(texts)],
                    embedder.embed(texts))
    agent = PersonalizationAgent.create(store, "Films")
    agent.add_interactions([PersonaInteraction(persona_id="eve", item_id="1", weight=1.0, created_at=NOW)])
    plain = agent.query("eve", strength=0.0, now=NOW).near_text("outer space adventure", limit=2)
    assert {o.properties["original_id"] for o in plain.objects} == {0, 3}
    assert plain.objects[0].metadata.search_score == 1.0
