"""Named vectors through the store protocol and the agent (``vector_name``), known answers.

``NamedVectorContract`` is part of the store contract: a backend's test module subclasses it next
to ``StoreContract``. The collection has a 4-d default vector (``text``, the six axis items of
``store_contract``) and a 2-d ``behaviour`` vector that orders the items differently.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from core import (CollectionSpec, EmbeddedStore, InvalidInputError, NotAvailableError, NotFoundError, Persona,
                  PersonaInteraction, PersonalizationAgent, StoreError, open_store)

from .browser import free_port as closed_port  # a port nothing listens on
from .store_contract import VECTORS, items, uid

# behaviour space: a and f together, b and e together, c and d opposite
BEHAVIOUR = np.array([[1, 0], [0, 1], [-1, 0.1], [1, -0.1], [0, 1], [1, 0.05]], dtype=np.float32)
SPEC = CollectionSpec("Multi", 4, text_fields=("title",), vectors={"text": 4, "behaviour": 2})


class NamedVectorContract:
    def make_store(self):  # pragma: no cover - overridden
        raise NotImplementedError

    @pytest.fixture
    def store(self):
        store = self.make_store()
        store.create_collection(SPEC)
        store.add_items("Multi", items(), {"text": VECTORS, "behaviour": BEHAVIOUR})
        yield store
        store.close()

    def test_spec_keeps_names_and_default(self, store):
        spec = store.get_collection("Multi")
        assert spec.vectors == {"text": 4, "behaviour": 2} and spec.default_vector == "text"
        assert spec.vector(None) == ("text", 4) and spec.vector("behaviour") == ("behaviour", 2)
        with pytest.raises(InvalidInputError, match=r"no vector named 'nope'.*\['text', 'behaviour'\]"):
            spec.vector("nope")

    def test_each_vector_searches_its_own_space(self, store):
        by_text = store.near_vectors("Multi", VECTORS[0], 2)[0]
        by_behaviour = store.near_vectors("Multi", np.array([1, 0], np.float32), 3, vector_name="behaviour")[0]
        assert [h.uuid for h in by_text] == [uid("a"), uid("b")]
        assert [h.uuid for h in by_behaviour][:1] == [uid("a")] and uid("f") in [h.uuid for h in by_behaviour]
        hits = store.search_max("Multi", np.array([[0, 1]], np.float32), np.ones(1), 2, vector_name="behaviour")
        assert {h.uuid for h in hits} == {uid("b"), uid("e")}
        got = store.get_vectors("Multi", [uid("c")], vector_name="behaviour")
        np.testing.assert_allclose(got[0], BEHAVIOUR[2] / np.linalg.norm(BEHAVIOUR[2]), rtol=1e-6)

    def test_wrong_dimensions_or_missing_names_are_rejected_whole(self, store):
        with pytest.raises(InvalidInputError, match="shape"):
            store.near_vectors("Multi", np.ones(4, np.float32), 2, vector_name="behaviour")
        extra = items()[:1]
        with pytest.raises(InvalidInputError, match="give each of them"):
            store.add_items("Multi", extra, {"text": VECTORS[:1]})
        with pytest.raises(InvalidInputError, match="one array per name"):
            store.add_items("Multi", extra, VECTORS[:1])
        assert store.count("Multi") == 6

    def test_put_vectors_replaces_one_space_only(self, store):
        store.put_vectors("Multi", [uid("c")], np.array([[0, 1]], np.float32), vector_name="behaviour")
        np.testing.assert_allclose(store.get_vectors("Multi", [uid("c")], vector_name="behaviour"), [[0, 1]])
        np.testing.assert_allclose(store.get_vectors("Multi", [uid("c")]), VECTORS[2:3])
        with pytest.raises(NotFoundError, match="nothing stored"):
            store.put_vectors("Multi", [uid("zz")], np.ones((1, 2), np.float32), vector_name="behaviour")


class TestEmbeddedNamedVectors(NamedVectorContract):
    def make_store(self):
        return EmbeddedStore(":memory:")


def test_named_vectors_survive_a_reopen(tmp_path):
    store = EmbeddedStore(tmp_path / "m.db")
    store.create_collection(SPEC)
    store.add_items("Multi", items(), {"text": VECTORS, "behaviour": BEHAVIOUR})
    store.close()
    again = EmbeddedStore(tmp_path / "m.db")
    assert again.get_collection("Multi").vectors == {"text": 4, "behaviour": 2}
    np.testing.assert_allclose(again.get_vectors("Multi", [uid("f")], vector_name="behaviour"),
                               [BEHAVIOUR[5] / np.linalg.norm(BEHAVIOUR[5])], rtol=1e-6)


def test_a_file_from_before_named_vectors_opens_with_its_data(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)  # the schema of the previous release: no vectors column
    db.executescript("""
        CREATE TABLE collections(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, dims INTEGER NOT NULL,
            text_fields TEXT NOT NULL, vector_name TEXT, user_properties TEXT NOT NULL DEFAULT '{}',
            embedding_model TEXT, agent INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE items(row INTEGER PRIMARY KEY, cid INTEGER NOT NULL, uuid TEXT NOT NULL,
            properties TEXT NOT NULL, vector BLOB NOT NULL, UNIQUE(cid, uuid));""")
    db.execute("INSERT INTO collections(id, name, dims, text_fields) VALUES (1, 'Old', 4, '[]')")
    db.execute("CREATE VIRTUAL TABLE fts_1 USING fts5(c0)")
    db.execute("INSERT INTO items VALUES (1, 1, ?, '{\"title\": \"A\"}', ?)", (str(uid("a")), VECTORS[0].tobytes()))
    db.commit()
    db.close()
    store = EmbeddedStore(path)
    assert store.get_collection("Old").vectors == {"default": 4}
    assert store.near_vectors("Old", VECTORS[0], 1)[0][0].uuid == uid("a")


def test_agent_ranks_with_its_vector_name():
    store = EmbeddedStore()
    store.create_collection(SPEC)
    store.add_items("Multi", items(), {"text": VECTORS, "behaviour": BEHAVIOUR})
    by_text = PersonalizationAgent.create(store, "Multi")
    by_behaviour = PersonalizationAgent.create(store, "Multi", vector_name="behaviour")
    assert PersonalizationAgent.connect(store, "Multi").vector_name == "behaviour"  # what create stored
    by_behaviour.add_interactions([PersonaInteraction(persona_id="p", item_id=uid("a"), weight=1.0)])
    top = lambda agent: [o.uuid for o in agent.get_objects("p", limit=1, use_agent_ranking=False,  # noqa: E731
                                                             popularity_weight=0).objects]
    assert top(by_text) == [uid("b")]       # b is a's text neighbour
    assert top(by_behaviour) == [uid("f")]  # f is a's behaviour neighbour
    with pytest.raises(InvalidInputError, match="no vector named 'nope'"):
        PersonalizationAgent(store, "Multi", vector_name="nope")


def test_open_store_by_location(tmp_path):
    assert isinstance(open_store(":memory:"), EmbeddedStore)
    first = open_store(str(tmp_path / "s.db"))
    first.create_collection(CollectionSpec("C", 4))
    first.close()
    assert open_store(f"sqlite:///{tmp_path / 's.db'}").list_collections() == ["C"]
    with pytest.raises(StoreError, match=r"cannot connect to Weaviate at http://127.0.0.1:\d+: the connection was refused"):
        open_store(f"http://127.0.0.1:{closed_port()}")  # a server URL opens the Weaviate store
    with pytest.raises(InvalidInputError, match="unknown store URL scheme"):
        open_store("ftp://x/y")
    with pytest.raises(InvalidInputError, match="a store location"):
        open_store("  ")


def test_search_targets_a_named_vector():
    store = EmbeddedStore()
    store.create_collection(SPEC)
    store.add_items("Multi", items(), {"text": VECTORS, "behaviour": BEHAVIOUR})
    agent = PersonalizationAgent.create(store, "Multi")
    agent.add_persona(Persona(persona_id="p", properties={}))
    query = agent.query("p", strength=0.0)
    by_behaviour = query.hybrid(None, vector=[0, 1], alpha=1.0, target_vector="behaviour", limit=2,
                                include_vector=["behaviour"])
    assert {o.uuid for o in by_behaviour.objects} == {uid("b"), uid("e")}
    assert np.asarray(by_behaviour.objects[0].vector["behaviour"]).shape == (2,)
    by_text = query.hybrid(None, vector=[1, 0, 0, 0], alpha=1.0, limit=1)
    assert [o.uuid for o in by_text.objects] == [uid("a")]
    with pytest.raises(NotAvailableError, match="'behaviour' of collection 'Multi' has 2 dimensions"):
        PersonalizationAgent(store, "Multi", vector_name="behaviour").query("p").near_text("anything")
