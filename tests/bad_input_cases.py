"""The bad-input corpus of ``tests/test_bad_input_api.py``: one :class:`Case` per bad call.

A case is a call on a :class:`World` (a file-backed store with the six-item ``Things`` catalog,
an agent whose persona schema is :data:`SCHEMA`, persona ``alice`` with one interaction), the
:class:`~core.errors.PersonalizationError` subclass it must raise and fragments its message must
hold: the bad value or field, and what would be valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from weaviate.classes.query import Filter

from core import (
    CollectionSpec,
    EmbeddedStore,
    InvalidInputError,
    Item,
    LearnedVectors,
    NotFoundError,
    Persona,
    PersonaInteraction,
    PersonalizationAgent,
    PipelineConfig,
    StoreError,
    open_store,
    parse_scalar,
    parse_value,
    to_uuid,
)
from core.store.base import StoredInteraction

SCHEMA = {"favorite_genres": "text[]", "age": "int", "score": "number", "born": "date", "tags": "int[]",
          "likes_dark": "boolean", "flags": "boolean[]", "moods": "number[]", "nickname": "text"}
P = Filter.by_property
RANGE = "from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
SURROGATE = "lone surrogate"
FINITE = "numbers must be finite"
HOUR = timedelta(hours=1)


@dataclass
class World:
    store: Any
    agent: PersonalizationAgent
    path: Path


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[World], Any]
    error: type
    says: tuple[str, ...]


def nested(depth: int, leaf: Any = 1, *, as_dict: bool = False) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value} if as_dict else [value]
    return value


def interact(w: World, **fields: Any) -> None:
    w.agent.add_interactions([PersonaInteraction(**{"persona_id": "alice", "item_id": "b", "weight": 1.0, **fields})])


def add_item(w: World, properties: dict, uid: Any = "z", vector: Any = None) -> None:
    vectors = np.array([[0.0, 0.0, 0.5, 0.5]]) if vector is None else vector
    w.store.add_items("Things", [Item(uuid=uid, properties=properties)], vectors)


def persona(w: World, properties: dict, pid: Any = "bob") -> None:
    w.agent.add_persona(Persona(persona_id=pid, properties=properties))


def objects(w: World, **options: Any) -> Any:
    return w.agent.get_objects("alice", **{"use_agent_ranking": False, **options})


def search(w: World) -> Any:
    return w.agent.query("alice")


def vectors(w: World, query: Any, **kwargs: Any) -> Any:
    return w.store.near_vectors("Things", np.asarray(query, dtype=np.float64), 3, **kwargs)


def case(name: str, call: Callable[[World], Any], *says: str, error: type = InvalidInputError) -> Case:
    return Case(name, call, error, says)


DEEP = nested(1500)
HUGE = 10 ** 5000
DATES = [
    case("date_created_1e20", lambda w: interact(w, created_at=1e20), "created_at", "1e+20", RANGE),
    case("date_year_9999_minus_5h", lambda w: interact(w, created_at="9999-12-31T23:59:59-05:00"),
         "'9999-12-31T23:59:59-05:00'", RANGE),
    case("date_year_1_plus_5h", lambda w: interact(w, created_at="0001-01-01T00:00:00+05:00"), RANGE),
    case("date_negative_1e12", lambda w: interact(w, created_at=-1e12), "-1000000000000.0", "unix seconds"),
    case("date_nan", lambda w: interact(w, created_at=float("nan")), "created_at", "finite number of unix seconds"),
    case("date_inf", lambda w: interact(w, created_at=float("-inf")), "-inf", "finite"),
    case("date_huge_int", lambda w: interact(w, created_at=10 ** 400), "an integer of 401 digits", RANGE),
    case("date_not_a_date", lambda w: interact(w, created_at="not a date"), "'not a date'", "ISO-8601"),
    case("date_bool", lambda w: interact(w, created_at=True), "created_at", "got True"),
    case("date_last_microsecond", lambda w: interact(w, created_at=datetime(9999, 12, 31, 23, 59, 59, 999999)),
         RANGE, "999999"),
    case("date_now_of_batch_1e20", lambda w: w.agent.add_interactions(
        [PersonaInteraction(persona_id="alice", item_id="b", weight=1.0)], now=1e20), "now must be", RANGE),
    case("date_now_of_get_objects", lambda w: objects(w, now=-1e13), "now must be", "-10000000000000.0"),
    case("date_now_of_query", lambda w: w.agent.query("alice", now="9999-12-31T23:59:59-05:00"), "now", RANGE),
    case("date_now_list", lambda w: objects(w, now=[2020]), "now must be a datetime", "[2020]"),
]
SURROGATES = [
    case("surrogate_persona_id", lambda w: persona(w, {}, "\ud800"), "persona_id", SURROGATE, "valid Unicode"),
    case("surrogate_persona_value", lambda w: persona(w, {"favorite_genres": ["ok", "\ud800"]}),
         "properties['favorite_genres'][1]", SURROGATE),
    case("surrogate_persona_key", lambda w: w.store.put_persona(
        "Things", Persona(persona_id="bob", properties={"\udcff": 1}), must_exist=None), "'\\udcff'", SURROGATE),
    case("store_surrogate_item", lambda w: add_item(w, {"title": "caf\udce9"}), "properties['title']", SURROGATE,
         "nothing was stored"),
    case("surrogate_item_key", lambda w: add_item(w, {"t\ud83d": "x"}), "'t\\ud83d'", SURROGATE),
    case("surrogate_item_id", lambda w: add_item(w, {}, "\ud800x"), "uuid", SURROGATE),
    case("surrogate_collection_spec", lambda w: w.store.create_collection(CollectionSpec("Th\ud800ngs", 4)),
         "collection name", SURROGATE),
    case("surrogate_agent_collection", lambda w: PersonalizationAgent(w.store, "\ud800"), "reference_collection",
         SURROGATE),
    case("surrogate_has_collection", lambda w: w.store.has_collection("\udfff"), "collection name", SURROGATE),
    case("surrogate_get_persona", lambda w: w.agent.get_persona("al\ud800ice"), "persona_id", SURROGATE),
    case("surrogate_instruction", lambda w: w.agent.get_objects("alice", instruction="more \ud800"), "instruction",
         SURROGATE),
    case("surrogate_bm25_query", lambda w: search(w).bm25("space \ud800"), "query", SURROGATE),
    case("surrogate_near_text_list", lambda w: search(w).near_text(["fine", "\ud800"]), "query[1]", SURROGATE),
    case("surrogate_filter_value", lambda w: objects(w, filters=P("title").equal("\ud800")), "'title'", SURROGATE),
    case("surrogate_filter_property", lambda w: objects(w, filters=P("ti\ud800").equal("x")), "property name",
         SURROGATE),
    case("surrogate_store_bm25", lambda w: w.store.bm25("Things", "\ud800abc", 3), "bm25 query", SURROGATE),
    case("surrogate_schema_name", lambda w: PersonalizationAgent.create(w.store, "Things", {"n\ud800": "text"}),
         "user_properties name", SURROGATE),
    case("surrogate_interaction_item", lambda w: interact(w, item_id="\udc80x"), "item_id", SURROGATE),
    case("surrogate_settings", lambda w: w.store.update_collection_settings("Things", {"k": "\ud800"}),
         "collection settings['k']", SURROGATE),
    case("surrogate_exclude_items", lambda w: objects(w, exclude_items=["\ud800"]), "exclude_items", SURROGATE),
]
HUGE_INTS = [
    case("huge_persona_id", lambda w: persona(w, {}, HUGE), "persona_id", "over 4,000 digits", "as text"),
    case("huge_item_property", lambda w: add_item(w, {"n": HUGE}), "properties['n']", "64-bit", "as text"),
    case("int64_plus_one_item_property", lambda w: add_item(w, {"n": 2 ** 63}), "9223372036854775808", "64-bit"),
    case("huge_persona_property", lambda w: persona(w, {"age": 10 ** 30}), "properties['age']", "64-bit"),
    case("huge_filter_value", lambda w: objects(w, filters=P("year").equal(10 ** 400)), "'year'",
         "an integer of 401 digits", "finite number"),
    case("huge_limit", lambda w: objects(w, limit=HUGE), "limit", "over 4,000 digits", "from 1 to 1000"),
    case("huge_delete_persona", lambda w: w.agent.delete_persona(HUGE), "persona_id", "as text"),
    case("huge_item_id", lambda w: add_item(w, {}, HUGE), "uuid", "over 4,000 digits"),
    case("huge_in_nested_list", lambda w: add_item(w, {"ids": [1, [2, -HUGE]]}), "properties['ids'][1][1]",
         "64-bit"),
]
NESTING = [
    case("deep_persona_list", lambda w: persona(w, {"nickname": DEEP}), "properties['nickname']",
         "more than 32 levels"),
    case("deep_persona_dict", lambda w: persona(w, {"nickname": nested(1200, as_dict=True)}), "more than 32 levels"),
    case("deep_item_property", lambda w: add_item(w, {"x": DEEP}), "item #0", "more than 32 levels"),
    case("deep_item_33_levels", lambda w: add_item(w, {"x": nested(32)}), "more than 32 levels"),
    case("deep_settings", lambda w: w.store.update_collection_settings("Things", {"x": DEEP}), "collection settings",
         "more than 32 levels"),
    case("deep_persona_model_validate", lambda w: Persona.model_validate({"persona_id": "x", "properties": DEEP}),
         "properties must be a dict"),
    case("deep_store_put_persona", lambda w: w.store.put_persona("Things", Persona.model_construct(
        persona_id=to_uuid("x"), properties={"a": DEEP}), must_exist=None), "persona properties['a']", "32 levels"),
    case("nested_filter_value", lambda w: w.store.check_filter(Filter.by_property("tags").contains_any(["a"]) | [1]),
         "filters must be a weaviate Filter", "list", error=InvalidInputError),
]
PATHS = [
    case("path_nul", lambda w: EmbeddedStore(str(w.path.parent / "a\0b.sqlite")), "NUL byte", "a\\x00b"),
    case("path_nul_open_store", lambda w: open_store("lab\0.db"), "NUL byte"),
    case("path_nul_pathlib", lambda w: open_store(Path("x\0y")), "NUL byte"),
    case("path_none", lambda w: EmbeddedStore(None), "':memory:' or a file path", "got None"),
    case("path_int", lambda w: EmbeddedStore(1), "got 1"),
    case("path_empty", lambda w: EmbeddedStore("  "), "':memory:' or a file path"),
    case("path_sqlite_url_empty", lambda w: open_store("sqlite:///"), "':memory:' or a file path"),
    case("path_surrogate", lambda w: EmbeddedStore("caf\udce9.db"), "store path", SURROGATE),
    case("path_is_a_directory", lambda w: EmbeddedStore(w.path.parent), "cannot open the embedded store at '/",
         "unable to open database file", error=StoreError),
    case("collection_name_nul", lambda w: w.store.create_collection(CollectionSpec("a\0b", 4)), "control character",
         "'\\x00'"),
    case("collection_name_escape", lambda w: w.store.create_collection(CollectionSpec("\x1b[31mred", 4)),
         "control character", "'\\x1b'"),
]
TYPES = [
    case("type_bm25_query_properties", lambda w: search(w).bm25("comedy", query_properties=[1]), "query_properties",
         "[1]"),
    case("type_hybrid_vector_letters", lambda w: search(w).hybrid(None, vector=["a"] * 8), "vector[0]",
         "finite number", "'a'"),
    case("type_hybrid_vector_bools", lambda w: search(w).hybrid(None, vector=[True] * 4), "vector[0]", "got True"),
    case("type_hybrid_vector_text", lambda w: search(w).hybrid(None, vector="1,2,3,4"), "vector must be",
         "'1,2,3,4'"),
    case("flag_create_persona_no", lambda w: w.agent.add_interactions(
        [PersonaInteraction(persona_id="carol", item_id="a", weight=1.0)], create_persona_if_not_exists="no"),
         "create_persona_if_not_exists must be True or False", "'no'"),
    case("flag_create_persona_zero", lambda w: w.agent.add_interactions(
        [PersonaInteraction(persona_id="carol", item_id="a", weight=1.0)], create_persona_if_not_exists=0), "got 0"),
    case("flag_remove_previous_yes", lambda w: w.agent.add_interactions(
        [PersonaInteraction(persona_id="alice", item_id="c", weight=1.0)], remove_previous_interactions="yes"),
         "remove_previous_interactions", "'yes'"),
    case("flag_exclude_interacted", lambda w: objects(w, exclude_interacted_items="false"), "exclude_interacted_items",
         "True or False"),
    case("flag_store_background", lambda w: w.store.list_personas("Things", background="no"), "background", "'no'"),
    case("type_store_bm25_query_properties", lambda w: w.store.bm25("Things", "comedy", 3, query_properties=[1]),
         "query_properties", "[1]"),
    case("type_store_bm25_query_properties_text", lambda w: w.store.bm25("Things", "comedy", 3,
                                                                      query_properties="title"), "'title'"),
    case("type_store_create_collection_text", lambda w: w.store.create_collection("Things2"), "CollectionSpec",
         "'Things2'"),
    case("type_store_put_persona_dict", lambda w: w.store.put_persona("Things", {"persona_id": "x"}, must_exist=None),
         "must be a Persona", "dict"),
    case("type_exclude_items_text", lambda w: objects(w, exclude_items="abc"), "exclude_items", "'abc'"),
    case("type_interactions_single", lambda w: w.agent.add_interactions(
        PersonaInteraction(persona_id="alice", item_id="c", weight=1.0)), "interactions must be a list"),
    case("type_persona_properties_list", lambda w: persona(w, ["a"]), "properties must be a dict"),
    case("type_item_property_object", lambda w: add_item(w, {"x": object()}), "properties['x']", "not a JSON value"),
    case("type_persona_property_set", lambda w: persona(w, {"nickname": {"a"}}), "is of type set"),
    case("type_item_key_int", lambda w: add_item(w, {1: "x"}), "keys are text"),
    case("spec_text_fields_string", lambda w: w.store.create_collection(CollectionSpec("X", 4, text_fields="title")),
         "text_fields must be a list", "'title'"),
    case("spec_name_int", lambda w: w.store.create_collection(CollectionSpec(1, 4)), "collection name", "got 1"),
    case("spec_dims_true", lambda w: w.store.create_collection(CollectionSpec("X", True)), "positive dimensions",
         "True"),
    case("spec_vector_dims_float", lambda w: CollectionSpec("X", 4, vectors={"a": 4.0}), "positive dimensions",
         "4.0"),
    case("spec_user_properties_list", lambda w: CollectionSpec("X", 4, user_properties=["a"]), "user_properties"),
    case("spec_blank_text_field", lambda w: CollectionSpec("X", 4, text_fields=("title", " ")), "text field"),
]
NON_FINITE = [
    case("nan_item_property", lambda w: add_item(w, {"rating": float("nan")}), "properties['rating'] is nan", FINITE),
    case("inf_item_in_list", lambda w: add_item(w, {"scores": [1.0, float("inf")]}), "properties['scores'][1]",
         FINITE),
    case("nan_numpy_item_property", lambda w: add_item(w, {"x": np.float32("nan")}), "properties['x']", FINITE),
    case("nan_schema_free_persona", lambda w: w.store.put_persona(
        "Things", Persona.model_construct(persona_id=to_uuid("x"), properties={"s": float("nan")}), must_exist=None),
         "persona properties['s']", FINITE),
    case("nan_hybrid_vector", lambda w: search(w).hybrid(None, vector=[float("nan")] * 4), "vector[0]", "got nan"),
    case("inf_hybrid_vector", lambda w: search(w).hybrid("comedy", vector=[1, 0, 0, float("inf")]), "vector[3]",
         "finite"),
    case("nan_store_near_vectors", lambda w: vectors(w, [np.nan, 0, 0, 1]), "query vector #0", "NaN or infinity"),
    case("inf_store_search_max", lambda w: w.store.search_max("Things", np.array([[np.inf, 0, 0, 0]]), np.ones(1), 3),
         "NaN or infinity"),
    case("nan_search_max_weight", lambda w: w.store.search_max("Things", np.eye(4)[:1], np.array([np.nan]), 3),
         "positive weights"),
    case("nan_item_vector", lambda w: add_item(w, {}, vector=np.array([[np.nan, 1, 0, 0]])), "NaN or infinity"),
    case("nan_interaction_weight", lambda w: interact(w, weight=float("nan")), "weight", "[-1, 1]"),
    case("nan_decay_rate", lambda w: objects(w, decay_rate=float("nan")), "decay_rate", "[0, 1]"),
    case("inf_strength", lambda w: w.agent.query("alice", strength=float("inf")), "strength", "[0, 1]"),
    case("nan_settings", lambda w: w.store.update_collection_settings("Things", {"x": float("nan")}), FINITE),
    case("nan_popularity_weight", lambda w: objects(w, popularity_weight=float("nan")), "popularity_weight"),
]
PERSONA_TYPES = [
    case("persona_number_nan", lambda w: persona(w, {"score": float("nan")}), "properties['score'] is nan", FINITE),
    case("persona_number_inf", lambda w: persona(w, {"score": float("inf")}), "is inf", FINITE),
    case("persona_number_text", lambda w: persona(w, {"score": "1.5"}), "'score' must be of type number", "'1.5'"),
    case("persona_number_bool", lambda w: persona(w, {"score": True}), "type number", "True"),
    case("persona_text_list_mixed", lambda w: persona(w, {"favorite_genres": [1, {"a": 1}]}),
         "'favorite_genres' must be of type text[]", "element #0 is 1"),
    case("persona_text_list_not_list", lambda w: persona(w, {"favorite_genres": "Comedy"}), "text[] (a list",
         "'Comedy'"),
    case("persona_date_text", lambda w: persona(w, {"born": "not a date"}), "'born' must be of type date",
         "'not a date'", "ISO-8601"),
    case("persona_date_number", lambda w: persona(w, {"born": 20200101}), "type date", "20200101"),
    case("persona_int_bool", lambda w: persona(w, {"age": True}), "'age' must be of type int", "True"),
    case("persona_int_float", lambda w: persona(w, {"age": 1.5}), "64-bit integer", "1.5"),
    case("persona_int_list_text", lambda w: persona(w, {"tags": [1, "2"]}), "type int[]", "element #1 is '2'"),
    case("persona_boolean_text", lambda w: persona(w, {"likes_dark": "true"}), "type boolean", "'true'"),
    case("persona_boolean_list_int", lambda w: persona(w, {"flags": [True, 1]}), "boolean[]", "element #1 is 1"),
    case("persona_number_list_nan_text", lambda w: persona(w, {"moods": [0.5, "x"]}), "number[]", "'x'"),
    case("persona_unknown_property", lambda w: persona(w, {"shoe_size": 42}), "['shoe_size']", "user_properties"),
    case("persona_update_bad_type", lambda w: w.agent.update_persona(Persona(persona_id="alice",
                                                                              properties={"age": "thirty"})),
         "'age' must be of type int", "'thirty'"),
    case("persona_schema_type_unknown", lambda w: PersonalizationAgent.create(w.store, "Things", {"age": "integer"}),
         "user_properties['age']", "'integer'", "int[]"),
]
FILTERS = [
    case("filter_unknown_property", lambda w: objects(w, filters=P("nope").equal("x")), "property 'nope'",
         "no item of this collection has it", "['genres', 'original_id', 'title', 'year']"),
    case("filter_unknown_is_none", lambda w: objects(w, filters=P("yaer").is_none(True)), "'yaer'", "'year'"),
    case("filter_unknown_in_and", lambda w: objects(w, filters=P("year").greater_than(1990) & P("Title").like("x*")),
         "'Title'"),
    case("filter_unknown_in_bm25", lambda w: search(w).bm25("comedy", filters=P("genre").equal("Comedy")),
         "'genre'", "'genres'"),
    case("filter_unknown_in_hybrid", lambda w: search(w).hybrid("comedy", vector=[1, 0, 0, 0],
                                                                filters=P("nope").equal(1)), "'nope'"),
    case("filter_year_gt_nan", lambda w: objects(w, filters=P("year").greater_than(float("nan"))),
         "greater_than on property 'year' needs a finite number", "nan"),
    case("filter_year_lt_inf", lambda w: objects(w, filters=P("year").less_than(float("inf"))), "finite number",
         "inf"),
    case("filter_equal_minus_inf", lambda w: objects(w, filters=P("year").equal(float("-inf"))), "-inf"),
    case("filter_contains_nan", lambda w: objects(w, filters=P("year").contains_any([1990, float("nan")])),
         "contains_any", "nan"),
    case("filter_store_near_vectors_unknown", lambda w: vectors(w, [1, 0, 0, 0], filters=P("nope").equal(1)),
         "'nope'"),
    case("filter_not_a_filter", lambda w: objects(w, filters={"year": 1990}), "weaviate Filter", "dict"),
    case("notfound_delete_persona", lambda w: w.agent.delete_persona("nobody"), "persona", "does not exist",
         error=NotFoundError),
]
VALUES_AND_CONFIGS = [
    case("value_deep_json", lambda w: parse_value("[" * 5000 + "]" * 5000), "not valid JSON", "nested too deeply",
         "quote it"),
    case("value_json_1e400", lambda w: parse_value('{"score": [1e400]}'), "1e400 is outside the range of a number",
         "quote it"),
    case("value_scalar_1e400", lambda w: parse_scalar("1e400"), "'1e400' is outside the range of a number", "quote it"),
    case("value_scalar_5000_digits", lambda w: parse_value("9" * 5000), "integer of 5,000 digits",
         "at most 4,300 digits"),
    case("config_huge_half_life", lambda w: PipelineConfig(half_life_days=HUGE), "PipelineConfig.half_life_days",
         "positive number of days", "over 4,000 digits"),
    case("config_validate_names_the_class_once", lambda w: PipelineConfig.model_validate({"min_pool": "x"}),
         "PipelineConfig.min_pool must be an integer from 1 to 100000, got 'x'"),
    case("config_validate_json_deep", lambda w: PipelineConfig.model_validate_json("[" * 3000), "invalid json",
         "recursion limit"),
    case("persona_validate_json_deep", lambda w: Persona.model_validate_json(
        '{"persona_id": "x", "properties": {"a": ' + "[" * 3000 + "]" * 3000 + "}}"), "invalid json"),
    case("store_interaction_time_beyond", lambda w: w.store.add_interactions("Things", [StoredInteraction(
        to_uuid("alice"), to_uuid("b"), 1.0, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(-HOUR * 5)))]),
         "9999-12-31T23:59:59.999999-05:00", RANGE),
    case("store_interaction_time_missing", lambda w: w.store.add_interactions("Things", [StoredInteraction(
        to_uuid("alice"), to_uuid("b"), 1.0, None)]), "must be datetimes (None only with a default_time)"),
    case("store_learned_meta_nan", lambda w: w.store.put_learned("Things", "behaviour", LearnedVectors(
        (to_uuid("a"),), np.ones((1, 2), np.float32), np.ones(1, np.float32), {"loss": float("nan")})),
         "learned vectors' meta['loss'] is nan", FINITE),
    case("weight_huge", lambda w: interact(w, weight=10 ** 400), "weight must be a number in [-1, 1]",
         "an integer of 401 digits"),
]
CASES = [*DATES, *SURROGATES, *HUGE_INTS, *NESTING, *PATHS, *TYPES, *NON_FINITE, *PERSONA_TYPES, *FILTERS,
         *VALUES_AND_CONFIGS]
