"""The store contract: every backend subclasses :class:`StoreContract` and provides ``make_store``.

A backend that can persist also provides ``make_reopenable(tmp_path)``: a function that opens the
same stored data each time it is called (the reopen test is skipped, saying so, without one).

Known-answer fixtures: six items on the axes of a 4-d space, so every similarity is exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import AlreadyExistsError, CollectionSpec, InvalidInputError, Item, NotFoundError, Persona, to_uuid
from core.retrieval.popularity import popularity
from core.store.base import Hit, StoredInteraction

from .hybrid_contract import HybridContract

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
VECTORS = np.array([
    [1, 0, 0, 0],      # a
    [0.9, 0.1, 0, 0],  # b  close to a
    [0, 1, 0, 0],      # c
    [0, 0.9, 0.1, 0],  # d  close to c
    [0, 0, 1, 0],      # e
    [0, 0, 0, 1],      # f
], dtype=np.float32)
NAMES = "abcdef"


def items() -> list[Item]:
    """a 1990, b 1995, ... f 2015; genres a Comedy, b Comedy+Drama, c Drama, d Horror, e Sci-Fi, f none."""
    genres = [["Comedy"], ["Comedy", "Drama"], ["Drama"], ["Horror"], ["Sci-Fi"], []]
    return [Item(uuid=name, properties={"title": f"Item {name.upper()}", "genres": genres[i], "year": 1990 + 5 * i,
                                        "original_id": name})
            for i, name in enumerate(NAMES)]


def uid(name: str) -> UUID:
    return to_uuid(name)


def likes(store, ids: list[UUID]) -> list[int]:
    """Like counts of ``ids``, as the engine computes them from the store's interaction scan."""
    return popularity(store, "Things").like_counts(ids).tolist()


class StoreContract(HybridContract):
    """Behaviour every :class:`core.Store` backend must have."""

    def make_store(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def make_reopenable(self, tmp_path):
        """A zero-argument function opening the same persistent store each call; None if the backend has none."""
        return None

    @pytest.fixture
    def store(self):
        store = self.make_store()
        store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
        store.add_items("Things", items(), VECTORS)
        yield store
        store.close()

    def test_collection_roundtrip(self, store):
        spec = store.get_collection("Things")
        assert (spec.dims, spec.text_fields) == (4, ("title", "genres"))
        assert store.has_collection("Things") and not store.has_collection("Nope")
        assert "Things" in store.list_collections()
        with pytest.raises(AlreadyExistsError, match="Things"):
            store.create_collection(CollectionSpec("Things", 4))
        with pytest.raises(NotFoundError, match="Nope"):
            store.get_collection("Nope")

    def test_items_and_vectors(self, store):
        assert store.count("Things") == 6
        got = store.get_items("Things", [uid("c"), uid("zz")])
        assert list(got) == [uid("c")] and got[uid("c")].properties["genres"] == ["Drama"]
        v = store.get_vectors("Things", [uid("b")])[0]
        np.testing.assert_allclose(v, VECTORS[1] / np.linalg.norm(VECTORS[1]), rtol=1e-6)
        assert [i.properties["original_id"] for i in store.iter_items("Things", offset=1, limit=2)] == ["b", "c"]
        with pytest.raises(NotFoundError):
            store.get_vectors("Things", [uid("zz")])

    def test_near_vectors_exact_order_filters_and_exclusion(self, store):
        hits = store.near_vectors("Things", np.array([1, 0, 0, 0], np.float32), 3)[0]
        assert [h.uuid for h in hits] == [uid("a"), uid("b"), uid("c")] or \
            [h.uuid for h in hits][:2] == [uid("a"), uid("b")]
        assert hits[0].score == pytest.approx(1.0, abs=1e-6)
        hits = store.near_vectors("Things", np.array([[1, 0, 0, 0], [0, 1, 0, 0]], np.float32), 2,
                                  filters=Filter.by_property("genres").contains_any(["Drama"]),
                                  exclude=[uid("b")])
        assert [h.uuid for h in hits[0]][0] == uid("c") and [h.uuid for h in hits[1]] == [uid("c")]

    def test_search_max_is_the_max_over_weighted_queries(self, store):
        queries = np.array([[1, 0, 0, 0], [0, 0, 1, 0]], np.float32)
        hits = store.search_max("Things", queries, np.array([1.0, 0.5]), 3)
        # a: max(1, 0) = 1; b: 0.9/0.9055; e: 0.5 * 1; d: 0.5 * 0.1/0.9055
        assert [h.uuid for h in hits] == [uid("a"), uid("b"), uid("e")]
        assert [round(h.score, 4) for h in hits] == [1.0, round(0.9 / 0.905539, 4), 0.5]
        hits = store.search_max("Things", queries, np.array([1.0, 0.5]), 2, exclude=[uid("a")])
        assert [h.uuid for h in hits] == [uid("b"), uid("e")]
        with pytest.raises(InvalidInputError, match="positive weights"):
            store.search_max("Things", queries, np.array([1.0, -0.5]), 2)

    def test_scan_interactions_returns_every_row_as_columns(self, store):
        rows = [StoredInteraction(to_uuid(p), uid(i), w, NOW + timedelta(hours=n))
                for n, (p, i, w) in enumerate((("u1", "a", 1.0), ("u1", "a", 0.5), ("u2", "c", -0.25)))]
        store.add_interactions("Things", rows, create_personas=[to_uuid("u1"), to_uuid("u2")])
        scan = store.scan_interactions("Things")
        got = sorted((scan.personas[p], scan.items[i], float(w), float(t))
                     for p, i, w, t in zip(scan.persona_index, scan.item_index, scan.weight, scan.created_at))
        assert got == sorted((r.persona_id, r.item_id, r.weight, r.created_at.timestamp()) for r in rows)
        store.delete_persona("Things", to_uuid("u2"))
        assert len(store.scan_interactions("Things")) == 2

    def test_create_personas_takes_new_personas_with_their_properties(self, store):
        ann, ben, cy = to_uuid("ann"), to_uuid("ben"), to_uuid("cy")
        store.put_persona("Things", Persona(persona_id=ben, properties={"name": "Ben", "age": 4}), must_exist=False)
        store.add_interactions("Things", [StoredInteraction(ann, uid("a"), 1.0, NOW),
                                          StoredInteraction(ben, uid("b"), 0.5, NOW)],
                               create_personas=[Persona(persona_id=ann, properties={"name": "ann"}),
                                                Persona(persona_id=ben, properties={"name": "ben"})])
        assert store.get_persona("Things", ann).properties == {"name": "ann"}
        assert store.get_persona("Things", ben).properties == {"name": "Ben", "age": 4}  # existing: left alone
        with pytest.raises(InvalidInputError):  # one bad row: the new persona is not created either
            store.add_interactions("Things", [StoredInteraction(cy, uid("a"), 1.0, NOW),
                                              StoredInteraction(cy, uid("b"), 3.0, NOW)],
                                   create_personas=[Persona(persona_id=cy, properties={"name": "cy"})])
        assert store.get_persona("Things", cy) is None and len(store.scan_interactions("Things")) == 2

    def test_memo_is_dropped_by_every_write(self, store):
        calls = []
        build = lambda: calls.append(1) or len(calls)  # noqa: E731
        assert store.memo("Things", "k", build) == 1 and store.memo("Things", "k", build) == 1
        store.put_persona("Things", Persona(persona_id=to_uuid("u9"), properties={}), must_exist=None)
        assert store.memo("Things", "k", build) == 2
        store.add_interactions("Things", [StoredInteraction(to_uuid("u9"), uid("a"), 1.0, NOW)])
        assert store.memo("Things", "k", build) == 3
        store.delete_persona("Things", to_uuid("u9"))
        assert store.memo("Things", "k", build) == 4

    # background personas and collection settings ------------------------------------------
    def test_background_personas_are_listed_only_when_asked(self, store):
        ann, ben, cy = to_uuid("ann"), to_uuid("ben"), to_uuid("cy")
        store.put_persona("Things", Persona(persona_id=ann, properties={"name": "Ann"}), must_exist=False)
        store.add_interactions("Things", [StoredInteraction(ben, uid("a"), 1.0, NOW),
                                          StoredInteraction(cy, uid("a"), 0.5, NOW)],
                               create_personas=[Persona(persona_id=ben, properties={"name": "ben"}), cy],
                               background=True)
        assert [p.persona_id for p in store.list_personas("Things")] == [ann]  # what people made, as before
        assert [p.persona_id for p in store.list_personas("Things", background=True)] == [ben, cy]
        assert [p.persona_id for p in store.list_personas("Things", background=None)] == [ann, ben, cy]
        assert [store.count_personas("Things", background=b) for b in (False, True, None)] == [1, 2, 3]
        # for the engine they are personas like any other
        assert store.get_persona("Things", ben).properties == {"name": "ben"}
        assert store.recent_interactions("Things", cy, None) == [StoredInteraction(cy, uid("a"), 0.5, NOW)]
        assert likes(store, [uid("a")]) == [2] and len(store.scan_interactions("Things")) == 2
        # an upsert keeps a background persona in the background; creating it again changes nothing
        store.put_persona("Things", Persona(persona_id=ben, properties={"name": "Ben"}), must_exist=None)
        store.add_interactions("Things", [StoredInteraction(ann, uid("b"), 1.0, NOW)], create_personas=[ann, ben])
        assert [p.properties for p in store.list_personas("Things", background=True)] == [{"name": "Ben"}, {}]
        assert store.delete_persona("Things", ben) and store.count_personas("Things", background=True) == 1

    def test_collection_settings_merge_remove_and_drop_memos(self, store):
        assert store.collection_settings("Things") == {}
        calls = []
        build = lambda: calls.append(1) or len(calls)  # noqa: E731
        assert store.memo("Things", "k", build) == 1
        store.update_collection_settings("Things", {"community": True, "weights": [0.5, 0.25]})
        assert store.memo("Things", "k", build) == 2
        store.update_collection_settings("Things", {"weights": None, "note": "x"})
        got = store.collection_settings("Things")
        assert got == {"community": True, "note": "x"}
        got["community"] = False  # a copy
        assert store.collection_settings("Things")["community"] is True
        with pytest.raises(NotFoundError, match="Nope"):
            store.collection_settings("Nope")
        with pytest.raises(InvalidInputError, match="settings"):
            store.update_collection_settings("Things", {"": 1})

    def test_bm25(self, store):
        hits = store.bm25("Things", "drama", 5)
        assert {h.uuid for h in hits} == {uid("b"), uid("c")}
        assert store.bm25("Things", "Item B", 1)[0].uuid == uid("b")
        assert store.bm25("Things", "!!! ???", 5) == []
        assert store.bm25("Things", "the and of a", 5) == []  # stopwords only (Weaviate's "en" preset)
        assert [h.uuid for h in store.bm25("Things", "drama", 5, exclude=[uid("c")])] == [uid("b")]
        # paging past excluded and filtered-out rows still fills the limit
        got = store.bm25("Things", "item", 2, exclude=[uid("a")], filters=Filter.by_property("year").greater_than(2000))
        assert {h.uuid for h in got} <= {uid("d"), uid("e"), uid("f")} and len(got) == 2

    def test_add_items_is_atomic(self, store):
        bad = [Item(uuid="g", properties={"title": "G"}), Item(uuid="h", properties={"title": "H"})]
        with pytest.raises(InvalidInputError, match="NaN"):
            store.add_items("Things", bad, np.array([[1, 0, 0, 0], [np.nan, 0, 0, 0]], np.float32))
        with pytest.raises(AlreadyExistsError):
            store.add_items("Things", [Item(uuid="g", properties={}), Item(uuid="a", properties={})],
                            np.eye(4, dtype=np.float32)[:2])
        with pytest.raises(InvalidInputError, match="shape"):
            store.add_items("Things", bad, np.ones((2, 3), np.float32))
        assert store.count("Things") == 6 and store.get_items("Things", [uid("g")]) == {}

    def test_personas_and_interactions(self, store):
        pid = to_uuid("alice")
        store.put_persona("Things", Persona(persona_id=pid, properties={"likes": ["Comedy"]}), must_exist=False)
        with pytest.raises(AlreadyExistsError):
            store.put_persona("Things", Persona(persona_id=pid, properties={}), must_exist=False)
        rows = [StoredInteraction(pid, uid(n), w, NOW - timedelta(days=d))
                for n, w, d in (("a", 1.0, 3), ("c", -0.5, 1), ("b", 0.5, 2))]
        store.add_interactions("Things", rows)
        recent = store.recent_interactions("Things", pid, 2)
        assert [(r.item_id, r.weight) for r in recent] == [(uid("c"), -0.5), (uid("b"), 0.5)]
        assert recent[0].created_at == NOW - timedelta(days=1)
        assert store.interacted_items("Things", pid) == {uid("a"), uid("b"), uid("c")}
        store.add_interactions("Things", [StoredInteraction(pid, uid("a"), -1.0, NOW)],
                               replace_pairs=[(pid, uid("a"))])
        assert [r.weight for r in store.recent_interactions("Things", pid, None) if r.item_id == uid("a")] == [-1.0]
        assert store.delete_persona("Things", pid) and store.recent_interactions("Things", pid, None) == []



    # filters through the Store -------------------------------------------------------------
    def test_filters_hold_for_every_search(self, store):
        after_2000 = Filter.by_property("year").greater_than(2000)  # d, e, f
        q = np.array([0, 1, 1, 0], np.float32)  # c, e: 0.7071; d: 0.7809; b: 0.0781
        assert names(store.near_vectors("Things", q, 5, filters=after_2000)[0]) == "def"
        dramatic = Filter.by_property("genres").contains_any(["Drama", "Horror"])
        assert names(store.near_vectors("Things", q, 5, filters=dramatic)[0]) == "dcb"
        queries, weights = np.array([[1, 0, 0, 0], [0, 0, 1, 0]], np.float32), np.array([1.0, 0.5])
        hits = store.search_max("Things", queries, weights, 5, filters=after_2000)
        assert names(hits) == "edf" and hits[0].score == pytest.approx(0.5)
        comedy = Filter.by_property("genres").contains_any(["Comedy"])
        assert set(names(store.bm25("Things", "item", 6, filters=comedy))) == {"a", "b"}
        both = Filter.all_of([after_2000, Filter.by_property("genres").contains_any(["Horror"])])
        assert names(store.bm25("Things", "item", 6, filters=both)) == "d"

    def test_a_filter_matching_nothing_gives_no_hits(self, store):
        nothing = Filter.by_property("year").greater_than(3000)
        assert store.near_vectors("Things", VECTORS[:2], 3, filters=nothing) == [[], []]
        assert store.search_max("Things", VECTORS[:1], np.ones(1), 3, filters=nothing) == []
        assert store.bm25("Things", "item", 3, filters=nothing) == []

    # ordering --------------------------------------------------------------------------------
    def test_scores_descend_and_ties_are_repeatable(self, store):
        tied = np.array([0, 0, 0, 1], np.float32)  # f: 1, every other item 0

        def searches():
            return [store.near_vectors("Things", tied, 6)[0], store.search_max("Things", tied[None], np.ones(1), 6),
                    store.bm25("Things", "item", 6)]
        results = searches()
        for hits in results:
            scores = [h.score for h in hits]
            assert scores == sorted(scores, reverse=True) and len({h.uuid for h in hits}) == len(hits) == 6
        assert names(results[0])[0] == "f"
        assert [names(h) for h in searches()] == [names(h) for h in results]
        twin = self.make_store()
        twin.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
        twin.add_items("Things", items(), VECTORS)  # built the same way: ties break the same way
        assert names(twin.near_vectors("Things", tied, 6)[0]) == names(results[0])
        assert names(twin.bm25("Things", "item", 6)) == names(results[2])
        twin.close()

    # personas: upsert and delete ---------------------------------------------------------------
    def test_put_persona_inserts_updates_and_upserts(self, store):
        pid = to_uuid("carol")
        with pytest.raises(NotFoundError, match=str(pid)):
            store.put_persona("Things", Persona(persona_id=pid, properties={"age": 1}), must_exist=True)
        assert store.get_persona("Things", pid) is None
        store.put_persona("Things", Persona(persona_id=pid, properties={"age": 30}), must_exist=None)  # upsert creates
        assert store.get_persona("Things", pid).properties == {"age": 30}
        store.put_persona("Things", Persona(persona_id=pid, properties={"likes": ["Drama"]}), must_exist=None)  # upsert replaces
        assert store.get_persona("Things", pid).properties == {"likes": ["Drama"]}
        store.put_persona("Things", Persona(persona_id=pid, properties={"age": 31}), must_exist=True)
        assert [(p.persona_id, p.properties) for p in store.list_personas("Things")] == [(pid, {"age": 31})]

    def test_deleting_a_persona_deletes_its_interactions_only(self, store):
        ann, ben = to_uuid("ann"), to_uuid("ben")
        store.add_interactions("Things", [StoredInteraction(ann, uid("a"), 1.0, NOW),
                                          StoredInteraction(ben, uid("a"), 1.0, NOW),
                                          StoredInteraction(ben, uid("c"), 0.5, NOW)], create_personas=[ann, ben])
        assert likes(store, [uid("a"), uid("c")]) == [2, 1]
        assert store.delete_persona("Things", ben) is True
        assert store.delete_persona("Things", ben) is False
        assert store.get_persona("Things", ben) is None and store.recent_interactions("Things", ben, None) == []
        assert store.interacted_items("Things", ben) == set()
        assert likes(store, [uid("a"), uid("c")]) == [1, 0]
        assert [r.item_id for r in store.recent_interactions("Things", ann, None)] == [uid("a")]
        assert [p.persona_id for p in store.list_personas("Things")] == [ann]

    def test_deleting_a_collection_deletes_everything_in_it(self, store):
        pid = to_uuid("dan")
        store.add_interactions("Things", [StoredInteraction(pid, uid("a"), 1.0, NOW)], create_personas=[pid])
        store.create_collection(CollectionSpec("Other", 4))
        store.delete_collection("Things")
        assert not store.has_collection("Things") and store.list_collections() == ["Other"]
        for call in (store.get_collection, store.count, store.delete_collection):
            with pytest.raises(NotFoundError, match="Things"):
                call("Things")
        store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
        assert store.count("Things") == 0 and store.list_personas("Things") == []
        assert store.bm25("Things", "item", 5) == [] and store.get_persona("Things", pid) is None
        store.add_items("Things", items(), VECTORS)
        assert likes(store, [uid("a")]) == [0]

    # reopen ----------------------------------------------------------------------------------
    def test_reopen_restores_everything(self, tmp_path):
        open_store = self.make_reopenable(tmp_path)
        if open_store is None:
            pytest.skip(f"{type(self).__name__}: this backend has no persistent form to reopen")
        store, pid = open_store(), to_uuid("bob")
        store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
        store.add_items("Things", items(), VECTORS)
        store.set_agent_config("Things", user_properties={"age": "int"}, vector_name=None)
        store.put_persona("Things", Persona(persona_id=pid, properties={"age": 40}), must_exist=None)
        store.add_interactions("Things", [StoredInteraction(pid, uid("a"), 0.5, NOW)])
        store.add_interactions("Things", [], create_personas=[to_uuid("bg")], background=True)
        store.update_collection_settings("Things", {"community": True})
        before = {"items": store.iter_items("Things"), "vectors": store.get_vectors("Things", list(map(uid, NAMES)))}
        store.close()

        again = open_store()
        spec = CollectionSpec("Things", 4, ("title", "genres"), user_properties={"age": "int"})
        assert again.get_collection("Things") == spec and again.has_agent("Things")
        assert again.iter_items("Things") == before["items"]
        np.testing.assert_array_equal(again.get_vectors("Things", list(map(uid, NAMES))), before["vectors"])
        assert again.get_persona("Things", pid).properties == {"age": 40}
        assert [p.persona_id for p in again.list_personas("Things", background=True)] == [to_uuid("bg")]
        assert again.collection_settings("Things") == {"community": True}
        assert again.recent_interactions("Things", pid, 5) == [StoredInteraction(pid, uid("a"), 0.5, NOW)]
        assert likes(again, [uid("a")]) == [1]
        assert names(again.near_vectors("Things", VECTORS[2], 1)[0]) == "c"
        assert set(names(again.bm25("Things", "drama", 5))) == {"b", "c"}
        early = Filter.by_property("year").less_than(1996)
        assert set(names(again.near_vectors("Things", VECTORS[5], 6, filters=early)[0])) == {"a", "b"}
        again.close()

    # returned objects are copies ---------------------------------------------------------------
    def test_mutating_returned_objects_changes_nothing_stored(self, store):
        got = store.get_items("Things", [uid("b")])[uid("b")]
        got.properties["title"] = "changed"
        got.properties["genres"].append("Western")
        for item in store.iter_items("Things"):
            item.properties.clear()
        vectors = store.get_vectors("Things", [uid("a"), uid("b")])
        vectors[:] = 0
        pid = to_uuid("erin")
        store.put_persona("Things", Persona(persona_id=pid, properties={"likes": ["Drama"]}), must_exist=False)
        store.get_persona("Things", pid).properties["likes"].append("Horror")
        store.list_personas("Things")[0].properties.clear()

        fresh = {i.properties["original_id"]: i.properties for i in store.iter_items("Things")}
        assert fresh == {i.properties["original_id"]: i.properties for i in items()}
        assert store.get_items("Things", [uid("b")])[uid("b")].properties["genres"] == ["Comedy", "Drama"]
        np.testing.assert_allclose(store.get_vectors("Things", [uid("a")])[0], VECTORS[0])
        assert store.get_persona("Things", pid).properties == {"likes": ["Drama"]}
        western = Filter.by_property("genres").contains_any(["Western"])
        assert store.near_vectors("Things", VECTORS[1], 6, filters=western) == [[]]

    def test_item_properties_are_read_only_views_of_the_stored_items(self, store):
        views = store.item_properties("Things", [uid("b"), uid("zz")])
        assert list(views) == [uid("b")]
        assert dict(views[uid("b")]) == store.get_items("Things", [uid("b")])[uid("b")].properties
        with pytest.raises(TypeError):
            views[uid("b")]["title"] = "changed"  # type: ignore[index]

    def test_collection_config_changes_are_seen_at_once(self, store):
        store.set_agent_config("Things", user_properties={"age": "int"}, vector_name=None)
        assert store.get_collection("Things").user_properties == {"age": "int"}
        store.set_agent_config("Things", user_properties={}, vector_name=None)
        assert store.get_collection("Things").user_properties == {}

    def test_mutating_the_items_passed_in_changes_nothing_stored(self, store):
        extra = [Item(uuid="g", properties={"title": "Item G", "genres": ["Noir"], "year": 2020, "original_id": "g"})]
        store.add_items("Things", extra, np.array([[1, 1, 0, 0]], np.float32))
        extra[0].properties["genres"].append("Western")
        extra[0].properties["year"] = 1900
        assert store.get_items("Things", [uid("g")])[uid("g")].properties == \
            {"title": "Item G", "genres": ["Noir"], "year": 2020, "original_id": "g"}
        assert store.near_vectors("Things", VECTORS[0], 7, filters=Filter.by_property("year").less_than(1950)) == [[]]

    def test_a_staged_collection_is_hidden_until_published_whole(self, store):
        first = store.stage_collection(CollectionSpec("Fresh", 4))
        store.add_items(first, items()[:2], VECTORS[:2])
        assert "Fresh" not in store.list_collections() and first not in store.list_collections()
        store.publish_collection(first, "Fresh")
        assert store.count("Fresh") == 2 and not store.has_collection(first)
        second = store.stage_collection(CollectionSpec("Fresh", 4))
        store.add_items(second, items()[2:], VECTORS[2:])
        with pytest.raises(AlreadyExistsError, match="'Fresh' already exists"):
            store.publish_collection(second, "Fresh")
        assert store.count("Fresh") == 2
        store.publish_collection(second, "Fresh", replace=True)  # the old one goes in the same transaction
        assert [i.properties["original_id"] for i in store.iter_items("Fresh")] == list("cdef")
        assert store.near_vectors("Fresh", VECTORS[5], 1)[0][0].uuid == uid("f")
        assert sorted(store.list_collections()) == ["Fresh", "Things"]

    def test_a_discarded_staged_collection_leaves_nothing(self, store):
        staged = store.stage_collection(CollectionSpec("Fresh", 4))
        store.add_items(staged, items(), VECTORS)
        store.delete_collection(staged)
        assert store.list_collections() == ["Things"] and not store.has_collection(staged)
        with pytest.raises(NotFoundError, match="no staged collection"):
            store.publish_collection(staged, "Fresh")


def names(hits: list[Hit]) -> str:
    """The item letters of ``hits``, in order (``"dec"``)."""
    letters = {uid(n): n for n in NAMES}
    return "".join(letters[h.uuid] for h in hits)
