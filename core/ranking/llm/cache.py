"""An on-disk cache of LLM replies, one small JSON file per key.

The key is the SHA-256 of the model, the messages (which contain the whole candidate set) and the
reply schema, so a repeated request makes no call. Files hold only the reply text: never the API
key, headers or base URL. Writes are atomic (temporary file + ``os.replace``), so concurrent
requests and crashes leave either the old entry or the new one; an unreadable or corrupted entry
is a miss. ``ResponseCache(None)`` is a cache that is always empty.

The cache stays under ``max_bytes`` on disk: an entry larger than a tenth of it is not stored, and
when a write takes the total over the cap the least recently used entries (a hit refreshes an
entry's modification time) are deleted until the total is at most 80 % of it. The total is
counted once per process by scanning the directory and kept up to date by the writes; other
processes' writes are seen at the next eviction's scan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from core.errors import InvalidInputError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 50_000_000
EVICT_TO = 0.8
_KEY = re.compile(r"^[0-9a-f]{64}$")


def _entry_bytes(text: str) -> bytes:
    entry = {"v": FORMAT_VERSION, "text": text}
    try:
        return json.dumps(entry, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, so it reads back as it was
        return json.dumps(entry).encode("ascii")


def cache_key(model: str, messages: list[dict[str, Any]], schema_kind: str) -> str:
    """The cache key of one call: SHA-256 over model, messages and reply schema kind."""
    payload = json.dumps({"v": FORMAT_VERSION, "model": model, "schema": schema_kind, "messages": messages},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Reply texts on disk under ``directory`` (created on first write), at most ``max_bytes`` of them;
    ``None`` disables it."""

    def __init__(self, directory: Path | str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else None
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise InvalidInputError(f"max_bytes must be an integer >= 0, got {max_bytes!r}")
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes on disk, counted at the first write

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def get(self, key: str) -> str | None:
        """The stored reply for ``key``, or None (missing, disabled, unreadable or corrupted)."""
        path = self._path(key)
        if path is None:
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning("ignoring unreadable LLM cache entry %s: %s", path.name, exc)
            return None
        if not isinstance(entry, dict) or entry.get("v") != FORMAT_VERSION or not isinstance(entry.get("text"), str):
            log.warning("ignoring malformed LLM cache entry %s", path.name)
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return entry["text"]

    def put(self, key: str, text: str) -> bool:
        """Store ``text`` under ``key`` atomically; False (and a log line) if the disk refused."""
        path = self._path(key)
        if path is None:
            return False
        if not isinstance(text, str):
            raise InvalidInputError(f"cached reply must be a string, got {type(text).__name__}")
        data = _entry_bytes(text)
        if len(data) > self.max_bytes * 0.1:
            log.info("LLM reply of %d bytes not cached: over a tenth of the cache's %d", len(data), self.max_bytes)
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            replaced = path.stat().st_size if path.exists() else 0
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not write LLM cache entry under %s: %s", self.directory, exc)
            return False
        self._count(len(data) - replaced)
        return True

    def size(self) -> int:
        """Bytes of entries on disk now (a scan)."""
        return sum(size for _, size, _ in self._entries())

    def _count(self, added: int) -> None:
        with self._lock:
            self._total = self.size() if self._total is None else self._total + added
            if self._total > self.max_bytes:
                self._total = self._evict(int(self.max_bytes * EVICT_TO))

    def _evict(self, target: int) -> int:
        entries = sorted(self._entries(), key=lambda e: e[2])  # least recently used first
        total = sum(size for _, size, _ in entries)
        for path, size, _ in entries:
            if total <= target:
                break
            try:
                path.unlink()
                total -= size
            except OSError as exc:
                log.warning("could not evict LLM cache entry %s: %s", path.name, exc)
        return total

    def _entries(self) -> list[tuple[Path, int, float]]:
        found = []
        for path in (self.directory.glob("*/*.json") if self.directory is not None else ()):
            try:
                stat = path.stat()
            except OSError:
                continue  # evicted by another process meanwhile
            if _KEY.match(path.stem):
                found.append((path, stat.st_size, stat.st_mtime))
        return found

    def _path(self, key: str) -> Path | None:
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidInputError(f"cache key must be 64 lowercase hex characters (a SHA-256), got {key!r}")
        if self.directory is None:
            return None
        return self.directory / key[:2] / f"{key}.json"

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory) if self.directory else None!r}, max_bytes={self.max_bytes})"
