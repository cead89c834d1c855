"""Boost on Weaviate: sent to a 1.38 server (the stub's own boost answers), the engine's path on a 1.33 one, and the
stub's independent implementation agreeing with the engine's on a sample catalog."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from weaviate.classes.query import Boost, Filter

from core import CollectionSpec, EmbeddedStore, Item, NotAvailableError, PersonaInteraction, PersonalizationAgent
from core.retrieval.boost import plan_boost
from core.retrieval.boost_stage import boost_hits
from core.store.weaviate.store import WeaviateStore

from .weaviate_stub import start_stub
from .weaviate_stub.fixture import connect

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
ROWS = [("a", 1, 10.0, 0, "new"), ("b", 50, 40.0, 3, "old"), ("c", 5, 55.0, 1, "new"), ("d", 500, 80.0, 30, "old"),
        ("e", 20, 49.0, 2, "new"), ("f", 2, 20.0, None, "old"), ("g", 120, 60.0, 9, "new"), ("h", 0, 51.0, 5, "old")]
VECTORS = np.array([[1, 0.15 * i, 0.05 * (i % 3)] for i in range(len(ROWS))], dtype=np.float32)
QUERY = np.array([1.0, 0.4, 0.1], dtype=np.float32) / np.linalg.norm([1.0, 0.4, 0.1])


def props(i: int) -> dict:
    name, pop, price, age, kind = ROWS[i]
    out = {"title": "lamp " * (8 - i) + name, "pop": pop, "price": price, "kind": kind}
    if age is not None:
        out["released"] = (NOW - timedelta(days=age)).isoformat().replace("+00:00", "Z")
    return out


def user_collection(stub) -> WeaviateStore:
    """A user's own collection with a ``date`` property (what time_decay needs on a real server)."""
    from weaviate.classes.config import Configure, DataType, Property
    from weaviate.classes.data import DataObject
    client = connect(stub)
    client.collections.create("Shop", properties=[
        Property(name="title", data_type=DataType.TEXT), Property(name="pop", data_type=DataType.INT),
        Property(name="price", data_type=DataType.NUMBER), Property(name="released", data_type=DataType.DATE),
        Property(name="kind", data_type=DataType.TEXT)], vector_config=Configure.Vectors.self_provided())
    client.collections.get("Shop").data.insert_many(
        [DataObject(uuid=_uid(n), properties=props(i), vector={"default": VECTORS[i].tolist()})
         for i, (n, *_) in enumerate(ROWS)])
    client.close()
    return WeaviateStore(url=f"{stub.url}?grpc_port={stub.grpc_port}")


def _uid(name: str):
    from core import to_uuid
    return to_uuid(name)


def embedded() -> EmbeddedStore:
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Shop", 3, text_fields=("title", "kind")))
    store.add_items("Shop", [Item(uuid=n, properties=props(i)) for i, (n, *_) in enumerate(ROWS)], VECTORS)
    return store


BOOSTS = {
    "numeric": Boost.numeric_property("pop", modifier=Boost.Modifier.LOG1P, weight=0.7),
    "sqrt": Boost.numeric_property("pop", modifier=Boost.Modifier.SQRT, weight=0.9),
    "price_gauss": Boost.numeric_decay("price", origin=50, scale=10, offset=2, curve=Boost.Curve.GAUSSIAN, weight=0.8),
    "recent_linear": Boost.time_decay("released", origin=NOW, scale="4d", curve=Boost.Curve.LINEAR, weight=0.6),
    "recent_exp": Boost.time_decay("released", origin=NOW, scale=timedelta(days=2), offset="12h", decay=0.3,
                                   weight=0.75),
    "blend": Boost.blend([Boost.numeric_property("pop", modifier=Boost.Modifier.LOG1P, weight=2.0),
                          Boost.filter(Filter.by_property("kind").equal("old"), weight=-1.0),
                          Boost.time_decay("released", origin=NOW, scale="7d")], weight=0.6, depth=8),
}


@pytest.fixture
def stub138():
    stub = start_stub("1.38.0")
    yield stub
    stub.stop()


@pytest.mark.parametrize("name", sorted(BOOSTS))
def test_the_stubs_boost_and_the_engines_agree(stub138, name):
    """Same candidates (exact near_vector on both), two implementations: the same order and scores."""
    server = user_collection(stub138)
    local = embedded()
    boost = BOOSTS[name]
    on_server = server.near_vectors("Shop", QUERY, 8, boost=boost)[0]
    plan = plan_boost(boost, local.property_names("Shop"), NOW)
    on_engine = boost_hits(local, "Shop", local.near_vectors("Shop", QUERY, 8)[0], plan, 8)
    assert [h.uuid for h in on_server] == [h.uuid for h in on_engine]
    np.testing.assert_allclose([h.score for h in on_server], [h.score for h in on_engine], atol=1e-6)
    assert len({round(h.score, 6) for h in on_engine}) > 3  # the boost moved scores apart: not a degenerate case
    server.close()
    local.close()


def test_a_138_server_gets_the_boost_and_its_scores_are_kept(stub138):
    store = user_collection(stub138)
    assert store.capabilities.boost is True
    agent = PersonalizationAgent.create(store, "Shop")
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=_uid("h"), weight=1.0, created_at=NOW)])
    stub138.clear()
    got = agent.query("p", strength=0.0, overfetch_factor=1, now=NOW).bm25("lamp", limit=5, boost=BOOSTS["blend"])
    (search,) = [p for p in stub138.payloads("Search") if p.get("collection") == "Shop" and "bm25_search" in p]
    sent = search["boost"]
    assert (sent["weight"], sent["depth"], search["limit"]) == (0.6, 8, 5)  # the server fetches depth itself
    kinds = [next(k for k in c if k != "weight") for c in sent["conditions"]]
    assert kinds == ["property_value", "filter", "time_decay"]
    assert [c.get("weight") for c in sent["conditions"]] == [2.0, -1.0, None]
    assert sent["conditions"][2]["time_decay"]["scale"] == "7d"
    # no rescoring here: the store's hits are the server's boosted scores in the server's order
    direct = store.bm25("Shop", "lamp", 5, boost=BOOSTS["blend"])
    assert [o.uuid for o in got.objects] == [h.uuid for h in direct]
    np.testing.assert_allclose([o.metadata.search_score for o in got.objects],
                               (np.array([h.score for h in direct]) - direct[-1].score)
                               / (direct[0].score - direct[-1].score))
    (step,) = [s for s in got.trace if s.name == "search"]
    assert step.details["boosted_by"] == "weaviate" and len(step.details["boost"]) == 3
    assert "on Weaviate" in got.objects[0].metadata.explain_score
    store.close()


def test_a_138_server_gets_the_boost_with_its_native_hybrid_in_one_request(stub138):
    """Hybrid and boost together are one server request; the stub's boost over its fusion matches the engine's boost
    over the same server's unboosted fusion (BM25 scores differ between FTS5 and Weaviate, so not the embedded's)."""
    store = user_collection(stub138)
    local = embedded()
    boost = BOOSTS["price_gauss"]
    stub138.clear()
    on_server = store.hybrid("Shop", "new", QUERY, 8, alpha=0.5, query_properties=["kind"], boost=boost)
    (search,) = [p for p in stub138.payloads("Search") if "hybrid_search" in p]  # (the rest: reading the schema)
    assert search["boost"]["weight"] == pytest.approx(0.8) and search["collection"] == "Shop"
    fused = store.hybrid("Shop", "new", QUERY, 8, alpha=0.5, query_properties=["kind"])
    on_engine = boost_hits(store, "Shop", fused, plan_boost(boost, store.property_names("Shop"), NOW), 8)
    assert [h.uuid for h in on_server] != [h.uuid for h in fused]  # the boost reordered the fused list
    assert [h.uuid for h in on_server] == [h.uuid for h in on_engine]
    np.testing.assert_allclose([h.score for h in on_server], [h.score for h in on_engine], atol=1e-6)
    agent = PersonalizationAgent.create(store, "Shop")
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id=_uid("h"), weight=1.0, created_at=NOW)])
    stub138.clear()
    got = agent.query("p", strength=0.0, now=NOW).hybrid("new", vector=QUERY.tolist(), alpha=0.5, limit=4,
                                                               query_properties=["kind"], boost=boost)
    assert [p for p in stub138.payloads("Search") if "hybrid_search" in p and "boost" in p]
    assert not [p for p in stub138.payloads("Search") if "bm25_search" in p or "near_vector" in p]
    (step,) = [s for s in got.trace if s.name == "search"]
    assert (step.details["boosted_by"], step.details["fused_by"]) == ("weaviate", "weaviate")
    with pytest.raises(NotAvailableError, match="does not rescore with a boost"):
        local.hybrid("Shop", "new", QUERY, 3, alpha=0.5, boost=boost)
    store.close()
    local.close()


def test_a_133_server_gets_no_boost_and_the_engine_ranks_as_on_the_embedded_store():
    stub = start_stub("1.33.0")
    try:
        store = user_collection(stub)
        assert store.capabilities.boost is False
        with pytest.raises(NotAvailableError, match="boosts need 1.38"):
            store.near_vectors("Shop", QUERY, 3, boost=BOOSTS["numeric"])
        stub.clear()
        rankings = []
        for backend in (store, embedded()):
            agent = PersonalizationAgent.create(backend, "Shop") if not PersonalizationAgent.exists(backend, "Shop") \
                else PersonalizationAgent.connect(backend, "Shop")
            agent.add_interactions([PersonaInteraction(persona_id="p", item_id=_uid("h"), weight=1.0,
                                                       created_at=NOW)])
            got = agent.query("p", strength=0.3, now=NOW).hybrid(None, vector=QUERY.tolist(), alpha=1, limit=6,
                                                                 boost=BOOSTS["recent_exp"])
            (step,) = [s for s in got.trace if s.name == "search"]
            assert step.details["boosted_by"] == "engine"
            rankings.append([o.uuid for o in got.objects])
        assert rankings[0] == rankings[1]
        assert not [p for p in stub.payloads("Search") if "boost" in p]  # nothing boost-shaped reached the server
        store.close()
    finally:
        stub.stop()


def test_the_stub_below_138_refuses_a_boost(weaviate_stub):
    client = connect(weaviate_stub)
    from weaviate.classes.config import Configure
    client.collections.create("T", vector_config=Configure.Vectors.self_provided())
    with pytest.raises(Exception, match=r"not supported by this test stub \(server < 1.38\)"):
        client.collections.get("T").query.near_vector([1.0, 0.0], boost=Boost.numeric_property("x"))
    client.close()


class FixedEmbedder:
    """A text model that embeds every query as QUERY (so near_text runs without the real model)."""

    name, dims = "fixed", 3

    def embed_queries(self, texts):
        return np.stack([QUERY for _ in texts])


def test_near_text_on_138_sends_the_boost_and_reports_true_distances(stub138):
    from core import PersonalizedQuery, QueryOptions
    store = user_collection(stub138)
    agent = PersonalizationAgent.create(store, "Shop")
    from core import Persona
    agent.add_persona(Persona(persona_id=_uid("p")))
    query = PersonalizedQuery(store, "Shop", agent.get_persona(_uid("p")), QueryOptions(strength=0.0, now=NOW),
                              config=agent.config, embedder=FixedEmbedder)
    stub138.clear()
    got = query.near_text("anything", limit=4, boost=BOOSTS["numeric"])
    (sent,) = [p for p in stub138.payloads("Search") if "near_vector" in p]
    assert sent["boost"]["conditions"][0]["property_value"]["property"] == "pop"
    exact = {h.uuid: 1 - h.score for h in store.near_vectors("Shop", QUERY, 8)[0]}
    for o in got.objects:  # distances from the vectors, not from the boosted score
        assert o.metadata.distance == pytest.approx(exact[o.uuid], abs=1e-5)
    assert [o.uuid for o in got.objects] == [h.uuid for h in store.near_vectors("Shop", QUERY, 4,
                                                                                boost=BOOSTS["numeric"])[0]]
    cut = query.near_text("anything", limit=4, distance=0.5, boost=BOOSTS["numeric"])
    (step,) = [s for s in cut.trace if s.name == "search"]
    assert step.details["boosted_by"] == "engine"  # a distance cut comes before the boost: the engine's path
    store.close()
