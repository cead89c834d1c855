"""Hybrid search on Weaviate is one native request (as the stub records it), and answers as the embedded store's
engine-side fusion does; the agent's planned hybrid searches and a personalized ``hybrid`` go the same way.
The hand-computed cases every backend passes: tests/hybrid_contract.py."""

from __future__ import annotations

import base64
import struct

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import CollectionSpec, EmbeddedStore, InvalidInputError, Item, PersonaInteraction, PersonalizationAgent
from core.store.weaviate.store import WeaviateStore

from .hybrid_contract import Q, comedy_or_drama
from .store_contract import NOW, VECTORS, items, uid
from .test_search import AxisEmbedder
from .test_weaviate_store import url_of
from .weaviate_stub import start_stub

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite


@pytest.fixture(params=["1.33.0", "1.31.0"], ids=["contains_none", "over-fetch"])
def served(request):
    """A stub of that version and a Weaviate store on it holding the contract's "Things"."""
    stub = start_stub(version=request.param)
    store = WeaviateStore(url=url_of(stub))
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    yield stub, store
    store.close()
    stub.stop()


def hybrid_requests(stub) -> list[dict]:
    return [p for p in stub.payloads("Search") if "hybrid_search" in p]


def test_hybrid_is_one_search_request_carrying_everything(served):
    stub, store = served
    store.hybrid("Things", "drama", Q, 3, alpha=0.6, filters=comedy_or_drama())  # reads the schema's text fields once
    stub.clear()
    hits = store.hybrid("Things", "drama", 2 * Q, 3, alpha=0.6, fusion="ranked", filters=comedy_or_drama(),
                        exclude=[uid("a")], query_properties=["genres"], max_vector_distance=1.5)
    assert [h.uuid for h in hits] == [uid("b"), uid("c")]  # b .6/60 + .4/61 beats c .6/61 + .4/60
    assert stub.names() == ["Search"]  # one request: no separate bm25 / near_vector, no schema read
    (sent,) = stub.payloads("Search")
    assert "near_vector" not in sent and "bm25_search" not in sent
    h = sent["hybrid_search"]
    assert (h["query"], h["alpha"], h["fusion_type"], h["properties"]) == ("drama", 0.6, "FUSION_TYPE_RANKED",
                                                                           ["genres"])
    assert h["targets"]["target_vectors"] == ["default"] and h["vector_distance"] == 1.5
    vector = struct.unpack("4f", base64.b64decode(h["vector_bytes"]))
    np.testing.assert_allclose(vector, [1, 0, 0, 0])  # the unit query vector
    flt = sent["filters"]
    if stub.version_at_least(1, 33):  # the caller's filter unchanged, AND the excluded ids as ContainsNone
        assert sent["limit"] == 3 and flt["operator"] == "OPERATOR_AND"
        caller, ids = flt["filters"]
        assert caller["operator"] == "OPERATOR_CONTAINS_ANY" and caller["target"]["property"] == "genres"
        assert ids["operator"] == "OPERATOR_CONTAINS_NONE" and ids["value_text_array"]["values"] == [str(uid("a"))]
    else:  # no ContainsNone: one more result asked for, the excluded one dropped here
        assert sent["limit"] == 4 and flt["operator"] == "OPERATOR_CONTAINS_ANY"


def test_text_fields_default_as_bm25s_and_no_query_is_vector_only(served):
    stub, store = served
    stub.clear()
    store.hybrid("Things", "drama", Q, 2, alpha=0.5)
    store.hybrid("Things", None, Q, 2, alpha=0.5)
    default, vector_only = (r["hybrid_search"] for r in hybrid_requests(stub))
    assert default["properties"] == ["title", "genres"]  # the collection's text fields, as bm25 searches them
    assert vector_only.get("query", "") == "" and vector_only["alpha"] == 1  # weaviate-client's rule without a query


def test_bad_input_sends_nothing(served):
    stub, store = served
    store.hybrid("Things", "drama", Q, 1, alpha=0.5)
    stub.clear()
    for args, kwargs, message in ((("drama", Q, 3), {"alpha": 1.5}, "alpha"),
                                  (("drama", np.ones(5), 3), {"alpha": 0.5}, "4 dimensions"),
                                  (("drama", [1.0, float("nan"), 0, 0], 3), {"alpha": 0.5}, "NaN"),
                                  (("drama", Q, 3), {"alpha": 0.5, "fusion": "RRF"}, "fusion")):
        with pytest.raises(InvalidInputError, match=message):
            store.hybrid("Things", *args, **kwargs)
    assert hybrid_requests(stub) == [] and all(p.get("collection") != "Things" for p in stub.payloads("Search"))


# --- the same answers as the engine's fusion ------------------------------------------------------------------

def catalog() -> tuple[list[Item], np.ndarray]:
    """150 items: "red" in every 3rd title, "blue" in every 5th, each with its own length (no BM25 ties);
    random 8-d vectors. One text field and one-word queries: both backends' BM25 then scale alike (the IDF
    cancels in min-max; SQLite FTS5's and Weaviate's IDF differ)."""
    rng = np.random.default_rng(7)
    out = []
    for i in range(150):
        words = (["red"] if i % 3 == 0 else []) + (["blue"] if i % 5 == 0 else [])
        words += [f"w{i}x{j}" for j in range(1 + i // 3)]
        out.append(Item(uuid=str(i), properties={"title": " ".join(words), "year": 1900 + i}))
    return out, rng.normal(size=(150, 8)).astype(np.float32)


def same(a, b) -> None:
    """The same fused scores rank by rank, and the same items in every run of tied ranks (within 1e-4; ties may
    come in any order) but the last run, which the limit may cut."""
    assert len(a) == len(b) and a
    np.testing.assert_allclose([h.score for h in a], [h.score for h in b], atol=1e-5)
    runs, start = [], 0
    for n in range(1, len(a) + 1):
        if n == len(a) or a[n - 1].score - a[n].score > 1e-4:
            runs.append(range(start, n))
            start = n
    for run in runs[:-1]:
        assert {a[n].uuid for n in run} == {b[n].uuid for n in run}


@pytest.fixture(scope="module")
def both():
    stub = start_stub(version="1.33.0")
    stores = [WeaviateStore(url=url_of(stub)), EmbeddedStore(":memory:")]
    things, vectors = catalog()
    for store in stores:
        store.create_collection(CollectionSpec("Cat", 8, text_fields=("title",)))
        store.add_items("Cat", things, vectors)
    yield stub, stores
    for store in stores:
        store.close()
    stub.stop()


@pytest.mark.parametrize("fusion", ["relative_score", "ranked"])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("query", ["red", "blue"])
def test_weaviate_fuses_as_the_engine_does(both, fusion, alpha, query):
    stub, (weaviate, embedded) = both
    q = np.random.default_rng(len(query)).normal(size=8).astype(np.float32)
    later = Filter.by_property("year").greater_or_equal(1920)  # 130 of 150 pass: more than the 100-item window
    got = [s.hybrid("Cat", query, q, 10, alpha=alpha, fusion=fusion, filters=later) for s in (weaviate, embedded)]
    same(*got)
    ids = {i.uuid: i for i in catalog()[0]}
    assert all(ids[h.uuid].properties["year"] >= 1920 for h in got[0])
    if alpha == 0.0:  # keywords only: every hit has the word
        assert all(query in ids[h.uuid].properties["title"].split() for h in got[0])


def test_the_window_matters_and_both_fuse_over_the_same_one(both):
    """Fused over only the top ``limit`` of each part, the relative scores would differ: the window is real."""
    from core.store.hybrid import fuse_relative
    _, (weaviate, embedded) = both
    q = np.random.default_rng(3).normal(size=8).astype(np.float32)
    native = weaviate.hybrid("Cat", "red", q, 5, alpha=0.5)
    same(native, embedded.hybrid("Cat", "red", q, 5, alpha=0.5))
    narrow = fuse_relative(embedded.near_vectors("Cat", q / np.linalg.norm(q), 5)[0], embedded.bm25("Cat", "red", 5),
                           0.5)[:5]
    assert not np.allclose([h.score for h in narrow], [h.score for h in native], atol=1e-3)


# --- the engine: planned searches and personalized hybrid -------------------------------------------------

def test_the_agent_sends_its_hybrid_searches_natively_and_finds_the_same_objects():
    stub = start_stub(version="1.33.0")
    try:
        answers = []
        for store in (WeaviateStore(url=url_of(stub)), EmbeddedStore(":memory:")):
            store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
            store.add_items("Things", items(), VECTORS)
            agent = PersonalizationAgent.create(store, "Things", embedder=AxisEmbedder())
            agent.add_interactions([PersonaInteraction(persona_id="pat", item_id="d", weight=1.0, created_at=NOW)])
            stub.clear()
            got = agent.get_objects("pat", limit=4, instruction="third", now=NOW)
            planned = next(s for s in got.trace if s.name == "searches").details["searches"]
            hybrids = [s for s in planned if s["method"] == "hybrid"]
            assert hybrids and {s["fused_by"] for s in hybrids} == {
                "weaviate" if isinstance(store, WeaviateStore) else "engine"}
            if isinstance(store, WeaviateStore):
                assert len(hybrid_requests(stub)) == len(hybrids)  # one request per planned hybrid search
            personal = agent.query("pat", strength=0.5, now=NOW).hybrid("third", alpha=0.5, limit=3)
            search = next(s for s in personal.trace if s.name == "search").details
            assert search["fused_by"] == ("weaviate" if isinstance(store, WeaviateStore) else "engine")
            answers.append(([o.uuid for o in got.objects], [(o.uuid, round(o.metadata.score, 5)) for o in personal.objects]))
            store.close()
        assert answers[0] == answers[1]
        assert len(hybrid_requests(stub)) == 0  # the embedded store's turn sent nothing
    finally:
        stub.stop()


def test_a_personalized_hybrid_is_one_request(served):
    stub, store = served
    agent = PersonalizationAgent.create(store, "Things", embedder=AxisEmbedder())
    agent.add_interactions([PersonaInteraction(persona_id="pat", item_id="d", weight=1.0, created_at=NOW)])
    query = agent.query("pat", strength=0.0, now=NOW)
    query.hybrid("drama", vector=[1, 0, 0, 0], alpha=0.6, limit=3, filters=comedy_or_drama())
    stub.clear()
    got = query.hybrid("drama", vector=[1, 0, 0, 0], alpha=0.6, limit=3, filters=comedy_or_drama())
    assert [o.uuid for o in got.objects] == [uid("a"), uid("b"), uid("c")]  # tests/hybrid_contract.py by hand
    searches = [p for p in stub.payloads("Search") if p.get("collection") == "Things"]
    assert len(hybrid_requests(stub)) == 1 and not any("bm25_search" in p or "near_vector" in p for p in searches)
