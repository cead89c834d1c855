"""The embedded SQLite store: the shared contract (reopening its file included), plus atomicity on disk."""

from __future__ import annotations

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, InvalidInputError, Item, NotFoundError, StoreError, to_uuid
from core.store.base import StoredInteraction

from .store_contract import NOW, VECTORS, StoreContract, items, uid


class TestEmbeddedStoreContract(StoreContract):
    def make_store(self):
        return EmbeddedStore(":memory:")

    def make_reopenable(self, tmp_path):
        return lambda: EmbeddedStore(tmp_path / "store.db")


def test_failed_interaction_batch_leaves_nothing(tmp_path):
    store = EmbeddedStore(tmp_path / "p.db")
    store.create_collection(CollectionSpec("Things", 4))
    store.add_items("Things", items(), VECTORS)
    good = StoredInteraction(to_uuid("bob"), uid("a"), 0.5, NOW)
    bad = StoredInteraction(to_uuid("bob"), uid("b"), "not a number", NOW)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="interaction #1 has weight 'not a number'.*nothing was stored"):
        store.add_interactions("Things", [good, bad], create_personas=[to_uuid("bob")])
    assert store.recent_interactions("Things", to_uuid("bob"), None) == []
    assert store.get_persona("Things", to_uuid("bob")) is None


def test_batch_failing_inside_the_transaction_rolls_back_created_personas(tmp_path):
    store = EmbeddedStore(tmp_path / "p.db")
    store.create_collection(CollectionSpec("Things", 4))
    store.add_items("Things", items(), VECTORS)
    rows = [StoredInteraction(to_uuid("bob"), uid("a"), 0.5, NOW), StoredInteraction(to_uuid("eve"), uid("b"), 1.0, NOW)]
    with pytest.raises(NotFoundError, match="does not exist; nothing was stored"):
        store.add_interactions("Things", rows, create_personas=[to_uuid("bob")])  # eve is unknown
    assert store.get_persona("Things", to_uuid("bob")) is None and store.scan_interactions("Things").items == []


def test_index_follows_later_writes():
    store = EmbeddedStore()
    store.create_collection(CollectionSpec("Things", 4))
    store.add_items("Things", items()[:3], VECTORS[:3])
    assert store.near_vectors("Things", VECTORS[5], 1)[0][0].uuid != uid("f")
    store.add_items("Things", items()[3:], VECTORS[3:])
    assert store.near_vectors("Things", VECTORS[5], 1)[0][0].uuid == uid("f")
    store.delete_collection("Things")
    assert not store.has_collection("Things")


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        EmbeddedStore(path)


def test_vectors_are_normalised_and_zero_rejected():
    store = EmbeddedStore()
    store.create_collection(CollectionSpec("Things", 2))
    store.add_items("Things", [Item(uuid="x", properties={})], np.array([[3.0, 4.0]]))
    np.testing.assert_allclose(store.get_vectors("Things", [uid("x")])[0], [0.6, 0.8], rtol=1e-6)
    with pytest.raises(Exception, match="all zeros"):
        store.add_items("Things", [Item(uuid="y", properties={})], np.array([[0.0, 0.0]]))


def test_a_bulk_batch_keeps_every_row_and_each_personas_order():
    store = EmbeddedStore()
    store.create_collection(CollectionSpec("Things", 4))
    store.add_items("Things", items(), VECTORS)
    people = [to_uuid(f"p{k}") for k in range(3)]
    rows = [StoredInteraction(people[n % 3], uid("abcdef"[n % 6]), round((n % 21) / 10 - 1, 1), NOW)
            for n in range(601)]  # two full multi-row inserts of 250 and a rest of 101, interleaved personas
    store.add_interactions("Things", rows, create_personas=people)
    for person in people:
        mine = [r for r in rows if r.persona_id == person]
        got = store.recent_interactions("Things", person, None)  # same time: newest inserted first
        assert [(r.item_id, r.weight) for r in got] == [(r.item_id, r.weight) for r in reversed(mine)]
    assert len(store.scan_interactions("Things")) == 601


OLD_SCHEMA = """
CREATE TABLE collections(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, dims INTEGER NOT NULL,
    text_fields TEXT NOT NULL, vector_name TEXT, user_properties TEXT NOT NULL DEFAULT '{}',
    embedding_model TEXT, agent INTEGER NOT NULL DEFAULT 0, vectors TEXT);
CREATE TABLE personas(pk INTEGER PRIMARY KEY, cid INTEGER NOT NULL, persona_id BLOB NOT NULL,
    properties TEXT NOT NULL, UNIQUE(cid, persona_id));
INSERT INTO collections(name, dims, text_fields, vectors) VALUES ('Things', 4, '[]', '{"default": 4}');
"""
"""A file of the version before background personas and collection settings (no ``settings``, no ``background``)."""


def test_a_file_from_before_background_personas_is_migrated_in_place(tmp_path):
    import sqlite3
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO personas(cid, persona_id, properties) VALUES (1, ?, '{\"name\": \"Ann\"}')",
               (to_uuid("ann").bytes,))
    db.commit()
    db.close()
    store = EmbeddedStore(path)
    assert [p.properties for p in store.list_personas("Things")] == [{"name": "Ann"}]  # people's, as before
    assert store.count_personas("Things", background=True) == 0 and store.collection_settings("Things") == {}
    store.update_collection_settings("Things", {"community": True})
    store.close()
    assert EmbeddedStore(path).collection_settings("Things") == {"community": True}


@pytest.mark.parametrize("tables", ["CREATE TABLE users(id INTEGER, name TEXT)",
                                    "CREATE TABLE collections(id INTEGER, title TEXT); CREATE TABLE notes(x)"])
def test_another_programs_sqlite_file_is_refused_untouched(tmp_path, tables):
    import sqlite3
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(tables)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"other\.sqlite' is an SQLite file of another application \(its tables: "
                                         r"(collections, notes; differing from this engine: collections|users)\), "
                                         r"not a store of this engine; nothing was"):
        EmbeddedStore(path)
    assert path.read_bytes() == before and not (tmp_path / "other.sqlite-wal").exists()
