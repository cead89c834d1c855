"""A shared catalog's community as an :class:`~core.store.overlay.OverlayStore` sees it.

:class:`CommunityRouting` is the overlay's part that decides whether a collection includes its
shared catalog's community (a collection setting of the workspace's stub) and where a persona's
reads go (the community's store or the workspace's own); the functions below do the rest.

A community is a sample's real users stored as background personas with their interactions in the
shared store (:meth:`~core.store.overlay.SharedCatalogs.community_for`), loaded once per process
and never written again, so what is derived from it is memoised in that store for good: the set of
its persona IDs, and its interaction scan. :func:`merge_scans` joins that scan with a workspace's
own. Their personas never overlap: the overlay refuses writes under a community persona's ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import numpy as np

from typing import Any

from core.errors import AlreadyExistsError, NotAvailableError, NotFoundError, ReadOnlyError
from core.store.base import InteractionScan, Store

COMMUNITY = "community"
"""The own stub's collection setting that includes the shared catalog's community (True when on)."""


def community_ids(store: Store, collection: str) -> frozenset[int]:
    """The community personas' UUIDs (as ints, for fast membership tests)."""
    return store.memo(collection, "community.ids", lambda: frozenset(
        p.persona_id.int for p in store.list_personas(collection, background=True)))


def community_scan(store: Store, collection: str) -> InteractionScan:
    """Every interaction of the community."""
    return store.memo(collection, "community.scan", lambda: store.scan_interactions(collection))


def seed_community(store: Store, collection: str, ids: Iterable[UUID], scan: InteractionScan) -> None:
    """Keep the community's persona ``ids`` and ``scan`` (what :meth:`Store.scan_interactions` gives back),
    known already by whoever just stored them: reading a million rows back would cost seconds."""
    known = frozenset(u.int for u in ids)
    store.memo(collection, "community.ids", lambda: known)
    store.memo(collection, "community.scan", lambda: scan)


def refuse_community(store: Store, collection: str, ids: Iterable[UUID], what: str) -> None:
    """:class:`ReadOnlyError` if any of ``ids`` is a community persona (``what``: the refused action)."""
    known = community_ids(store, collection)
    if clash := next((u for u in ids if u.int in known), None):
        raise ReadOnlyError(f"cannot {what}: persona {clash} is a community persona of the shared sample "
                            f"{collection!r}, read-only in every workspace; nothing was changed")


def refuse_clashes(own: Store, store: Store, collection: str) -> None:
    """:class:`AlreadyExistsError` if a persona of ``own`` has the ID of a community persona in ``store``."""
    known = community_ids(store, collection)
    if clash := next((p for p in own.list_personas(collection, background=None) if p.persona_id.int in known), None):
        raise AlreadyExistsError(f"persona {clash.persona_id} of this workspace has the ID of a community persona of "
                                 f"{collection!r}; delete it first; nothing was changed")


def merge_scans(first: InteractionScan, second: InteractionScan) -> InteractionScan:
    """``first``'s rows, then ``second``'s, over the union of their items (``first``'s item order first).

    The personas of the two must be disjoint: the merged scan lists ``first``'s, then ``second``'s.
    """
    if not len(second):
        return first
    if not len(first):
        return second
    position = {item: n for n, item in enumerate(first.items)}
    added = [item for item in second.items if item not in position]
    position.update((item, len(first.items) + n) for n, item in enumerate(added))
    remap = np.fromiter((position[item] for item in second.items), dtype=np.int64, count=len(second.items))
    return InteractionScan(
        personas=[*first.personas, *second.personas], items=[*first.items, *added],
        persona_index=np.concatenate([first.persona_index, second.persona_index + len(first.personas)]),
        item_index=np.concatenate([first.item_index, remap[second.item_index]]),
        weight=np.concatenate([first.weight, second.weight]),
        created_at=np.concatenate([first.created_at, second.created_at]))


class CommunityRouting:
    """The community methods of :class:`~core.store.overlay.OverlayStore` (a mixin: it needs ``own``,
    ``shared``, ``is_shared``, ``list_collections`` and ``_write``)."""

    own: Store
    shared: Any

    def community(self, collection: str) -> bool:
        """Whether the shared catalog's community is part of this workspace's ``collection``."""
        return self._community(collection) is not None

    def set_community(self, collection: str, on: bool) -> None:
        """Include (``on``) or leave out the community of attached shared catalog ``collection``."""
        self._write(f"{'include' if on else 'leave out'} the community of {collection!r}")
        if not self.is_shared(collection) or not self.own.has_collection(collection):
            raise NotFoundError(f"{collection!r} is not a shared catalog attached to this workspace; attached: "
                                f"{[c for c in self.list_collections() if self.is_shared(c)]}")
        store = self._shared_community(collection) if on else None
        if on and store is None:
            raise NotAvailableError(f"the shared catalog {collection!r} has no community (no interaction log)")
        if store is not None:
            refuse_clashes(self.own, store, collection)
        self.own.update_collection_settings(collection, {COMMUNITY: True if on else None})

    def _shared_community(self, collection: str) -> Store | None:
        community_for = getattr(self.shared, "community_for", None)
        return community_for(collection) if community_for is not None else None

    def includes_community(self, collection: str) -> bool:
        """This workspace's setting for shared catalog ``collection`` (the community is not loaded to answer)."""
        return self.is_shared(collection) and self.own.memo(collection, "overlay.community", lambda: (
            self.own.has_collection(collection) and bool(self.own.collection_settings(collection).get(COMMUNITY))))

    def _community(self, collection: str) -> Store | None:
        """The store with ``collection``'s community when it is part of this workspace, else None."""
        return self._shared_community(collection) if self.includes_community(collection) else None

    def _not_community(self, collection: str, ids: Iterable[UUID], what: str) -> None:
        if (store := self._community(collection)) is not None:
            refuse_community(store, collection, ids, what)

    def _persona_store(self, collection: str, persona_id: UUID) -> Store:
        store = self._community(collection)
        return store if store is not None and persona_id.int in community_ids(store, collection) else self.own
