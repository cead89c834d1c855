"""A catalog import, a sample install and their replace are all or nothing (core/store/staged.py).

The new collection is built under a private name and published in one transaction that also deletes
the collection it replaces: a failure at any step keeps the old collection with its personas,
interactions and agent; readers — this store object or another connection on the file — see the
old collection until the commit; a new collection never appears empty or without its agent.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import (AlreadyExistsError, EmbeddedStore, InvalidInputError, Item, ParsedCatalog, PersonalizationAgent,
                  PersonaInteraction, import_catalog, import_catalog_agent, install_sample_agent, to_uuid)
from core.models import Persona

ROOT = Path(__file__).resolve().parents[1]
ALICE = to_uuid("alice")


def catalog(n: int, tag: str, *, bad: int | None = None) -> ParsedCatalog:
    """``n`` items tagged ``tag`` with unit vectors; item ``bad`` (if given) holds a property no store can keep."""
    items = [Item(uuid=f"{tag}-{k}", properties={"title": f"{tag} {k}", "tag": tag,
                                                 **({"x": object()} if k == bad else {})}) for k in range(n)]
    vectors = np.random.default_rng(n).normal(size=(n, 4)).astype(np.float32)
    return ParsedCatalog(items=items, texts=[i.properties["title"] for i in items],
                         vectors=vectors / np.linalg.norm(vectors, axis=1, keepdims=True),
                         id_column="id", text_columns=("title",), columns=("id", "title", "tag"))


def with_history(store: EmbeddedStore) -> PersonalizationAgent:
    """Collection "Movies": 3 "old" items, an agent with a schema, alice and one like."""
    agent = import_catalog_agent(store, "Movies", catalog(3, "old"), user_properties={"age": "int"})
    agent.add_persona(Persona(persona_id=ALICE, properties={"age": 30}))
    agent.add_interactions([PersonaInteraction(persona_id=ALICE, item_id=to_uuid("old-1"), weight=1.0)])
    return agent


def assert_old_intact(store: EmbeddedStore) -> None:
    assert store.list_collections() == ["Movies"]
    assert {i.properties["tag"] for i in store.iter_items("Movies")} == {"old"} and store.count("Movies") == 3
    assert store.get_collection("Movies").user_properties == {"age": "int"} and store.has_agent("Movies")
    assert [i.item_id for i in store.recent_interactions("Movies", ALICE, None)] == [to_uuid("old-1")]
    assert staged_rows(store.path) == 0


def staged_rows(path: str) -> int:
    if path == ":memory:":
        return 0
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM collections WHERE staging IS NOT NULL").fetchone()[0]


@pytest.fixture
def store(tmp_path):
    store = EmbeddedStore(tmp_path / "lab.db")
    yield store
    store.close()


def test_a_replace_whose_items_fail_keeps_the_old_collection(store):
    with_history(store)
    with pytest.raises(InvalidInputError, match="is not a JSON value"):
        import_catalog(store, "Movies", catalog(50, "new", bad=49), replace=True)
    assert_old_intact(store)


def test_a_replace_whose_agent_fails_keeps_the_old_collection_and_agent(store):
    with_history(store)
    with pytest.raises(InvalidInputError, match="bogus"):
        import_catalog_agent(store, "Movies", catalog(5, "new"), replace=True, user_properties={"age": "bogus"})
    assert_old_intact(store)
    agent = import_catalog_agent(store, "Movies", catalog(5, "new"), replace=True)
    assert store.count("Movies") == 5 and agent.user_properties == {} and staged_rows(store.path) == 0


def test_a_sample_replace_whose_agent_fails_keeps_the_old_collection(store):
    with_history(store)
    with pytest.raises(InvalidInputError, match="nope"):
        install_sample_agent(store, "workshop", "Movies", replace=True, strategy="nope")
    assert_old_intact(store)


def test_readers_see_the_old_collection_until_the_replace_commits(store, tmp_path):
    with_history(store)
    other = EmbeddedStore(tmp_path / "lab.db")  # another connection, as another process would have
    seen = []

    def look(staged: str) -> None:
        for reader in (store, other):
            seen.append((reader.list_collections(), reader.count("Movies"), reader.count(staged)))

    import_catalog(store, "Movies", catalog(7, "new"), replace=True, before_publish=look)
    assert seen == [(["Movies"], 3, 7)] * 2
    assert other.count("Movies") == 7 and {i.properties["tag"] for i in other.iter_items("Movies")} == {"new"}
    assert other.recent_interactions("Movies", ALICE, None) == []  # a replace starts the collection afresh
    other.close()


def test_a_new_catalog_appears_whole_or_not_at_all(store):
    def fail(staged: str) -> None:
        assert store.list_collections() == [] and not store.has_collection("Fresh") and store.count(staged) == 4
        raise KeyboardInterrupt  # Ctrl-C while the agent is being attached

    with pytest.raises(KeyboardInterrupt):
        import_catalog(store, "Fresh", catalog(4, "new"), before_publish=fail)
    assert store.list_collections() == [] and staged_rows(store.path) == 0


def test_of_two_imports_racing_for_a_name_one_wins_whole(store, tmp_path):
    other = EmbeddedStore(tmp_path / "lab.db")
    with pytest.raises(AlreadyExistsError, match="'Fresh' already exists"):
        import_catalog(store, "Fresh", catalog(4, "mine"),
                       before_publish=lambda staged: import_catalog(other, "Fresh", catalog(6, "theirs")))
    for reader in (store, other):
        assert reader.list_collections() == ["Fresh"] and reader.count("Fresh") == 6
    assert staged_rows(store.path) == 0
    other.close()


CHILD = """
import os, sys
import numpy as np
from core import CollectionSpec, EmbeddedStore, Item
store = EmbeddedStore(sys.argv[1])
staged = store.stage_collection(CollectionSpec("Movies", 4))
store.add_items(staged, [Item(uuid=f"half-{k}", properties={"tag": "half"}) for k in range(20)],
                np.eye(4, dtype=np.float32)[np.arange(20) % 4])
print(staged, flush=True)
os._exit(0)  # gone mid-replace, as after kill -9: nothing published, nothing cleaned up
"""


@pytest.mark.integration
def test_a_collection_staged_by_a_killed_process_is_dropped_on_open(store):
    with_history(store)
    staged = subprocess.run([sys.executable, "-c", CHILD, store.path], cwd=ROOT, capture_output=True, text=True,
                            check=True, timeout=120).stdout.strip()
    assert staged.startswith("Movies_staged_") and staged_rows(store.path) == 1
    assert store.list_collections() == ["Movies"]  # never visible, even before the clean-up
    reopened = EmbeddedStore(store.path)
    assert_old_intact(reopened)
    assert not reopened.has_collection(staged)
    reopened.close()
