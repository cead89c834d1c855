"""The Weaviate store's pure parts: URLs, names, the schema mapping, batch error accounting, versions."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import UUID

import pytest
from weaviate.classes.config import DataType

from core import InvalidInputError, StoreError
from core.store.weaviate import names
from core.store.weaviate.batch import failure_message, failures
from core.store.weaviate.connect import api_key_of, connect_error, version_tuple
from core.store.weaviate.items import sequence_numbers
from core.store.weaviate.meta import record_id
from core.store.weaviate.schema import (config_vectors, infer_properties, plain_properties, text_properties,
                                        typed_values, user_property_type, value_type)
from core.store.weaviate.urls import is_server_url, is_weaviate_client, parse_url


# URLs ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, expected", [
    ("http://localhost:8080", ("localhost", 8080, False, 50051, False)),
    ("http://10.0.0.5", ("10.0.0.5", 8080, False, 50051, False)),
    ("https://weaviate.example.org", ("weaviate.example.org", 443, True, 50051, False)),
    ("weaviate+http://db:9000?grpc_port=9001", ("db", 9000, False, 9001, False)),
    ("weaviate+https://abc123.c0.europe-west3.gcp.weaviate.cloud", ("abc123.c0.europe-west3.gcp.weaviate.cloud", 443,
                                                                    True, 443, True)),
    ("  HTTP://Host:1/  ", ("host", 1, False, 50051, False)),
])
def test_urls_name_the_rest_and_grpc_endpoints(url, expected):
    e = parse_url(url)
    assert (e.http_host, e.http_port, e.secure, e.grpc_port, e.cloud) == expected and e.grpc_host == e.http_host


@pytest.mark.parametrize("url, message", [
    ("ftp://host", "not a Weaviate URL"),
    ("localhost:8080", "not a Weaviate URL"),
    ("http://", "names no host"),
    ("http://user:secret@host:8080", "must not hold credentials"),
    ("http://host:8080/v1/schema", "has no path"),
    ("http://host:8080?grpc=1", r"unknown URL option\(s\) \['grpc'\]"),
    ("http://host:8080?grpc_port=0", "grpc_port must be one port number"),
    ("http://host:8080?grpc_port=1&grpc_port=2", "grpc_port must be one port number"),
    ("http://host:9000?grpc_port=9000", "cannot share port 9000"),
    ("http://host?grpc_port=8080", "cannot share port 8080"),
    ("http://host:99999", "not a valid URL"),
    ("http://x.weaviate.cloud", "over https://"),
    ("", "a Weaviate URL is text"),
])
def test_bad_urls_are_errors_naming_the_problem(url, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_url(url)


def test_credentials_in_a_url_are_not_repeated_in_the_error():
    with pytest.raises(InvalidInputError) as caught:
        parse_url("http://admin:hunter2@host")
    assert "hunter2" not in str(caught.value)


def test_server_urls_and_clients_are_recognised_without_importing_weaviate_for_others():
    assert is_server_url("weaviate+https://x") and is_server_url("http://x") and not is_server_url("lab.db")
    assert not is_weaviate_client(object()) and not is_weaviate_client("http://x")
    fake = type("WeaviateClient", (), {"__module__": "somewhere.else"})()
    assert not is_weaviate_client(fake)  # the name alone is not enough


# names ---------------------------------------------------------------------------------------------
def test_class_names_follow_weaviates_rule():
    assert names.class_name("Movies_2") == "Movies_2"
    for bad in ("movies", "_Movies", "Mo-vies", "", "Movies ", 3):
        with pytest.raises(InvalidInputError, match="not a Weaviate collection name"):
            names.class_name(bad)
    with pytest.raises(InvalidInputError, match="prefix"):
        names.check_prefix("lab_")


def test_side_collections_are_named_from_the_physical_catalog():
    assert names.side("Movies", names.PERSONAS) == "Movies_Personas"
    assert names.learned_collection("Movies", "behaviour") == "Movies_Behaviour"
    assert names.learned_collection("Movies", "mf2") == "Movies_Behaviour_mf2"
    with pytest.raises(InvalidInputError, match="learned vectors need a name"):
        names.learned_collection("Movies", "bad name")
    staged = names.staged_name("Movies")
    assert staged.startswith("Movies_staged_") and names.is_staged(staged) and not names.is_staged("Movies")


def test_listing_hides_bookkeeping_side_staged_and_aliased_collections():
    collections = {"Movies", "Movies_Personas", "Movies_Interactions", "Movies_Behaviour", "Movies_Behaviour_mf",
                   "PersonalizationAgentMeta", "Books_staged_0123456789ab", "Books_staged_0123456789ab_Personas",
                   "Shows_Personas", "Lab_Other"}
    published = {"Books": "Books_staged_0123456789ab"}
    # Shows_Personas has no Shows next to it: a user's collection of that name, listed
    assert names.visible("", collections, published) == ["Books", "Lab_Other", "Movies", "Shows_Personas"]
    assert names.visible("Lab_", collections, {}) == ["Other"]


# schema mapping ------------------------------------------------------------------------------------
def test_values_map_to_weaviate_types():
    assert [value_type(v) for v in ("x", 3, 2.5, True, ["a"], [1, 2], [1, 2.5], [True], [], None, {"a": 1}, ["a", 1])] \
        == [DataType.TEXT, DataType.INT, DataType.NUMBER, DataType.BOOL, DataType.TEXT_ARRAY, DataType.INT_ARRAY,
            DataType.NUMBER_ARRAY, DataType.BOOL_ARRAY, None, None, None, None]


def test_properties_are_inferred_once_and_a_contradiction_is_an_error_before_writing():
    rows = [{"title": "A", "year": 1990, "score": 1, "genres": []}, {"year": 1991, "score": 2.5, "genres": ["x"]}]
    assert infer_properties(rows, {}) == {"title": DataType.TEXT, "year": DataType.INT, "score": DataType.NUMBER,
                                          "genres": DataType.TEXT_ARRAY}
    assert infer_properties(rows, {"title": DataType.TEXT, "score": DataType.NUMBER}) == {
        "year": DataType.INT, "genres": DataType.TEXT_ARRAY}
    with pytest.raises(InvalidInputError, match="item #1: property 'year' holds a text value, but the collection "
                                                "stores int there; nothing was stored"):
        infer_properties([{"year": 1990}, {"year": "1991"}], {})
    with pytest.raises(InvalidInputError, match="property 'score' holds a number value"):
        infer_properties([{"score": 2.5}], {"score": DataType.INT})  # a stored int property is not widened


def test_only_values_of_the_stored_type_go_into_typed_properties():
    types = {"age": DataType.INT, "height": DataType.NUMBER, "tags": DataType.TEXT_ARRAY}
    assert typed_values({"age": "forty", "height": 2, "tags": ["a"], "note": "x"}, types) == {"height": 2.0,
                                                                                             "tags": ["a"]}
    assert user_property_type("int") == DataType.INT and user_property_type("Text[]") == DataType.TEXT_ARRAY
    assert user_property_type("json") is None


def test_returned_values_become_plain_json_without_bookkeeping():
    from datetime import datetime, timezone

    from weaviate.classes.data import GeoCoordinate
    got = plain_properties({"when": datetime(2024, 1, 2, tzinfo=timezone.utc), "id": UUID(int=1),
                            "where": GeoCoordinate(latitude=1.5, longitude=2.0), "pa_json": "{}", "pa_seq": 3})
    assert got == {"when": "2024-01-02T00:00:00+00:00", "id": str(UUID(int=1)),
                   "where": {"latitude": 1.5, "longitude": 2.0}}


def test_a_user_collections_config_gives_its_text_fields_and_vectors():
    prop = lambda name, kind, searchable=True: SimpleNamespace(name=name, data_type=kind,  # noqa: E731
                                                               index_searchable=searchable)
    config = SimpleNamespace(properties=[prop("title", DataType.TEXT), prop("tags", DataType.TEXT_ARRAY),
                                         prop("year", DataType.INT), prop("code", DataType.TEXT, False),
                                         prop("pa_json", DataType.TEXT)],
                             vector_config={"text": object(), "image": object()})
    assert text_properties(config) == ("title", "tags") and config_vectors(config) == ["text", "image"]
    assert config_vectors(SimpleNamespace(vector_config=None)) == ["default"]  # one unnamed vector


# batch error accounting --------------------------------------------------------------------------------
def test_batch_failures_are_counted_and_listed():
    objects = [SimpleNamespace(uuid=UUID(int=k)) for k in range(30)]
    errors = {k: SimpleNamespace(message=f"bad {k}") for k in (3, 1, *range(10, 22))}
    failed = failures(errors, objects)
    assert failed[:2] == [(str(UUID(int=1)), "bad 1"), (str(UUID(int=3)), "bad 3")] and len(failed) == 14
    text = failure_message("items", failed, 30)
    assert text.startswith(f"Weaviate rejected 14 of 30 items; nothing was stored: {UUID(int=1)}: bad 1; ")
    assert text.endswith("; and 4 more") and text.count("bad ") == 10
    assert "some remain" in failure_message("items", failed[:1], 30, cleaned=False)
    assert failures({0: SimpleNamespace(message="x")}, objects[5:], offset=0) == [(str(UUID(int=5)), "x")]


# versions, keys, ids ---------------------------------------------------------------------------------
def test_versions_keys_and_record_ids():
    assert version_tuple("1.32.0") == (1, 32, 0) and version_tuple("1.33.0-rc.1") == (1, 33, 0)
    assert version_tuple("2") == (2, 0, 0) and version_tuple("x") == (0, 0, 0)
    assert record_id("collection", "Movies") == record_id("collection", "Movies") != record_id("learned", "Movies")
    first, second = sequence_numbers(3), sequence_numbers(2)
    assert first == sorted(first) and second[0] > first[-1]


def test_the_api_key_is_the_argument_else_the_environment(monkeypatch):
    monkeypatch.setenv("WEAVIATE_API_KEY", "from-env")
    assert api_key_of("given") == "given" and api_key_of(None) == "from-env"
    monkeypatch.delenv("WEAVIATE_API_KEY")
    assert api_key_of(None) is None


def test_connect_errors_name_the_cause_and_never_the_key():
    err = connect_error("http://h:1", RuntimeError("401 Unauthorized for key sekrit"), "sekrit")
    assert isinstance(err, StoreError) and "authentication failed" in str(err) and "sekrit" not in str(err)
    assert "refused" in str(connect_error("http://h:1", OSError("[Errno 111] Connection refused"), None))
    assert "timeout" in str(connect_error("http://h:1", RuntimeError("the read timed out"), None))


def test_vector_names_follow_weaviates_rule():
    assert names.vector_name("text_2") == "text_2" and names.vector_name("_x") == "_x"
    for bad in ("2d", "a-b", "", None):
        with pytest.raises(InvalidInputError, match="not a Weaviate vector name"):
            names.vector_name(bad)
