"""The Explore page's data: the whole catalog's 2-D map, and a persona's neighbourhood.

``build_map``, ``map_layers`` and ``neighbourhood`` take plain values and are tested directly.
``catalog_map`` is cached once per *catalog* per process (``st.cache_data``), keyed by the
collection name, its item count and :func:`catalog_fingerprint` (a hash of a fixed sample of its
ids, properties and vectors), never by the workspace: the same sample catalog in two workspaces
is one cache entry. The profile points are the engine's own query vectors
(``PersonalizationAgent.profile_vectors``), projected by the same map.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np
import streamlit as st

from core import Item, PersonalizationAgent, Store, display_title

from .map_chart import Projection, fit_projection

MAX_MAP_POINTS = 5000
MAP_SEED = 0
FINGERPRINT_ROWS = 64


@dataclass(frozen=True)
class CatalogMap:
    """Every item's 2-D position and the linear map that placed it (:func:`lab.map_chart.fit_projection`
    of this catalog): ``project(v)`` places any vector ``v`` the same way."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    points: np.ndarray
    projection: Projection

    @property
    def explained(self) -> float:
        return self.projection.explained

    def project(self, vectors: np.ndarray) -> np.ndarray:
        return self.projection.project(vectors)


def build_map(items: Sequence[Item], vectors: np.ndarray, text_fields: Sequence[str] = ()) -> CatalogMap:
    """Fit the projection on the catalog's vectors and place every item."""
    projection = fit_projection(vectors, seed=MAP_SEED)
    titles = tuple(display_title(i.properties, str(i.uuid), text_fields) for i in items)
    return CatalogMap(tuple(str(i.uuid) for i in items), titles, projection.project(vectors), projection)


def catalog_fingerprint(store: Store, collection: str) -> str:
    """A cheap identity of a catalog's content: its size, dimensions and text fields, and the ids,
    properties and vectors of ``FINGERPRINT_ROWS`` items at fixed, evenly spaced positions."""
    count, spec = store.count(collection), store.get_collection(collection)
    positions = sorted({int(p) for p in np.linspace(0, count - 1, min(count, FINGERPRINT_ROWS))}) if count else []
    items = [store.iter_items(collection, offset=p, limit=1)[0] for p in positions]
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps([count, spec.dims, list(spec.text_fields)]).encode())
    for item in items:
        digest.update(item.uuid.bytes + json.dumps(item.properties, sort_keys=True, default=str).encode())
    if items:
        vectors = store.get_vectors(collection, [i.uuid for i in items])
        digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.hexdigest()


def catalog_map(store: Store, collection: str) -> CatalogMap:
    """The whole catalog's map, computed once per catalog (see the module docstring)."""
    return _catalog_map(collection, store.count(collection), catalog_fingerprint(store, collection), store)


@st.cache_data(show_spinner="Projecting the catalog…", max_entries=16)
def _catalog_map(collection: str, count: int, fingerprint: str, _store: Store) -> CatalogMap:
    items = _store.iter_items(collection)
    vectors = np.asarray(_store.get_vectors(collection, [i.uuid for i in items]), dtype=float)
    return build_map(items, vectors, _store.get_collection(collection).text_fields)


def interaction_roles(agent: PersonalizationAgent, persona_id: UUID) -> dict[UUID, str]:
    """``"liked"``/``"disliked"`` per interacted item; an item rated both ways keeps its newest sign."""
    roles: dict[UUID, str] = {}
    for it in agent.get_interactions(persona_id, "all"):  # newest first
        if it.weight and it.item_id not in roles:
            roles[it.item_id] = "liked" if it.weight > 0 else "disliked"
    return roles


def map_layers(cmap: CatalogMap, highlight: dict[str, str], profile: np.ndarray, profile_labels: Sequence[str], *,
               max_points: int = MAX_MAP_POINTS, seed: int = MAP_SEED) -> tuple[np.ndarray, list[str], list[str]]:
    """Points, titles and roles for ``embedding_map_figure``: every highlighted item (by UUID
    string), at most ``max_points`` other catalog items (a seeded sample) and the profile points."""
    position = {u: i for i, u in enumerate(cmap.ids)}
    marked = [(position[u], role) for u, role in highlight.items() if u in position]
    taken = {i for i, _ in marked}
    rest = np.array([i for i in range(len(cmap.ids)) if i not in taken], dtype=int)
    if len(rest) > max_points:
        rest = np.sort(np.random.default_rng(seed).choice(rest, max_points, replace=False))
    index = list(rest) + [i for i, _ in marked]
    roles = ["catalog"] * len(rest) + [r for _, r in marked] + ["profile"] * len(profile_labels)
    extra = cmap.project(profile) if len(profile_labels) else np.zeros((0, 2))
    points = np.vstack([cmap.points[index].reshape(-1, 2), extra])
    return points, [cmap.titles[i] for i in index] + list(profile_labels), roles


@dataclass(frozen=True)
class Neighbourhood:
    """The persona's own points, placed by a projection fitted on their item vectors alone;
    ``links`` join point pairs (a recommendation and its closest like)."""

    points: np.ndarray
    titles: list[str]
    roles: list[str]
    projection: Projection
    fitted: int
    links: list[tuple[int, int]]


def neighbourhood(store: Store, collection: str, highlight: dict[UUID, str], profile: np.ndarray,
                  profile_labels: Sequence[str], closest_like: dict[UUID, str] | None = None) -> Neighbourhood:
    """The highlighted items (likes, dislikes, recommendations, candidates) by a PCA fitted on their
    vectors only, and the profile points by the same projection: the directions in which *these*
    items differ, which keep much more of their variance than the whole catalog's map.
    ``closest_like`` maps an item to the title of its closest like (the engine's ``nearest_like``
    signal); each becomes a link to the liked point with that title."""
    ids = list(highlight)
    dims = profile.shape[1] if profile.ndim == 2 else 0
    vectors = np.asarray(store.get_vectors(collection, ids), dtype=float) if ids else np.zeros((0, dims))
    projection = fit_projection(vectors, seed=MAP_SEED)
    fields = store.get_collection(collection).text_fields
    props = store.item_properties(collection, ids)
    titles = [display_title(props[u], str(u), fields) if u in props else str(u) for u in ids]
    extra = projection.project(profile) if len(profile_labels) else np.zeros((0, 2))
    points = np.vstack([projection.project(vectors).reshape(-1, 2), extra])
    liked = {}
    for n, u in enumerate(ids):
        if highlight[u] == "liked":
            liked.setdefault(titles[n], n)
    links = [(n, liked[(closest_like or {})[u]]) for n, u in enumerate(ids)
             if highlight[u] in ("recommended", "candidate") and (closest_like or {}).get(u) in liked]
    roles = [highlight[u] for u in ids] + ["profile"] * len(profile_labels)
    return Neighbourhood(points, titles + list(profile_labels), roles, projection, len(ids), links)
