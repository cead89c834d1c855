"""BM25 scored from FTS5's postings in numpy (core/store/embedded/fts_memory.py) against FTS5's own bm25().

Every comparison is exact: the same ids in the same order with the same float scores. The reference is
FTS5 itself (``-bm25(fts)`` over every match, ordered by score then row), on the shipped catalogs and on
tricky queries (unicode, underscores, digits, repeated and operator-like words, stopwords), after writes by
this process and another one; a tiny table is also checked against the formula computed by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, generate_uuid5
from core.io.samples import list_samples, load_sample
from core.store.embedded import fts, fts_memory
from core.store.embedded.fts import fts_query
from core.store.embedded.fts_memory import simple_terms
from core.text import words


@pytest.fixture
def in_memory(monkeypatch):
    """Every query of the simple form is answered from the postings (the row sizes read on its first ask)."""
    monkeypatch.setattr(fts_memory, "_SIZES_AT", 10 ** 12)


def fts5_answer(store: EmbeddedStore, name: str, query: str, limit: int, monkeypatch, **kw) -> list[tuple]:
    """The store's answer with the in-memory path off: FTS5's SQL paths (nothing kept from a repeated query)."""
    with monkeypatch.context() as m:
        m.setattr(fts, "_in_memory", lambda *a: None)
        fts._STATE.clear()
        got = [(h.uuid, h.score) for h in store.bm25(name, query, limit, **kw)]
    fts._STATE.clear()
    return got


def answer(store: EmbeddedStore, name: str, query: str, limit: int, **kw) -> list[tuple]:
    return [(h.uuid, h.score) for h in store.bm25(name, query, limit, **kw)]


def every_match(store: EmbeddedStore, name: str, query: str) -> dict[int, float]:
    cid = store._cid(name)
    match = fts_query(query, store.get_collection(name).text_fields)
    return dict(store._db.execute(f"SELECT rowid, -bm25(fts_{cid}) FROM fts_{cid} WHERE fts_{cid} MATCH ?", (match,)))


def memory_matches(store: EmbeddedStore, name: str, query: str) -> dict[int, float] | None:
    cid, index = store._cid(name), store._index(name)
    match = fts_query(query, store.get_collection(name).text_fields)
    found = fts._in_memory(store._db, cid, match, index)
    if found is None:
        return None
    rows = fts._item_rows(store._db, cid, index)
    return dict(zip(rows[found[0]].tolist(), found[1].tolist()))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """Each shipped catalog in one store (its own vectors), with queries from its own words."""
    store = EmbeddedStore(tmp_path_factory.mktemp("bm25mem") / "shipped.db")
    queries = {}
    for info in list_samples():
        catalog = load_sample(info.name)
        name = f"C_{info.name}"
        store.create_collection(CollectionSpec(name, catalog.vectors.shape[1], text_fields=catalog.text_fields))
        store.add_items(name, catalog.items, catalog.vectors)
        rng = np.random.default_rng(len(name))
        vocab = sorted({w for item in catalog.items[:400] for f in catalog.text_fields
                        for w in words(str(item.properties.get(f, "")))})
        picked = [" ".join(rng.choice(vocab, size=int(rng.integers(1, 4)))) for _ in range(40)]
        queries[name] = picked + ["the", "love war", "a b c", "2001", "dark_comedy", "café crème"]
    yield store, queries
    store.close()


def test_scores_equal_fts5_on_the_shipped_catalogs(shipped, in_memory):
    store, queries = shipped
    compared = 0
    for name, qs in queries.items():
        for q in qs:
            match = fts_query(q, store.get_collection(name).text_fields)
            if match is None or simple_terms(match) is None:
                continue
            fts._STATE.clear()
            assert memory_matches(store, name, q) == every_match(store, name, q), (name, q)
            compared += 1
    assert compared > 100


def test_answers_equal_fts5s_paths_on_the_shipped_catalogs(shipped, in_memory, monkeypatch):
    store, queries = shipped
    for name, qs in queries.items():
        for q in qs[:15] + qs[-6:]:
            for limit in (1, 10, 100):
                want = fts5_answer(store, name, q, limit, monkeypatch)
                assert answer(store, name, q, limit) == want, (name, q, limit)
                excluded = [u for u, _ in want[::3]]
                assert answer(store, name, q, limit, exclude=excluded) == \
                    fts5_answer(store, name, q, limit, monkeypatch, exclude=excluded)


@pytest.mark.parametrize("match,terms", [('"amber"', ["amber"]), ('"amber" OR "x1"', ["amber", "x1"]),
                                         ('"café"', None), ('"dark_comedy"', None), ('{c0} : ("amber")', None),
                                         ('"amber" AND "birch"', None), ('"amb"*', None), ('"a b"', None),
                                         ('"Amber"', None), ('amber', None), ('"amber" OR', None)])
def test_only_quoted_ascii_words_ored_are_answered_here(match, terms):
    assert simple_terms(match) == terms


TRICKY = ["Ünïcödé naïve café", "straße STRASSE", "snake_case words", "東京 タワー", "R2-D2 c3po 1977",
          "amber amber AMBER", "NOT amber OR birch AND near", "star* -wars ^boost", '"quoted" (paren)',
          "the of and", "x", "ámber"]


@pytest.fixture
def tricky(tmp_path):
    rng = np.random.default_rng(3)
    store = EmbeddedStore(tmp_path / "tricky.db")
    store.create_collection(CollectionSpec("T", 4, text_fields=("title", "tags")))
    titles = [" ".join(rng.choice(["amber", "birch", "Café", "cafe", "naïve", "straße", "snake_case", "東京",
                                   "R2-D2", "1977", "near", "not", "and", "star", "wars", "x", "ámber"],
                                  size=int(rng.integers(1, 6)))) for _ in range(300)]
    titles[7] += " zephyr"  # one rare word
    items = [Item(uuid=generate_uuid5(f"t{i}"), properties={"title": t, "tags": ["amber"] if i % 5 == 0 else []})
             for i, t in enumerate(titles)]
    v = rng.normal(size=(len(items), 4)).astype(np.float32)
    store.add_items("T", items, v / np.linalg.norm(v, axis=1, keepdims=True))
    yield store
    store.close()


@pytest.mark.parametrize("query", TRICKY)
def test_tricky_queries_answer_as_fts5_does(tricky, in_memory, monkeypatch, query):
    """Whatever path answers (here, or FTS5 for a form not covered), the answer is FTS5's."""
    want = fts5_answer(tricky, "T", query, 50, monkeypatch)
    assert answer(tricky, "T", query, 50) == want
    assert answer(tricky, "T", query, 50, query_properties=["title"]) == \
        fts5_answer(tricky, "T", query, 50, monkeypatch, query_properties=["title"])


def test_the_formula_by_hand(tmp_path, in_memory):
    """Three rows, hand-computed: idf from N and n, tf, row sizes in tokens (every column), avgdl over all."""
    store = EmbeddedStore(tmp_path / "hand.db")
    try:
        store.create_collection(CollectionSpec("H", 2, text_fields=("title", "tags")))
        texts = [("amber amber birch", ["cedar"]), ("birch", ["amber", "delta", "ember"]), ("cedar cedar", [])]
        store.add_items("H", [Item(uuid=generate_uuid5(f"h{i}"), properties={"title": t, "tags": g})
                              for i, (t, g) in enumerate(texts)], np.eye(3, 2, dtype=np.float32) + 0.1)
        sizes, avgdl, rows = [4, 4, 2], 10 / 3, 3

        def part(tf, size, n):
            idf = max(math.log((rows - n + 0.5) / (n + 0.5)), 0) or 1e-6
            return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * size / avgdl))
        got = {h.uuid: h.score for h in store.bm25("H", "amber cedar", 10)}
        want = {generate_uuid5("h0"): part(2, 4, 2) + part(1, 4, 2), generate_uuid5("h1"): part(1, 4, 2),
                generate_uuid5("h2"): part(2, 2, 2)}
        assert got.keys() == want.keys() and all(got[u] == pytest.approx(want[u], rel=1e-12) for u in want)
        assert memory_matches(store, "H", "amber cedar") == every_match(store, "H", "amber cedar")
    finally:
        store.close()


def test_fresh_after_writes_here_and_in_another_process(tricky, tmp_path, in_memory, monkeypatch):
    store = tricky
    before = answer(store, "T", "amber birch", 1000)
    assert before == fts5_answer(store, "T", "amber birch", 1000, monkeypatch)
    answer(store, "T", "amber birch", 1000)  # the postings kept for this index
    new = [Item(uuid=generate_uuid5(f"n{i}"), properties={"title": "amber " * (i + 1), "tags": []}) for i in range(6)]
    store.add_items("T", new, np.ones((6, 4), np.float32) / 2)
    read = []
    sizes = fts_memory._sizes
    monkeypatch.setattr(fts_memory, "_sizes", lambda db, cid, rows, before: read.append(
        len(rows) - (0 if before is None else len(before))) or sizes(db, cid, rows, before))
    newer = fts_memory._newer
    grown = []
    monkeypatch.setattr(fts_memory, "_newer",
                        lambda db, cid, term, last: grown.append(term) or newer(db, cid, term, last))
    got = answer(store, "T", "amber birch", 1000)
    assert read == [6]  # the old rows' sizes came with the index this one extends: only the new rows' were read
    assert grown == ["amber", "birch"]  # and so did the terms' postings: only the new rows were searched
    assert got != before and {i.uuid for i in new} & {u for u, _ in got}
    assert got == fts5_answer(store, "T", "amber birch", 1000, monkeypatch)
    answer(store, "T", "amber birch", 1000)
    other = EmbeddedStore(tmp_path / "tricky.db")
    try:
        other.add_items("T", [Item(uuid=generate_uuid5("o"), properties={"title": "birch " * 9, "tags": []})],
                        np.ones((1, 4), np.float32) / 2)
    finally:
        other.close()
    got = answer(store, "T", "amber birch", 1000)
    assert generate_uuid5("o") in {u for u, _ in got}
    assert got == fts5_answer(store, "T", "amber birch", 1000, monkeypatch)


def test_a_small_query_is_left_to_fts5_until_the_sizes_are_read(tricky):
    store = tricky
    n = store.count("T")
    rare = "zephyr"
    assert 0 < len(every_match(store, "T", rare)) * fts_memory._SIZES_AT < n
    assert memory_matches(store, "T", rare) is None  # FTS5 answers: reading every row's size would cost more
    assert memory_matches(store, "T", "amber") == every_match(store, "T", "amber")  # a large one reads them
    assert memory_matches(store, "T", rare) == every_match(store, "T", rare)  # then every query is served here


def test_a_text_holding_the_marker_reads_the_term_again(tricky, in_memory, monkeypatch):
    store = tricky
    answer(store, "T", "amber", 1000)
    store.add_items("T", [Item(uuid=generate_uuid5("m"), properties={"title": "amber\x01 amber", "tags": []})],
                    np.ones((1, 4), np.float32) / 2)
    index = store._index("T")
    assert fts_memory._newer(store._db, store._cid("T"), "amber", int(index.rows[-2])) is None
    got = answer(store, "T", "amber", 1000)
    assert generate_uuid5("m") in {u for u, _ in got}
    assert got == fts5_answer(store, "T", "amber", 1000, monkeypatch)


def test_two_writes_without_a_search_between_still_carry_what_was_read(tricky, in_memory, monkeypatch):
    store = tricky
    answer(store, "T", "amber", 1000)
    for k in range(2):  # the index of the first write is never searched
        store.add_items("T", [Item(uuid=generate_uuid5(f"c{k}"), properties={"title": "amber birch", "tags": []})],
                        np.ones((1, 4), np.float32) / 2)
    read = []
    sizes = fts_memory._sizes
    monkeypatch.setattr(fts_memory, "_sizes", lambda db, cid, rows, before: read.append(
        len(rows) - (0 if before is None else len(before))) or sizes(db, cid, rows, before))
    got = answer(store, "T", "amber", 1000)
    assert read == [2]
    assert got == fts5_answer(store, "T", "amber", 1000, monkeypatch)


def test_a_collection_dropped_and_made_again_is_searched_afresh(tmp_path, in_memory, monkeypatch):
    """Its FTS5 table (and id) may be reused: the vocabulary table here reads it by name."""
    store = EmbeddedStore(tmp_path / "again.db")
    try:
        for rnd in range(2):
            store.create_collection(CollectionSpec("A", 2, text_fields=("title",) if rnd == 0 else ("title", "x")))
            store.add_items("A", [Item(uuid=generate_uuid5(f"{rnd}-{i}"), properties={
                "title": "amber " + "birch " * (i % 3) + ("cedar" * rnd), "x": "amber"}) for i in range(20)],
                np.ones((20, 2), np.float32) / np.sqrt(2))
            got = answer(store, "A", "amber cedar", 50)
            assert got == fts5_answer(store, "A", "amber cedar", 50, monkeypatch) and len(got) == 20
            store.delete_collection("A")
    finally:
        store.close()


def test_new_vectors_keep_what_was_read_of_the_texts(tricky, in_memory, monkeypatch):
    """put_vectors makes a new index over the same rows: their sizes and terms come along, nothing is read again."""
    store = tricky
    want = answer(store, "T", "amber birch", 1000)
    ids = [u for u, _ in want[:3]]
    store.put_vectors("T", ids, np.ones((3, 4), np.float32) / 2)
    read = []
    sizes = fts_memory._sizes
    monkeypatch.setattr(fts_memory, "_sizes", lambda db, cid, rows, before: read.append(
        len(rows) - (0 if before is None else len(before))) or sizes(db, cid, rows, before))
    assert answer(store, "T", "amber birch", 1000) == want
    assert read == [0]
    assert want == fts5_answer(store, "T", "amber birch", 1000, monkeypatch)


def test_rows_of_many_tokens_have_their_sizes_read(tmp_path, in_memory, monkeypatch):
    """A column of 128 tokens or more has a size of two bytes (a varint) in FTS5's _docsize table."""
    store = EmbeddedStore(tmp_path / "long.db")
    try:
        store.create_collection(CollectionSpec("L", 2, text_fields=("title", "body")))
        rng = np.random.default_rng(5)
        store.add_items("L", [Item(uuid=generate_uuid5(f"l{i}"), properties={
            "title": "amber birch", "body": " ".join(rng.choice(["amber", "cedar", "delta"], size=int(n)))})
            for i, n in enumerate([0, 3, 127, 128, 129, 300, 20000, 5])], np.ones((8, 2), np.float32) / np.sqrt(2))
        for q in ("amber", "cedar delta", "birch"):
            assert memory_matches(store, "L", q) == every_match(store, "L", q)
            assert answer(store, "L", q, 5) == fts5_answer(store, "L", q, 5, monkeypatch)
    finally:
        store.close()


def test_an_sqlite_that_scores_otherwise_is_left_to_rank_everything(tricky, in_memory, monkeypatch):
    assert fts_memory.formula_holds()  # this process's SQLite: checked once against its own bm25()
    assert memory_matches(tricky, "T", "amber") == every_match(tricky, "T", "amber")
    monkeypatch.setattr(fts_memory, "formula_holds", lambda: False)
    fts._STATE.clear()
    assert memory_matches(tricky, "T", "amber") is None
    assert answer(tricky, "T", "amber", 20) == fts5_answer(tricky, "T", "amber", 20, monkeypatch)
