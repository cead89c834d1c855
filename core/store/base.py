"""The store protocol: everything the engine needs from a backend, and nothing more.

Two backends implement it: :class:`core.store.embedded.store.EmbeddedStore` (SQLite + an in-memory
float32 matrix, the default) and the Weaviate store. The engine never talks to a backend any
other way, and ``tests/store_contract.py`` holds the contract suite each backend subclasses.

Vectors cross this boundary L2-normalised as float32, so a dot product is the cosine similarity.
Every write method is atomic: it stores all of its input or, on any error, nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol, runtime_checkable
from uuid import UUID

import numpy as np

from core.models import Item, Persona


POPULARITY_SCALE_FLOOR = 100
"""Like counts are scaled as if at least this many personas liked the most-liked item."""


@dataclass(frozen=True)
class CollectionSpec:
    """A catalog collection and the agent configuration attached to it."""

    name: str
    dims: int
    text_fields: tuple[str, ...] = ()
    vector_name: str | None = None
    user_properties: dict[str, str] = field(default_factory=dict)
    embedding_model: str | None = None


@dataclass(frozen=True)
class Hit:
    """One search result: an item and its score (higher is better)."""

    uuid: UUID
    score: float


class StoredInteraction(NamedTuple):
    """An interaction as stored: ``created_at`` is always timezone-aware UTC.

    A named tuple rather than a dataclass: bulk imports build hundreds of thousands of them.
    """

    persona_id: UUID
    item_id: UUID
    weight: float
    created_at: datetime


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

    # collections ---------------------------------------------------------------------------
    def create_collection(self, spec: CollectionSpec) -> None: ...
    def get_collection(self, name: str) -> CollectionSpec: ...
    def has_collection(self, name: str) -> bool: ...
    def list_collections(self) -> list[str]: ...
    def delete_collection(self, name: str) -> None: ...
    def set_agent_config(self, name: str, *, user_properties: dict[str, str], vector_name: str | None) -> None: ...
    def has_agent(self, name: str) -> bool: ...

    # items ---------------------------------------------------------------------------------
    def add_items(self, collection: str, items: Sequence[Item], vectors: np.ndarray) -> int: ...
    def count(self, collection: str) -> int: ...
    def get_items(self, collection: str, ids: Iterable[UUID]) -> dict[UUID, Item]: ...
    def get_vectors(self, collection: str, ids: Sequence[UUID]) -> np.ndarray: ...
    def missing_items(self, collection: str, ids: Iterable[UUID]) -> list[UUID]: ...
    def iter_items(self, collection: str, *, offset: int = 0, limit: int | None = None) -> list[Item]: ...
    def property_names(self, collection: str) -> list[str]: ...

    # search --------------------------------------------------------------------------------
    def near_vectors(
        self, collection: str, queries: np.ndarray, limit: int, *,
        filters: Any = None, exclude: Iterable[UUID] = (),
    ) -> list[list[Hit]]: ...
    def search_max(
        self, collection: str, queries: np.ndarray, weights: np.ndarray, limit: int, *,
        filters: Any = None, exclude: Iterable[UUID] = (), prior_weight: float = 0.0,
    ) -> list[Hit]:
        """Top ``limit`` items by ``max_j weights[j] * (x . queries[j]) + prior_weight * popularity(x)``.

        A backend without a native form runs one search per query and merges: the top items by
        the maximum are always among the union of each query's top items, so that is exact when
        ``prior_weight`` is 0 (with a prior, over-fetch and rescore).
        """
        ...
    def like_counts(self, collection: str, ids: Sequence[UUID]) -> np.ndarray:
        """For each item: how many personas have a positive interaction (weight > 0) with it."""
        ...
    def popularity(self, collection: str, ids: Sequence[UUID]) -> np.ndarray:
        """``log1p(like_count) / log1p(max(highest like_count, POPULARITY_SCALE_FLOOR))``, in [0, 1].

        The floor keeps a handful of likes (a workshop's few personas) from counting as "the most
        popular item there is"; with real traffic the highest count is far above it.
        """
        ...
    def bm25(
        self, collection: str, query: str, limit: int, *,
        filters: Any = None, exclude: Iterable[UUID] = (), query_properties: Sequence[str] | None = None,
    ) -> list[Hit]: ...

    # personas and interactions ----------------------------------------------------------------
    def put_persona(self, collection: str, persona: Persona, *, must_exist: bool | None) -> None: ...
    def get_persona(self, collection: str, persona_id: UUID) -> Persona | None: ...
    def delete_persona(self, collection: str, persona_id: UUID) -> bool: ...
    def list_personas(self, collection: str) -> list[Persona]: ...
    def add_interactions(
        self, collection: str, rows: Sequence[InteractionRow], *, default_time: datetime | None = None,
        replace_pairs: Iterable[tuple[UUID, UUID]] = (), create_personas: Iterable[UUID] = (),
    ) -> None:
        """Atomically: create ``create_personas`` that are missing, delete the stored interactions of
        ``replace_pairs`` (persona, item), insert ``rows`` (``created_at`` None -> ``default_time``)."""
        ...
    def recent_interactions(self, collection: str, persona_id: UUID, limit: int | None) -> list[StoredInteraction]: ...
    def interacted_items(self, collection: str, persona_id: UUID) -> set[UUID]: ...

    def close(self) -> None: ...
