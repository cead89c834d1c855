"""What the Weaviate store sends (schema, batches, filters, searches, aliases) and how server failures and
connection problems come back (as the stub answers them in Weaviate's shapes)."""

from __future__ import annotations

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import BatchWriteError, CollectionSpec, InvalidInputError, Item, StoreError, open_store, to_uuid
from core.store.base import StoredInteraction
from core.store.weaviate.store import WeaviateStore

from .browser import free_port as closed_port  # a port nothing listens on
from .store_contract import NAMES, NOW, VECTORS, items, uid
from .test_weaviate_store import url_of
from .weaviate_stub import start_stub
from .weaviate_stub.fixture import connect

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite


def test_create_collection_sends_named_cosine_vectors_and_its_side_collections(weaviate_stub):
    store = WeaviateStore(url=url_of(weaviate_stub))
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
    store = WeaviateStore(url=url_of(weaviate_stub))
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
        store = WeaviateStore(url=url_of(stub))
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




def test_put_vectors_sends_the_other_vectors_back_unchanged(weaviate_stub):
    store = WeaviateStore(url=url_of(weaviate_stub))
    store.create_collection(CollectionSpec("Multi", 4, vectors={"text": 4, "image": 2}))
    store.add_items("Multi", items()[:2], {"text": VECTORS[:2], "image": np.array([[1, 0], [0, 1]], np.float32)})
    weaviate_stub.clear()
    store.put_vectors("Multi", [uid("b")], np.array([[1.0, 1.0]]), vector_name="image")
    (put,) = weaviate_stub.payloads(f"PUT /v1/objects/Multi/{uid('b')}")
    assert set(put["vectors"]) == {"text", "image"}  # Weaviate replaces the whole object
    np.testing.assert_allclose(store.get_vectors("Multi", [uid("b")], vector_name="image")[0], [0.70710677] * 2)
    np.testing.assert_allclose(store.get_vectors("Multi", [uid("b")], vector_name="text")[0],
                               VECTORS[1] / np.linalg.norm(VECTORS[1]), rtol=1e-6)
    assert store.get_items("Multi", [uid("b")])[uid("b")].properties == items()[1].properties
    store.close()


def test_publishing_creates_then_repoints_an_alias_and_drops_the_old_physical_collection(weaviate_stub):
    store = WeaviateStore(url=url_of(weaviate_stub))
    first = store.stage_collection(CollectionSpec("Fresh", 4))
    store.publish_collection(first, "Fresh")
    second = store.stage_collection(CollectionSpec("Fresh", 4))
    weaviate_stub.clear()
    store.publish_collection(second, "Fresh", replace=True)
    assert weaviate_stub.payloads("PUT /v1/aliases/Fresh") == [{"class": second}]
    assert f"DELETE /v1/schema/{first}" in weaviate_stub.names()
    assert f"DELETE /v1/schema/{first}_Personas" in weaviate_stub.names()
    assert store.list_collections() == ["Fresh"]
    store.close()



# connecting ----------------------------------------------------------------------------------------

def test_a_wrong_or_missing_api_key_is_an_authentication_error_without_the_key(monkeypatch):
    stub = start_stub(api_key="right-key")
    try:
        monkeypatch.delenv("WEAVIATE_API_KEY", raising=False)
        for key in ("wrong-key", None):
            with pytest.raises(StoreError, match=r"cannot connect to Weaviate at .*: authentication failed") as caught:
                WeaviateStore(url=url_of(stub), api_key=key)
            assert "wrong-key" not in str(caught.value) and "right-key" not in str(caught.value)
        WeaviateStore(url=url_of(stub), api_key="right-key").close()
        monkeypatch.setenv("WEAVIATE_API_KEY", "right-key")  # the environment's key when none is passed
        store = WeaviateStore(url=url_of(stub))
        assert store.list_collections() == []
        store.close()
    finally:
        stub.stop()


def test_a_refused_connection_names_theurl_of():
    port = closed_port()
    with pytest.raises(StoreError, match=rf"cannot connect to Weaviate at weaviate\+http://127\.0\.0\.1:{port}: the connection "
                                         "was refused"):
        open_store(f"weaviate+http://127.0.0.1:{port}")


def test_a_server_that_does_not_answer_in_time_is_a_timeout(weaviate_stub):
    weaviate_stub.delay(1.5)
    with pytest.raises(StoreError, match="did not answer in time|timeout"):
        WeaviateStore(url=url_of(weaviate_stub), timeout=0.5)


def test_a_query_that_times_out_is_a_store_error(weaviate_stub):
    store = WeaviateStore(url=url_of(weaviate_stub), timeout=0.5)
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
            WeaviateStore(url=url_of(stub))
    finally:
        stub.stop()


def test_a_store_closes_the_client_it_opened_and_leaves_a_given_one_open(weaviate_stub):
    opened = WeaviateStore(url=url_of(weaviate_stub))
    opened.close()
    assert not opened._client.is_connected()
    client = connect(weaviate_stub)
    given = WeaviateStore(client)
    given.close()
    assert client.is_connected() and client.collections.list_all(simple=True) == {}
    client.close()
    with pytest.raises(InvalidInputError, match="exactly one"):
        WeaviateStore(client, url=url_of(weaviate_stub))
    with pytest.raises(InvalidInputError, match="WeaviateClient"):
        WeaviateStore(object())
