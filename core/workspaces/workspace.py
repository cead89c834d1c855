"""One open workspace: its store (own file + shared samples) and the agents over its collections.

A shared sample added to a workspace here comes with its community (the sample log's real users as
read-only background personas, see :class:`~core.store.overlay.OverlayStore`) unless asked not to
(``ensure(collection, community=False)``); :meth:`Workspace.set_community` changes that later.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NotFoundError, ReadOnlyError
from core.personalization.sync import PersonalizationAgent
from core.store.overlay import OverlayStore
from core.workspaces.refs import WorkspaceRef


@dataclass
class Workspace:
    """Workspace ``ref`` as opened by :meth:`~core.workspaces.registry.Workspaces.open`."""

    ref: WorkspaceRef
    store: OverlayStore
    path: Path | str
    """Its store file, or a server workspace's URL (:mod:`core.workspaces.server`)."""
    lock: threading.RLock

    @property
    def name(self) -> str:
        """The workspace's key, ``"private:<id>"`` or ``"shared:<name>"``."""
        return self.ref.key

    def catalog_key(self, collection: str) -> str:
        """A key for what is computed from ``collection``'s items: one per shared sample in the whole
        process (every workspace reads the same copy), one per workspace for an uploaded catalog."""
        return f"sample:{collection}" if self.store.is_shared(collection) else f"{self.ref.key}:{collection}"

    @property
    def writable(self) -> bool:
        return self.store.read_only is None

    def collections(self) -> list[str]:
        """The collections in this workspace (uploaded ones and the samples added to it)."""
        return self.store.list_collections()

    def available(self) -> list[str]:
        """What can be worked on here: this workspace's collections, plus every shared sample if writable."""
        shared = sorted(self.store.shared.names()) if self.store.shared is not None and self.writable else []
        return sorted(set(self.collections()) | set(shared), key=lambda c: (c not in shared, c.lower()))

    def ensure(self, collection: str, *, community: bool = True) -> str:
        """Make ``collection`` usable here: a shared sample is added on first use, with its community
        unless ``community`` is false (a collection already here keeps its setting). Its name."""
        if self.store.has_collection(collection):
            return collection
        if not self.store.is_shared(collection):
            raise NotFoundError(f"collection {collection!r} is not in this {self.ref.label}; it has "
                                f"{self.collections() or 'no collections'}")
        if not self.writable:
            raise ReadOnlyError(f"{self.store.read_only}; the sample {collection!r} is not part of it yet")
        with self.lock:
            self.store.attach(collection, community=community)
        return collection

    def set_community(self, collection: str, on: bool) -> None:
        """Include (``on``) or leave out the community of the shared sample ``collection`` in this workspace."""
        self.ensure(collection, community=on)
        with self.lock:
            self.store.set_community(collection, on)

    def agent(self, collection: str, **options: Any) -> PersonalizationAgent:
        """The agent over ``collection`` (created on first use when writable); ``options`` go to
        :class:`~core.personalization.sync.PersonalizationAgent` (``llm=...``, ``strategy=...``)."""
        self.ensure(collection)
        if not PersonalizationAgent.exists(self.store, collection):
            if not self.writable:
                raise ReadOnlyError(f"{self.store.read_only}; collection {collection!r} has no agent yet")
            with self.lock:
                if not PersonalizationAgent.exists(self.store, collection):
                    PersonalizationAgent.create(self.store, collection)
        return PersonalizationAgent(self.store, collection, **options)
