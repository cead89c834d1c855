"""``open_store``: one call that opens the right backend for a location.

- ``":memory:"`` — a throwaway embedded store (nothing written to disk);
- a file path (``"lab.db"``, ``Path(...)``, ``"sqlite:///lab.db"``) — the embedded store in that SQLite
  file, created if missing, reopened with everything in it otherwise;
- ``http://`` / ``https://`` / ``weaviate://`` URLs — a Weaviate server. That backend is not part of
  this release yet: the call raises :class:`~core.errors.NotAvailableError` saying so, rather than
  silently falling back to a local file.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InvalidInputError, NotAvailableError
from core.store.base import Store
from core.store.embedded.store import EmbeddedStore

_SERVER_SCHEMES = ("http://", "https://", "weaviate://", "grpc://")


def open_store(location: str | Path = ":memory:") -> Store:
    """The store at ``location`` (see the module docstring)."""
    if isinstance(location, Path):
        return EmbeddedStore(location)
    if not isinstance(location, str) or not location.strip():
        raise InvalidInputError(f"a store location is ':memory:', a file path or a server URL, got {location!r}")
    text = location.strip()
    if text.lower().startswith(_SERVER_SCHEMES):
        raise NotAvailableError(f"{text!r} names a Weaviate server, and the Weaviate backend is not available in "
                                "this release; use ':memory:' or a file path for the embedded store")
    if text.lower().startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    if "://" in text:
        raise InvalidInputError(f"unknown store URL scheme in {text!r}; use ':memory:', a file path, sqlite:///path "
                                "or a server URL (http://, https://)")
    return EmbeddedStore(text)
