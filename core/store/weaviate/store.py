"""The Weaviate store: the store protocol over a Weaviate server (weaviate-client v4), local or cloud.

Open one with a URL (``WeaviateStore(url="http://localhost:8080")``, :meth:`WeaviateStore.from_url`,
``open_store("weaviate+https://...")``), :meth:`~WeaviateStore.connect_to_local`,
:meth:`~WeaviateStore.connect_to_weaviate_cloud`, or around an existing ``WeaviateClient``
(``WeaviateStore(client)``; the agent does this for ``PersonalizationAgent.create(client=<client>)``).
A store that opened its client closes it in :meth:`close`; one given a client leaves it open.

The layout (catalog, ``_Personas``, ``_Interactions``, ``_Behaviour``, ``PersonalizationAgentMeta``)
is in :mod:`core.store.weaviate.names`; what Weaviate cannot do atomically and what the store does
instead is stated in :mod:`~core.store.weaviate.batch`, :mod:`~core.store.weaviate.personas`,
:mod:`~core.store.weaviate.catalogs` and :mod:`~core.store.weaviate.learned`. Every request failure
comes out as :class:`~core.errors.StoreError` saying what was being done (never with the API key).
Thread-safe as far as weaviate-client is (its sync client is); the store's caches take a lock. What the
store keeps between requests, and how long another process's writes take to be seen (``ttl``): in
:mod:`core.store.weaviate.cache`.
"""

from __future__ import annotations

import functools
import numbers
import threading
from collections.abc import Mapping
from typing import Any

from core.errors import InvalidInputError, PersonalizationError, StoreError
from core.store.base import Capabilities
from core.store.weaviate.cache import READS, TTL, Caches, RecordCache, Stale
from core.store.weaviate.catalogs import Catalogs
from core.store.weaviate.connect import FEATURES, check_version, open_client, server_error
from core.store.weaviate.hybrid import Hybrid
from core.store.weaviate.items import Items
from core.store.weaviate.learned import Learned
from core.store.weaviate.meta import MetaRecords
from core.store.weaviate.names import check_prefix
from core.store.weaviate.personas import Personas
from core.store.weaviate.search import Search
from core.store.weaviate.text_search import TextSearch
from core.store.weaviate.urls import is_weaviate_client, parse_url

OPERATORS = frozenset(("equal", "not_equal", "less_than", "less_or_equal", "greater_than", "greater_or_equal", "like",
                       "is_none", "contains_any", "contains_all", "within_geo_range"))
"""The ``Filter`` operators every Weaviate this store talks to (>= 1.27) evaluates; 1.33 adds ``contains_none`` and
``not_``."""


def capabilities(version: tuple[int, int, int]) -> Capabilities:
    """What a Weaviate of ``version`` does: every filter goes to the server unchanged; HNSW search is approximate;
    hybrid search is fused by the server."""
    newer = {"contains_none", "not"} if version >= FEATURES["contains_none"] else set()
    return Capabilities(filter_operators=OPERATORS | newer,
                        filter_targets=frozenset({"property", "id", "reference", "creation_time", "update_time",
                                                  "geo"}),
                        bm25=True, named_vectors=True, exact_search=False, native_hybrid=True,
                        boost=version >= FEATURES["boost"])


class WeaviateStore(Catalogs, Items, Search, Hybrid, TextSearch, Personas, Learned):
    """:class:`~core.store.base.Store` over a Weaviate server (see the module docstring)."""

    def __init__(self, client: Any = None, *, url: str | None = None, api_key: str | None = None,
                 headers: Mapping[str, str] | None = None, timeout: float | None = None, prefix: str = "",
                 ttl: float = TTL) -> None:
        self._prefix = check_prefix(prefix)
        if isinstance(ttl, bool) or not isinstance(ttl, numbers.Real) or not 0 <= ttl < float("inf"):
            raise InvalidInputError(f"ttl must be a number of seconds >= 0 (0: read meta records on every call), "
                                    f"got {ttl!r}")
        self._caches = Caches(ttl)
        self._lock = threading.RLock()
        self._memos: dict[str, Any] = {}
        self._specs: dict[str, Any] = {}
        self._learned: dict[tuple[str, str], Any] = {}
        self._legacies: dict[str, bool] = {}
        self._searchable: dict[str, str] = {}  # physical -> record version at which every text field was in the schema
        if (client is None) == (url is None):
            raise InvalidInputError("WeaviateStore takes a connected WeaviateClient or url=, exactly one of them")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
                                    or not timeout > 0):
            raise InvalidInputError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if headers is not None and not (isinstance(headers, Mapping) and
                                        all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())):
            raise InvalidInputError("headers must map header names to text values (e.g. {'X-OpenAI-Api-Key': ...})")
        self._owns = client is None
        if client is None:
            endpoint = parse_url(url)
            self.url = endpoint.url
            client = open_client(endpoint, api_key=api_key, headers=headers, timeout=timeout)
        else:
            if not is_weaviate_client(client):
                raise InvalidInputError(f"client must be a weaviate.WeaviateClient, got {type(client).__name__}")
            self.url = "the given WeaviateClient"
        self._client = client
        try:
            self.version = check_version(client, self.url)
        except BaseException:
            self.close()
            raise
        self._aliases = self.version >= FEATURES["aliases"]
        self._contains_none = self.version >= FEATURES["contains_none"]
        self.capabilities = capabilities(self.version)
        self._meta = MetaRecords(client, self._prefix, RecordCache(float(ttl), lambda: self._caches.reading))

    @classmethod
    def from_url(cls, url: str, **options: Any) -> WeaviateStore:
        """The store at ``url`` (``http(s)://host:port[?grpc_port=N]``, ``weaviate+https://...``)."""
        return cls(url=url, **options)

    @classmethod
    def connect_to_local(cls, host: str = "localhost", port: int = 8080, grpc_port: int = 50051,
                         **options: Any) -> WeaviateStore:
        """A Weaviate on this machine (or ``host``), as ``weaviate.connect_to_local`` reaches it."""
        return cls(url=f"http://{host}:{port}?grpc_port={grpc_port}", **options)

    @classmethod
    def connect_to_weaviate_cloud(cls, cluster_url: str, api_key: str | None = None,
                                  headers: Mapping[str, str] | None = None, **options: Any) -> WeaviateStore:
        """A Weaviate Cloud cluster (``cluster_url`` with or without ``https://``)."""
        if not isinstance(cluster_url, str) or not cluster_url.strip():
            raise InvalidInputError(f"cluster_url must be the cluster's address, got {cluster_url!r}")
        url = cluster_url.strip() if "://" in cluster_url else f"https://{cluster_url.strip()}"
        return cls(url=url, api_key=api_key, headers=headers, **options)

    def close(self) -> None:
        """Close the client if this store opened it (a client passed in stays open)."""
        if self._owns and getattr(self, "_client", None) is not None:
            self._client.close()

    def _legacy(self, physical: str) -> bool:
        """Whether ``physical`` has one unnamed vector (a user's pre-named-vector collection)."""
        if self._owned(physical):
            return False
        if physical not in self._legacies:
            config = self._client.collections.get(physical).config.get()
            self._legacies[physical] = not getattr(config, "vector_config", None)
        return self._legacies[physical]

    def __repr__(self) -> str:
        return f"WeaviateStore({self.url}{', prefix=' + repr(self._prefix) if self._prefix else ''})"


def _translated(name: str, method: Any) -> Any:
    read = name in READS

    @functools.wraps(method)
    def call(self: WeaviateStore, *args: Any, **kwargs: Any) -> Any:
        from weaviate.exceptions import WeaviateBaseError
        try:
            return self._caches.run(read, lambda: method(self, *args, **kwargs), self._resolve,
                                    (WeaviateBaseError, OSError, StoreError, Stale))
        except PersonalizationError:
            raise
        except (WeaviateBaseError, OSError) as exc:
            raise server_error(f"running {name} on {self.url}", exc) from exc
    return call


_PUBLIC = ("create_collection", "get_collection", "has_collection", "list_collections", "delete_collection",
           "stage_collection", "publish_collection", "set_agent_config", "has_agent", "collection_settings",
           "update_collection_settings", "add_items", "put_vectors", "count", "get_items", "item_properties",
           "get_vectors", "missing_items", "iter_items", "property_names", "near_vectors", "search_max", "bm25",
           "hybrid", "near_text", "put_persona", "get_persona", "delete_persona", "list_personas", "count_personas",
           "add_interactions", "recent_interactions", "interacted_items", "scan_interactions", "memo", "put_learned",
           "get_learned", "delete_learned")
for _name in _PUBLIC:
    setattr(WeaviateStore, _name, _translated(_name, getattr(WeaviateStore, _name)))
