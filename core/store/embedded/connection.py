"""The embedded store's SQLite connection: a bounded wait for a busy file, then a clear error.

Several processes (a lab server, the CLI, a benchmark) may use one store file at once. SQLite lets
one of them write at a time; the others wait for the write lock up to ``busy_timeout`` seconds
(SQLite's busy handler, so the wait costs no CPU), then :class:`Connection` raises
:class:`~core.errors.StoreError` naming the file, how long it waited and what to do, instead of
the raw ``sqlite3.OperationalError: database is locked``. Every other SQLite error passes through
unchanged (the store turns those into its own messages).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from core.errors import InvalidInputError, StoreError

BUSY_TIMEOUT = 10.0
"""Seconds a read or write waits for another connection's lock before :class:`StoreError`."""
_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED (primary result codes)


class Connection:
    """One ``sqlite3`` connection in autocommit mode, shared by a store's threads (under its lock)."""

    def __init__(self, path: str, busy_timeout: float = BUSY_TIMEOUT) -> None:
        if isinstance(busy_timeout, bool) or not isinstance(busy_timeout, (int, float)) or not busy_timeout >= 0:
            raise InvalidInputError(f"busy_timeout must be a number of seconds >= 0, got {busy_timeout!r}")
        self.path, self.busy_timeout = path, float(busy_timeout)
        self.raw = sqlite3.connect(path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def execute(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.raw.execute(sql, args)
        except sqlite3.OperationalError as exc:
            raise self._busy(exc) or exc

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> sqlite3.Cursor:
        try:
            return self.raw.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise self._busy(exc) or exc

    def executescript(self, script: str) -> None:
        try:
            self.raw.executescript(script)
        except sqlite3.OperationalError as exc:
            raise self._busy(exc) or exc

    def close(self) -> None:
        self.raw.close()

    def _busy(self, exc: sqlite3.OperationalError) -> StoreError | None:
        """The StoreError for a lock wait that timed out, or None for any other error."""
        code = getattr(exc, "sqlite_errorcode", None)
        if (code & 0xFF if code is not None else None) not in _BUSY_CODES and "locked" not in str(exc):
            return None
        error = StoreError(
            f"the store file {self.path!r} is busy: another process or thread kept it locked for more than "
            f"{self.busy_timeout:g} s ({exc}); nothing was changed. Try again in a moment, or stop the other "
            "program using this file (a large import holds the lock until it is done)")
        error.__cause__ = exc
        return error
