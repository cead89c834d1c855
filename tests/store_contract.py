"""The store contract: every backend subclasses :class:`StoreContract` and provides ``make_store``.

Known-answer fixtures: six items on the axes of a 4-d space, so every similarity is exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import UUID

import numpy as np
import pytest

from core import AlreadyExistsError, CollectionSpec, InvalidInputError, Item, NotFoundError, Persona, to_uuid
from core.store.base import StoredInteraction

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
    genres = [["Comedy"], ["Comedy", "Drama"], ["Drama"], ["Horror"], ["Sci-Fi"], []]
    return [Item(uuid=name, properties={"title": f"Item {name.upper()}", "genres": genres[i], "year": 1990 + 5 * i,
                                        "original_id": name})
            for i, name in enumerate(NAMES)]


def uid(name: str) -> UUID:
    return to_uuid(name)


class StoreContract:
    """Behaviour every :class:`core.Store` backend must have."""

    def make_store(self):  # pragma: no cover - overridden
        raise NotImplementedError

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
        from weaviate.classes.query import Filter
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

    def test_popularity_counts_personas_with_positive_interactions(self, store):
        rows = [StoredInteraction(to_uuid(p), uid(i), w, NOW)
                for p, i, w in (("u1", "a", 1.0), ("u1", "a", 0.5), ("u2", "a", 0.2), ("u3", "a", -1.0),
                                ("u1", "f", 1.0), ("u2", "c", 0.0))]
        store.add_interactions("Things", rows, create_personas=[to_uuid(p) for p in ("u1", "u2", "u3")])
        assert store.like_counts("Things", [uid("a"), uid("f"), uid("c"), uid("e")]).tolist() == [2, 1, 0, 0]
        # log1p(count) / log1p(max(max count = 2, floor 100))
        np.testing.assert_allclose(store.popularity("Things", [uid("a"), uid("f"), uid("c")]),
                                   [np.log(3) / np.log(101), np.log(2) / np.log(101), 0.0], rtol=1e-6)
        zero = np.zeros((1, 4), np.float32)
        hits = store.search_max("Things", zero, np.ones(1), 2, prior_weight=0.5)
        assert [h.uuid for h in hits] == [uid("a"), uid("f")]
        assert hits[0].score == pytest.approx(0.5 * np.log(3) / np.log(101))
        store.delete_persona("Things", to_uuid("u2"))
        assert store.like_counts("Things", [uid("a")]).tolist() == [1]

    def test_bm25(self, store):
        hits = store.bm25("Things", "drama", 5)
        assert {h.uuid for h in hits} == {uid("b"), uid("c")}
        assert store.bm25("Things", "Item B", 1)[0].uuid == uid("b")
        assert store.bm25("Things", "!!! ???", 5) == []
        assert store.bm25("Things", "the and of a", 5) == []  # stopwords only (Weaviate's "en" preset)
        assert [h.uuid for h in store.bm25("Things", "drama", 5, exclude=[uid("c")])] == [uid("b")]
        # paging past excluded and filtered-out rows still fills the limit
        from weaviate.classes.query import Filter
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


