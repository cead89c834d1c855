"""The Weaviate store: the store contract against the Weaviate stub (and a real server when one is set),
the requests it sends, and how server failures come back."""

from __future__ import annotations

import os
import secrets

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import (BatchWriteError, CollectionSpec, InvalidInputError, Item, LearnedVectors, Persona, StoreError, open_store,
                  to_uuid)
from core.store.base import StoredInteraction
from core.store.weaviate.store import WeaviateStore

from .browser import free_port as closed_port  # a port nothing listens on
from .store_contract import NAMES, NOW, VECTORS, StoreContract, items, uid
from .weaviate_stub import start_stub
from .weaviate_stub.fixture import connect


class TestWeaviateStore(StoreContract):
    """A server with every feature the store uses (aliases, ContainsNone). Every store gets its own prefix
    on the class's stub, so the contract's fixed names never collide."""

    VERSION = "1.33.0"

    @pytest.fixture(scope="class")
    def stub(self):
        server = start_stub(version=self.VERSION)
        yield server
        server.stop()

    @pytest.fixture(autouse=True)
    def _server(self, stub):
        self.stub = stub
        yield
        stub.reset()

    def make_store(self):
        return WeaviateStore(url=f"{self.stub.url}?grpc_port={self.stub.grpc_port}",
                             prefix=f"T{secrets.token_hex(4)}_")

    def make_reopenable(self, tmp_path):
        prefix = f"T{secrets.token_hex(4)}_"
        return lambda: WeaviateStore(url=f"{self.stub.url}?grpc_port={self.stub.grpc_port}", prefix=prefix)


@pytest.mark.slow  # the fallbacks' run of the contract: in the full suite, not the fast one
class TestWeaviateStoreOnAnOlderServer(TestWeaviateStore):
    """Weaviate 1.31: no aliases (staged collections are published by a pointer record) and no ContainsNone
    (exclusions over-fetch and drop here)."""

    VERSION = "1.31.0"


WEAVIATE_URL = os.environ.get("WEAVIATE_URL")


@pytest.mark.integration
@pytest.mark.skipif(not WEAVIATE_URL, reason="no Weaviate server reachable (set WEAVIATE_URL)")
class TestRealWeaviate(StoreContract):
    """The same contract on a real server: each test under its own prefix, everything deleted afterwards."""

    @pytest.fixture(autouse=True)
    def _cleanup(self):
        self.opened: list[WeaviateStore] = []
        yield
        for store in self.opened:
            _delete_everything(store)

    def _open(self, prefix: str) -> WeaviateStore:
        store = WeaviateStore(url=WEAVIATE_URL, api_key=os.environ.get("WEAVIATE_API_KEY"), prefix=prefix)
        self.opened.append(WeaviateStore(url=WEAVIATE_URL, api_key=os.environ.get("WEAVIATE_API_KEY"), prefix=prefix))
        return store

    def make_store(self):
        return self._open(f"Pa{secrets.token_hex(4)}_")

    def make_reopenable(self, tmp_path):
        prefix = f"Pa{secrets.token_hex(4)}_"
        return lambda: self._open(prefix)


def _delete_everything(store: WeaviateStore) -> None:
    """Delete every collection and alias under the store's prefix (a test's leftovers), then close it."""
    client, prefix = store._client, store._prefix
    try:
        if store._aliases:
            for alias in list(client.alias.list_all()):
                if alias.startswith(prefix):
                    client.alias.delete(alias_name=alias)
        for name in list(client.collections.list_all(simple=True)):
            if name.startswith(prefix):
                client.collections.delete(name)
    finally:
        store.close()


# what the store sends, and what comes back ----------------------------------------------------------

def _url(stub) -> str:
    return f"{stub.url}?grpc_port={stub.grpc_port}"


@pytest.fixture
def things(weaviate_stub):
    store = WeaviateStore(url=_url(weaviate_stub))
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    yield store
    store.close()


def test_create_collection_sends_named_cosine_vectors_and_its_side_collections(weaviate_stub):
    store = WeaviateStore(url=_url(weaviate_stub))
    store.create_collection(CollectionSpec("Multi", 4, vectors={"text": 4, "image": 2}))
    created = {p["class"]: p for p in weaviate_stub.payloads("POST /v1/schema")}
    assert sorted(created) == ["Multi", "Multi_Interactions", "Multi_Personas", "PersonalizationAgentMeta"]
    vectors = created["Multi"]["vectorConfig"]
    assert list(vectors) == ["text", "image"]
    assert {v["vectorIndexType"] for v in vectors.values()} == {"hnsw"}
    assert {v["vectorIndexConfig"]["distance"] for v in vectors.values()} == {"cosine"}
    assert all(v["vectorizer"] == {"none": {}} for v in vectors.values())  # self-provided: never embedded there
    exact = next(p for p in created["Multi"]["properties"] if p["name"] == "pa_json")
    assert (exact["indexSearchable"], exact["indexFilterable"]) == (False, False)  # bookkeeping: never searched
    rows = {p["name"]: p["dataType"] for p in created["Multi_Interactions"]["properties"]}
    assert rows == {"persona": ["uuid"], "item": ["uuid"], "weight": ["number"], "created_at": ["number"],
                    "seq": ["int"]}
    assert store.get_collection("Multi").vectors == {"text": 4, "image": 2}
    store.close()


def test_add_items_types_the_properties_and_sends_every_object_with_its_vector(weaviate_stub):
    store = WeaviateStore(url=_url(weaviate_stub))
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    weaviate_stub.clear()
    store.add_items("Things", items(), VECTORS)
    added = {p["name"]: p["dataType"] for p in weaviate_stub.payloads("POST /v1/schema/Things/properties")}
    assert added == {"title": ["text"], "genres": ["text[]"], "year": ["int"], "original_id": ["text"]}
    (batch,) = weaviate_stub.payloads("BatchObjects")
    sent = batch["objects"]
    assert [o["uuid"] for o in sent] == [str(uid(n)) for n in NAMES]
    assert {o["collection"] for o in sent} == {"Things"}
    assert all([v["name"] for v in o["vectors"]] == ["default"] for o in sent)
    # the names come first: a typed property added before the batch, never guessed by the server
    names = weaviate_stub.names()
    assert names.index("BatchObjects") > max(i for i, n in enumerate(names) if n.endswith("/properties"))
    store.close()


def test_a_filter_goes_to_the_server_unchanged_and_exclusions_become_contains_none(weaviate_stub, things):
    weaviate_stub.clear()
    where = Filter.by_property("year").greater_than(1994) & Filter.by_property("genres").contains_any(["Drama"])
    hits = things.near_vectors("Things", VECTORS[1], 3, filters=where, exclude=[uid("c")])[0]
    assert [h.uuid for h in hits] == [uid("b")]
    (search,) = [p for p in weaviate_stub.payloads("Search") if p.get("collection") == "Things"]
    assert search["near_vector"]["targets"]["target_vectors"] == ["default"] and search["limit"] == 4  # 3 + 1 excluded
    assert search["filters"]["operator"] == "OPERATOR_AND"
    got = [f["target"]["property"] for f in search["filters"]["filters"]]
    assert got == ["year", "genres"]  # 1.32 has no ContainsNone: the excluded item is dropped here


def test_on_1_33_exclusions_are_a_contains_none_id_filter():
    stub = start_stub(version="1.33.0")
    try:
        store = WeaviateStore(url=_url(stub))
        store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
        store.add_items("Things", items(), VECTORS)
        stub.clear()
        assert [h.uuid for h in store.bm25("Things", "drama", 5, exclude=[uid("c")])] == [uid("b")]
        (search,) = [p for p in stub.payloads("Search") if p.get("collection") == "Things"]
        assert search["bm25_search"]["query"] == "drama" and search["bm25_search"]["properties"] == ["title", "genres"]
        assert search["filters"] == {"operator": "OPERATOR_CONTAINS_NONE", "target": {"property": "_id"},
                                     "value_text_array": {"values": [str(uid("c"))]}}
        assert search["limit"] == 5
        store.close()
    finally:
        stub.stop()


def test_a_rejected_object_removes_the_whole_batch_and_is_named(weaviate_stub, things):
    extra = [Item(uuid=n, properties={"title": n}) for n in ("g", "h", "i")]
    weaviate_stub.fail_next("BatchObjects", errors={1: "invalid text property 'title': too long"})
    with pytest.raises(BatchWriteError, match=r"rejected 1 of 3 items; nothing was stored: "
                                              rf"{uid('h')}: invalid text property 'title': too long") as caught:
        things.add_items("Things", extra, np.eye(4, dtype=np.float32)[:3])
    assert caught.value.failed == [(str(uid("h")), "invalid text property 'title': too long")]
    assert things.count("Things") == 6 and things.get_items("Things", [uid("g"), uid("i")]) == {}
    assert "BatchDelete" in weaviate_stub.names()  # g and i were written, then deleted again


def test_a_rejected_interaction_removes_the_personas_the_call_created(weaviate_stub, things):
    ann = to_uuid("ann")
    rows = [StoredInteraction(ann, uid("a"), 1.0, NOW), StoredInteraction(ann, uid("b"), 0.5, NOW)]
    weaviate_stub.fail_next("BatchObjects", errors={})  # the personas' batch goes through
    weaviate_stub.fail_next("BatchObjects", errors={0: "no"})
    with pytest.raises(BatchWriteError, match="rejected 1 of 2 interactions"):
        things.add_interactions("Things", rows, create_personas=[ann])
    assert things.get_persona("Things", ann) is None and len(things.scan_interactions("Things")) == 0


def test_a_failing_server_is_a_store_error_saying_what_was_done(weaviate_stub, things):
    import grpc
    weaviate_stub.fail_next("Search", status=grpc.StatusCode.INTERNAL, message="shard down")
    with pytest.raises(StoreError, match=r"Weaviate failed while running get_items on http://127\.0\.0\.1:\d+.*shard down"):
        things.get_items("Things", [uid("a")])


# connecting ----------------------------------------------------------------------------------------

def test_a_wrong_or_missing_api_key_is_an_authentication_error_without_the_key(monkeypatch):
    stub = start_stub(api_key="right-key")
    try:
        monkeypatch.delenv("WEAVIATE_API_KEY", raising=False)
        for key in ("wrong-key", None):
            with pytest.raises(StoreError, match=r"cannot connect to Weaviate at .*: authentication failed") as caught:
                WeaviateStore(url=_url(stub), api_key=key)
            assert "wrong-key" not in str(caught.value) and "right-key" not in str(caught.value)
        WeaviateStore(url=_url(stub), api_key="right-key").close()
        monkeypatch.setenv("WEAVIATE_API_KEY", "right-key")  # the environment's key when none is passed
        store = WeaviateStore(url=_url(stub))
        assert store.list_collections() == []
        store.close()
    finally:
        stub.stop()


def test_a_refused_connection_names_the_url():
    port = closed_port()
    with pytest.raises(StoreError, match=rf"cannot connect to Weaviate at weaviate\+http://127\.0\.0\.1:{port}: the connection "
                                         "was refused"):
        open_store(f"weaviate+http://127.0.0.1:{port}")


def test_a_server_that_does_not_answer_in_time_is_a_timeout(weaviate_stub):
    weaviate_stub.delay(1.5)
    with pytest.raises(StoreError, match="did not answer in time|timeout"):
        WeaviateStore(url=_url(weaviate_stub), timeout=0.5)


def test_a_query_that_times_out_is_a_store_error(weaviate_stub):
    store = WeaviateStore(url=_url(weaviate_stub), timeout=0.5)
    store.create_collection(CollectionSpec("Things", 4))
    weaviate_stub.delay(1.5)
    with pytest.raises(StoreError, match="Weaviate failed while running count"):
        store.count("Things")
    weaviate_stub.delay(0)
    store.close()


def test_a_server_older_than_the_client_supports_is_refused():
    stub = start_stub(version="1.26.5")
    try:
        with pytest.raises(StoreError, match=r"cannot connect to Weaviate at .*too old.*1\.27"):
            WeaviateStore(url=_url(stub))
    finally:
        stub.stop()


def test_a_store_closes_the_client_it_opened_and_leaves_a_given_one_open(weaviate_stub):
    opened = WeaviateStore(url=_url(weaviate_stub))
    opened.close()
    assert not opened._client.is_connected()
    client = connect(weaviate_stub)
    given = WeaviateStore(client)
    given.close()
    assert client.is_connected() and client.collections.list_all(simple=True) == {}
    client.close()
    with pytest.raises(InvalidInputError, match="exactly one"):
        WeaviateStore(client, url=_url(weaviate_stub))
    with pytest.raises(InvalidInputError, match="WeaviateClient"):
        WeaviateStore(object())


# a user's own collection, as the official agent took it ------------------------------------------------

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


def test_two_stores_on_one_cluster_share_personas_and_drop_each_others_memos(weaviate_stub, things):
    other = WeaviateStore(url=_url(weaviate_stub))
    pid = to_uuid("shared")
    calls = []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert things.memo("Things", "k", build) == 1 and things.memo("Things", "k", build) == 1
    other.put_persona("Things", Persona(persona_id=pid, properties={"name": "Sam"}), must_exist=False)
    assert things.get_persona("Things", pid).properties == {"name": "Sam"}
    assert things.memo("Things", "k", build) == 2  # the other store's write changed the version
    other.close()


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
