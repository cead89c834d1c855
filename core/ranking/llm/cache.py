"""An on-disk cache of LLM replies, one small JSON file per key.

The key is the SHA-256 of the model, the messages (which contain the whole candidate set) and the
reply schema, so a repeated request makes no call. Files hold only the reply text: never the API
key, headers or base URL. Writes are atomic (temporary file + ``os.replace``), so concurrent
requests and crashes leave either the old entry or the new one; an unreadable or corrupted entry
is a miss. ``ResponseCache(None)`` is a cache that is always empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from core.errors import InvalidInputError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_KEY = re.compile(r"^[0-9a-f]{64}$")


def cache_key(model: str, messages: list[dict[str, Any]], schema_kind: str) -> str:
    """The cache key of one call: SHA-256 over model, messages and reply schema kind."""
    payload = json.dumps({"v": FORMAT_VERSION, "model": model, "schema": schema_kind, "messages": messages},
                         sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Reply texts on disk under ``directory`` (created on first write); ``None`` disables it."""

    def __init__(self, directory: Path | str | None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else None

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
        return entry["text"]

    def put(self, key: str, text: str) -> bool:
        """Store ``text`` under ``key`` atomically; False (and a log line) if the disk refused."""
        path = self._path(key)
        if path is None:
            return False
        if not isinstance(text, str):
            raise InvalidInputError(f"cached reply must be a string, got {type(text).__name__}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump({"v": FORMAT_VERSION, "text": text}, handle, ensure_ascii=False)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not write LLM cache entry under %s: %s", self.directory, exc)
            return False
        return True

    def _path(self, key: str) -> Path | None:
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidInputError(f"cache key must be 64 lowercase hex characters (a SHA-256), got {key!r}")
        if self.directory is None:
            return None
        return self.directory / key[:2] / f"{key}.json"

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory) if self.directory else None!r})"
