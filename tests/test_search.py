"""Personalized search: strength mixes plain search order with the persona's ranking."""

from __future__ import annotations


import numpy as np
import pytest
from weaviate.classes.query import Filter, HybridFusion, HybridVector, MetadataQuery, Move

from core import (CollectionSpec, EmbeddedStore, InvalidInputError, Item, NotAvailableError, NotFoundError,
                  PersonaInteraction, PersonalizationAgent, PersonalizedQuery, PipelineConfig, QueryOptions,
                  SearchOptions)
from core.retrieval.autocut import autocut
from core.store.hybrid import fuse_ranked, fuse_relative, scale
from core.store.base import Hit

from .store_contract import NAMES, NOW, VECTORS, uid


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


@pytest.mark.slow
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


# --- the official keywords, with known answers on the 4-d catalog ----------------------------------

class AxisEmbedder:
    """A real, tiny bag-of-words text model for the 4-d catalog: each word is one axis."""

    name, dims = "axis words", 4
    AXES = {"first": 0, "second": 1, "third": 2, "fourth": 3}

    def embed_queries(self, texts):
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.split():
                out[row, self.AXES[word]] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def plain(alice, store):
    """Search with strength 0 (the plain search order) and the axis text model."""
    agent = PersonalizationAgent.connect(store, "Things", embedder=AxisEmbedder())
    return agent.query("alice", strength=0.0, now=NOW)


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def expected_order(query_vector):
    scores = VECTORS_UNIT @ unit(query_vector)
    return [NAMES[i] for i in sorted(range(6), key=lambda i: (-scores[i], i))]


VECTORS_UNIT = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)


def test_near_text_distance_certainty_and_metadata(plain):
    got = plain.near_text("first", limit=6)
    assert ids(got) == expected_order([1, 0, 0, 0])
    first, second = got.objects[:2]
    assert first.metadata.distance == pytest.approx(0.0, abs=1e-6) and first.metadata.certainty == pytest.approx(1.0)
    assert second.metadata.distance == pytest.approx(1 - 0.9 / np.hypot(0.9, 0.1), abs=1e-6)
    assert second.metadata.certainty == pytest.approx(1 - second.metadata.distance / 2)
    # only a and b are within cosine distance 0.5 (or certainty 0.75) of the first axis; the rest are at 1
    assert ids(plain.near_text("first", distance=0.5)) == ["a", "b"]
    assert ids(plain.near_text("first", certainty=0.75)) == ["a", "b"]
    with pytest.raises(InvalidInputError, match="certainty or distance"):
        plain.near_text("first", certainty=0.9, distance=0.1)


def test_near_text_moves_follow_weaviate(plain):
    # move_to: q' = q (1 - f/2) + t f/2 = (a + c) / 2 with force 1 towards "second"
    moved = plain.near_text("first", move_to=Move(force=1.0, concepts=["second"]), limit=6)
    assert ids(moved) == expected_order([0.5, 0.5, 0, 0]) == ["b", "a", "c", "d", "e", "f"]
    # move_away from object c with force 0.5: q' = q + 0.25 (q - c), q = unit(a + c)
    q = unit([1, 1, 0, 0])
    away = plain.near_text("first second", move_away=Move(force=0.5, objects=[uid("c")]), limit=6)
    assert ids(away) == expected_order(q + 0.25 * (q - np.array([0, 1, 0, 0])))
    assert away.objects[0].metadata.distance == pytest.approx(1 - float(VECTORS_UNIT[1] @ unit(
        q + 0.25 * (q - np.array([0, 1, 0, 0])))), abs=1e-6)
    # a list query is the mean of its texts' vectors (Weaviate's CombineVectors)
    assert ids(plain.near_text(["first", "second"], limit=6)) == ids(plain.near_text("first second", limit=6))
    with pytest.raises(NotFoundError, match="move objects"):
        plain.near_text("first", move_to=Move(force=0.5, objects=[uid("zzz")]))
    with pytest.raises(InvalidInputError, match="force"):
        plain.near_text("first", move_to=Move(force=1.5, concepts=["second"]))


def test_offset_limit_and_autocut(plain, store):
    everything = [h.uuid for h in store.bm25("Things", "item comedy drama", 6)]
    page = plain.bm25("item comedy drama", limit=2, offset=2)
    assert [o.uuid for o in page.objects] == everything[2:4]
    assert [o.metadata.search_rank for o in page.objects] == [3, 4]
    # scaled scores 1, .994, 0, 0, 0, 0: the first jump is after b (Weaviate's autocut)
    assert ids(plain.near_text("first", auto_limit=1)) == ["a", "b"]
    assert len(plain.near_text("first", auto_limit=0).objects) == 6  # 0 turns autocut off


@pytest.mark.parametrize("scores, jumps, keep", [
    ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -1], 1, 3), ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -2], 2, 6),
    ([5, 1, 1, 1, 1, 0, 0], 1, 1), ([5, 1, 1, 1, 1, 0, 0], 2, 5),
    ([0.298, 0.260, 0.169, 0.108, 0.108, 0.104, 0.093], 1, 3), ([0.5, 0.32, 0.31, 0.30, 0.29, 0.15], 1, 1),
    ([1.0, 0.98, 0.95, 0.9, 0.88, 0.87, 0.80, 0.79], 2, 6), ([1.0, 0.98, 0.95, 0.9, 0.88, 0.87, 0.80, 0.79], 3, 8),
    ([0.586835, 0.5450372, 0.34137487, 0.30482167, 0.2753393], 1, 2), ([3.0], 1, 1), ([1.0, 1.0, 1.0], 1, 3),
])
def test_autocut_matches_weaviates_own_cases(scores, jumps, keep):
    assert autocut(scores, jumps) == keep  # the cases of weaviate/entities/autocut/autocut_test.go (+ edges)


def test_hybrid_fusion_types_and_max_vector_distance(plain):
    # vector [1,0,0,0]: a, b, then c..f at 0; bm25 "horror": d only
    relative = plain.hybrid("horror", vector=[1, 0, 0, 0], alpha=0.5, limit=3)
    assert ids(relative) == ["a", "d", "b"]  # a .5, d .5 (tie: vector hit first), b .5 * 0
    ranked = plain.hybrid("horror", vector=[1, 0, 0, 0], alpha=0.5, fusion_type=HybridFusion.RANKED, limit=3)
    assert ids(ranked) == ["d", "a", "b"]  # d .5/63 + .5/60 beats a .5/60
    near = plain.hybrid("horror", vector=[1, 0, 0, 0], alpha=0.5, max_vector_distance=0.1)
    assert ids(near) == ["a", "d", "b"] and len(near.objects) == 3  # c, e, f are at distance 1
    only_vector = plain.hybrid(None, vector=[0, 0, 1, 0], limit=1)
    assert ids(only_vector) == ["e"]
    with pytest.raises(InvalidInputError, match="neither"):
        plain.hybrid(None)
    with pytest.raises(InvalidInputError, match="fusion_type"):
        plain.hybrid("horror", fusion_type="best")


def test_fuse_ranked_known_answer():
    a, b, c = uid("a"), uid("b"), uid("c")
    fused = fuse_ranked([Hit(a, 0.9), Hit(b, 0.5)], [Hit(b, 10.0), Hit(c, 2.0)], alpha=0.75)
    # a .75/60 = .0125; b .75/61 + .25/60 = .016462; c .25/61 = .004098
    assert [(h.uuid, round(h.score, 6)) for h in fused] == [(b, 0.016462), (a, 0.0125), (c, 0.004098)]


def test_return_properties_metadata_and_vectors(plain):
    got = plain.near_text("second", limit=2, return_properties=["title"], include_vector=True,
                          return_metadata=MetadataQuery(distance=True))
    assert [o.properties for o in got.objects] == [{"title": "Item C"}, {"title": "Item D"}]
    assert got.objects[0].metadata.distance == pytest.approx(0.0, abs=1e-6)
    assert got.objects[0].metadata.score is None and got.objects[0].metadata.certainty is None
    np.testing.assert_allclose(got.objects[1].vector["default"], VECTORS_UNIT[3], atol=1e-6)
    assert got.objects[0].collection == "Things" and got.objects[0].metadata.search_rank == 1
    assert plain.bm25("horror", return_properties="genres").objects[0].properties == {"genres": ["Horror"]}
    assert plain.bm25("horror", include_vector="default").objects[0].vector["default"] == pytest.approx(
        VECTORS_UNIT[3].tolist())
    assert plain.bm25("horror").objects[0].vector == {}
    explained = plain.bm25("horror").objects[0].metadata.explain_score
    assert "1 × search 1.0000 (BM25" in explained and "0 × persona" in explained
    with pytest.raises(InvalidInputError, match="nope"):
        plain.bm25("horror", return_properties=["nope"])
    with pytest.raises(NotAvailableError, match="creation_time"):
        plain.bm25("horror", return_metadata=MetadataQuery.full())
    with pytest.raises(InvalidInputError, match="colour"):
        plain.bm25("horror", return_metadata=["colour"])


def test_results_do_not_alias_the_store(plain, store):
    got = plain.bm25("horror")
    got.objects[0].properties["genres"].append("Comedy")
    got.objects[0].properties["title"] = "changed"
    assert store.get_items("Things", [uid("d")])[uid("d")].properties["genres"] == ["Horror"]
    assert plain.bm25("horror").objects[0].properties["title"] == "Item D"


def test_unknown_and_unsupported_keywords_are_named(plain):
    with pytest.raises(InvalidInputError, match=r"unknown keyword\(s\) \['colour'\]"):
        plain.bm25("item", colour="red")
    with pytest.raises(InvalidInputError, match="alpha"):
        plain.near_text("first", alpha=0.5)  # a hybrid keyword is unknown to near_text
    for method, kwargs in (("bm25", {"rerank": object()}), ("near_text", {"return_references": "x"})):
        with pytest.raises(NotAvailableError, match=next(iter(kwargs))):
            getattr(plain, method)("first" if method == "near_text" else "item", **kwargs)
    with pytest.raises(NotAvailableError, match="without a query"):
        plain.bm25(None)
    with pytest.raises(NotAvailableError, match="HybridVector"):
        plain.hybrid("horror", vector=HybridVector.near_text("horror"))
    with pytest.raises(NotAvailableError, match="multi-target"):
        plain.near_text("first", target_vector=["a", "b"])
    assert ids(plain.near_text("first", target_vector="default", limit=2)) == ["a", "b"]


def test_a_query_replays_from_its_config_step(alice, store):
    agent = PersonalizationAgent.connect(store, "Things", config=PipelineConfig(half_life_days=5),
                                         embedder=AxisEmbedder())
    first = agent.query("alice", strength=0.7, overfetch_factor=3).hybrid("horror", vector=[0, 1, 0, 0],
                                                                          alpha=0.6, limit=4)
    step = first.trace[0]
    assert step.name == "config" and step.details["search"]["alpha"] == 0.6
    assert step.details["query"]["now"] is not None  # the time the run used, so a replay decays the same
    again = PersonalizedQuery(store, "Things", agent.get_persona("alice"), QueryOptions.model_validate(
        step.details["query"]), config=PipelineConfig.model_validate(step.details["pipeline"]),
        embedder=AxisEmbedder, vector_name=step.details["vector_name"]).run(
        SearchOptions.model_validate(step.details["search"]))
    assert [(o.uuid, o.metadata.score) for o in again.objects] == [(o.uuid, o.metadata.score) for o in first.objects]


def test_unknown_vector_names_are_rejected_by_the_store(alice, store):
    """target_vector / include_vector names reach the store, which names the vectors it has."""
    q = PersonalizationAgent.connect(store, "Things").query("alice", strength=0.0, now=NOW)
    with pytest.raises(InvalidInputError, match=r"no vector named 'nope'; named vectors: \['default'\]"):
        q.hybrid(None, vector=[1, 0, 0, 0], target_vector="nope")
    with pytest.raises(InvalidInputError, match="no vector named 'nope'"):
        q.bm25("horror", include_vector=["nope"])
