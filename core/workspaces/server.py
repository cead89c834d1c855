"""A workspace on a server store: the lab's and the CLI's view of a Weaviate cluster.

A Weaviate workspace has no file and no passcode. What people write (personas, interactions, learned
vectors, agent settings) lives in the server's collections (:mod:`core.store.weaviate`), so every lab
server and script pointed at the same cluster sees the same workspace. Its name is a digest of the
server's URL, never of its API key, so it can stand in keys of jobs and caches. The shipped samples
are not overlaid here: a sample is imported into the server like any catalog.
"""

from __future__ import annotations

import hashlib
import threading
from urllib.parse import urlsplit, urlunsplit

from core.errors import InvalidInputError
from core.store.base import Store
from core.store.overlay import OverlayStore
from core.workspaces.refs import SERVER, WorkspaceRef
from core.workspaces.workspace import Workspace


def server_location(url: str) -> str:
    """``url`` without a user, password, query or fragment: what may be shown and what names the workspace."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInputError(f"a server URL is text like 'http://localhost:8080', got {url!r}")
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        raise InvalidInputError(f"{url!r} is not a server URL (expected e.g. 'http://localhost:8080')")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), "", ""))


def server_ref(url: str) -> WorkspaceRef:
    """The workspace of the server at ``url`` (the same for every URL spelling of one location)."""
    return WorkspaceRef(SERVER, hashlib.sha256(server_location(url).encode()).hexdigest()[:16])


def server_workspace(store: Store, url: str) -> Workspace:
    """The workspace over ``store``, an open server store at ``url``."""
    return Workspace(server_ref(url), OverlayStore(store), server_location(url), threading.RLock())
