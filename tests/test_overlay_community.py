"""A shared catalog's community in a workspace (``OverlayStore`` with ``community=True``).

The shared store holds ``Things`` and its community: two background personas, ``c1`` (likes a
and b) and ``c2`` (likes a, dislikes c). A workspace attached with the community sees them as
personas for the engine (popularity, scans, their histories) but can't change them, and lists
them only when asked; one attached without it sees none of them, and its file never holds them.
"""

from __future__ import annotations

import pytest

from core import (AlreadyExistsError, EmbeddedStore, NotAvailableError, OverlayStore, Persona, ReadOnlyError,
                  to_uuid)
from core.retrieval.popularity import popularity
from core.store.base import StoredInteraction

from .store_contract import NOW, uid
from .test_overlay_store import OneShared, shared_things

C1, C2, ANN = to_uuid("c1"), to_uuid("c2"), to_uuid("ann")


class WithCommunity(OneShared):
    """``Things`` shared with a community of two (the library's ``community_for``, in small)."""

    def __init__(self, has_community: bool = True) -> None:
        super().__init__(shared_things().store)
        self.calls = 0
        self.has_community = has_community
        if has_community:
            rows = [StoredInteraction(C1, uid("a"), 1.0, NOW), StoredInteraction(C1, uid("b"), 0.5, NOW),
                    StoredInteraction(C2, uid("a"), 1.0, NOW), StoredInteraction(C2, uid("c"), -1.0, NOW)]
            self.store.add_interactions("Things", rows, background=True,
                                        create_personas=[Persona(persona_id=C1, properties={"name": "c1"}), C2])

    def community_for(self, collection: str):
        self.calls += 1
        return self.store if self.has_community else None


def workspace(community: bool, shared: WithCommunity | None = None, own: EmbeddedStore | None = None) -> OverlayStore:
    store = OverlayStore(own or EmbeddedStore(":memory:"), shared or WithCommunity())
    store.attach("Things", community=community)
    store.add_interactions("Things", [StoredInteraction(ANN, uid("b"), 1.0, NOW)], create_personas=[ANN])
    return store


def test_the_community_counts_for_the_engine_but_is_listed_only_when_asked():
    store = workspace(community=True)
    assert store.community("Things")
    assert [p.persona_id for p in store.list_personas("Things")] == [ANN]
    assert [p.persona_id for p in store.list_personas("Things", background=True)] == [C1, C2]
    assert [store.count_personas("Things", background=b) for b in (False, True, None)] == [1, 2, 3]
    assert store.get_persona("Things", C1).properties == {"name": "c1"}
    assert [(r.item_id, r.weight) for r in store.recent_interactions("Things", C2, None)] == [(uid("c"), -1.0), (uid("a"), 1.0)]
    assert store.interacted_items("Things", C1) == {uid("a"), uid("b")}
    assert store.interacted_items("Things", ANN) == {uid("b")}
    scan = store.scan_interactions("Things")
    rows = sorted((scan.personas[p], scan.items[i], float(w))
                  for p, i, w in zip(scan.persona_index, scan.item_index, scan.weight))
    assert rows == sorted([(C1, uid("a"), 1.0), (C1, uid("b"), 0.5), (C2, uid("a"), 1.0), (C2, uid("c"), -1.0),
                           (ANN, uid("b"), 1.0)])
    assert popularity(store, "Things").like_counts([uid("a"), uid("b"), uid("c")]).tolist() == [2, 2, 0]
    assert store.own.count_personas("Things", background=None) == 1 and len(store.own.scan_interactions("Things")) == 1


def test_community_personas_are_read_only_and_a_refused_write_stores_nothing():
    store = workspace(community=True)
    with pytest.raises(ReadOnlyError, match="community persona of the shared sample 'Things'"):
        store.add_interactions("Things", [StoredInteraction(ANN, uid("c"), 1.0, NOW),
                                          StoredInteraction(C1, uid("c"), 1.0, NOW)])
    with pytest.raises(ReadOnlyError, match="cannot save a persona"):
        store.put_persona("Things", Persona(persona_id=C1, properties={}), must_exist=None)
    with pytest.raises(ReadOnlyError, match="cannot delete a persona"):
        store.delete_persona("Things", C2)
    with pytest.raises(ReadOnlyError, match="cannot record interactions"):  # not as a new own persona either
        store.add_interactions("Things", [], create_personas=[C2])
    assert store.interacted_items("Things", ANN) == {uid("b")} and len(store.scan_interactions("Things")) == 5


def test_without_the_community_nothing_of_it_is_seen_until_it_is_switched_on():
    shared = WithCommunity()
    store = workspace(community=False, shared=shared)
    assert not store.community("Things") and shared.calls == 0  # never even loaded
    assert store.count_personas("Things", background=None) == 1 and store.get_persona("Things", C1) is None
    assert len(store.scan_interactions("Things")) == 1
    assert popularity(store, "Things").like_counts([uid("a")]).tolist() == [0]
    store.set_community("Things", True)  # drops the memos: popularity now counts the community
    assert popularity(store, "Things").like_counts([uid("a")]).tolist() == [2]
    store.set_community("Things", False)
    assert store.get_persona("Things", C1) is None and popularity(store, "Things").like_counts([uid("a")]).tolist() == [0]


def test_attach_is_idempotent_and_keeps_the_first_choice():
    store = workspace(community=False)
    store.attach("Things", community=True)
    assert not store.community("Things")


def test_the_choice_is_kept_in_the_workspace_file(tmp_path):
    shared = WithCommunity()
    workspace(community=True, shared=shared, own=EmbeddedStore(tmp_path / "ws.db")).close()
    again = OverlayStore(EmbeddedStore(tmp_path / "ws.db"), shared)
    assert again.community("Things") and again.count_personas("Things", background=True) == 2


def test_switching_on_checks_the_catalog_and_the_workspaces_personas():
    with pytest.raises(NotAvailableError, match="has no community"):
        workspace(community=False, shared=WithCommunity(has_community=False)).set_community("Things", True)
    store = workspace(community=True, shared=WithCommunity(has_community=False))
    assert not store.community("Things")  # asked for, but there is none: attached without
    store = workspace(community=False)
    store.put_persona("Things", Persona(persona_id=C1, properties={}), must_exist=False)  # allowed while it is off
    with pytest.raises(AlreadyExistsError, match=f"persona {C1} of this workspace has the ID of a community persona"):
        store.set_community("Things", True)
    assert not store.community("Things")


def test_a_read_only_workspace_cannot_switch_it():
    shared = WithCommunity()
    own = EmbeddedStore(":memory:")
    workspace(community=False, shared=shared, own=own)
    with pytest.raises(ReadOnlyError, match="protected"):
        OverlayStore(own, shared, read_only="it is protected").set_community("Things", True)
