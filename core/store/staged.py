"""A collection built out of sight and published in one step: :func:`new_collection`.

Catalog import, sample installs and their agents fill a new collection with several writes (items,
a community's personas and interactions, the agent config). Done on the real name, a failure or a
kill between them would leave an empty or half-filled collection, and a replace that deleted the
old collection first would lose it. Instead the collection is staged under a private name
(:meth:`~core.store.base.Store.stage_collection`), filled, and published with
:meth:`~core.store.base.Store.publish_collection`: one transaction that also deletes the collection
it replaces. Until then readers see the old collection (or none); on an error the staged one is
deleted again, and after a ``kill -9`` the store drops it the next time the file is opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace as with_name

from core.errors import AlreadyExistsError, PersonalizationError
from core.store.base import CollectionSpec, Store

__all__ = ["new_collection"]


@contextmanager
def new_collection(store: Store, spec: CollectionSpec, *, replace: bool = False) -> Iterator[CollectionSpec]:
    """Stage ``spec``, yield the staged spec (its ``name`` is the private one to fill), publish it as
    ``spec.name`` when the block ends (replacing an existing collection of that name if ``replace``,
    else :class:`AlreadyExistsError`); on an error in the block nothing is published."""
    if not replace and store.has_collection(spec.name):
        raise AlreadyExistsError(f"collection {spec.name!r} already exists; pass replace=True to overwrite it")
    staged = store.stage_collection(spec)
    try:
        yield with_name(spec, name=staged)
        store.publish_collection(staged, spec.name, replace=replace)
    except BaseException:
        try:
            store.delete_collection(staged)
        except PersonalizationError:
            pass  # the file is unusable right now: the staged collection is dropped when it is next opened
        raise
