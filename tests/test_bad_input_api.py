"""A corpus of bad inputs through the Python API and the stores: each gets a clear engine error.

Every case runs one call against a file-backed store holding a small catalog, an agent and a
persona with history, and asserts three things: the error is the named subclass of
:class:`~core.errors.PersonalizationError` (nothing else escapes: a raw ``OverflowError`` or
``UnicodeEncodeError`` fails the case), its message holds the given fragments (the bad value or
field, and what would be valid), and nothing stored changed (:mod:`tests.stored_state`: the
SQLite file's rows and the store's public view, in-memory index included).

The classes: out-of-range dates, lone surrogates, huge integers, deep nesting, paths, wrong types,
NaN and infinity, persona property types, filters, collection specs. The cases are in
:mod:`tests.bad_input_cases`; the inputs that must *work* (normalised on the way in, the
linear-time ``like``) are at the end of this file.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import (CollectionSpec, EmbeddedStore, InvalidInputError, Item, OverlayStore, PersonalizationAgent,
                  PersonalizationError, Persona, PersonaInteraction, StoreError, open_store, to_uuid)

from core.checks import MAX_DEPTH

from .bad_input_cases import CASES, SCHEMA, World, nested
from .store_contract import VECTORS, items
from .stored_state import checksum, file_checksum

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def make_world(path: Path, *, overlay: bool = False) -> World:
    store = EmbeddedStore(path)
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    public = OverlayStore(store) if overlay else store
    agent = PersonalizationAgent.create(public, "Things", user_properties=SCHEMA, llm=None)
    agent.add_persona(Persona(persona_id="alice", properties={"favorite_genres": ["Comedy"], "age": 30}))
    agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="a", weight=1.0, created_at=NOW)])
    return World(public, agent, path)


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a store wrongly named after a bad argument ("None") would land here
    w = make_world(tmp_path / "lab.sqlite")
    yield w
    w.store.close()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("lab.sqlite")) == []


def test_the_corpus_is_large_and_every_case_is_named_once():
    names = [c.name for c in CASES]
    assert len(names) >= 100 and len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_clear_engine_error_and_changes_nothing(world, case):
    before = checksum(world.store, world.path)
    with pytest.raises(PersonalizationError) as caught:
        case.call(world)
    assert isinstance(caught.value, case.error), f"{type(caught.value).__name__}: {caught.value}"
    message = str(caught.value)
    for fragment in case.says:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert checksum(world.store, world.path) == before


@pytest.mark.parametrize("name", ["store_surrogate_item", "filter_unknown_property", "nan_item_property",
                                  "flag_create_persona_no", "persona_number_nan", "date_created_1e20"])
def test_the_same_errors_through_an_overlay_store(tmp_path, name):
    case = next(c for c in CASES if c.name == name)
    w = make_world(tmp_path / "lab.sqlite", overlay=True)
    before = checksum(w.store, w.path)
    with pytest.raises(case.error) as caught:
        case.call(w)
    assert all(fragment in str(caught.value) for fragment in case.says), str(caught.value)
    assert checksum(w.store, w.path) == before


# --- files that are not this engine's store: refused, and left exactly as they were ----------------

def _other_app(path: Path, script: str) -> Path:
    db = sqlite3.connect(path)
    db.executescript(script)
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("script", [
    "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hello');",
    "CREATE TABLE collections(x); CREATE TABLE personas(y);",               # same table names, other columns
    "CREATE TABLE items(a, b); CREATE TABLE interactions(c);",
])
def test_another_applications_sqlite_file_is_refused_untouched(tmp_path, script):
    path = _other_app(tmp_path / "other.db", script)
    before, raw = file_checksum(path), path.read_bytes()
    for opener in (EmbeddedStore, open_store, lambda p: open_store(f"sqlite:///{p}")):
        with pytest.raises(StoreError, match=r"other\.db' is an SQLite file of another application \(its tables: "):
            opener(str(path))
    assert file_checksum(path) == before and path.read_bytes() == raw
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal / -shm left by a journal switch


def test_a_file_that_is_not_sqlite_is_a_store_error_naming_it(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database " * 100)
    with pytest.raises(StoreError, match=r"notes\.txt'.*file is not a database"):
        EmbeddedStore(path)
    assert path.read_text() == "not a database " * 100


def test_a_store_this_engine_wrote_still_opens(tmp_path):
    make_world(tmp_path / "lab.sqlite").store.close()
    store = EmbeddedStore(tmp_path / "lab.sqlite")
    assert store.count("Things") == 6 and len(store.list_personas("Things")) == 1


# --- inputs that must work: normalised on the way in, so memory equals what a reopen reads ----------

def test_item_values_that_json_changes_are_held_as_a_reopen_reads_them(tmp_path):
    path = tmp_path / "lab.sqlite"
    store = make_world(path).store
    odd = {"when": datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "ref": uuid.UUID(int=7), "pair": (1, (2, 3)),
           "n": np.int64(5), "x": np.float32(0.5), "arr": np.arange(3), "day": datetime(2020, 1, 2).date()}
    store.add_items("Things", [Item(uuid="odd", properties=odd)], np.array([[0.5, 0.5, 0.5, 0.5]]))
    plain = {"when": "2020-01-02T03:04:05+00:00", "ref": "00000000-0000-0000-0000-000000000007",
             "pair": [1, [2, 3]], "n": 5, "x": 0.5, "arr": [0, 1, 2], "day": "2020-01-02"}
    held = store.get_items("Things", [to_uuid("odd")])[to_uuid("odd")].properties
    assert held == plain and [type(held[k]) for k in plain] == [type(v) for v in plain.values()]
    filtered = store.near_vectors("Things", np.ones(4), 3, filters=Filter.by_property("pair").equal(2))[0]
    store.close()
    reopened = EmbeddedStore(path)
    assert reopened.get_items("Things", [to_uuid("odd")])[to_uuid("odd")].properties == plain
    assert reopened.near_vectors("Things", np.ones(4), 3, filters=Filter.by_property("pair").equal(2))[0] == filtered


def test_nesting_up_to_the_limit_is_stored(world):
    add = {"x": nested(MAX_DEPTH - 1)}  # the properties dict and 31 lists: 32 levels
    world.store.add_items("Things", [Item(uuid="deep", properties=add)], np.ones((1, 4)))
    assert world.store.get_items("Things", [to_uuid("deep")])[to_uuid("deep")].properties == add


def test_persona_values_that_json_changes_are_plain_from_the_start(world):
    persona = Persona(persona_id="bob", properties={"favorite_genres": ("Drama",), "since": datetime(2020, 1, 1),
                                                    "ref": uuid.UUID(int=1), "age": np.int32(40)})
    assert persona.properties == {"favorite_genres": ["Drama"], "since": "2020-01-01T00:00:00",
                                  "ref": "00000000-0000-0000-0000-000000000001", "age": 40}
    world.store.put_persona("Things", persona, must_exist=None)
    assert world.store.get_persona("Things", persona.persona_id) == persona


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", -62135596800, 253402300799])
def test_the_ends_of_the_date_range_are_stored_and_read_back(world, when):
    world.agent.add_interactions([PersonaInteraction(persona_id="alice", item_id="b", weight=0.5, created_at=when)])
    stored = {i.item_id: i.created_at for i in world.agent.get_interactions("alice", "all")}[to_uuid("b")]
    assert stored.year in (1, 9999) and stored.tzinfo is not None
    assert len(world.agent.get_objects("alice", limit=3, use_agent_ranking=False, now=NOW).objects) == 3


def test_like_takes_linear_time_on_a_pattern_that_backtracked_exponentially(world):
    world.store.add_items("Things", [Item(uuid="run", properties={"title": "a" * 40}),
                                     Item(uuid="runb", properties={"title": "a" * 40 + "b"})],
                          np.array([[0.5, 0.5, 0, 0], [0.5, 0, 0.5, 0]]))
    pattern = "a*" * 19 + "b"  # the naive regex (.* per star) ran for minutes on "a" * 40
    start = time.perf_counter()
    hits = world.store.near_vectors("Things", np.ones(4), 10, filters=Filter.by_property("title").like(pattern))[0]
    assert time.perf_counter() - start < 2.0
    assert [h.uuid for h in hits] == [to_uuid("runb")]
    assert [h.uuid for h in world.store.near_vectors(
        "Things", np.ones(4), 10, filters=Filter.by_property("title").like("a?a*a*a"))[0]] == [to_uuid("run")]


def test_an_engine_error_never_reaches_a_user_as_a_raw_exception_from_a_bad_repr(world):
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no repr")
    with pytest.raises(InvalidInputError, match="is of type Hostile"):
        world.store.add_items("Things", [Item(uuid="h", properties={"x": Hostile()})], np.ones((1, 4)))


def test_near_and_far_timestamps_give_clear_errors_for_now_too(world):
    for bad in (1e20, float("nan"), "9999-12-31T23:59:59-05:00"):
        with pytest.raises(InvalidInputError, match="now must be"):
            world.agent.get_objects("alice", now=bad)
    assert world.agent.get_objects("alice", now=NOW + timedelta(days=1), use_agent_ranking=False).objects
    assert os.path.exists(world.path)
