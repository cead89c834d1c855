"""The embedded store's BM25 (core/store/embedded/fts.py) against the plain query it replaced.

The reference is the old path written out plainly: every match joined to its item, ordered by
score then row, then filtered and excluded in Python with the filter's meaning written by hand
(year ranges, a genre), and cut to ``limit``. The store must answer the same ids, in the same
order, with the same scores, on catalogs whose items are interleaved with another collection's
(rows not contiguous), with ties, with filters that keep many, few or none of the best matches,
and after writes by this process and by another one.
"""

from __future__ import annotations

import json
from uuid import UUID

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import CollectionSpec, EmbeddedStore, InvalidInputError, Item, generate_uuid5
from core.store.embedded import fts
from core.store.embedded.fts import bm25_hits

WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "juniper", "kelp",
         "lotus", "maple", "nectar", "onyx", "pearl"]
GENRES = ["Comedy", "Drama", "Horror", "Documentary"]


def catalog(rng: np.random.Generator, n: int, start: int) -> list[Item]:
    """Items whose titles draw words Zipf-like (common words match many, with repeats: scores tie)."""
    p = 1 / np.arange(1, len(WORDS) + 1)
    items = []
    for i in range(start, start + n):
        title = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 5)), p=p / p.sum()))
        genre = GENRES[0] if i % 7 == 0 else GENRES[int(rng.integers(1, 4))]  # Comedy: every 7th item
        items.append(Item(uuid=generate_uuid5(f"item-{i}"), properties={"title": title, "genres": [genre],
                                                                        "year": 1950 + int(rng.integers(0, 70))}))
    return items


def vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 8)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def add(store: EmbeddedStore, name: str, items: list[Item], rng: np.random.Generator) -> None:
    store.add_items(name, items, vectors(rng, len(items)))


@pytest.fixture
def shelf(tmp_path):
    """Collection "Books" of 900 items added in batches interleaved with collection "Other"'s."""
    rng = np.random.default_rng(7)
    store = EmbeddedStore(tmp_path / "bm25.db")
    for name in ("Books", "Other"):
        store.create_collection(CollectionSpec(name, 8, text_fields=("title", "genres")))
    for batch in range(3):
        add(store, "Books", catalog(rng, 300, batch * 300), rng)
        add(store, "Other", catalog(rng, 50, 10_000 + batch * 50), rng)
    yield store, rng
    store.close()


def reference(store: EmbeddedStore, name: str, query: str, limit: int, keep=None, exclude=()) -> list[tuple]:
    """The old path: all matches joined to items, ordered by score then row, filtered in Python, cut."""
    cid = store._cid(name)
    terms = " OR ".join(f'"{w}"' for w in query.lower().split())
    rows = store._db.execute(f"SELECT i.uuid, -bm25(fts_{cid}) AS s, i.properties FROM fts_{cid} JOIN items i"
                             f" ON i.row = fts_{cid}.rowid WHERE fts_{cid} MATCH ? ORDER BY s DESC, i.row",
                             (terms,)).fetchall()
    excluded = {str(u) for u in exclude}
    out = [(uuid, score) for uuid, score, properties in rows
           if uuid not in excluded and (keep is None or keep(json.loads(properties)))]
    return out[:limit]


def answer(store: EmbeddedStore, name: str, query: str, limit: int, **kw) -> list[tuple]:
    return [(str(h.uuid), h.score) for h in store.bm25(name, query, limit, **kw)]


RECENT = (Filter.by_property("year").greater_or_equal(2000), lambda p: p["year"] >= 2000)
COMEDY = (Filter.by_property("genres").contains_any(["Comedy"]), lambda p: "Comedy" in p["genres"])
NARROW = (Filter.by_property("year").equal(1977), lambda p: p["year"] == 1977)
NOTHING = (Filter.by_property("year").greater_than(3000), lambda p: False)


@pytest.mark.parametrize("query", ["amber", "amber birch", "pearl onyx", "juniper kelp lotus", "comedy amber"])
@pytest.mark.parametrize("limit", [1, 5, 40, 2000])
def test_unfiltered_matches_the_plain_query(shelf, query, limit):
    store, _ = shelf
    want = reference(store, "Books", query, limit)
    assert want, "the query matches something"
    assert answer(store, "Books", query, limit) == want


@pytest.mark.parametrize("query", ["amber", "pearl onyx", "comedy birch"])
@pytest.mark.parametrize("limit", [1, 7, 60])
@pytest.mark.parametrize("flt", [RECENT, COMEDY, NARROW, NOTHING], ids=["recent", "comedy", "narrow", "nothing"])
def test_filtered_matches_the_plain_query(shelf, query, limit, flt):
    store, _ = shelf
    want = reference(store, "Books", query, limit, keep=flt[1])
    assert answer(store, "Books", query, limit, filters=flt[0]) == want


def test_exclusions_with_and_without_a_filter(shelf):
    store, _ = shelf
    top = reference(store, "Books", "amber birch", 30)
    exclude = [UUID(u) for u, _ in top[:25:2]] + [generate_uuid5("not-an-item")]
    for limit in (1, 10, 30):
        assert answer(store, "Books", "amber birch", limit, exclude=exclude) == reference(
            store, "Books", "amber birch", limit, exclude=exclude)
        assert answer(store, "Books", "amber birch", limit, exclude=exclude, filters=RECENT[0]) == reference(
            store, "Books", "amber birch", limit, keep=RECENT[1], exclude=exclude)


def test_a_filter_keeps_the_best_matches_it_passes_not_the_best_matches(shelf):
    store, _ = shelf
    got = answer(store, "Books", "amber", 5, filters=COMEDY[0])
    assert got == reference(store, "Books", "amber", 5, keep=COMEDY[1]) and len(got) == 5
    assert got != reference(store, "Books", "amber", 5)  # the best unfiltered matches are not all comedies


def test_rows_added_after_an_index_was_read_are_not_in_its_answer(shelf, tmp_path):
    """Another process's items are in the FTS table before this process's index has them: skipped, and the
    old rows keep their own ids (a row past the index's last is not taken for its last item)."""
    store, rng = shelf
    index = store._index("Books")
    other = EmbeddedStore(tmp_path / "bm25.db")
    try:
        add(other, "Books", [Item(uuid=generate_uuid5(f"new-{i}"), properties={
            "title": "amber amber amber", "genres": ["Comedy"], "year": 2001}) for i in range(5)], rng)
    finally:
        other.close()
    cid, mask = store._cid("Books"), index.allowed(RECENT[0], ())
    got = [(str(h.uuid), h.score) for h in bm25_hits(store._db, cid, '"amber"', 20, index, allowed=mask, exclude=set())]
    new = {str(generate_uuid5(f"new-{i}")) for i in range(5)}
    every = reference(store, "Books", "amber", 10**6, keep=RECENT[1])
    assert new <= {u for u, _ in every[:20]}  # they would be among the answer
    assert got == [(u, s) for u, s in every if u not in new][:20]


def test_writes_here_and_in_another_process_are_searched(shelf, tmp_path):
    store, rng = shelf
    assert answer(store, "Books", "amber", 10, filters=RECENT[0])  # the row map of this index is built
    add(store, "Books", catalog(rng, 40, 5000), rng)
    add(store, "Other", catalog(rng, 10, 20_000), rng)
    assert answer(store, "Books", "amber", 50, filters=RECENT[0]) == reference(store, "Books", "amber", 50,
                                                                                keep=RECENT[1])
    other = EmbeddedStore(tmp_path / "bm25.db")
    try:
        add(other, "Books", catalog(rng, 40, 6000), rng)
    finally:
        other.close()
    want = reference(store, "Books", "amber", 80, keep=RECENT[1])
    assert any(u in {str(i.uuid) for i in store.iter_items("Books", offset=940)} for u, _ in want)
    assert answer(store, "Books", "amber", 80, filters=RECENT[0]) == want
    assert answer(store, "Books", "amber", 80) == reference(store, "Books", "amber", 80)


@pytest.mark.parametrize("query", ["amber", "pearl onyx", "comedy birch"])
def test_a_repeated_query_answers_the_same_from_its_kept_ranking(shelf, query):
    """Asked once: SQL; asked again: the whole ranking is read and kept; then every ask reads it (with any
    filter, exclusions, limit), and a write starts over on the new index."""
    store, rng = shelf
    exclude = [UUID(u) for u, _ in reference(store, "Books", query, 12)[1::3]]
    asks = [dict(limit=9), dict(limit=9, filters=NARROW[0]), dict(limit=40, exclude=exclude),
            dict(limit=5, filters=COMEDY[0], exclude=exclude), dict(limit=2000), dict(limit=3, filters=NOTHING[0])]
    keeps = [None, NARROW[1], None, COMEDY[1], None, NOTHING[1]]
    for round_ in range(2):
        for kw, keep in zip(asks, keeps):
            for _ in range(2):
                want = reference(store, "Books", query, kw["limit"], keep=keep, exclude=kw.get("exclude", ()))
                assert answer(store, "Books", query, **kw) == want, (round_, kw)
        assert len(fts._STATE[store._index("Books")].ranked) == 1  # the repeats were answered from the ranking
        add(store, "Books", catalog(rng, 30, 7000 + round_ * 100), rng)
        assert not fts._STATE.get(store._index("Books")) or not fts._STATE[store._index("Books")].ranked


def test_kept_rankings_are_bounded(shelf, monkeypatch):
    store, _ = shelf
    monkeypatch.setattr(fts, "_RANKINGS", 2)
    for word in ("amber", "birch", "cedar", "delta"):
        for _ in range(2):
            assert answer(store, "Books", word, 5) == reference(store, "Books", word, 5)
    state = fts._STATE[store._index("Books")]
    assert list(state.ranked) == ['"cedar"', '"delta"']
    monkeypatch.setattr(fts, "_RANKED_MATCHES", 1)  # one ranking is kept whatever its size
    for _ in range(2):
        assert answer(store, "Books", "amber", 5) == reference(store, "Books", "amber", 5)
    assert list(state.ranked) == ['"amber"']


def test_a_bad_limit_is_refused(shelf):
    store, _ = shelf
    for bad in (0, -1, True, 2.5):
        with pytest.raises(InvalidInputError, match="limit must be a positive integer"):
            store.bm25("Books", "amber", bad)
