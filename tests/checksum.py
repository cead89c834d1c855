"""A checksum of what a store holds, to show that a rejected input changed nothing.

Read through the public :class:`core.Store` API only: every collection (its spec and agent), every
item (ID, properties, vector), every persona (background ones too) and every interaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from core import Store


def store_checksum(store: Store, collections: Sequence[str] | None = None) -> str:
    """A SHA-256 over ``collections`` (default: all of them) and everything in them."""
    digest = hashlib.sha256()

    def add(value: object) -> None:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode() + b"\n")

    names = sorted(store.list_collections()) if collections is None else list(collections)
    add(names)
    for name in names:
        add([repr(store.get_collection(name)), store.has_agent(name)])
        items = store.iter_items(name)
        add([[str(i.uuid), i.properties] for i in items])
        if items:
            digest.update(store.get_vectors(name, [i.uuid for i in items]).tobytes())
        if store.has_agent(name):
            add([[str(p.persona_id), p.properties] for p in store.list_personas(name, background=None)])
            scan = store.scan_interactions(name)
            add([[str(p) for p in scan.personas], [str(i) for i in scan.items]])
            for column in (scan.persona_index, scan.item_index, scan.weight, scan.created_at):
                digest.update(column.tobytes())
    return digest.hexdigest()
