"""The ANN index kept next to the vector files (core/store/embedded/ann_files.py): a reopened store answers on
it at once; a file of another state is never read; a torn one is built again."""

from __future__ import annotations

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, generate_uuid5
from core.configs import AnnConfig

pytest.importorskip("faiss", reason="faiss-cpu (requirements.txt) is not installed: the approximate stage "
                    "cannot run")

N, D = 3000, 16
ON = AnnConfig(min_rows=1000, min_rows_multi=1000, few_rows=100, build="sync", kind="ivf")


def vectors(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, D))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def items(start: int, stop: int) -> list[Item]:
    return [Item(uuid=generate_uuid5(i), properties={"title": f"Item {i}"}) for i in range(start, stop)]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "store.db"
    store = EmbeddedStore(path, ann=ON)
    store.create_collection(CollectionSpec("C", D, text_fields=("title",)))
    store.add_items("C", items(0, N), vectors(N, 0))
    store.close()
    return path


def saved(path) -> list:
    return sorted(path.parent.glob(path.name + ".vectors/ann-*.faiss"))


def built(store: EmbeddedStore):
    return store._index("C").ann.built()


def ask(store: EmbeddedStore):
    q = vectors(3, 9)
    return store.search_max("C", q, np.ones(3, np.float32), 10)


def test_a_reopened_store_answers_on_the_saved_index_at_once(db):
    store = EmbeddedStore(db, ann=ON)
    first = ask(store)
    assert first.path["path"] == "ann-ivf" and not built(store)[0].loaded
    assert len(saved(db)) == 1
    store.close()
    again = EmbeddedStore(db, ann=ON.validated_copy(build="background"))  # no waiting: the file is read
    got = ask(again)
    assert got.path["path"] == "ann-ivf" and built(again)[0].loaded
    assert [(h.uuid, h.score) for h in got] == [(h.uuid, h.score) for h in first]
    exact = ask(EmbeddedStore(db, ann=AnnConfig(enabled=False)))
    assert len({h.uuid for h in got} & {h.uuid for h in exact}) >= 9
    again.close()


def test_rows_added_since_make_the_saved_index_stale(db):
    store = EmbeddedStore(db, ann=ON)
    ask(store)
    old = saved(db)
    store.add_items("C", items(N, N + 10), vectors(10, 1))
    store.close()
    reopened = EmbeddedStore(db, ann=ON)
    got = ask(reopened)
    assert got.path["path"] == "ann-ivf" and got.path["indexed_rows"] == N + 10  # built over every row again
    assert not built(reopened)[0].loaded
    assert len(saved(db)) == 1 and saved(db) != old  # the older file is gone
    reopened.close()


def test_rewritten_vectors_are_never_answered_from_the_old_index(db):
    store = EmbeddedStore(db, ann=ON)
    ask(store)
    q = vectors(3, 9)
    store.put_vectors("C", [generate_uuid5(17)], q[:1])  # row 17 is now the query itself
    store.close()
    reopened = EmbeddedStore(db, ann=ON)
    got = reopened.search_max("C", q[:1], np.ones(1, np.float32), 3)
    assert not built(reopened)[0].loaded
    assert got[0].uuid == generate_uuid5(17) and got[0].score == pytest.approx(1.0, abs=1e-5)
    reopened.close()


@pytest.mark.parametrize("damage", ["torn", "garbage"])
def test_a_damaged_file_is_built_again(db, damage):
    store = EmbeddedStore(db, ann=ON)
    want = [h.uuid for h in ask(store)]
    store.close()
    (path,) = saved(db)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == "torn" else b"not a faiss index" * 100)
    reopened = EmbeddedStore(db, ann=ON)
    got = ask(reopened)
    assert got.path["path"] == "ann-ivf" and not built(reopened)[0].loaded
    assert [h.uuid for h in got] == want
    assert path.exists() and path.read_bytes() == data  # written again whole (the same build)
    reopened.close()


def test_deleting_the_collection_deletes_its_saved_index(db):
    store = EmbeddedStore(db, ann=ON)
    ask(store)
    assert saved(db)
    store.delete_collection("C")
    assert not saved(db)
    store.close()


def test_no_file_and_a_failed_build_leave_no_empty_entry_behind(db, monkeypatch):
    from core.store.embedded import ann_index

    def fail(*_args, **_kwargs):
        raise MemoryError("no room for the index")
    monkeypatch.setattr(ann_index, "build_index", fail)
    store = EmbeddedStore(db, ann=ON)
    got = ask(store)  # no file: the load finds nothing, the build fails, the answer is exact and says why
    assert got.path["path"] == "exact" and "no room for the index" in got.path["reason"]
    assert store._index("C").ann.built() == [] and not saved(db)
    store.close()
