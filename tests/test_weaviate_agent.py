"""A user's own Weaviate collection through the official agent API (``client=<WeaviateClient>``), two stores on
one cluster (test_weaviate_cache.py), learned vectors and the blend's native prior, filters only a server evaluates."""

from __future__ import annotations

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import LearnedVectors, Persona, StoreError, to_uuid
from core.store.weaviate.store import WeaviateStore

from .store_contract import NAMES, VECTORS, items, uid
from .test_weaviate_store import url_of
from .weaviate_stub import start_stub
from .weaviate_stub.fixture import connect

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite


def _movies(client) -> None:
    """A user's collection: named vectors ``text`` (4-d) and ``image`` (2-d), their own properties."""
    from weaviate.classes.config import Configure, DataType, Property
    from weaviate.classes.data import DataObject
    client.collections.create("Movies", properties=[
        Property(name="title", data_type=DataType.TEXT), Property(name="genres", data_type=DataType.TEXT_ARRAY),
        Property(name="year", data_type=DataType.INT)],
        vector_config=[Configure.Vectors.self_provided(name="text"), Configure.Vectors.self_provided(name="image")])
    movies = client.collections.get("Movies")
    movies.data.insert_many([DataObject(uuid=item.uuid, properties={k: v for k, v in item.properties.items()
                                                                    if k in ("title", "genres", "year")},
                                        vector={"text": (2 * VECTORS[n]).tolist(), "image": [1.0, float(n)]})
                             for n, item in enumerate(items())])


def test_the_agent_takes_a_weaviate_client_and_never_rewrites_the_users_collection(weaviate_stub):
    from core import PersonaInteraction, PersonalizationAgent
    client = connect(weaviate_stub)
    _movies(client)
    weaviate_stub.clear()
    agent = PersonalizationAgent.create(client=client, reference_collection="Movies", vector_name="text",
                                        user_properties={"age": "int"})
    store = agent.store
    spec = store.get_collection("Movies")
    assert (spec.vectors, spec.vector_name, spec.text_fields) == ({"text": 4, "image": 2}, "text", ("title", "genres"))
    np.testing.assert_allclose(store.get_vectors("Movies", [uid("b")], vector_name="text")[0],
                               VECTORS[1] / np.linalg.norm(VECTORS[1]), rtol=1e-6)  # unit length across the boundary
    pid = to_uuid("viewer")
    agent.add_persona(Persona(persona_id=pid, properties={"age": 30}))
    agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=uid("a"), weight=1.0)])
    got = [o.uuid for o in agent.get_objects(pid, limit=3, use_agent_ranking=False).objects]
    assert got[0] == uid("b") and uid("a") not in got  # nearest to what was liked; the liked item left out
    writes = [n for n in weaviate_stub.names() if n in ("BatchObjects", "BatchDelete") or n.startswith(("PUT", "PATCH"))]
    touched = {p["objects"][0]["collection"] for p in weaviate_stub.payloads("BatchObjects")}
    assert "Movies" not in touched and writes  # personas and interactions written beside it, the catalog never
    personas = next(p for p in weaviate_stub.payloads("POST /v1/schema") if p["class"] == "Movies_Personas")
    typed = {q["name"]: q["dataType"] for q in personas["properties"]}
    assert typed["age"] == ["int"] and typed["pa_background"] == ["boolean"]  # the agent's user property, typed
    assert PersonalizationAgent.exists(client, "Movies")
    store.close()
    assert client.is_connected()  # the user's client stays theirs
    client.close()


def test_a_native_prior_adds_the_items_it_favours_and_rescores_exactly(weaviate_stub, things):
    learned = LearnedVectors(ids=tuple(uid(n) for n in NAMES), vectors=np.eye(6, dtype=np.float32),
                             fold=np.ones(6, np.float32), meta={"kind": "test"})
    things.put_learned("Things", "behaviour", learned)

    class Prior:  # what BehaviourPrior offers: its query in the learned space, and per-item values
        vector = np.eye(6, dtype=np.float32)[5]  # favours f, which no content query reaches
        learned = "behaviour"

        def aligned(self, ids):
            return np.array([2.0 if u == uid("f") else 0.0 for u in ids], np.float32)

    hits = things.search_max("Things", VECTORS[:1], np.ones(1), 2, prior=Prior())
    assert [h.uuid for h in hits] == [uid("f"), uid("a")] and hits[0].score == pytest.approx(2.0)
    assert any(p.get("collection") == "Things_Behaviour" for p in weaviate_stub.payloads("Search"))
    got = things.get_learned("Things", "behaviour")
    assert got.ids == learned.ids and got.meta == {"kind": "test"}
    np.testing.assert_array_equal(got.vectors, learned.vectors)
    assert things.delete_learned("Things", "behaviour") and things.get_learned("Things", "behaviour") is None


@pytest.mark.filterwarnings("ignore:Dep024")  # a collection with one unnamed vector is made the old way on purpose
def test_geo_creation_time_and_reference_filters_reach_the_server_unchanged(weaviate_stub):
    from datetime import datetime, timedelta, timezone

    from weaviate.classes.config import Configure, DataType, Property
    from weaviate.classes.data import DataObject, GeoCoordinate
    client = connect(weaviate_stub)
    client.collections.create("Places", properties=[Property(name="name", data_type=DataType.TEXT),
                                                    Property(name="at", data_type=DataType.GEO_COORDINATES)],
                              vectorizer_config=Configure.Vectorizer.none(),  # one unnamed vector, as before 1.24
                              inverted_index_config=Configure.inverted_index(index_timestamps=True))
    client.collections.get("Places").data.insert_many([
        DataObject(uuid=uid("a"), properties={"name": "Berlin", "at": GeoCoordinate(latitude=52.52, longitude=13.40)},
                   vector=[1.0, 0.0]),
        DataObject(uuid=uid("b"), properties={"name": "Paris", "at": GeoCoordinate(latitude=48.86, longitude=2.35)},
                   vector=[0.9, 0.1])])
    store = WeaviateStore(client)
    store.check_filter(Filter.by_ref("director").by_property("name").equal("x"))  # accepted: Weaviate evaluates it
    near_berlin = Filter.by_property("at").within_geo_range(GeoCoordinate(latitude=52.5, longitude=13.4), 50_000)
    assert [h.uuid for h in store.near_vectors("Places", np.array([1.0, 0.0]), 5, filters=near_berlin)[0]] == [uid("a")]
    assert store.get_items("Places", [uid("a")])[uid("a")].properties == {
        "name": "Berlin", "at": {"latitude": pytest.approx(52.52), "longitude": pytest.approx(13.40)}}
    recent = Filter.by_creation_time().greater_than(datetime.now(timezone.utc) - timedelta(hours=1))
    assert len(store.near_vectors("Places", np.array([1.0, 0.0]), 5, filters=recent)[0]) == 2
    weaviate_stub.clear()
    with pytest.raises(StoreError, match="cross-references are not supported by this test stub"):
        store.bm25("Places", "berlin", 5, filters=Filter.by_ref("director").by_property("name").equal("x"))
    (sent,) = [p for p in weaviate_stub.payloads("Search") if p.get("collection") == "Places"]
    assert sent["filters"]["target"]["single_target"]["on"] == "director"  # sent as given, evaluated by the server
    store.close()
    client.close()


def test_the_blend_ranks_on_weaviate_as_on_the_embedded_store(workshop_cooks):
    """Training, the learned vectors' side collection and the native prior, end to end: the same answer."""
    from datetime import datetime, timezone

    from core import EmbeddedStore, PersonaInteraction, PersonalizationAgent, install_sample
    _, rows = workshop_cooks
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    stub = start_stub(version="1.33.0")
    try:
        answers = []
        for store in (WeaviateStore(url=url_of(stub)), EmbeddedStore(":memory:")):
            install_sample(store, "workshop")
            agent = PersonalizationAgent.create(store, "Workshop")
            agent.add_interactions([PersonaInteraction(persona_id=r.user, item_id=r.item, weight=1.0,
                                                       created_at=datetime.fromtimestamp(r.time, tz=timezone.utc))
                                    for r in rows])
            dishes = [r.item for r in rows if r.user == "cook0"]
            agent.add_interactions([PersonaInteraction(persona_id="fan", item_id=d, weight=1.0, created_at=now)
                                    for d in dishes[:3]])
            got = agent.get_objects("fan", limit=5, use_agent_ranking=False, now=now)
            search = next(s for s in got.trace if s.name == "vector_search").details
            answers.append((search["strategy"], [(o.uuid, round(o.score, 5)) for o in got.objects]))
            store.close()
        assert answers[0] == answers[1] and answers[0][0] == "blend"
        assert any(p.get("collection", "").endswith("_Behaviour") for p in stub.payloads("Search"))
    finally:
        stub.stop()
