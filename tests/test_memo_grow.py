"""Memos that grow with appended interactions instead of being rebuilt: popularity and the behaviour model's
fingerprint equal a full recompute after every kind of write, and a small append does not rescan."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, PersonaInteraction, to_uuid
from core.learn.train import behaviour_status, fingerprint
from core.retrieval.popularity import Popularity, _like_counts, popularity

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)
ITEMS = [to_uuid(f"item-{i}") for i in range(6)]


def row(persona: str, item: int, weight: float, minutes: int = 0) -> PersonaInteraction:
    return PersonaInteraction(persona_id=to_uuid(persona), item_id=ITEMS[item], weight=weight,
                              created_at=NOW + timedelta(minutes=minutes))


@pytest.fixture
def store(tmp_path):
    s = EmbeddedStore(str(tmp_path / "grow.db"))
    s.create_collection(CollectionSpec("C", 2))
    s.add_items("C", [Item(uuid=u, properties={"title": str(i)}) for i, u in enumerate(ITEMS)],
                np.eye(6, 2, dtype=np.float32) + 0.1)
    yield s
    s.close()


def add(store, rows, **options) -> None:
    store.add_interactions("C", rows, create_personas={r.persona_id for r in rows}, **options)


class CountingScans:
    """Counts the store's full interaction scans."""

    def __init__(self, store):
        self.calls, self.store, self.inner = 0, store, store.scan_interactions
        store.scan_interactions = self

    def __call__(self, collection):
        self.calls += 1
        return self.inner(collection)


def test_popularity_and_fingerprint_grow_and_equal_a_full_recompute(store):
    add(store, [row("ann", 0, 1.0), row("bob", 0, 1.0), row("bob", 1, -1.0)])
    assert popularity(store, "C").likes == {ITEMS[0]: 2}
    scans = CountingScans(store)
    popularity(store, "C")
    behaviour_status(store, "C")
    assert scans.calls == 1  # the fingerprint's first build (popularity was memoised already)
    steps = [
        [row("cid", 0, 1.0, 1)],                                   # a new persona likes a liked item
        [row("ann", 0, 0.5, 2)],                                   # a repeated like: no new liker
        [row("bob", 1, 1.0, 3), row("bob", 1, 1.0, 4)],            # a disliked item now liked, twice in one write
        [row("dan", 2, -1.0, 5), row("dan", 3, 1.0, 6)],           # a dislike adds no liker
        [row("ann", 4, 1.0, 7), row("bob", 4, 1.0, 8), row("eve", 5, 0.0, 9)],
    ]
    for rows in steps:
        before = scans.calls
        add(store, rows)
        memo_likes = popularity(store, "C").likes
        status = behaviour_status(store, "C")
        assert scans.calls == before  # grown, not rebuilt: no scan of every interaction
        full = fingerprint(scans.inner("C"))
        assert memo_likes == _like_counts(store, "C")
        ids = store._index("C").uuids  # the store's own row list: the alignment carried over and patched
        np.testing.assert_allclose(popularity(store, "C").scaled_rows(ids),
                                   Popularity(_like_counts(store, "C")).scaled_rows(ids))
        assert status.interactions == full["interactions"]
        grown = store.memo("C", "interaction_fingerprint", lambda: None)
        assert (grown["interactions"], grown["personas"]) == (full["interactions"], full["personas"])
        assert grown["weight_sum"] == pytest.approx(full["weight_sum"], abs=1e-3)
        assert grown["time_sum"] == pytest.approx(full["time_sum"], abs=1.0)
    assert popularity(store, "C").likes == {ITEMS[0]: 3, ITEMS[1]: 1, ITEMS[3]: 1, ITEMS[4]: 2}


def test_a_replacing_write_a_big_one_or_another_processs_write_rebuilds(store, tmp_path):
    add(store, [row("ann", 0, 1.0), row("bob", 1, 1.0)])
    popularity(store, "C")
    scans = CountingScans(store)
    add(store, [row("ann", 0, -1.0, 1)], replace_pairs=[(to_uuid("ann"), ITEMS[0])])  # ann's like replaced
    assert popularity(store, "C").likes == {ITEMS[1]: 1} and scans.calls == 1
    other = EmbeddedStore(str(tmp_path / "grow.db"))  # another connection to the same file
    other.add_interactions("C", [row("bob", 2, 1.0, 2)])
    other.close()
    assert popularity(store, "C").likes == {ITEMS[1]: 1, ITEMS[2]: 1} and scans.calls == 2
    from core.store.embedded import personas
    big = [row(f"p{i}", i % 6, 1.0, i) for i in range(personas.GROW_ROWS + 1)]
    add(store, big)
    assert popularity(store, "C").likes == _like_counts(store, "C") and scans.calls == 4  # rebuilt (+1 for the check)


def test_a_hook_that_fails_drops_its_memo_and_the_next_read_builds_it(store):
    add(store, [row("ann", 0, 1.0)])
    built = []

    def build():
        built.append(1)
        return len(built)

    def broken(value, appended):
        raise RuntimeError("cannot grow")

    assert store.memo("C", "k", build, grow=broken) == 1
    add(store, [row("ann", 1, 1.0, 1)])
    assert store.memo("C", "k", build, grow=broken) == 2 and len(built) == 2


def test_adding_items_keeps_the_interaction_counts_memos(store):
    add(store, [row("ann", 0, 1.0)])
    popularity(store, "C")
    behaviour_status(store, "C")
    scans = CountingScans(store)
    store.add_items("C", [Item(uuid=to_uuid("new"), properties={"title": "new"})], np.ones((1, 2), np.float32))
    assert popularity(store, "C").likes == {ITEMS[0]: 1} and behaviour_status(store, "C").interactions == 1
    assert scans.calls == 0
    assert popularity(store, "C").scaled([to_uuid("new")]).tolist() == [0.0]


class Rows(list):
    """A row list that can find ids, like the embedded store's."""

    def find(self, ids):
        return np.array([self.index(u) if u in self else -1 for u in ids])


def test_a_grown_alignment_is_patched_or_redone_when_the_scale_moves():
    rows = Rows(ITEMS)
    for likes, first in [({ITEMS[0]: 3}, {ITEMS[1]: 1, to_uuid("not a row"): 2}),   # scale stays (floor 100)
                         ({ITEMS[0]: 150, ITEMS[2]: 7}, {ITEMS[0]: 5, ITEMS[2]: 1})]:  # the top count moves it
        old = Popularity(likes)
        old.scaled_rows(rows)
        from core.store.base import AppendedInteractions
        grown = old.grown(AppendedInteractions(rows=1, weight_sum=1.0, time_sum=0.0, new_personas=0, first_likes=first))
        expected = dict(likes)
        for u, n in first.items():
            expected[u] = expected.get(u, 0) + n
        np.testing.assert_allclose(grown.scaled_rows(rows), Popularity(expected).scaled(rows))
        assert old.scaled_rows(rows) is not grown.scaled_rows(rows)  # the old object is left as it was


def test_an_index_grown_by_add_items_keeps_its_alignment_and_adds_the_new_rows(store, monkeypatch):
    add(store, [row("ann", 0, 1.0), row("bob", 0, 1.0), row("ann", 5, 1.0)])
    store.add_interactions("C", [PersonaInteraction(persona_id=to_uuid("ann"), item_id=to_uuid("later"), weight=1.0,
                                                    created_at=NOW)])  # liked before the item exists
    pop = popularity(store, "C")
    old_ids = store._index("C").uuids
    pop.scaled_rows(old_ids)
    scattered = []
    monkeypatch.setattr(Popularity, "_scattered", lambda self, ids, find: scattered.append(1) or np.zeros(len(ids)))
    store.add_items("C", [Item(uuid=to_uuid("later"), properties={"title": "later"}),
                          Item(uuid=to_uuid("new"), properties={"title": "new"})], np.ones((2, 2), np.float32))
    ids = store._index("C").uuids
    assert ids is not old_ids and ids.extends(old_ids) and not old_ids.extends(ids)
    got = popularity(store, "C").scaled_rows(ids)
    assert not scattered  # aligned by extension, not from scratch
    monkeypatch.undo()
    np.testing.assert_allclose(got, Popularity(_like_counts(store, "C")).scaled(list(ids)))
    assert got[-2] > 0 and got[-1] == 0  # the item liked before it existed counts; the new one has no likes


def test_the_behaviour_model_is_carried_over_appends_and_scores_as_a_fresh_one(store):
    from core import train_behaviour
    from core.learn import BehaviourModel
    from core.learn.train import behaviour_model

    add(store, [row(f"p{p}", i, 1.0, p * 6 + i) for p in range(8) for i in range(6) if (p + i) % 3])
    train_behaviour(store, "C", dims=2, l2=1.0)
    model = behaviour_model(store, "C")
    query = model.query(ITEMS[:2], [1.0, 1.0])
    first = model.similarity_rows(query, store._index("C").uuids)
    add(store, [row("late", 0, 1.0, 99)])  # an appended interaction: the vectors are the same
    carried = behaviour_model(store, "C")
    assert carried is not model and carried.learned is model.learned  # a new object (readers keep the old)
    np.testing.assert_array_equal(carried.similarity_rows(query, store._index("C").uuids), first)
    new = to_uuid("item-new")
    store.add_items("C", [Item(uuid=new, properties={"title": "new"})], np.array([[0.3, 0.9]], np.float32))
    ids = store._index("C").uuids  # the grown row list: the old rows' alignment reused, the new id looked up
    grown_model, full = behaviour_model(store, "C"), []
    grown_model.rows_of = lambda given: full.append(len(given)) or BehaviourModel.rows_of(grown_model, given)
    got = grown_model.similarity_rows(query, ids)
    assert full == []  # no lookup of every row: the earlier alignment plus the one new id
    want = BehaviourModel(model.learned).similarity_rows(query, ids)
    np.testing.assert_array_equal(got, want)
    assert got[-1] == 0.0 and len(got) == len(ITEMS) + 1  # an item the model never saw scores 0
