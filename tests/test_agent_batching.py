"""The local agent's extra searches with their vector parts batched (core/ranking/pool.py Searcher.prefetch)
answer as they did one by one: same hits in the same order, scores equal but for float rounding (one matrix
product for several queries sums in another order than one per query).

Checked on the shipped workshop catalog (real text vectors, the real text model) and on a synthetic one,
search by search (near_text at several depths, hybrid, moved towards the likes, with filters and
exclusions) and through whole ``get_objects`` requests with instructions.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import (CollectionSpec, EmbeddedStore, Item, PersonaInteraction, PersonalizationAgent, generate_uuid5,
                  install_sample)
from core.io.embedding import default_embedder
from core.ranking.base import PlannedSearch
from core.ranking.llm.client import LLMConfig
from core.ranking.pool import Searcher

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def workshop():
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    yield store, "Workshop"
    store.close()


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(4)
    n = 3000
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    words = ["calm", "nature", "river", "space", "comedy", "drama", "night", "city", "forest", "ocean"]
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Synth", 384, text_fields=("title", "genres")))
    store.add_items("Synth", [Item(uuid=generate_uuid5(i), properties={
        "title": " ".join(rng.choice(words, 3)), "genres": [["Comedy", "Drama", "Documentary"][i % 3]],
        "year": 1950 + i % 70}) for i in range(n)], vectors)
    yield store, "Synth"
    store.close()


SEARCHES = [PlannedSearch("a calm film about nature", "instruction", "hybrid"),
            PlannedSearch("a calm film about nature", "moved", "near_text", toward_likes=1.0, depth=3),
            PlannedSearch("night in the city", "other", "near_text", depth=2),
            PlannedSearch("river comedy", "other", "hybrid", toward_likes=0.5, depth=2),
            PlannedSearch("pasta river", "keywords", "bm25")]


def searcher(store, name, filters=None) -> Searcher:
    ids = [i.uuid for i in store.iter_items(name, limit=40)]
    return Searcher(store, name, default_embedder(), filters=filters, likes=ids[:5], exclude=set(ids[5:12]))


def same_hits(batched, one_by_one) -> None:
    assert [h.uuid for h in batched] == [h.uuid for h in one_by_one]
    assert np.allclose([h.score for h in batched], [h.score for h in one_by_one], atol=1e-5)


@pytest.mark.parametrize("catalog", ["workshop", "synthetic"])
@pytest.mark.parametrize("filtered", [False, True])
def test_batched_searches_answer_as_one_by_one(catalog, filtered, request):
    store, name = request.getfixturevalue(catalog)
    filters = None
    if filtered:
        filters = (Filter.by_property("course").equal("main") if catalog == "workshop"
                   else Filter.by_property("year").greater_or_equal(1990))
    batched, plain = searcher(store, name, filters=filters), searcher(store, name, filters=filters)
    k = 10
    batched.prefetch(SEARCHES, k)
    assert [batched.batched(s) for s in SEARCHES] == [True, True, True, True, False]
    for s in SEARCHES:
        got, want = batched.run(s, k * s.depth), plain.run(s, k * s.depth)
        assert got, s
        same_hits(got, want)
        assert not plain.batched(s)


def test_one_vector_search_or_a_server_that_fuses_is_not_batched(workshop):
    store, name = workshop
    one = searcher(store, name)
    one.prefetch([SEARCHES[0], SEARCHES[4]], 10)
    assert not one.batched(SEARCHES[0])

    class Native:  # a store whose server fuses hybrid searches itself (Weaviate)
        def __getattr__(self, attr):
            return getattr(store, attr)
    native = Native()
    native.capabilities = type(store.capabilities)(**{**vars(store.capabilities), "native_hybrid": True})
    on_server = Searcher(native, name, default_embedder(), filters=None, exclude=set())
    on_server.prefetch(SEARCHES, 10)
    assert not any(on_server.batched(s) for s in SEARCHES)


@pytest.mark.parametrize("catalog, instruction", [("workshop", "something light and vegetarian for a hot day"),
                                                  ("synthetic", "a calm documentary about nature")])
def test_get_objects_is_the_same_batched_or_not(catalog, instruction, request, monkeypatch):
    store, name = request.getfixturevalue(catalog)
    agent = PersonalizationAgent.create(store, name, llm=LLMConfig(api_key=None, base_url=None),
                                        embedder=default_embedder()) if not store.has_agent(name) else \
        PersonalizationAgent.connect(store, name, llm=LLMConfig(api_key=None, base_url=None),
                                     embedder=default_embedder())
    ids = [i.uuid for i in store.iter_items(name, limit=60)]
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=u, weight=1.0 if k < 8 else -1.0,
                                               created_at=NOW - timedelta(hours=k)) for k, u in enumerate(ids[:10])])

    def answer():
        r = agent.get_objects("p", limit=10, now=NOW, instruction=instruction, use_agent_ranking=True)
        searches = next(s.details["searches"] for s in r.trace if s.name == "searches")
        return r, searches
    batched, searches = answer()
    assert sum(s.get("vector_part") == "batched" for s in searches) >= 2  # the path under test ran
    monkeypatch.setattr(Searcher, "prefetch", lambda self, searches, k: None)
    plain, plain_searches = answer()
    assert not any("vector_part" in s for s in plain_searches)
    assert [o.uuid for o in batched.objects] == [o.uuid for o in plain.objects]
    assert np.allclose([o.score for o in batched.objects], [o.score for o in plain.objects], atol=1e-5)
    assert [s["hits"] for s in searches] == [s["hits"] for s in plain_searches]


@pytest.mark.parametrize("queries", [1, 2, 5, 8, 9, 20])
def test_several_queries_score_as_each_alone(queries):
    """The embedded index's products for a few queries (read block by block) are each query's own product to
    the bit, so a batched search ranks exactly as the searches one by one; more queries take BLAS's product."""
    from core.store.embedded.index import _products
    rng = np.random.default_rng(queries)
    matrix = rng.normal(size=(5000, 48)).astype(np.float32)
    q = rng.normal(size=(queries, 48)).astype(np.float32)
    got = _products(matrix, q)
    assert got.shape == (5000, queries)
    if queries <= 8:
        assert all(np.array_equal(got[:, j], matrix @ q[j]) for j in range(queries))
    assert np.allclose(got, matrix @ q.T, atol=1e-4)
