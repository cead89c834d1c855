"""The embedded store's vector files (core/store/embedded/vector_files.py, index_io.py, rows.py, buffers.py).

A store reopened from its memory-mapped files answers exactly as a ``":memory:"`` store holding the
same items; a torn file, a file from an older state, a write from another connection or an older
engine, and a foreign file are noticed and the answers stay right (the files rebuilt or extended
from SQLite); two store objects on one file stay right; appends extend the index without changing
what a reader holds, equal to an index read back from scratch; the id lookup and the popularity /
behaviour alignment through it equal the plain per-row paths.
"""

from __future__ import annotations

import logging
import mmap
import shutil
import sqlite3
import uuid
from datetime import datetime, timezone

import numpy as np
import pytest
from weaviate.classes.query import Filter

from core import CollectionSpec, EmbeddedStore, Item, to_uuid
from core.retrieval.popularity import Popularity
from core.store.base import StoredInteraction
from core.store.embedded.buffers import Arrays, MemoryBacking
from core.store.embedded.rows import Uuids

DIMS = 8
SPEC = CollectionSpec("C", DIMS, text_fields=("title",), vectors={"default": DIMS, "other": 4})
GENRES = ["comedy", "drama", "horror"]


def batch(start: int, stop: int, seed: int = 0) -> tuple[list[Item], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed + start)
    items = [Item(uuid=to_uuid(f"i{k}"), properties={"title": f"item {k} {GENRES[k % 3]}", "year": 1990 + k % 30,
                                                     "genres": [GENRES[k % 3], GENRES[k * 2 % 3]],
                                                     **({"flag": True} if k % 5 == 0 else {})})
             for k in range(start, stop)]
    return items, {"default": rng.normal(size=(stop - start, DIMS)), "other": rng.normal(size=(stop - start, 4))}


def filled(store: EmbeddedStore, n: int = 3000, chunks: int = 3) -> EmbeddedStore:
    store.create_collection(SPEC)
    step = n // chunks
    for start in range(0, n, step):
        store.add_items("C", *batch(start, min(n, start + step)))
    return store


def answers(store: EmbeddedStore) -> list:
    """Everything a reader asks for, in plain values."""
    q = np.random.default_rng(9).normal(size=(2, DIMS)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    flt = Filter.by_property("year").greater_or_equal(2005) & Filter.by_property("genres").contains_any(["drama"])
    ids = [to_uuid(f"i{k}") for k in (0, 5, 77, 2999, 123456)]
    prior = Popularity({to_uuid(f"i{k}"): k % 7 for k in range(0, 3000, 11)}).prior(0.8)
    hits = [*store.near_vectors("C", q, 7), store.near_vectors("C", q[0], 5, filters=flt)[0],
            store.near_vectors("C", q[0], 5, filters=Filter.by_id().contains_any(ids[:3]))[0],
            store.near_vectors("C", q[0, :4], 5, vector_name="other", exclude=ids[:2])[0],
            store.search_max("C", q, np.array([1.0, 0.5]), 9, prior=prior),
            store.search_max("C", q, np.array([1.0, 0.5]), 9, filters=Filter.by_property("flag").equal(True)),
            store.bm25("C", "drama item", 6, filters=flt)]
    return [[(h.uuid, round(h.score, 5)) for h in hs] for hs in hits] + [
        store.count("C"), store.property_names("C"), store.missing_items("C", ids),
        {u: i.properties for u, i in store.get_items("C", ids).items()},
        [(i.uuid, i.properties) for i in store.iter_items("C", offset=1490, limit=20)],
        store.get_vectors("C", ids[:4]).round(6).tolist(),
        store.get_vectors("C", ids[:4], vector_name="other").tolist()]


def mapped(array: np.ndarray) -> bool:
    while isinstance(array, np.ndarray):
        array = array.base
    return isinstance(array, memoryview) and isinstance(array.obj, mmap.mmap)


def persisted(store: EmbeddedStore) -> bool:
    return store._index("C").backing.persisted


@pytest.fixture
def memory_answers():
    return answers(filled(EmbeddedStore(":memory:")))


def test_a_reopened_store_maps_its_files_and_answers_like_a_memory_store(tmp_path, memory_answers):
    path = tmp_path / "s.db"
    first = filled(EmbeddedStore(path))
    assert answers(first) == memory_answers and persisted(first)
    first.close()
    reopened = EmbeddedStore(path)
    assert answers(reopened) == memory_answers
    index = reopened._index("C")
    assert persisted(reopened) and all(mapped(a) for a in (*index.matrices.values(), index.uuids.raw, index.rows))
    assert not index.matrix("default").flags.writeable
    assert sorted(p.name for p in (tmp_path / "s.db.vectors").glob("c*")) == sorted(
        [f"c1-{reopened._files.meta(1)['gen']}.{s}" for s in ("ids", "rows", "v0", "v1")] + ["c1.json"])


def test_properties_are_read_when_asked_not_on_open(tmp_path):
    path = tmp_path / "s.db"
    filled(EmbeddedStore(path)).close()
    store = EmbeddedStore(path)
    index = store._index("C")
    assert index.properties.cache == {} and index.properties.known is None
    store.get_items("C", [to_uuid("i3")])
    assert list(index.properties.cache.values()) == [{"title": "item 3 comedy", "year": 1993,
                                                      "genres": ["comedy", "comedy"]}]


@pytest.mark.parametrize("damage", ["truncate", "header", "garbage_header"])
def test_a_torn_or_broken_file_is_rebuilt_from_sqlite(tmp_path, memory_answers, damage):
    path = tmp_path / "s.db"
    filled(EmbeddedStore(path)).close()
    directory = tmp_path / "s.db.vectors"
    gen = EmbeddedStore(path)._files.meta(1)["gen"]
    if damage == "truncate":
        with open(directory / f"c1-{gen}.v0", "r+b") as handle:
            handle.truncate(DIMS * 4 * 1000 + 3)
    else:
        (directory / "c1.json").write_text("" if damage == "header" else '{"format": 1, "cid": 1, "gen": "x"')
    store = EmbeddedStore(path)
    assert answers(store) == memory_answers and persisted(store)
    assert store._files.meta(1)["gen"] != gen and store._files.meta(1)["count"] == 3000


def test_writes_from_another_connection_are_never_served_stale(tmp_path):
    path = tmp_path / "s.db"
    reader = filled(EmbeddedStore(path))
    reader.count("C")
    other = EmbeddedStore(path)  # another store object on the file: it appends and rewrites vectors
    other.add_items("C", *batch(3000, 3100))
    new = np.random.default_rng(4).normal(size=(3, DIMS))
    other.put_vectors("C", [to_uuid("i1"), to_uuid("i2000"), to_uuid("i3050")], new)
    plain = filled(EmbeddedStore(":memory:"))
    plain.add_items("C", *batch(3000, 3100))
    plain.put_vectors("C", [to_uuid("i1"), to_uuid("i2000"), to_uuid("i3050")], new)
    assert answers(reader) == answers(plain) == answers(other) == answers(EmbeddedStore(path))
    # an older engine's write: a row in SQLite only (no files touched) is read from SQLite and appended
    items, vectors = batch(3100, 3101)
    other.close()
    reader.close()
    db = sqlite3.connect(path)
    row = db.execute("SELECT MAX(row) FROM items").fetchone()[0] + 1
    v = vectors["default"] / np.linalg.norm(vectors["default"])
    db.execute("INSERT INTO items(row, cid, uuid, properties, vector) VALUES (?,1,?,?,?)",
               (row, str(items[0].uuid), '{"title": "x"}', v.astype(np.float32).tobytes()))
    db.execute("INSERT INTO item_vectors(row, name, vector) VALUES (?,?,?)",
               (row, "other", (vectors["other"] / np.linalg.norm(vectors["other"])).astype(np.float32).tobytes()))
    db.commit()
    db.close()
    again = EmbeddedStore(path)
    assert again.count("C") == 3101 and again.get_vectors("C", [items[0].uuid])[0].tolist() == pytest.approx(
        (v[0]).tolist(), abs=1e-6) and persisted(again)
    assert again._files.meta(1)["count"] == 3101


def test_files_of_an_older_state_are_extended_or_rebuilt_not_served(tmp_path):
    path = tmp_path / "s.db"
    store = filled(EmbeddedStore(path))
    store.close()
    saved = tmp_path / "saved"
    shutil.copytree(tmp_path / "s.db.vectors", saved)
    store = EmbeddedStore(path)
    store.add_items("C", *batch(3000, 3050))
    plain_a = answers(store)
    store.close()
    for restore in ("appended", "rewritten"):
        shutil.rmtree(tmp_path / "s.db.vectors")
        shutil.copytree(saved, tmp_path / "s.db.vectors")
        assert answers(EmbeddedStore(path)) == plain_a  # a prefix: the 50 newer rows come from SQLite
        if restore == "appended":
            store = EmbeddedStore(path)
            store.put_vectors("C", [to_uuid("i7")], np.ones((1, DIMS)))
            plain_a = answers(store)
            store.close()
    assert EmbeddedStore(path).get_vectors("C", [to_uuid("i7")])[0].tolist() == pytest.approx([DIMS ** -0.5] * DIMS)


def test_a_replaced_collection_never_reads_the_files_of_the_one_before(tmp_path):
    path = tmp_path / "s.db"
    store = filled(EmbeddedStore(path))
    saved = tmp_path / "saved"
    shutil.copytree(tmp_path / "s.db.vectors", saved)
    store.delete_collection("C")
    assert not list((tmp_path / "s.db.vectors").glob("c1*"))  # deleting a collection removes its files
    store.create_collection(SPEC)  # the same key (1) again, the same rows, other vectors in the middle
    items, vectors = batch(0, 3000)
    vectors = {k: v.copy() for k, v in vectors.items()}
    vectors["default"][1500] = -vectors["default"][1500]
    store.add_items("C", items, vectors)
    expected = answers(store)
    store.close()
    shutil.rmtree(tmp_path / "s.db.vectors")
    shutil.copytree(saved, tmp_path / "s.db.vectors")
    assert answers(EmbeddedStore(path)) == expected


def test_two_store_objects_writing_and_reading_one_file_stay_right(tmp_path):
    path = tmp_path / "s.db"
    a = filled(EmbeddedStore(path), n=600)
    b = EmbeddedStore(path)
    plain = filled(EmbeddedStore(":memory:"), n=600)
    for k, writer in enumerate([a, b, a, a, b, b]):
        items, vectors = batch(600 + 10 * k, 610 + 10 * k)
        writer.add_items("C", items, vectors)
        plain.add_items("C", items, vectors)
        q = np.random.default_rng(k).normal(size=DIMS).astype(np.float32)
        for store in (a, b):
            assert [h.uuid for h in store.near_vectors("C", q, 10)[0]] == [h.uuid for h in plain.near_vectors(
                "C", q, 10)[0]]
            assert store.count("C") == plain.count("C") and not store.missing_items("C", [i.uuid for i in items])
    assert persisted(a) and persisted(b)
    assert EmbeddedStore(path)._files.meta(1)["count"] == 660


def test_an_unwritable_vectors_directory_keeps_the_index_in_memory(tmp_path, caplog, memory_answers):
    path = tmp_path / "s.db"
    (tmp_path / "s.db.vectors").write_text("not a directory")
    with caplog.at_level(logging.WARNING):
        store = filled(EmbeddedStore(path))
    assert "cannot be written" in caplog.text and store._files is None
    assert answers(store) == memory_answers and not persisted(store)
    store.close()
    assert answers(EmbeddedStore(path)) == memory_answers


@pytest.mark.parametrize("where", [":memory:", "file"])
def test_appends_extend_the_index_equal_to_one_read_from_scratch(tmp_path, where):
    store = filled(EmbeddedStore(":memory:" if where == ":memory:" else tmp_path / "s.db"), n=900, chunks=9)
    old = store._index("C")
    held = old.matrix("default").copy(), list(old.uuids)
    for k in range(5):
        store.add_items("C", *batch(900 + k, 901 + k))
    assert np.array_equal(old.matrix("default"), held[0]) and list(old.uuids) == held[1]  # a reader's view stays
    grown = store._index("C")
    store._indexes.clear()
    if store._files is not None:
        store._files.remove(1)
    scratch = store._index("C")
    for name in ("default", "other"):
        assert np.array_equal(grown.matrix(name), scratch.matrix(name))
    assert list(grown.uuids) == list(scratch.uuids) and grown.rows.tolist() == scratch.rows.tolist()
    assert list(grown.properties) == list(scratch.properties)


def test_an_append_on_an_older_prefix_copies_instead_of_overwriting():
    first = Arrays(np.zeros((2, 16), np.uint8), np.arange(2), {"v": np.ones((2, 3), np.float32)})
    backing, arrays = MemoryBacking.start(first)
    block = lambda x: Arrays(np.full((1, 16), x, np.uint8), np.array([x]), {"v": np.full((1, 3), x, np.float32)})
    backing, newer = backing.extend(arrays, block(7), {})
    _, fork = backing.extend(arrays, block(9), {})  # the older prefix again: must not write over row 2 of newer
    assert newer.matrices["v"][2].tolist() == [7, 7, 7] and fork.matrices["v"][2].tolist() == [9, 9, 9]
    assert not newer.matrices["v"].flags.writeable


def test_the_id_lookup_finds_every_id_including_shared_first_halves_and_appended_ones():
    ids = [uuid.UUID(int=(k % 5) << 64 | k) for k in range(5000)] + [uuid.uuid4() for _ in range(100)]
    index = Uuids.of(ids)
    probe = ids[::7] + [uuid.UUID(int=3 << 64 | 999_999), uuid.uuid4()]
    assert index.find(probe).tolist() == [ids.index(u) if u in ids else -1 for u in probe]
    grown = Uuids(Uuids.of(ids + [uuid.UUID(int=1 << 64 | 77_777)]).raw, parent=index)
    assert grown.find([uuid.UUID(int=1 << 64 | 77_777), ids[4]]).tolist() == [5100, 4]
    assert list(grown)[:3] == ids[:3] and grown[5099] == ids[5099] and ids[10] in grown


def test_an_index_grown_by_add_items_keeps_the_sorted_id_lookup_and_finds_like_a_fresh_one(tmp_path):
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    before = store._index("C")
    assert before.uuids.find([to_uuid("i5")]).tolist() == [5]  # sorts the ids once
    keys = before.uuids._sorted[0]
    store.add_items("C", *batch(3000, 3100))
    grown = store._index("C")
    assert grown.uuids.extends(before.uuids) and grown.uuids._sorted[0] is keys  # no argsort of every id again
    probe = [to_uuid(f"i{k}") for k in (0, 5, 2999, 3000, 3050, 3099, 3100)]
    fresh = Uuids(np.array(grown.uuids.raw))
    assert grown.uuids.find(probe).tolist() == fresh.find(probe).tolist() == [0, 5, 2999, 3000, 3050, 3099, -1]


def test_a_batch_with_an_id_already_stored_is_refused_whole_naming_it(tmp_path):
    from core import AlreadyExistsError
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    meta, before = store._files.meta(1), answers(store)
    items, vectors = batch(3000, 3010)
    items[7] = Item(uuid=to_uuid("i42"), properties={"title": "a second i42"})  # i42 is stored already
    with pytest.raises(AlreadyExistsError, match=str(to_uuid("i42"))):
        store.add_items("C", items, vectors)
    assert store._files.meta(1) == meta and answers(store) == before and store.count("C") == 3000
    assert sizes(store) == sizes_of(meta)  # the data written early was cut off again
    assert store.bm25("C", "second", 5) == [] and store.get_items("C", [to_uuid("i3000")]) == {}
    store.add_items("C", *batch(3000, 3010))  # the same batch without the stored id goes in
    assert store.count("C") == 3010 and answers(EmbeddedStore(tmp_path / "s.db"))[:1] == answers(store)[:1]


def sizes(store: EmbeddedStore) -> list[int]:
    return [path.stat().st_size for path, _, _ in store._files._paths(store._files.meta(1))]


def sizes_of(meta: dict) -> list[int]:
    return [meta["count"] * width for width in (16, 8, DIMS * 4, 4 * 4)]


def test_bytes_an_append_left_past_its_header_are_cut_off_by_the_next_one(tmp_path):
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    meta = store._files.meta(1)
    for path, _, _ in store._files._paths(meta):  # what a process killed between its data and its header leaves
        with open(path, "ab") as handle:
            handle.write(b"\x7f" * 4096)
    assert EmbeddedStore(tmp_path / "s.db").count("C") == 3000  # longer files still map
    store.add_items("C", *batch(3000, 3100))
    grown = store._files.meta(1)
    assert grown["gen"] == meta["gen"] and grown["count"] == 3100 and sizes(store) == sizes_of(grown)
    reopened = EmbeddedStore(tmp_path / "s.db")
    assert mapped(reopened._index("C").matrix("default")) and answers(reopened) == answers(store)


def test_add_items_writes_the_vector_data_in_a_thread_and_the_header_after_the_commit(tmp_path, monkeypatch):
    import threading
    from core.store.embedded.vector_files import VectorFiles
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    seen, data, header = [], VectorFiles.append_data, VectorFiles.header

    def spy_data(files, meta, block):
        seen.append(("data", threading.current_thread().name))  # started in the transaction (may end after it)
        return data(files, meta, block)

    def spy_header(files, meta, block, state):
        seen.append(("header", threading.current_thread().name, store._db.in_transaction))
        return header(files, meta, block, state)
    monkeypatch.setattr(VectorFiles, "append_data", spy_data)
    monkeypatch.setattr(VectorFiles, "header", spy_header)
    store.add_items("C", *batch(3000, 3100))
    assert seen == [("data", "vector-file-append"), ("header", threading.current_thread().name, False)]
    monkeypatch.undo()
    assert answers(EmbeddedStore(tmp_path / "s.db")) == answers(store)


def test_a_header_that_cannot_be_written_after_the_early_append_falls_back_to_the_plain_append(tmp_path, monkeypatch):
    import core.store.embedded.vector_files as vector_files
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    real, calls = vector_files.os.replace, []

    def replace_failing_once(src, dst):
        calls.append(dst)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(src, dst)
    monkeypatch.setattr(vector_files.os, "replace", replace_failing_once)
    store.add_items("C", *batch(3000, 3100))
    assert len(calls) == 2 and store._files.meta(1)["count"] == 3100 and sizes(store) == sizes_of(store._files.meta(1))
    monkeypatch.undo()
    reopened = EmbeddedStore(tmp_path / "s.db")
    assert mapped(reopened._index("C").matrix("default")) and answers(reopened) == answers(store)
    store.add_items("C", *batch(3100, 3110))  # the files' lock was released
    assert EmbeddedStore(tmp_path / "s.db").count("C") == 3110


def test_popularity_aligned_through_the_lookup_equals_the_plain_path():
    ids = [to_uuid(f"i{k}") for k in range(3000)]
    likes = {to_uuid(f"i{k}"): k % 9 + 1 for k in range(0, 4000, 13)}  # some liked items are not in the catalog
    assert np.allclose(Popularity(likes).scaled_rows(Uuids.of(ids)), Popularity(likes).scaled(ids))


def test_the_behaviour_model_aligned_through_the_lookup_equals_the_plain_path():
    from core.learn.model import BehaviourModel
    from core.store.base import LearnedVectors
    rng = np.random.default_rng(2)
    learned_ids = tuple(to_uuid(f"i{k}") for k in range(0, 3500, 3))
    vectors = rng.normal(size=(len(learned_ids), 5)).astype(np.float32)
    model = BehaviourModel(LearnedVectors(learned_ids, vectors, np.ones(len(learned_ids), np.float32), {}))
    ids = [to_uuid(f"i{k}") for k in range(3000)]
    assert model.rows_of(Uuids.of(ids)).tolist() == model.rows_of(ids).tolist()


def test_interactions_leave_the_files_alone(tmp_path):
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=300)
    meta = store._files.meta(1)
    store.add_interactions("C", [StoredInteraction(to_uuid("p"), to_uuid("i1"), 1.0, datetime.now(timezone.utc))],
                           create_personas=[to_uuid("p")])
    assert store._files.meta(1) == meta


def test_an_append_fsyncs_its_data_before_its_header_replaces_the_old_one(tmp_path, monkeypatch):
    import os
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    data_files = {str(path) for path, _, _ in store._files._paths(store._files.meta(1))}
    events, fsync, replace = [], os.fsync, os.replace

    def spy_fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return fsync(fd)

    def spy_replace(src, dst):
        events.append(("replace", str(dst)))
        return replace(src, dst)
    monkeypatch.setattr(os, "fsync", spy_fsync)
    monkeypatch.setattr(os, "replace", spy_replace)
    store.add_items("C", *batch(3000, 3100))
    monkeypatch.undo()
    header_at = events.index(("replace", str(store._files.dir / "c1.json")))
    assert {path for kind, path in events[:header_at] if kind == "fsync"} == data_files  # every data file, before
    assert store._files.meta(1)["count"] == 3100


@pytest.mark.parametrize("left", ["older_header", "torn_header"])
def test_whatever_header_a_power_loss_leaves_after_an_append_is_repaired_from_sqlite(tmp_path, left):
    """An append's header is not fsynced: a power loss may leave the one before it (the data past it is on disk) or
    a torn one. Either way the reopened store answers like one that saw the append."""
    store = filled(EmbeddedStore(tmp_path / "s.db"), n=3000)
    header = store._files.dir / "c1.json"
    before = header.read_text()
    store.add_items("C", *batch(3000, 3100))
    expected = answers(store)
    store.close()
    header.write_text(before if left == "older_header" else before[: len(before) // 2])
    reopened = EmbeddedStore(tmp_path / "s.db")
    assert answers(reopened) == expected and reopened.count("C") == 3100
    assert persisted(reopened) and reopened._files.meta(1)["count"] == 3100  # the files caught up


def test_id_texts_and_bytes_from_one_pass_equal_str_and_bytes_of_each_id():
    from core.store.embedded.rows import texts_and_raw
    ids = [uuid.UUID(int=0), uuid.UUID(int=2 ** 128 - 1), *(uuid.UUID(bytes=bytes(np.random.default_rng(k).integers(
        0, 256, 16, dtype=np.uint8))) for k in range(500)), to_uuid("i1")]
    texts, raw = texts_and_raw(ids)
    assert texts == [str(u) for u in ids] and raw.shape == (len(ids), 16)
    assert [uuid.UUID(bytes=r.tobytes()) for r in raw] == ids
    assert texts_and_raw([])[0] == [] and texts_and_raw([])[1].shape == (0, 16)


def test_rows_handed_to_sqlite_as_views_read_back_as_each_rows_bytes():
    from core.store.embedded.rows import row_bytes
    block = np.random.default_rng(3).normal(size=(5, 7)).astype(np.float32)
    assert [bytes(view) for view in row_bytes(block)] == [row.tobytes() for row in block]
    assert list(row_bytes(np.zeros((0, 7), np.float32))) == []
