"""The store protocol: everything the engine needs from a backend, and nothing more.

Backends: :class:`core.store.embedded.store.EmbeddedStore` (SQLite + in-memory float32 matrices,
the default) and the Weaviate store; ``tests/store_contract.py`` is the suite each one subclasses.

- **Server vectorizers.** A user's own Weaviate collection may have the server vectorize text for a
  vector (``spec.server_vectorizers``); then query texts go to :meth:`Store.near_text` so they land
  in that vector's space. Every other vector holds the engine's embeddings.
- **Named vectors.** A collection has one or more named vectors (``{"default": 384}``, or
  ``{"text": 384, "behaviour": 64}``); the first is the default. Every vector method takes
  ``vector_name`` (None = the default). Vectors cross this boundary L2-normalised as float32, so a
  dot product is the cosine similarity.
- **Capabilities.** A store says what it can do (:class:`Capabilities`) and checks a filter before
  any search runs (:meth:`Store.check_filter`), so the engine never assumes one backend's abilities.
- **Interactions for the engine.** :meth:`Store.scan_interactions` hands out every interaction of a
  collection as columns; popularity, like counts (``core.retrieval.popularity``) and later learned
  models are computed by the engine from it, memoised with :meth:`Store.memo` until the next write.
- **Background personas** (``add_interactions(..., background=True)``: a sample's real users, its
  community) are personas like any other for the engine, but ``list_personas`` / ``count_personas``
  leave them out unless asked. **Collection settings** keep a few JSON values with a collection.
- **Learned vectors.** :meth:`Store.put_learned` keeps a collection's learned item vectors (the
  ``"behaviour"`` vectors of :mod:`core.learn`) beside its catalog: one unit row per item like a
  named vector, with a per-item fold-in weight and the model's metadata. They belong to whoever holds
  the interactions (a workspace's own file, never a shared sample), so they live with the personas.
- **Atomic writes.** Every write method stores all of its input or, on any error, nothing; a whole
  collection is built hidden and published in one step (``stage_collection``, ``publish_collection``).
- **Copies out.** Returned items, personas and vectors are the caller's: mutating them never
  changes the store. ``item_properties`` is the one uncopied, read-only view, for the engine's reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

import numpy as np

from core.models import Item, Persona
from core.store.records import AppendedInteractions, Hit, InteractionScan, LearnedVectors, StoredInteraction
from core.store.spec import DEFAULT_VECTOR, Capabilities, CollectionSpec

__all__ = ["DEFAULT_VECTOR", "AppendedInteractions", "Capabilities", "CollectionSpec", "Hit", "InteractionRow",
           "InteractionScan", "ItemPrior", "LearnedVectors", "Store", "StoredInteraction"]

T = TypeVar("T")


class ItemPrior(Protocol):
    """A per-item score added inside ``search_max`` (the engine's popularity prior, the blend's behaviour part).

    Optionally a native form a server-side store can search with: ``vector`` (a query, or None) and
    ``learned`` (the name of the stored learned vectors whose similarity to ``vector`` the prior grows
    with). The Weaviate store then adds the nearest learned vectors' items to the candidates before
    rescoring every candidate with :meth:`aligned`; a store that scores every item ignores it.
    """

    def aligned(self, ids: Sequence[UUID]) -> np.ndarray:
        """Its value for each of ``ids`` (0 for unknown items), as float32."""
        ...


class InteractionRow(Protocol):
    """Anything with these attributes can be stored: a :class:`StoredInteraction` or a
    :class:`core.models.PersonaInteraction` (bulk writes pass those as they are, unconverted)."""

    @property
    def persona_id(self) -> UUID: ...
    @property
    def item_id(self) -> UUID: ...
    @property
    def weight(self) -> float: ...
    @property
    def created_at(self) -> datetime | None: ...


@runtime_checkable
class Store(Protocol):
    """The backend interface. ``filters`` are weaviate-client ``Filter`` objects (or None)."""

    capabilities: Capabilities

    # collections ---------------------------------------------------------------------------
    def create_collection(self, spec: CollectionSpec) -> None: ...
    def get_collection(self, name: str) -> CollectionSpec: ...
    def has_collection(self, name: str) -> bool: ...
    def list_collections(self) -> list[str]: ...
    def delete_collection(self, name: str) -> None: ...
    def stage_collection(self, spec: CollectionSpec) -> str:
        """A hidden collection for ``spec`` (not in ``list_collections``); its private name (``core.store.staged``)."""
    def publish_collection(self, staged: str, name: str, *, replace: bool = False) -> None:
        """Rename ``staged`` to ``name`` in one transaction (deleting an existing ``name`` there if ``replace``)."""
    def set_agent_config(self, name: str, *, user_properties: dict[str, str], vector_name: str | None) -> None: ...
    def has_agent(self, name: str) -> bool: ...
    def collection_settings(self, name: str) -> dict[str, Any]: ...
    def update_collection_settings(self, name: str, values: Mapping[str, Any]) -> None:
        """Set JSON ``values`` on collection ``name`` (a None value removes that key; the memos are dropped)."""
        ...

    # items ---------------------------------------------------------------------------------
    def add_items(self, collection: str, items: Sequence[Item],
                  vectors: np.ndarray | Mapping[str, np.ndarray]) -> int:
        """Insert new items with their vectors: an (n, dims) array for a single-vector collection, or
        one array per named vector (all of them)."""
        ...
    def put_vectors(self, collection: str, ids: Sequence[UUID], vectors: np.ndarray, *,
                    vector_name: str | None = None) -> None:
        """Replace the ``vector_name`` vectors of existing items."""
        ...
    def count(self, collection: str) -> int: ...
    def get_items(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Item]:
        """The stored items among ``ids``, as copies the caller may change."""
        ...
    def item_properties(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Mapping[str, Any]]:
        """The properties of the stored items among ``ids`` as read-only views, without copying.

        For the engine's own reads (titles, property matches) on every request; what reaches a
        caller is copied by the result models. Nested lists are the store's own: never mutate them.
        """
        ...
    def get_vectors(self, collection: str, ids: Sequence[UUID], *, vector_name: str | None = None) -> np.ndarray: ...
    def missing_items(self, collection: str, ids: Iterable[UUID]) -> list[UUID]: ...
    def iter_items(self, collection: str, *, offset: int = 0, limit: int | None = None) -> list[Item]: ...
    def property_names(self, collection: str) -> list[str]: ...

    # search --------------------------------------------------------------------------------
    def check_filter(self, filters: Any) -> None:
        """Raise :class:`~core.errors.UnsupportedFilterError` (or InvalidInputError) for a filter this
        store cannot evaluate, before any search runs."""
        ...
    def near_vectors(
        self, collection: str, queries: np.ndarray, limit: int, *,
        filters: Any = None, exclude: Iterable[UUID] = (), vector_name: str | None = None, boost: Any = None,
    ) -> list[list[Hit]]:
        """Each query's top ``limit``; ``boost`` (a weaviate ``Boost``) only where ``capabilities.boost``, else
        :class:`~core.errors.NotAvailableError`: the hits then carry the server's boosted scores, in its order."""
        ...
    def search_max(
        self, collection: str, queries: np.ndarray, weights: np.ndarray, limit: int, *,
        filters: Any = None, exclude: Iterable[UUID] = (), prior: ItemPrior | None = None,
        vector_name: str | None = None,
    ) -> list[Hit]:
        """Top ``limit`` items by ``max_j weights[j] * (x . queries[j]) + prior(x)``.

        A backend without a native form runs one search per query and merges: the top items by
        the maximum are always among the union of each query's top items, so that is exact without
        a prior (with one, over-fetch and rescore).
        """
        ...
    def bm25(
        self, collection: str, query: str, limit: int, *,
        filters: Any = None, exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None,
        boost: Any = None,
    ) -> list[Hit]:
        """BM25's top ``limit``; ``boost`` as in :meth:`near_vectors`."""
        ...
    def hybrid(
        self, collection: str, query: str | None, vector: np.ndarray | None, limit: int, *, alpha: float,
        fusion: str = "relative_score", filters: Any = None, exclude: Iterable[UUID] = (),
        query_properties: Sequence[str] | None = None, vector_name: str | None = None,
        max_vector_distance: float | None = None, boost: Any = None,
    ) -> list[Hit]:
        """Top ``limit`` items by Weaviate's hybrid of the nearest to ``vector`` and BM25 of ``query``.

        ``alpha`` (0..1) weighs the vector part; ``fusion`` is ``"relative_score"`` (scores in [0, 1]) or
        ``"ranked"`` (``sum weight / (rank + 60)``); ``max_vector_distance`` is a cosine distance. Each part's
        top ``max(100, limit)`` are fused on every backend. The store never embeds text: ``alpha`` > 0 with a
        query needs ``vector``; no query means the vector part alone, weight 1. The rules and score semantics:
        :mod:`core.store.hybrid`. ``capabilities.native_hybrid`` says whether the server fuses (one request);
        ``boost`` as in :meth:`near_vectors` (the server rescores the fused candidates).
        """
        ...
    def near_text(
        self, collection: str, texts: str | Sequence[str], limit: int, *, filters: Any = None,
        exclude: Iterable[UUID] = (), vector_name: str | None = None, move_to: Any = None, move_away: Any = None,
        max_distance: float | None = None,
    ) -> list[Hit]:
        """Search by ``texts`` vectorized *by the server* with the module of ``vector_name``
        (:attr:`CollectionSpec.server_vectorizers`), moved by ``move_to`` / ``move_away`` (anything with
        ``force``, ``concepts`` and ``objects``); scores ``1 - distance``. A vector without a server
        vectorizer (every store but a user's Weaviate collection) raises NotAvailableError."""
        ...

    # personas and interactions ----------------------------------------------------------------
    def put_persona(self, collection: str, persona: Persona, *, must_exist: bool | None) -> None: ...
    def get_persona(self, collection: str, persona_id: UUID) -> Persona | None: ...
    def delete_persona(self, collection: str, persona_id: UUID) -> bool: ...
    def list_personas(self, collection: str, *, background: bool | None = False) -> list[Persona]:
        """The collection's personas in creation order: by default those people made (not background
        ones); ``background=True`` only the background personas, ``None`` every persona."""
        ...
    def count_personas(self, collection: str, *, background: bool | None = False) -> int: ...
    def add_interactions(
        self, collection: str, rows: Sequence[InteractionRow], *, default_time: datetime | None = None,
        replace_pairs: Iterable[tuple[UUID, UUID]] = (), create_personas: Iterable[UUID | Persona] = (),
        background: bool = False,
    ) -> None:
        """Atomically: create ``create_personas`` that are missing (a UUID with no properties, a
        :class:`Persona` with its own; existing personas are left as they are; ``background``: the new
        ones are background personas), delete the stored interactions of ``replace_pairs`` (persona,
        item), insert ``rows`` (``created_at`` None -> ``default_time``)."""
        ...
    def recent_interactions(self, collection: str, persona_id: UUID, limit: int | None) -> list[StoredInteraction]: ...
    def interacted_items(self, collection: str, persona_id: UUID) -> set[UUID]: ...
    def scan_interactions(self, collection: str) -> InteractionScan:
        """Every stored interaction of the collection, as columns."""
        ...
    def memo(self, collection: str, key: str, build: Callable[[], T], *,
             grow: Callable[[T, AppendedInteractions], T] | None = None) -> T:
        """``build()``'s value, kept until the collection's next write (items, personas or interactions).

        ``grow(value, appended)``, when given, is the value after a write that only added interactions
        (it must return a new object: readers may hold the old one). A store may call it instead of
        dropping the value (the embedded store does for its own small appends) or ignore it and build again.
        """
        ...

    # learned vectors ---------------------------------------------------------------------------
    def put_learned(self, collection: str, name: str, learned: LearnedVectors) -> None:
        """Store (or atomically replace) the learned vectors called ``name`` of ``collection``."""
        ...
    def get_learned(self, collection: str, name: str) -> LearnedVectors | None:
        """The learned vectors called ``name``, or None if none were stored (read-only arrays)."""
    def delete_learned(self, collection: str, name: str) -> bool:
        """Remove them; True if there were any."""
    def close(self) -> None: ...
