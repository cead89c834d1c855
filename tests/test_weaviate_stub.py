"""The Weaviate stub (``tests/weaviate_stub``) driven by the real weaviate-client 4.23: schema, batch,
queries, filters, aliases, auth, faults. Expected values are worked out by hand in each test."""

from __future__ import annotations

import math
import uuid as uuid_lib
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import weaviate
from weaviate.classes.config import Configure, DataType, Property, VectorDistances
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateQueryError

from tests.weaviate_stub import start_stub
from tests.weaviate_stub.fixture import connect

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite


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
    with pytest.raises(weaviate.exceptions.WeaviateConnectionError, match="Connection refused") as err:
        connect(stopped)
    assert f"127.0.0.1:{stopped.http_port}" in str(err.value)


def test_connect_to_local_sends_extra_headers_on_both_protocols(stub):
    local = weaviate.connect_to_local(host="127.0.0.1", port=stub.http_port, grpc_port=stub.grpc_port,
                                      headers={"X-OpenAI-Api-Key": "sk-vectorizer"})
    try:
        local.collections.create("Local")
        local.collections.get("Local").query.fetch_objects()
    finally:
        local.close()
    rest = next(h for proto, name, h in stub.headers if name == "POST /v1/schema")
    search = next(h for proto, name, h in stub.headers if name == "Search")
    assert rest["x-openai-api-key"] == "sk-vectorizer" and search["x-openai-api-key"] == "sk-vectorizer"
    stub.reset()


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


# --- batch and objects --------------------------------------------------------------------------------

def test_insert_many_reports_an_injected_per_object_error_by_index(stub, client):
    coll = client.collections.create("Movie", properties=[Property(name="title", data_type=DataType.TEXT)],
                                     vector_config=[Configure.Vectors.self_provided(name="main")])
    stub.fail_next("BatchObjects", errors={1: "bad value"})
    result = coll.data.insert_many([DataObject({"title": t}, uuid=uid(n), vector={"main": [1.0, float(n)]})
                                    for n, t in enumerate(["A", "B", "C"])])
    assert {i: e.message for i, e in result.errors.items()} == {1: "bad value"}
    assert sorted(str(u) for u in result.uuids.values()) == [uid(0), uid(2)]
    assert coll.aggregate.over_all(total_count=True).total_count == 2
    sent = stub.payloads("BatchObjects")[0]["objects"]
    assert [o["uuid"] for o in sent] == [uid(0), uid(1), uid(2)] and sent[1]["vectors"][0]["name"] == "main"


def test_a_value_of_the_wrong_type_or_an_unknown_property_fails_that_object_only(client):
    coll = client.collections.create("Movie", properties=[Property(name="title", data_type=DataType.TEXT),
                                                          Property(name="year", data_type=DataType.INT)])
    result = coll.data.insert_many([{"title": "ok", "year": 1999}, {"title": "bad", "year": 1999.5},
                                    {"title": "auto", "genre": "new"}, {"title": 7}])
    assert sorted(result.errors) == [1, 2, 3]
    assert "invalid int property 'year'" in result.errors[1].message
    assert "no such prop with name 'genre'" in result.errors[2].message
    assert "invalid text property 'title'" in result.errors[3].message
    assert [o.properties for o in coll.query.fetch_objects().objects] == [{"title": "ok", "year": 1999}]


def test_rest_insert_replace_update_exists_and_delete(stub, client):
    coll = client.collections.create("Movie", properties=[Property(name="title", data_type=DataType.TEXT),
                                                          Property(name="year", data_type=DataType.INT)],
                                     vector_config=[Configure.Vectors.self_provided(name="main")])
    first = coll.data.insert({"title": "Heat", "year": 1995}, uuid=uid(7), vector={"main": [0.5, 0.5]})
    assert str(first) == uid(7) and stub.payloads("POST /v1/objects")[0]["vectors"] == {"main": [0.5, 0.5]}
    coll.data.update(uid(7), properties={"year": 1996})
    got = coll.query.fetch_object_by_id(uid(7), include_vector=True)
    assert got.properties == {"title": "Heat", "year": 1996} and got.vector == {"main": [0.5, 0.5]}
    coll.data.replace(uid(7), properties={"title": "Heat (1995)"}, vector={"main": [1.0, 0.0]})
    got = coll.query.fetch_object_by_id(uid(7), include_vector=["main"])
    assert got.properties == {"title": "Heat (1995)"} and got.vector == {"main": [1.0, 0.0]}
    assert coll.data.exists(uid(7)) and not coll.data.exists(uid(8))
    assert coll.data.delete_by_id(uid(7)) is True and coll.data.delete_by_id(uid(7)) is False
    assert coll.query.fetch_object_by_id(uid(7)) is None


def test_fetch_by_ids_limit_offset_and_returned_properties(client):
    coll = make_things(client)
    by_ids = coll.query.fetch_objects_by_ids([uid(3), uid(1)])
    assert sorted(titles(by_ids)) == ["Alien Nation", "Alien Resurrection"]
    page = coll.query.fetch_objects(limit=2, offset=1, return_properties=["title", "year"])
    assert [str(o.uuid) for o in page.objects] == [uid(2), uid(3)]  # no filter: uuid order
    assert page.objects[0].properties == {"title": "Heat", "year": 1995}
    full = coll.query.fetch_object_by_id(uid(1))
    assert full.properties["sizes"] == [1, 2] and full.properties["score"] == 7.5
    assert full.properties["released"].year == 1979 and str(full.properties["owner"]) == uid(100)
    assert full.properties["place"].latitude == pytest.approx(52.37)
    assert full.vector == {}  # vectors only when asked for
    assert len(coll.query.fetch_objects().objects) == 5  # default limit is 10


def test_iterator_walks_more_than_one_page_in_uuid_order(stub, client):
    coll = client.collections.create("Many", properties=[Property(name="n", data_type=DataType.INT)],
                                     vector_config=[Configure.Vectors.self_provided(name="main")])
    ids = [str(uuid_lib.uuid4()) for _ in range(230)]
    assert coll.data.insert_many([DataObject({"n": i}, uuid=u, vector={"main": [float(i), 1.0]})
                                  for i, u in enumerate(ids)]).errors == {}
    stub.clear()
    seen = [(str(o.uuid), o.vector["main"][0]) for o in coll.iterator(include_vector=True)]
    assert [u for u, _ in seen] == sorted(ids)
    assert all(ids.index(u) == int(first) for u, first in seen)
    cursors = [p.get("after", "") for p in stub.payloads("Search")]
    assert len(cursors) == 4 and cursors[0] == "" and cursors[1] == sorted(ids)[99]
    with pytest.raises(WeaviateQueryError, match="'after'"):
        coll.query.fetch_objects(after=ids[0], filters=Filter.by_property("n").equal(1))


def test_delete_many_with_a_filter_dry_run_and_verbose(client):
    coll = make_things(client)
    dry = coll.data.delete_many(where=Filter.by_property("year").less_than(1996), dry_run=True)
    assert (dry.matches, dry.successful) == (2, 2)
    assert coll.aggregate.over_all(total_count=True).total_count == 5
    done = coll.data.delete_many(where=Filter.by_property("tags").contains_any(["sf"]), verbose=True)
    assert done.matches == 2 and sorted(str(o.uuid) for o in done.objects) == [uid(1), uid(3)]
    assert sorted(titles(coll.query.fetch_objects())) == ["Big Fish", "Heat", "Heatwave"]


def test_aggregate_total_count_with_and_without_filters(stub, client):
    coll = make_things(client)
    assert coll.aggregate.over_all(total_count=True).total_count == 5
    assert coll.aggregate.over_all(total_count=True, filters=Filter.by_property("seen").equal(True)).total_count == 2
    assert stub.payloads("Aggregate")[-1]["objects_count"] is True


# --- search -------------------------------------------------------------------------------------------

def test_near_vector_orders_by_cosine_distance_after_filtering(stub, client):
    coll = make_things(client)
    query = [1.0, 0.0]  # cosine distances: 0, 1 - 0.6, 1, 2, 1 for objects 1..5
    result = coll.query.near_vector(query, target_vector="main", limit=3, return_metadata=MetadataQuery(distance=True))
    assert [str(o.uuid) for o in result.objects] == [uid(1), uid(2), uid(3)]
    assert [o.metadata.distance for o in result.objects] == pytest.approx([0.0, 0.4, 1.0], abs=1e-6)
    sent = stub.payloads("Search")[-1]["near_vector"]
    assert sent["targets"]["target_vectors"] == ["main"]
    filtered = coll.query.near_vector(query, target_vector="main", limit=2, filters=Filter.by_property("seen").equal(False),
                                      return_metadata=MetadataQuery(distance=True))
    assert titles(filtered) == ["Heat", "Big Fish"]  # pre-filtered: the two unseen, nearest first
    close = coll.query.near_vector(query, target_vector="main", distance=0.5, return_metadata=MetadataQuery(distance=True))
    assert titles(close) == ["Alien Nation", "Heat"]


def test_bm25_known_scores(client):
    coll = client.collections.create("Fruit", properties=[Property(name="text", data_type=DataType.TEXT)])
    coll.data.insert_many([{"text": "Apple banana"}, {"text": "apple"}, {"text": "cherry"}])
    # N = 3 documents, avgdl = 4/3; k1 = 1.2, b = 0.75.
    def okapi(n_with_term, tf, dl):
        idf = math.log(1 + (3 - n_with_term + 0.5) / (n_with_term + 0.5))
        return idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / (4 / 3)))
    apple = coll.query.bm25("the APPLE", return_metadata=MetadataQuery(score=True))  # "the" is a stopword
    assert [o.properties["text"] for o in apple.objects] == ["apple", "Apple banana"]
    assert [o.metadata.score for o in apple.objects] == pytest.approx([okapi(2, 1, 1), okapi(2, 1, 2)], rel=1e-5)
    both = coll.query.bm25("banana apple", query_properties=["text"], return_metadata=MetadataQuery(score=True))
    assert both.objects[0].metadata.score == pytest.approx(okapi(1, 1, 2) + okapi(2, 1, 2), rel=1e-5)
    assert all(o.metadata.score > 0 for o in both.objects) and len(both.objects) == 2
    with pytest.raises(WeaviateQueryError, match="no such prop with name 'nope'"):
        coll.query.bm25("apple", query_properties=["nope"])


def test_hybrid_relative_score_fusion(stub, client):
    coll = make_things(client)
    # bm25 "heat": objects 2 and 5 ("Heatwave" is one token "heatwave": only 2 matches) -> bm25 side {2: 1.0}
    # vector [0, 1]: distances 1 - 0.8 = 0.2 (2), 1 (1), 0 (3), 1 (4), 2 (5) -> normalised (2 - d) / 2
    result = coll.query.hybrid("heat", vector=[0.0, 1.0], target_vector="main", alpha=0.5, limit=3,
                               return_metadata=MetadataQuery(score=True))
    scores = {str(o.uuid): o.metadata.score for o in result.objects}
    assert [str(o.uuid) for o in result.objects] == [uid(2), uid(3), uid(1)]
    assert scores[uid(2)] == pytest.approx(0.5 * 0.9 + 0.5 * 1.0, abs=1e-6)
    assert scores[uid(3)] == pytest.approx(0.5 * 1.0, abs=1e-6)
    assert scores[uid(1)] == pytest.approx(0.5 * 0.5, abs=1e-6)
    assert stub.payloads("Search")[-1]["hybrid_search"]["alpha"] == 0.5
    keyword_only = coll.query.hybrid("heat", alpha=0.0, fusion_type=HybridFusion.RELATIVE_SCORE)
    assert titles(keyword_only) == ["Heat"]
    with pytest.raises(WeaviateQueryError, match="no vectorizer"):
        coll.query.hybrid("heat", target_vector="main", alpha=0.5)


# --- filters --------------------------------------------------------------------------------------------

FILTER_CASES = [
    ("text equal matches a token", Filter.by_property("title").equal("alien"), [1, 3]),
    ("text not_equal", Filter.by_property("title").not_equal("alien"), [2, 4, 5]),
    ("field tokenization equal is exact", Filter.by_property("code").equal("AB-1"), [1]),
    ("like with *", Filter.by_property("title").like("heat*"), [2, 5]),
    ("like with ?", Filter.by_property("code").like("CD-?"), [3]),
    ("int greater_than", Filter.by_property("year").greater_than(1995), [3, 4]),
    ("int less_or_equal", Filter.by_property("year").less_or_equal(1995), [1, 2]),
    ("number greater_or_equal", Filter.by_property("score").greater_or_equal(8.0), [2, 4]),
    ("number less_than", Filter.by_property("score").less_than(7.0), [3]),
    ("boolean equal", Filter.by_property("seen").equal(True), [1, 3]),
    ("date greater_than", Filter.by_property("released").greater_than(
        datetime(1996, 1, 1, tzinfo=UTC)), [3, 4]),
    ("uuid equal", Filter.by_property("owner").equal(uid(100)), [1, 3]),
    ("text[] contains_any", Filter.by_property("tags").contains_any(["horror", "crime"]), [1, 2]),
    ("text[] contains_all", Filter.by_property("tags").contains_all(["sf", "horror"]), [1]),
    ("text[] contains_none", Filter.by_property("tags").contains_none(["sf"]), [2, 4, 5]),
    ("int[] contains_any", Filter.by_property("sizes").contains_any([3, 5]), [2, 3]),
    ("int[] equal matches an element", Filter.by_property("sizes").equal(2), [1, 2]),
    ("geo within range", Filter.by_property("place").within_geo_range(
        weaviate.classes.query.GeoCoordinate(latitude=52.37, longitude=4.90), 500_000), [1, 2]),  # Paris 430 km, Berlin 577 km
    ("by_id equal", Filter.by_id().equal(uid(4)), [4]),
    ("by_id contains_any", Filter.by_id().contains_any([uid(1), uid(5)]), [1, 5]),
    ("by_id contains_none", Filter.by_id().contains_none([uid(1), uid(5)]), [2, 3, 4]),
    ("and", Filter.by_property("seen").equal(True) & Filter.by_property("year").greater_than(1980), [3]),
    ("or", Filter.by_property("year").equal(1979) | Filter.by_property("title").equal("fish"), [1, 4]),
    ("not", Filter.not_(Filter.by_property("title").like("*alien*")), [2, 4, 5]),
]


@pytest.mark.parametrize("flt, expected", [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_filter_operators(client, flt, expected):
    coll = make_things(client)
    found = coll.query.fetch_objects(filters=flt, limit=100)
    assert sorted(int(uuid_lib.UUID(str(o.uuid))) for o in found.objects) == expected


def test_null_length_and_time_filters_need_their_index_flags(client):
    plain = make_things(client)
    with pytest.raises(WeaviateQueryError, match="indexNullState"):
        plain.query.fetch_objects(filters=Filter.by_property("year").is_none(True))
    with pytest.raises(WeaviateQueryError, match="IndexTimestamps"):
        plain.query.fetch_objects(filters=Filter.by_creation_time().greater_than(
            datetime(2000, 1, 1, tzinfo=UTC)))
    with pytest.raises(WeaviateQueryError, match="no such prop with name 'nope'"):
        plain.query.fetch_objects(filters=Filter.by_property("nope").equal(1))
    client.collections.delete("Things")
    coll = make_things(client, index_null_state=True, index_property_length=True, index_timestamps=True)
    assert titles(coll.query.fetch_objects(filters=Filter.by_property("year").is_none(True))) == ["Heatwave"]
    assert len(coll.query.fetch_objects(filters=Filter.by_property("year").is_none(False)).objects) == 4
    assert sorted(titles(coll.query.fetch_objects(filters=Filter.by_property("title", length=True).equal(4)))) == [
        "Heat"]
    stamps = [o.metadata.creation_time for o in coll.query.fetch_objects(
        return_metadata=MetadataQuery(creation_time=True)).objects]
    assert len(coll.query.fetch_objects(filters=Filter.by_creation_time().less_or_equal(max(stamps))).objects) == 5
    earliest = coll.query.fetch_objects(filters=Filter.by_creation_time().equal(min(stamps)))
    assert len(earliest.objects) == stamps.count(min(stamps)) >= 1
    later = max(stamps) + timedelta(seconds=60)
    assert coll.query.fetch_objects(filters=Filter.by_creation_time().greater_than(later)).objects == []


# --- aliases and faults -----------------------------------------------------------------------------

def test_aliases_resolve_for_queries_and_objects(client):
    make_things(client)
    client.collections.create("Other")
    client.alias.create(alias_name="Current", target_collection="Things")
    assert client.alias.get(alias_name="Current").collection == "Things"
    via_alias = client.collections.get("Current")
    assert via_alias.aggregate.over_all(total_count=True).total_count == 5
    assert titles(via_alias.query.fetch_objects(filters=Filter.by_id().equal(uid(2)))) == ["Heat"]
    assert {a: r.collection for a, r in client.alias.list_all().items()} == {"Current": "Things"}
    assert client.alias.update(alias_name="Current", new_target_collection="Other") is True
    assert client.collections.get("Current").aggregate.over_all(total_count=True).total_count == 0
    assert client.alias.delete(alias_name="Current") is True and client.alias.get(alias_name="Current") is None
    with pytest.raises(UnexpectedStatusCodeError) as clash:
        client.collections.create("Other")
    assert clash.value.status_code == 422


def test_aliases_are_404_before_weaviate_1_32():
    import httpx
    with start_stub(version="1.31.0") as old:
        assert httpx.get(f"{old.url}/v1/aliases").status_code == 404
        assert httpx.get(f"{old.url}/v1/meta").json()["version"] == "1.31.0"


def test_injected_status_codes_reach_the_client(stub, client):
    stub.fail_next("GET /v1/schema/*", status=500, message="boom")
    with pytest.raises(UnexpectedStatusCodeError) as err:
        client.collections.exists("Things")
    assert err.value.status_code == 500 and "boom" in err.value.message
    make_things(client)
    stub.clear()
    stub.fail_next("Search", status=grpc.StatusCode.UNAVAILABLE)  # the client retries UNAVAILABLE once after 1 s
    assert len(client.collections.get("Things").query.fetch_objects().objects) == 5
    assert stub.names("grpc") == ["Search", "Search"]
    stub.fail_next("Search", status=grpc.StatusCode.INTERNAL, message="disk on fire")
    with pytest.raises(WeaviateQueryError, match="disk on fire"):
        client.collections.get("Things").query.fetch_objects()


def test_searches_the_stub_cannot_answer_are_errors_not_silent_results(client):
    coll = make_things(client)
    with pytest.raises(WeaviateQueryError, match="not supported by this test stub"):
        coll.query.near_object(uid(1))
