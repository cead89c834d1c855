"""One exception root for the engine, with a few specific subclasses.

Every message names the bad value and what would be valid, so the CLI and the lab can show it
as-is (``st.error(str(exc))``) without a traceback.
"""

from __future__ import annotations


class PersonalizationError(Exception):
    """Root of every error the engine raises on purpose."""


class InvalidInputError(PersonalizationError, ValueError):
    """A parameter, ID, weight or option is out of range or of the wrong type."""


class NotFoundError(PersonalizationError, LookupError):
    """A collection, persona or item that was asked for does not exist."""


class AlreadyExistsError(PersonalizationError):
    """Something that must be new (a collection, a persona) exists already."""


class CatalogImportError(PersonalizationError):
    """A catalog file was rejected; nothing from it was stored.

    ``row`` is 1-based (the file's data rows, header excluded) and ``column`` is the column name,
    when the problem can be pinned to one place.
    """

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)
        self.row = row
        self.column = column


class UnsupportedFilterError(PersonalizationError):
    """A filter uses an operator or value type the store cannot evaluate."""


class NotAvailableError(PersonalizationError):
    """A feature was asked for that this installation cannot provide (yet)."""


class StoreError(PersonalizationError):
    """The storage backend failed (file unreadable, server unreachable)."""


class ReadOnlyError(PersonalizationError):
    """A write was refused: the collection is a shared sample, or the workspace is read-only."""


class AccessDeniedError(PersonalizationError):
    """A passcode was missing or wrong for a protected workspace or the admin view."""


class CancelledError(PersonalizationError):
    """A long operation (an evaluation run) was cancelled by its caller; nothing it made is kept."""


class BatchWriteError(StoreError):
    """A server rejected some objects of a batch write; what the call had written was removed again.

    ``failed`` lists ``(uuid, the server's message)`` of every rejected object; ``total`` is the batch size.
    """

    def __init__(self, message: str, *, failed: list[tuple[str, str]], total: int):
        super().__init__(message)
        self.failed = failed
        self.total = total
