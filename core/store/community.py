"""A shared catalog's community as an :class:`~core.store.overlay.OverlayStore` sees it.

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

from core.errors import ReadOnlyError
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
