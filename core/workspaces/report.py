"""What is in each workspace, for the teacher view and ``python -m core workspace list``.

Read with a separate SQLite connection per file, so describing thirty workspaces opens none of
their stores (and keeps none in memory).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from core.errors import StoreError
from core.store.community import COMMUNITY
from core.workspaces.library import SampleLibrary
from core.workspaces.refs import WorkspaceRef
from core.workspaces.registry import Workspaces


@dataclass(frozen=True)
class CollectionSummary:
    """One collection of a workspace: its personas, interactions and own items (0 for a shared sample).

    ``community``: the shared sample's community personas included in it (0 when left out or none)."""

    name: str
    personas: int
    interactions: int
    items: int
    shared: bool
    community: int = 0


@dataclass(frozen=True)
class WorkspaceInfo:
    """One workspace as the teacher view lists it."""

    ref: WorkspaceRef
    created_at: str | None
    last_active: str | None
    size_bytes: int
    protected: bool
    open: bool
    forked_from: str | None = None
    collections: list[CollectionSummary] = field(default_factory=list)

    @property
    def personas(self) -> int:
        return sum(c.personas for c in self.collections)


_COUNTS = ("SELECT c.name, (SELECT COUNT(*) FROM personas p WHERE p.cid = c.id),"
           " (SELECT COUNT(*) FROM interactions i WHERE i.cid = c.id),"
           " (SELECT COUNT(*) FROM items t WHERE t.cid = c.id), {settings} FROM collections c{where} ORDER BY c.name")
"""Per collection: name, personas, interactions, own items and settings (NULL in a file from before settings);
a collection still being built (staged, hidden until published) is left out."""


def describe(workspaces: Workspaces, ref: WorkspaceRef) -> WorkspaceInfo:
    """What workspace ``ref`` holds, read from its files."""
    meta = workspaces.meta(ref)
    path = ref.path(workspaces.root)
    shared = workspaces.shared.names() if workspaces.shared is not None else frozenset()
    rows = []
    if path.is_file():
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                columns = {row[1] for row in db.execute("PRAGMA table_info(collections)")}
                rows = db.execute(_COUNTS.format(settings="c.settings" if "settings" in columns else "NULL",
                                                 where=" WHERE c.staging IS NULL" if "staging" in columns else "")
                                  ).fetchall()
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {ref.label} at {path}: {exc}") from exc
    return WorkspaceInfo(
        ref=ref, created_at=meta.get("created_at"), last_active=meta.get("last_active"),
        size_bytes=workspaces.size_bytes(ref), protected=bool(meta.get("passcode")),
        open=ref in workspaces.open_refs(), forked_from=meta.get("forked_from"),
        collections=[CollectionSummary(name, personas, interactions, items, name in shared,
                                       _community(workspaces, name, settings) if name in shared else 0)
                     for name, personas, interactions, items, settings in rows])


def _community(workspaces: Workspaces, collection: str, settings: str | None) -> int:
    """How many community personas the shared sample ``collection`` brings, if its setting includes them."""
    if not (settings and json.loads(settings).get(COMMUNITY)) or not isinstance(workspaces.shared, SampleLibrary):
        return 0
    return workspaces.shared.info(collection).users or 0


def overview(workspaces: Workspaces) -> list[WorkspaceInfo]:
    """Every workspace in the data directory, most recently active first."""
    infos = [describe(workspaces, ref) for ref in workspaces.refs()]
    return sorted(infos, key=lambda info: info.last_active or "", reverse=True)
