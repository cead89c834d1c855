"""Batch writes with per-object error accounting: all of a call's objects, or none of them.

Weaviate answers a batch with one result per object; some may fail (a value of the wrong type, a
vector of the wrong length) while the rest are stored. Weaviate has no transaction to roll back, so
:func:`insert_all` does it by hand: when any object failed, it deletes every object this call
inserted and raises :class:`~core.errors.BatchWriteError` with the count and each failed object's
uuid and Weaviate's message. The window between the insert and the clean-up is visible to other
readers (Weaviate cannot hide it); a crash inside it leaves those objects behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from core.errors import BatchWriteError

CHUNK = 1000
"""Objects per BatchObjects request (and ids per delete filter)."""
SHOWN = 10
"""Failed objects named in an error message (all of them are in ``BatchWriteError.failed``)."""


def failure_message(what: str, failed: Sequence[tuple[str, str]], total: int, *, cleaned: bool = True) -> str:
    """The error text for ``failed`` (uuid, message) objects of a batch of ``total`` ``what`` (pure)."""
    shown = "; ".join(f"{uuid}: {message}" for uuid, message in failed[:SHOWN])
    more = f"; and {len(failed) - SHOWN} more" if len(failed) > SHOWN else ""
    outcome = "nothing was stored" if cleaned else "removing the objects already written failed too, some remain"
    return f"Weaviate rejected {len(failed)} of {total} {what}; {outcome}: {shown}{more}"


def failures(errors: dict[int, Any], objects: Sequence[Any], offset: int = 0) -> list[tuple[str, str]]:
    """``(uuid, message)`` of each failed object of a ``BatchObjectReturn.errors`` (keys index ``objects``)."""
    return [(str(objects[k - offset].uuid), str(errors[k].message)) for k in sorted(errors)]


def insert_all(collection: Any, objects: Sequence[Any], what: str,
               progress: Callable[[int, int], None] | None = None) -> list[UUID]:
    """Insert ``objects`` (``DataObject``) in chunks; on any failed object delete what was inserted and raise."""
    inserted: list[UUID] = []
    failed: list[tuple[str, str]] = []
    try:
        for start in range(0, len(objects), CHUNK):
            part = objects[start:start + CHUNK]
            result = collection.data.insert_many(list(part))
            failed += failures(result.errors, part)
            inserted += [u if isinstance(u, UUID) else UUID(str(u)) for k, u in sorted(result.uuids.items())
                         if k not in result.errors]
            if failed:
                break
            if progress is not None:
                progress(start + len(part), len(objects))
    except BaseException:
        delete_ids(collection, inserted)
        raise
    if failed:
        cleaned = _try_delete(collection, inserted)
        raise BatchWriteError(failure_message(what, failed, len(objects), cleaned=cleaned), failed=failed,
                              total=len(objects))
    return inserted


def delete_ids(collection: Any, ids: Iterable[UUID]) -> None:
    """Delete the objects ``ids`` (BatchDelete with an id filter, in chunks)."""
    from weaviate.classes.query import Filter
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        collection.data.delete_many(where=Filter.by_id().contains_any(ids[start:start + CHUNK]))


def _try_delete(collection: Any, ids: list[UUID]) -> bool:
    try:
        delete_ids(collection, ids)
    except Exception:  # the server is failing: the error says some objects remain
        return False
    return True
