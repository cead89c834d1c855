"""``open_store``: one call that opens the right backend for a location.

- ``":memory:"`` — a throwaway embedded store (nothing written to disk);
- a file path (``"lab.db"``, ``Path(...)``, ``"sqlite:///lab.db"``) — the embedded store in that SQLite
  file, created if missing, reopened with everything in it otherwise;
- ``http://`` / ``https://`` / ``weaviate+http://`` / ``weaviate+https://`` URLs — a Weaviate server
  (:class:`~core.store.weaviate.store.WeaviateStore`; the gRPC port from ``?grpc_port=``, default
  50051; a ``*.weaviate.cloud`` host is a Weaviate Cloud cluster). Keyword ``options`` (``api_key``,
  ``headers``, ``timeout``, ``prefix``, ``ttl``) go to it; weaviate-client is imported only then.

An embedded store takes one option, ``ann`` (an :class:`~core.configs.AnnConfig`, see
:mod:`core.store.embedded.ann_mode`); it is refused for a server, which searches with its own index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.configs import AnnConfig
from core.errors import InvalidInputError
from core.store.base import Store
from core.store.embedded.store import EmbeddedStore

_SERVER_SCHEMES = ("http://", "https://", "weaviate+http://", "weaviate+https://")


def is_server(location: str | Path) -> bool:
    """Whether ``location`` names a Weaviate server (an http(s) or weaviate+http(s) URL)."""
    return isinstance(location, str) and location.strip().lower().startswith(_SERVER_SCHEMES)


def open_store(location: str | Path = ":memory:", **options: Any) -> Store:
    """The store at ``location`` (see the module docstring)."""
    if isinstance(location, Path):
        return _embedded(location, options)
    if not isinstance(location, str) or not location.strip():
        raise InvalidInputError(f"a store location is ':memory:', a file path or a server URL, got {location!r}")
    text = location.strip()
    if text.lower().startswith(_SERVER_SCHEMES):
        if "ann" in options:
            raise InvalidInputError("ann (the embedded store's vector search settings) does not apply to a Weaviate "
                                    "server: it searches with its own vector index")
        from core.store.weaviate.store import WeaviateStore  # imports weaviate-client: only for a server
        return WeaviateStore.from_url(text, **options)
    if text.lower().startswith("sqlite:///"):
        text = text[len("sqlite:///"):]
    if "://" in text:
        raise InvalidInputError(f"unknown store URL scheme in {text!r}; use ':memory:', a file path, sqlite:///path "
                                "or a Weaviate URL (http://, https://, weaviate+http://, weaviate+https://)")
    return _embedded(text, options)


def _embedded(path: str | Path, options: dict[str, Any]) -> Store:
    ann = options.pop("ann", None)
    if options:
        raise InvalidInputError(f"options {sorted(options)} are for a Weaviate server; an embedded store at "
                                f"{str(path)!r} "
                                "takes only ann")
    if ann is not None and not isinstance(ann, AnnConfig):
        raise InvalidInputError(f"ann must be an AnnConfig, got {type(ann).__name__}")
    return EmbeddedStore(path, ann=ann)
