"""The keyword warm-up of an index just read (core/store/embedded/fts_warm.py), on real SQLite files.

What it reads must be what a query would have read itself: every answer is compared with FTS5's own
``-bm25()`` ranking and with a store that does not warm, and the query must not read the sizes or the common
terms again on its own connection. A write by another process, a collection replaced meanwhile, a close while
it reads and a query arriving while it reads are each exercised.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, generate_uuid5
from core.store.embedded import fts, fts_memory, fts_warm
from core.store.embedded.fts_warm import Warm

WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heath", "iris", "juniper", "kelp", "the"]
QUERIES = ["amber", "birch cedar", "the amber", "kelp", "juniper iris heath", "zephyr", "amber birch cedar delta"]


def items(start: int, count: int, seed: int = 0) -> list[Item]:
    rng = np.random.default_rng(seed + start)
    p = 1 / np.arange(1, len(WORDS) + 1)
    return [Item(uuid=generate_uuid5(f"w{start + i}"), properties={
        "title": " ".join(rng.choice(WORDS, size=int(rng.integers(1, 7)), p=p / p.sum())),
        "tags": ["zephyr"] if (start + i) % 97 == 0 else []}) for i in range(count)]


def vectors(count: int) -> np.ndarray:
    v = np.random.default_rng(count).normal(size=(count, 4)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def path(tmp_path, monkeypatch):
    """A store file of 1,200 items (warmed from 500 rows here), closed."""
    monkeypatch.setattr(fts_warm, "WARM_FROM", 500)
    file = tmp_path / "warm.db"
    store = EmbeddedStore(file)
    store.create_collection(CollectionSpec("W", 4, text_fields=("title", "tags")))
    store.add_items("W", items(0, 1200), vectors(1200))
    store.close()
    return file


def fts5_ranking(store: EmbeddedStore, query: str) -> list[tuple]:
    """Every match as FTS5 ranks it (score desc, row asc), as (uuid, score)."""
    cid = store._cid("W")
    match = fts.fts_query(query, ("title", "tags"))
    rows = store._db.execute(f"SELECT i.uuid, -bm25(fts_{cid}) AS s FROM fts_{cid} JOIN items i ON i.row = "
                             f"fts_{cid}.rowid WHERE fts_{cid} MATCH ? ORDER BY s DESC, i.row", (match,)).fetchall()
    return [(str(u), s) for u, s in rows]


def answer(store: EmbeddedStore, query: str) -> list[tuple]:
    return [(str(h.uuid), h.score) for h in store.bm25("W", query, 5000)]


def warm_of(store: EmbeddedStore) -> Warm:
    warm = fts.postings_of(store._index("W")).warm
    assert warm is not None
    return warm


def main_thread_reads(monkeypatch) -> list[str]:
    """What the requesting thread reads itself of the sizes and the terms' postings (the warm-up's are not)."""
    fts_memory.formula_holds()  # its once-per-process check reads a table of its own: not counted
    reads: list[str] = []
    main = threading.current_thread()
    sizes, terms = fts_memory.read_sizes, fts_memory.term_rows

    def read_sizes(db, cid, rows, before):
        got = sizes(db, cid, rows, before)
        if threading.current_thread() is main and got[1]:
            reads.append(f"sizes of {got[1]} rows")
        return got

    def term_rows(db, vocab, term):
        if threading.current_thread() is main:
            reads.append(term)
        return terms(db, vocab, term)
    monkeypatch.setattr(fts_memory, "read_sizes", read_sizes)
    monkeypatch.setattr(fts_memory, "term_rows", term_rows)
    return reads


def test_the_warm_answer_equals_the_cold_one_and_fts5s(path, monkeypatch):
    reads = main_thread_reads(monkeypatch)
    store = EmbeddedStore(path)
    try:
        store.count("W")  # the index is read: its warm-up starts
        warm = warm_of(store)
        warm.join(30)
        stats, terms = warm.terms()
        assert warm.sizes(wait=False) is not None and {"amber", "birch", "cedar"} <= set(terms)
        assert "the" not in terms  # a stopword: no query asks for it
        got = {q: answer(store, q) for q in QUERIES}
        assert reads == ["kelp", "zephyr"]  # rarer terms; the sizes and the common terms came from the warm-up
    finally:
        store.close()
    monkeypatch.setattr(fts_warm, "WARM_FROM", 10 ** 12)
    cold = EmbeddedStore(path)
    try:
        cold.count("W")
        assert fts.postings_of(cold._index("W")).warm is None
        for q in QUERIES:
            assert got[q] == answer(cold, q) == fts5_ranking(cold, q), q
    finally:
        cold.close()


def test_a_query_during_the_warm_up_waits_for_its_sizes(path, monkeypatch):
    reads = main_thread_reads(monkeypatch)
    gate, sizes = threading.Event(), fts_memory.read_sizes

    def slow(db, cid, rows, before):  # the warm-up's read, held until released
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)
        return sizes(db, cid, rows, before)
    monkeypatch.setattr(fts_warm.fts_memory, "read_sizes", slow)
    store = EmbeddedStore(path)
    try:
        store.count("W")
        threading.Timer(0.3, gate.set).start()
        t = time.perf_counter()
        got = answer(store, "amber")  # large: needs every row's size
        assert time.perf_counter() - t >= 0.25  # it waited for the warm-up's read rather than reading them again
        assert not [r for r in reads if r.startswith("sizes")]
        assert got == fts5_ranking(store, "amber")
    finally:
        gate.set()
        store.close()


def test_close_while_warming_stops_it_at_once(path, monkeypatch):
    sizes = fts_memory.read_sizes
    started = threading.Event()

    def endless(db, cid, rows, before):  # SQL that only the progress handler can stop
        started.set()
        db.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c").fetchone()
        return sizes(db, cid, rows, before)
    monkeypatch.setattr(fts_warm.fts_memory, "read_sizes", endless)
    store = EmbeddedStore(path)
    store.count("W")
    warm = warm_of(store)
    assert started.wait(10)
    t = time.perf_counter()
    store.close()
    assert time.perf_counter() - t < 1.0
    assert not warm.running()
    assert warm.sizes(wait=False) is None  # stopped: nothing kept
    assert not [t for t in threading.enumerate() if t.name.startswith("fts-warm")]


def held_warm_up(path, monkeypatch, meanwhile) -> tuple[EmbeddedStore, Warm]:
    """A store whose index was read, its warm-up held before its read until ``meanwhile(other store)`` ran."""
    gate, read = threading.Event(), Warm._read
    monkeypatch.setattr(Warm, "_read", lambda self, db: gate.wait(10) and read(self, db))
    store = EmbeddedStore(path)
    try:
        store.count("W")
        warm = warm_of(store)
        other = EmbeddedStore(path)
        meanwhile(other)
        other.close()
    finally:
        gate.set()
    warm.join(30)
    return store, warm


def test_rows_another_process_adds_before_the_warm_up_reads(path, monkeypatch):
    """The sizes of the index's rows are kept, the terms are not (their counts are the file's, not the index's);
    the next query sees the new rows and still answers as FTS5 does."""
    store, warm = held_warm_up(path, monkeypatch, lambda other: other.add_items("W", items(5000, 40, seed=9),
                                                                                 vectors(40)))
    try:
        assert warm.sizes(wait=False) is not None and warm.terms() == ((0, 0.0), {})
        reads = main_thread_reads(monkeypatch)
        for q in QUERIES:
            assert answer(store, q) == fts5_ranking(store, q), q
        assert "sizes of 40 rows" in reads  # only the new rows' sizes were read here
        assert store.count("W") == 1240
    finally:
        store.close()


def test_a_collection_replaced_before_the_warm_up_reads_is_not_warmed(path, monkeypatch):
    def replace(other: EmbeddedStore) -> None:
        other.delete_collection("W")
        other.create_collection(CollectionSpec("W", 4, text_fields=("title", "tags")))
        other.add_items("W", items(0, 1200, seed=5), vectors(1200))
    store, warm = held_warm_up(path, monkeypatch, replace)
    try:
        assert warm.sizes(wait=False) is None and warm.terms() == ((0, 0.0), {})
        for q in QUERIES:
            assert answer(store, q) == fts5_ranking(store, q), q
    finally:
        store.close()


def test_writes_here_during_and_after_the_warm_up_answer_as_fts5(path):
    store = EmbeddedStore(path)
    try:
        store.count("W")
        warm = warm_of(store)
        store.add_items("W", items(7000, 25, seed=3), vectors(25))  # the index grows while the warm-up may read
        for q in QUERIES:
            assert answer(store, q) == fts5_ranking(store, q), q
        warm.join(30)
        grown = fts.postings_of(store._index("W"))
        for q in QUERIES:
            assert answer(store, q) == fts5_ranking(store, q), q
        assert grown.warm is None and grown.sizes is not None  # what the warm-up read was taken
        store.add_items("W", items(8000, 5, seed=4), vectors(5))
        for q in QUERIES:
            assert answer(store, q) == fts5_ranking(store, q), q
    finally:
        store.close()


def test_stores_in_memory_and_small_indexes_do_not_warm(tmp_path, monkeypatch):
    monkeypatch.setattr(fts_warm, "WARM_FROM", 500)
    memory = EmbeddedStore(":memory:")
    memory.create_collection(CollectionSpec("W", 4, text_fields=("title", "tags")))
    memory.add_items("W", items(0, 600), vectors(600))
    assert fts.postings_of(memory._index("W")).warm is None
    memory.close()
    small = EmbeddedStore(tmp_path / "small.db")
    small.create_collection(CollectionSpec("W", 4, text_fields=("title", "tags")))
    small.add_items("W", items(0, 400), vectors(400))
    assert fts.postings_of(small._index("W")).warm is None
    small.close()
