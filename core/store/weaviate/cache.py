"""What the Weaviate store keeps between requests, and how long another process's writes take to be seen.

Every request is a network round trip (on Weaviate Cloud, tens of milliseconds), so the store keeps:

- **Names** (``Movies`` -> the physical collection behind the alias or pointer) until a request on
  the cached name fails: then the name is resolved again and the call runs once more. A publish or
  delete by another process deletes the old physical collections, so a read after it fails and is
  retried on the new catalog at once; only in the moment between that process's repointing and its
  delete does a read still see the old, whole catalog. *Writes* always resolve the name afresh
  (Weaviate's auto-schema would re-create a deleted collection on an insert rather than fail).
- **Side collections known to exist** (personas, interactions), until this process drops them or a
  request on them fails (the same retry).
- **Meta records** (agent config, settings, learned-vector metadata and the version token that
  keeps memos) for ``ttl`` seconds (default :data:`TTL`; 0 reads them on every call). A write by
  another process (settings, personas, interactions, retraining) is seen by memos and configs at
  most ``ttl`` seconds later; data read directly (personas, interactions, items) is always current.
  This process's writes update its own caches at once, and writes read meta records afresh.

Reads and writes are told apart by the public method (:data:`READS`); the mode is per thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

TTL = 1.0
"""Seconds a meta record read by one call is used again by later reads of this store."""

READS = frozenset(("get_collection", "collection_settings", "count", "get_items", "item_properties", "get_vectors",
                   "missing_items", "iter_items", "property_names", "near_vectors", "search_max", "bm25", "hybrid",
                   "near_text", "get_persona", "list_personas", "count_personas", "recent_interactions",
                   "interacted_items", "scan_interactions", "memo", "get_learned"))
"""The public methods that use cached names and meta records (``has_collection``/``has_agent`` ask afresh:
a cached yes could not be checked by a failing request)."""


class Stale(Exception):
    """Raised inside a read when what it found shows a cached name is out of date (retried afresh)."""


class _Mode(threading.local):
    reading = False
    used: dict[str, str] | None = None


class Caches:
    """The name, side-collection and freshness state of one store (thread-safe)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = float(ttl)
        self._names: dict[str, str] = {}
        self._sides: set[str] = set()
        self._lock = threading.Lock()
        self._mode = _Mode()

    @property
    def reading(self) -> bool:
        return self._mode.reading

    def name(self, server: str, resolve: Callable[[str], str]) -> str:
        """``server``'s physical collection: cached in a read, else resolved (and cached)."""
        mode = self._mode
        if mode.reading:
            with self._lock:
                physical = self._names.get(server)
            if physical is not None:
                if mode.used is not None:
                    mode.used[server] = physical
                return physical
        physical = resolve(server)
        with self._lock:
            self._names[server] = physical
        return physical

    def side_exists(self, name: str, exists: Callable[[str], bool]) -> bool:
        with self._lock:
            if self._mode.reading and name in self._sides:
                return True
        found = exists(name)
        with self._lock:
            (self._sides.add if found else self._sides.discard)(name)
        return found

    def forget(self, physical: str) -> None:
        """Drop every name pointing at ``physical`` and its side collections (dropped or repointed)."""
        with self._lock:
            self._names = {s: p for s, p in self._names.items() if p != physical and s != physical}
            self._sides = {s for s in self._sides if not s.startswith(physical + "_")}

    def run(self, read: bool, call: Callable[[], Any], resolve: Callable[[str], str],
            retry_on: tuple[type[BaseException], ...]) -> Any:
        """Run one public call: a read on cached names, run once more afresh when a request on a cached name
        failed (``retry_on``) and the name now means another collection, or the read found it stale."""
        mode = self._mode
        if not read or mode.reading:  # a write, or a read nested in a read (the outer one retries)
            saved = mode.reading
            mode.reading = read and saved
            try:
                return call()
            finally:
                mode.reading = saved
        mode.reading, mode.used = True, {}
        try:
            return call()
        except retry_on as exc:
            used = dict(mode.used or {})
            mode.reading = False
            if not used or not (isinstance(exc, Stale) or self._moved(used, resolve)):
                raise
        finally:
            mode.reading, mode.used = False, None
        for physical in set(used.values()):
            self.forget(physical)
        return call()

    def _moved(self, used: dict[str, str], resolve: Callable[[str], str]) -> bool:
        """Whether any cached name now means another collection (or none: resolving raises NotFoundError)."""
        return any(resolve(server) != physical for server, physical in used.items())


class RecordCache:
    """Meta records read within the last ``ttl`` seconds (per record id); writes replace entries at once."""

    def __init__(self, ttl: float, reading: Callable[[], bool]) -> None:
        self.ttl = ttl
        self._reading = reading
        self._kept: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, read: Callable[[], Any]) -> Any:
        now = time.monotonic()
        if self.ttl > 0 and self._reading():
            with self._lock:
                kept = self._kept.get(key)
            if kept is not None and now - kept[0] < self.ttl:
                return kept[1]
        value = read()
        self.put(key, value, now)
        return value

    def put(self, key: Any, value: Any, at: float | None = None) -> None:
        with self._lock:
            self._kept[key] = (time.monotonic() if at is None else at, value)

    def forget(self, key: Any) -> None:
        with self._lock:
            self._kept.pop(key, None)
