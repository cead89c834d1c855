"""The workspace store (``OverlayStore``): the store contract with the catalog shared read-only.

Two backends pass the whole contract: an overlay sharing nothing (every call reaches the
workspace's own file) and one whose catalog ``Things`` lives in a shared store that the workspace
only attaches, so items, vectors and searches come from the shared copy while personas and
interactions are the workspace's own. Writing items into the shared catalog is refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import (AlreadyExistsError, CollectionSpec, EmbeddedStore, Item, OverlayStore, Persona, ReadOnlyError,
                  SharedCatalogs, to_uuid)

from .store_contract import NOW, VECTORS, StoreContract, items, uid
from .test_named_vectors import NamedVectorContract


class OneShared:
    """A :class:`SharedCatalogs` holding collections already loaded into one embedded store."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store

    def names(self) -> frozenset[str]:
        return frozenset(self.store.list_collections())

    def store_for(self, collection: str) -> EmbeddedStore:
        return self.store


def shared_things() -> OneShared:
    shared = EmbeddedStore(":memory:")
    shared.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    shared.add_items("Things", items(), VECTORS)
    return OneShared(shared)


class TestOverlaySharingNothing(StoreContract):
    def make_store(self):
        return OverlayStore(EmbeddedStore(":memory:"), OneShared(EmbeddedStore(":memory:")))

    def make_reopenable(self, tmp_path):
        return lambda: OverlayStore(EmbeddedStore(tmp_path / "own.db"))


class TestOverlayNamedVectors(NamedVectorContract):
    def make_store(self):
        return OverlayStore(EmbeddedStore(":memory:"))


class TestOverlayWithSharedCatalog(StoreContract):
    """The contract's reads, searches, personas and interactions, with ``Things`` shared."""

    WRITES_ITEMS = ("test_add_items", "test_put_vectors", "test_duplicate", "test_reopen", "test_deleting_a_collection",
                    "test_mutating_the_items_passed_in")

    def make_store(self):  # the contract's second store, built the same way as the first
        return OverlayStore(EmbeddedStore(":memory:"))

    @pytest.fixture
    def store(self, request):
        if request.node.name.startswith(self.WRITES_ITEMS):
            pytest.skip("writes items into the shared catalog, which is read-only (tested below)")
        store = OverlayStore(EmbeddedStore(":memory:"), shared_things())
        store.attach("Things")
        yield store
        store.close()


def test_shared_catalog_is_read_only_and_not_copied():
    shared = shared_things()
    own = EmbeddedStore(":memory:")
    store = OverlayStore(own, shared)
    assert not store.has_collection("Things")  # not part of the workspace until attached
    store.attach("Things")
    assert store.count("Things") == 6 and own.count("Things") == 0  # the workspace file holds a stub only
    with pytest.raises(ReadOnlyError, match="'Things' is a shared sample catalog"):
        store.add_items("Things", [Item(uuid="z", properties={"title": "Z"})], VECTORS[:1])
    with pytest.raises(ReadOnlyError, match="shared sample"):
        store.put_vectors("Things", [uid("a")], VECTORS[:1])
    with pytest.raises(AlreadyExistsError, match="shared sample catalog"):
        store.create_collection(CollectionSpec("Things", 4))
    assert shared.store.count("Things") == 6


def test_deleting_a_shared_catalog_drops_the_workspaces_personas_only():
    shared = shared_things()
    store = OverlayStore(EmbeddedStore(":memory:"), shared)
    store.attach("Things")
    store.put_persona("Things", Persona(persona_id=to_uuid("ann"), properties={}), must_exist=False)
    store.delete_collection("Things")
    assert not store.has_collection("Things") and shared.store.count("Things") == 6
    store.attach("Things")
    assert store.list_personas("Things") == []


def test_two_workspaces_share_items_but_not_personas():
    shared = shared_things()
    one, two = OverlayStore(EmbeddedStore(":memory:"), shared), OverlayStore(EmbeddedStore(":memory:"), shared)
    for store in (one, two):
        store.attach("Things")
    one.put_persona("Things", Persona(persona_id=to_uuid("ann"), properties={"name": "Ann"}), must_exist=False)
    one.add_interactions("Things", [_row("ann", "a")], default_time=NOW)
    assert [p.properties["name"] for p in one.list_personas("Things")] == ["Ann"]
    assert two.list_personas("Things") == [] and len(two.scan_interactions("Things")) == 0
    assert one.near_vectors("Things", VECTORS[:1], 1)[0][0].uuid == two.near_vectors("Things", VECTORS[:1], 1)[0][0].uuid


def test_read_only_overlay_refuses_every_write_and_names_why():
    store = OverlayStore(EmbeddedStore(":memory:"), shared_things(), read_only="it is protected by a passcode")
    with pytest.raises(ReadOnlyError, match="it is protected by a passcode; nothing was changed"):
        store.attach("Things")
    with pytest.raises(ReadOnlyError, match="cannot create collection 'Mine'"):
        store.create_collection(CollectionSpec("Mine", 4))
    with pytest.raises(ReadOnlyError, match="cannot save a persona"):
        store.put_persona("Things", Persona(persona_id=to_uuid("x"), properties={}), must_exist=None)
    with pytest.raises(ReadOnlyError, match="cannot record interactions"):
        store.add_interactions("Things", [_row("x", "a")])


def _row(persona: str, item: str):
    from core.store.base import StoredInteraction
    return StoredInteraction(to_uuid(persona), uid(item), 1.0, NOW)


def test_vectors_really_come_from_the_shared_store():
    shared = shared_things()
    store = OverlayStore(EmbeddedStore(":memory:"), shared)
    store.attach("Things")
    assert np.allclose(store.get_vectors("Things", [uid("b")]), shared.store.get_vectors("Things", [uid("b")]))
