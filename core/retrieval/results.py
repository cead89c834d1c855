"""Personalized search hits shaped like weaviate-client's query objects.

``return_properties`` projects each hit's properties onto the given names (unknown names are an
error, as in Weaviate); ``include_vector`` adds the stored (L2-normalised) vectors as
``{"default": [...]}`` or by vector name; ``return_metadata`` chooses which of weaviate-client's
``MetadataReturn`` fields are filled (default: every one this engine knows: ``distance`` and
``certainty`` for ``near_text``, ``score`` and ``explain_score``). Fields the embedded store
cannot know raise :class:`~core.errors.NotAvailableError` when asked for. ``search_score``,
``persona_score`` and ``search_rank`` are always set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np

from core.errors import InvalidInputError, NotAvailableError
from core.models import QueryMetadata, QueryObject, SearchOptions
from core.store.base import Hit, Store

KNOWN_METADATA = ("distance", "certainty", "score", "explain_score")
"""The ``MetadataReturn`` fields this engine can fill."""


@dataclass
class Found:
    """What a plain search found: hits best first, their cosine distances (vector searches) and trace facts."""

    hits: list[Hit]
    distances: dict[UUID, float] | None
    trace: dict[str, Any] = field(default_factory=dict)


def shape_results(store: Store, collection: str, search: SearchOptions, found: Found, order: list[int],
                  mixed: np.ndarray, s_search: np.ndarray, s_persona: np.ndarray, strength: float,
                  vectors: dict[str, np.ndarray]) -> list[QueryObject]:
    """The hits at ``order`` as :class:`QueryObject`, best first; ``vectors`` are theirs by name, in that order."""
    metadata = _metadata_fields(search)
    items = store.get_items(collection, [found.hits[i].uuid for i in order])
    project = _projection(store, collection, search.return_properties)
    objects = []
    for n, i in enumerate(order):
        uuid = found.hits[i].uuid
        distance = found.distances.get(uuid) if found.distances is not None else None
        values = {"distance": distance, "certainty": None if distance is None else 1 - distance / 2,
                  "score": float(mixed[i]), "explain_score": _explain(search, strength, s_search[i], s_persona[i],
                                                         found.trace.get("boosted_by"))}
        meta = QueryMetadata(search_score=float(s_search[i]), persona_score=float(s_persona[i]), search_rank=i + 1,
                             **{k: v for k, v in values.items() if k in metadata})
        objects.append(QueryObject(uuid=uuid, properties=project(items[uuid].properties), metadata=meta,
                                   vector={name: v[n].tolist() for name, v in vectors.items()},
                                   collection=collection))
    return objects


def _metadata_fields(search: SearchOptions) -> tuple[str, ...]:
    if search.return_metadata is None:
        return KNOWN_METADATA
    unknown = sorted(set(search.return_metadata) - set(KNOWN_METADATA))
    if unknown:
        raise NotAvailableError(f"return_metadata {unknown} not available: the embedded store keeps no creation or "
                                f"update times, consistency or query profiles; available: {list(KNOWN_METADATA)}")
    return search.return_metadata


def _projection(store: Store, collection: str, names: tuple[str, ...] | None):
    if names is None:
        return lambda properties: properties
    unknown = sorted(set(names) - set(store.property_names(collection)))
    if unknown:
        raise InvalidInputError(f"return_properties {unknown} are not properties of collection {collection!r}")
    return lambda properties: {k: properties[k] for k in names if k in properties}


def _explain(search: SearchOptions, strength: float, s_search: float, s_persona: float, boosted_by: str | None) -> str:
    how = {"near_text": "cosine similarity to the query vector", "bm25": "BM25",
           "hybrid": f"hybrid {search.fusion_type} fusion, alpha {search.alpha:g}"}[search.method]
    if boosted_by is not None:
        how += f", rescored by the request's boost on {'Weaviate' if boosted_by == 'weaviate' else 'the engine'}"
    return (f"score {(1 - strength) * s_search + strength * s_persona:.4f} = {1 - strength:g} × search "
            f"{s_search:.4f} ({how}, min-max scaled) + {strength:g} × persona {s_persona:.4f} (min-max scaled)")
