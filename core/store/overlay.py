"""A workspace's store: its own file for what people write, shared read-only catalogs for the rest.

:class:`OverlayStore` implements the :class:`~core.store.base.Store` protocol over two stores:

- ``own`` (a workspace's embedded store file) holds everything the workspace writes: personas,
  interactions, agent configs and the catalogs uploaded into it;
- ``shared`` (:class:`SharedCatalogs`, one per process) holds catalogs every workspace reads —
  the shipped samples — loaded once and never copied.

A shared catalog appears in a workspace once it is *attached* (:meth:`OverlayStore.attach`): the
own file then holds a stub collection of that name (the spec, no items) that personas and the
agent config hang on, and every item read or search goes to the shared copy. Writing items into
a shared catalog raises :class:`~core.errors.ReadOnlyError`; deleting it from a workspace drops
the stub with the workspace's personas, not the catalog.

A shared catalog may come with a **community** (:meth:`SharedCatalogs.community_for`: a sample's
real users as background personas with their interactions, loaded once per process). Attached with
``community=True`` (or :meth:`OverlayStore.set_community`, a setting of the stub), those personas
are part of the workspace for the engine — popularity and ``scan_interactions`` count them, and
``get_persona`` / ``recent_interactions`` serve them — but they are read-only, hidden from
``list_personas`` unless asked for background personas, and never copied into the own file.

``read_only`` (a reason, e.g. "this shared workspace is protected by a passcode") refuses every
write with :class:`~core.errors.ReadOnlyError` naming it: a passcode-protected shared workspace
opened without its passcode can be read and copied, not changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

import numpy as np

from core.checks import check_type
from core.errors import AlreadyExistsError, NotFoundError, ReadOnlyError
from core.models import Item, Persona
from core.store.base import (AppendedInteractions, CollectionSpec, Hit, InteractionRow, InteractionScan, ItemPrior,
                             LearnedVectors, Store, StoredInteraction)
from core.store.community import CommunityRouting, community_scan, merge_scans

T = TypeVar("T")


@runtime_checkable
class SharedCatalogs(Protocol):
    """Read-only catalogs shared by every workspace of a process (the lab's shipped samples)."""

    def names(self) -> frozenset[str]:
        """The collection names that are shared (whether loaded yet or not)."""
        ...

    def store_for(self, collection: str) -> Store:
        """The store holding ``collection``, loading it first if needed (thread-safe)."""
        ...

    def community_for(self, collection: str) -> Store | None:
        """The store holding ``collection``'s community as background personas (loaded first if needed),
        or None when the catalog has none. Optional: shared catalogs without this method have none."""
        ...


class OverlayStore(CommunityRouting):
    """:class:`~core.store.base.Store` over a workspace's ``own`` store and ``shared`` catalogs (see module)."""

    def __init__(self, own: Store, shared: SharedCatalogs | None = None, *, read_only: str | None = None) -> None:
        self.own = own
        self.shared = shared
        self.read_only = read_only
        self.capabilities = own.capabilities

    # routing ------------------------------------------------------------------------------
    def is_shared(self, collection: str) -> bool:
        """Whether ``collection`` is one of the shared, read-only catalogs."""
        return self.shared is not None and collection in self.shared.names()

    def _items(self, collection: str) -> Store:
        """Where ``collection``'s items live (the collection must be in this workspace)."""
        if self.is_shared(collection):
            if not self.own.has_collection(collection):
                raise NotFoundError(f"collection {collection!r} is not in this workspace; existing: "
                                    f"{self.list_collections()}")
            return self.shared.store_for(collection)
        return self.own

    def _write(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"cannot {what}: {self.read_only}; nothing was changed")

    def _write_items(self, collection: str) -> None:
        self._write(f"add items to {collection!r}")
        if self.is_shared(collection):
            raise ReadOnlyError(f"collection {collection!r} is a shared sample catalog and read-only; import your "
                                "own catalog under another name to change items; nothing was changed")

    def attach(self, collection: str, *, community: bool = False) -> CollectionSpec:
        """Make shared catalog ``collection`` part of this workspace (idempotent); its spec; ``community``: if
        this attaches it, with the catalog's community (if it has one)."""
        if not self.is_shared(collection):
            raise NotFoundError(f"{collection!r} is not a shared catalog; shared: {sorted(self.shared.names()) if self.shared else []}")
        if not self.own.has_collection(collection):
            self._write(f"add catalog {collection!r} to the workspace")
            spec = self.shared.store_for(collection).get_collection(collection)
            try:
                self.own.create_collection(CollectionSpec(
                    name=spec.name, dims=spec.dims, text_fields=spec.text_fields, embedding_model=spec.embedding_model,
                    vectors=dict(spec.vectors)))
            except AlreadyExistsError:  # another session attached it meanwhile
                return self.own.get_collection(collection)
            if community and self._shared_community(collection) is not None:
                self.set_community(collection, True)
        return self.own.get_collection(collection)

    # collections --------------------------------------------------------------------------
    def create_collection(self, spec: CollectionSpec) -> None:
        self._new_name(check_type(spec, CollectionSpec, "create_collection spec").name)
        self.own.create_collection(spec)

    def stage_collection(self, spec: CollectionSpec) -> str:
        self._new_name(check_type(spec, CollectionSpec, "stage_collection spec").name)
        return self.own.stage_collection(spec)

    def publish_collection(self, staged: str, name: str, *, replace: bool = False) -> None:
        self._new_name(name)
        self.own.publish_collection(staged, name, replace=replace)

    def _new_name(self, name: str) -> None:
        self._write(f"create collection {name!r}")
        if self.is_shared(name):
            raise AlreadyExistsError(f"collection {name!r} is the name of a shared sample catalog; "
                                     "choose another name")

    def get_collection(self, name: str) -> CollectionSpec:
        return self.own.get_collection(name)

    def has_collection(self, name: str) -> bool:
        return self.own.has_collection(name)

    def list_collections(self) -> list[str]:
        return self.own.list_collections()

    def delete_collection(self, name: str) -> None:
        self._write(f"delete collection {name!r}")
        self.own.delete_collection(name)  # for a shared catalog: the stub and its personas, not the catalog

    def set_agent_config(self, name: str, *, user_properties: dict[str, str], vector_name: str | None) -> None:
        self._write(f"configure the agent of {name!r}")
        self.own.set_agent_config(name, user_properties=user_properties, vector_name=vector_name)

    def has_agent(self, name: str) -> bool:
        return self.own.has_agent(name)

    def collection_settings(self, name: str) -> dict[str, Any]:
        return self.own.collection_settings(name)

    def update_collection_settings(self, name: str, values: Mapping[str, Any]) -> None:
        self._write(f"change the settings of {name!r}")
        self.own.update_collection_settings(name, values)

    # items --------------------------------------------------------------------------------
    def add_items(self, collection: str, items: Sequence[Item], vectors: np.ndarray | Mapping[str, np.ndarray]) -> int:
        self._write_items(collection)
        return self.own.add_items(collection, items, vectors)

    def put_vectors(self, collection: str, ids: Sequence[UUID], vectors: np.ndarray, *,
                    vector_name: str | None = None) -> None:
        self._write_items(collection)
        self.own.put_vectors(collection, ids, vectors, vector_name=vector_name)

    def count(self, collection: str) -> int:
        return self._items(collection).count(collection)

    def get_items(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Item]:
        return self._items(collection).get_items(collection, ids)

    def item_properties(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Mapping[str, Any]]:
        return self._items(collection).item_properties(collection, ids)

    def get_vectors(self, collection: str, ids: Sequence[UUID], *, vector_name: str | None = None) -> np.ndarray:
        return self._items(collection).get_vectors(collection, ids, vector_name=vector_name)

    def missing_items(self, collection: str, ids: Iterable[UUID]) -> list[UUID]:
        return self._items(collection).missing_items(collection, ids)

    def iter_items(self, collection: str, *, offset: int = 0, limit: int | None = None) -> list[Item]:
        return self._items(collection).iter_items(collection, offset=offset, limit=limit)

    def property_names(self, collection: str) -> list[str]:
        return self._items(collection).property_names(collection)

    # search -------------------------------------------------------------------------------
    def check_filter(self, filters: Any) -> None:
        self.own.check_filter(filters)

    def near_vectors(self, collection: str, queries: np.ndarray, limit: int, *, filters: Any = None,
                     exclude: Iterable[UUID] = (), vector_name: str | None = None,
                     boost: Any = None) -> list[list[Hit]]:
        return self._items(collection).near_vectors(collection, queries, limit, filters=filters, exclude=exclude,
                                                    vector_name=vector_name, boost=boost)

    def search_max(self, collection: str, queries: np.ndarray, weights: np.ndarray, limit: int, *,
                   filters: Any = None, exclude: Iterable[UUID] = (), prior: ItemPrior | None = None,
                   vector_name: str | None = None) -> list[Hit]:
        return self._items(collection).search_max(collection, queries, weights, limit, filters=filters,
                                                  exclude=exclude, prior=prior, vector_name=vector_name)

    def bm25(self, collection: str, query: str, limit: int, *, filters: Any = None, exclude: Iterable[UUID] = (),
             query_properties: Sequence[str] | None = None, boost: Any = None) -> list[Hit]:
        return self._items(collection).bm25(collection, query, limit, filters=filters, exclude=exclude,
                                            query_properties=query_properties, boost=boost)

    def hybrid(self, collection: str, query: str | None, vector: np.ndarray | None, limit: int, *, alpha: float,
               fusion: str = "relative_score", filters: Any = None, exclude: Iterable[UUID] = (),
               query_properties: Sequence[str] | None = None, vector_name: str | None = None,
               max_vector_distance: float | None = None, boost: Any = None) -> list[Hit]:
        return self._items(collection).hybrid(collection, query, vector, limit, alpha=alpha, fusion=fusion,
                                              filters=filters, exclude=exclude, query_properties=query_properties,
                                              vector_name=vector_name, max_vector_distance=max_vector_distance,
                                              boost=boost)

    def near_text(self, collection: str, texts: Any, limit: int, **options: Any) -> list[Hit]:
        return self._items(collection).near_text(collection, texts, limit, **options)

    # personas and interactions: the workspace's own, and the community's (read-only) ---------
    def put_persona(self, collection: str, persona: Persona, *, must_exist: bool | None) -> None:
        self._write("save a persona")
        self._not_community(collection, [persona.persona_id], "save a persona")
        self.own.put_persona(collection, persona, must_exist=must_exist)

    def get_persona(self, collection: str, persona_id: UUID) -> Persona | None:
        persona = self.own.get_persona(collection, persona_id)
        if persona is None and (store := self._community(collection)) is not None:
            return store.get_persona(collection, persona_id)
        return persona

    def delete_persona(self, collection: str, persona_id: UUID) -> bool:
        self._write("delete a persona")
        self._not_community(collection, [persona_id], "delete a persona")
        return self.own.delete_persona(collection, persona_id)

    def list_personas(self, collection: str, *, background: bool | None = False) -> list[Persona]:
        own = self.own.list_personas(collection, background=background)
        store = None if background is False else self._community(collection)
        return own if store is None else own + store.list_personas(collection, background=True)

    def count_personas(self, collection: str, *, background: bool | None = False) -> int:
        own = self.own.count_personas(collection, background=background)
        store = None if background is False else self._community(collection)
        return own if store is None else own + store.count_personas(collection, background=True)

    def add_interactions(self, collection: str, rows: Sequence[InteractionRow], *, default_time: datetime | None = None,
                         replace_pairs: Iterable[tuple[UUID, UUID]] = (),
                         create_personas: Iterable[UUID | Persona] = (), background: bool = False) -> None:
        self._write("record interactions")
        create_personas = list(create_personas)
        ids = {r.persona_id for r in rows} | {p if isinstance(p, UUID) else p.persona_id for p in create_personas}
        self._not_community(collection, ids, "record interactions")
        self.own.add_interactions(collection, rows, default_time=default_time, replace_pairs=replace_pairs,
                                  create_personas=create_personas, background=background)

    def recent_interactions(self, collection: str, persona_id: UUID, limit: int | None) -> list[StoredInteraction]:
        return self._persona_store(collection, persona_id).recent_interactions(collection, persona_id, limit)

    def interacted_items(self, collection: str, persona_id: UUID) -> set[UUID]:
        return self._persona_store(collection, persona_id).interacted_items(collection, persona_id)

    def scan_interactions(self, collection: str) -> InteractionScan:
        own, store = self.own.scan_interactions(collection), self._community(collection)
        if store is None:
            return own
        return merge_scans(community_scan(store, collection), own)

    def memo(self, collection: str, key: str, build: Callable[[], T], *,
             grow: Callable[[T, AppendedInteractions], T] | None = None) -> T:
        # memos derive from interactions: the workspace's own (written here) and the community's (never written).
        # No growing over a community: the own store cannot tell whether a persona's like is new to the merged scan.
        return self.own.memo(collection, key, build, grow=grow if self._community(collection) is None else None)

    # learned vectors: the workspace's own, else those learned from the community it includes ------
    def put_learned(self, collection: str, name: str, learned: LearnedVectors) -> None:
        self._write(f"store learned vectors for {collection!r}")
        self.own.put_learned(collection, name, learned)

    def get_learned(self, collection: str, name: str) -> LearnedVectors | None:
        learned = self.own.get_learned(collection, name)
        if learned is None and (store := self._community(collection)) is not None:
            return store.get_learned(collection, name)
        return learned

    def delete_learned(self, collection: str, name: str) -> bool:
        self._write(f"delete learned vectors of {collection!r}")
        return self.own.delete_learned(collection, name)

    def close(self) -> None:
        self.own.close()  # the shared catalogs belong to the process
