"""The Weaviate stub (``tests/weaviate_stub``) driven by the real weaviate-client 4.23: schema, batch,
queries, filters, aliases, auth, faults. Expected values are worked out by hand in each test."""

from __future__ import annotations

import math
import uuid as uuid_lib

import grpc
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property, VectorDistances
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery
from weaviate.exceptions import (UnexpectedStatusCodeError, WeaviateQueryError)

from tests.weaviate_stub import start_stub
from tests.weaviate_stub.fixture import connect


@pytest.fixture(scope="module")
def stub():
    server = start_stub(version="1.32.0")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_client(stub):
    client = connect(stub)
    yield client
    client.close()


@pytest.fixture
def client(stub, module_client):
    stub.reset()
    return module_client


def uid(n: int) -> str:
    return str(uuid_lib.UUID(int=n))


def make_things(client, **inverted):
    """``Things``: a text title, int year, number score, boolean, date, uuid, text[]/int[] tags, geo and
    one named vector ``main`` (cosine); five objects with ids 1..5."""
    coll = client.collections.create(
        "Things", description="known answers",
        properties=[Property(name="title", data_type=DataType.TEXT),
                    Property(name="code", data_type=DataType.TEXT, tokenization=weaviate.classes.config.Tokenization.FIELD),
                    Property(name="year", data_type=DataType.INT), Property(name="score", data_type=DataType.NUMBER),
                    Property(name="seen", data_type=DataType.BOOL), Property(name="released", data_type=DataType.DATE),
                    Property(name="owner", data_type=DataType.UUID), Property(name="tags", data_type=DataType.TEXT_ARRAY),
                    Property(name="sizes", data_type=DataType.INT_ARRAY),
                    Property(name="place", data_type=DataType.GEO_COORDINATES)],
        vector_config=[Configure.Vectors.self_provided(
            name="main", vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE))],
        inverted_index_config=Configure.inverted_index(**inverted) if inverted else None)
    rows = [
        ("Alien Nation", "AB-1", 1979, 7.5, True, "1979-05-25T00:00:00Z", uid(100), ["sf", "horror"], [1, 2],
         (52.37, 4.90), [1.0, 0.0]),
        ("Heat", "AB-2", 1995, 8.2, False, "1995-12-15T00:00:00Z", uid(101), ["crime"], [2, 3], (48.86, 2.35),
         [0.6, 0.8]),
        ("Alien Resurrection", "CD-3", 1997, 6.2, True, "1997-11-26T00:00:00Z", uid(100), ["sf"], [5],
         (52.52, 13.40), [0.0, 1.0]),
        ("Big Fish", "CD-44", 2003, 8.0, False, "2003-12-10T00:00:00Z", uid(102), [], [], (40.71, -74.0),
         [-1.0, 0.0]),
        ("Heatwave", None, None, None, None, None, None, None, None, None, [0.0, -1.0]),
    ]
    objects = []
    for n, (title, code, year, score, seen, released, owner, tags, sizes, place, vec) in enumerate(rows, 1):
        props = {"title": title, "code": code, "year": year, "score": score, "seen": seen, "released": released,
                 "owner": owner, "tags": tags, "sizes": sizes,
                 "place": {"latitude": place[0], "longitude": place[1]} if place else None}
        objects.append(DataObject({k: v for k, v in props.items() if v is not None}, uuid=uid(n),
                                  vector={"main": vec}))
    result = coll.data.insert_many(objects)
    assert result.errors == {}
    return coll


def titles(result) -> list[str]:
    return [o.properties["title"] for o in result.objects]


# --- connection -------------------------------------------------------------------------------------

def test_connect_runs_the_init_checks_and_reports_the_version(stub, client):
    fresh = connect(stub)
    try:
        assert fresh.get_meta()["version"] == "1.32.0"
        assert fresh.is_ready() is True
    finally:
        fresh.close()
    names = stub.names()
    assert {"GET /v1/meta", "GET /v1/.well-known/openid-configuration", "HealthCheck"} <= set(names)


def test_auth_wrong_or_missing_key_fails_and_the_right_key_works():
    with start_stub(api_key="secret-key") as secured:
        with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as missing:
            connect(secured)
        assert missing.value.status_code == 401
        with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError) as wrong:
            connect(secured, api_key="not-the-key")
        assert wrong.value.status_code == 401
        good = connect(secured, api_key="secret-key")
        try:
            good.collections.create("Secured", vector_config=[Configure.Vectors.self_provided(name="v")])
            assert good.collections.get("Secured").query.fetch_objects().objects == []
        finally:
            good.close()
        metadata = dict(secured.requests[-1][2])
        assert metadata["collection"] == "Secured"


def test_grpc_without_the_key_is_unauthenticated():
    with start_stub(api_key="secret-key") as secured:
        good = connect(secured, api_key="secret-key")
        try:
            good.collections.create("Secured", vector_config=[Configure.Vectors.self_provided(name="v")])
            secured.api_key = "rotated"  # the server now wants another key: gRPC answers UNAUTHENTICATED
            with pytest.raises(WeaviateQueryError, match="unauthorized"):
                good.collections.get("Secured").query.fetch_objects()
        finally:
            good.close()


def test_connecting_to_a_stopped_stub_is_the_clients_connection_error():
    stopped = start_stub()
    stopped.stop()
    with pytest.raises((weaviate.exceptions.WeaviateStartUpError, weaviate.exceptions.WeaviateConnectionError)) as err:
        connect(stopped)
    assert f"{stopped.http_port}" in str(err.value) or "connect" in str(err.value).lower()


def test_a_delay_longer_than_the_query_timeout_is_the_clients_timeout_error(stub):
    slow = connect(stub, timeout=(5, 1, 1))
    try:
        coll = slow.collections.create("Slow", vector_config=[Configure.Vectors.self_provided(name="v")])
        stub.delay(1.5)
        with pytest.raises(WeaviateQueryError, match="Deadline Exceeded"):
            coll.query.fetch_objects()
        with pytest.raises(weaviate.exceptions.WeaviateTimeoutError):
            slow.collections.exists("Slow")
    finally:
        stub.delay(0)
        slow.close()
        stub.reset()


# --- schema -------------------------------------------------------------------------------------------

def test_create_list_and_delete_a_collection_with_named_vectors(stub, client):
    client.collections.create(
        "Movie", description="films", properties=[Property(name="title", data_type=DataType.TEXT)],
        vector_config=[Configure.Vectors.self_provided(name="content"),
                       Configure.Vectors.self_provided(
                           name="learned", vector_index_config=Configure.VectorIndex.hnsw(
                               distance_metric=VectorDistances.DOT))])
    sent = stub.payloads("POST /v1/schema")[0]
    assert sent["class"] == "Movie" and set(sent["vectorConfig"]) == {"content", "learned"}
    config = client.collections.get("Movie").config.get()
    assert config.description == "films" and [p.name for p in config.properties] == ["title"]
    assert config.properties[0].tokenization.value == "word"
    assert config.vector_config["content"].vector_index_config.distance_metric == VectorDistances.COSINE
    assert config.vector_config["learned"].vector_index_config.distance_metric == VectorDistances.DOT
    assert list(client.collections.list_all(simple=True)) == ["Movie"]
    assert client.collections.exists("Movie") and not client.collections.exists("Other")
    client.collections.delete("Movie")
    assert not client.collections.exists("Movie") and client.collections.list_all() == {}


def test_duplicate_and_invalid_class_names_get_weaviates_422(client):
    client.collections.create("Movie")
    with pytest.raises(UnexpectedStatusCodeError) as dup:
        client.collections.create("Movie")
    assert dup.value.status_code == 422 and "already exists" in dup.value.message
    with pytest.raises(UnexpectedStatusCodeError) as bad:
        client.collections.create_from_dict({"class": "Bad-Name"})
    assert bad.value.status_code == 422 and "'Bad-Name' is not a valid class name" in bad.value.message


def test_add_property_and_update_description(client):
    coll = client.collections.create("Movie", properties=[Property(name="title", data_type=DataType.TEXT)])
    coll.config.add_property(Property(name="year", data_type=DataType.INT))
    coll.config.update(description="now described")
    config = coll.config.get()
    assert [(p.name, p.data_type.value) for p in config.properties] == [("title", "text"), ("year", "int")]
    assert config.description == "now described"
