"""The Explore page's data: every item's 2-D position, a persona's roles and its profile points.

``build_map`` and ``map_layers`` take plain values and are tested directly; ``catalog_map`` is
cached per workspace, collection and item count (``st.cache_data``). The profile points are the
engine's own query vectors (``PersonalizationAgent.profile_vectors``), projected by the same map.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np
import streamlit as st

from core import Item, PersonalizationAgent, Store, display_title

from .charts import project_2d

MAX_MAP_POINTS = 5000
MAP_SEED = 0


@dataclass(frozen=True)
class CatalogMap:
    """Every item's 2-D position and the linear map that placed it: ``origin + v @ basis`` is
    exactly ``lab.charts.project_2d``'s projection of any vector ``v`` (fitted on this catalog)."""

    ids: tuple[str, ...]
    titles: tuple[str, ...]
    points: np.ndarray
    origin: np.ndarray
    basis: np.ndarray
    explained: float

    def project(self, vectors: np.ndarray) -> np.ndarray:
        return self.origin + np.asarray(vectors, dtype=float) @ self.basis


def build_map(items: Sequence[Item], vectors: np.ndarray, text_fields: Sequence[str] = ()) -> CatalogMap:
    """Project the catalog once; the zero vector and the unit axes go along as ``extra`` so that
    profile points can be projected later without refitting (the projection is affine)."""
    dims = vectors.shape[1]
    points, probe = project_2d(vectors, extra=np.vstack([np.zeros((1, dims)), np.eye(dims)]))
    total = float(((vectors - vectors.mean(axis=0)) ** 2).sum()) if len(vectors) else 0.0
    kept = float(((points - points.mean(axis=0)) ** 2).sum()) if len(points) else 0.0
    titles = tuple(display_title(i.properties, str(i.uuid), text_fields) for i in items)
    return CatalogMap(tuple(str(i.uuid) for i in items), titles, points, probe[0], probe[1:] - probe[0],
                      kept / total if total else 0.0)


@st.cache_data(show_spinner="Projecting the catalog…", max_entries=32)
def catalog_map(workspace: str, collection: str, count: int, _store: Store) -> CatalogMap:
    items = _store.iter_items(collection)
    return build_map(items, np.asarray(_store.get_vectors(collection, [i.uuid for i in items]), dtype=float),
                     _store.get_collection(collection).text_fields)


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
