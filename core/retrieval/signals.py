"""The named numbers behind a ranking, computed once for every stage that needs them.

The vector stage, the agent's candidate pool and the explanations all read these: each item's
closest like and closest dislike (title and cosine similarity), its persona-property match, and
its popularity with the like count behind it. Titles come from :func:`core.titles.display_title`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import numpy as np

from core.retrieval.popularity import Popularity
from core.retrieval.profile import Profile
from core.store.base import Store
from core.titles import display_title


def item_titles(store: Store, collection: str, ids: Sequence[UUID]) -> dict[UUID, str]:
    """``{uuid: display title}`` of the stored items among ``ids`` (:func:`core.titles.display_title`,
    with the collection's text fields)."""
    fields = store.get_collection(collection).text_fields
    return {u: display_title(props, str(u), fields) for u, props in store.item_properties(collection, ids).items()}


def nearest_interactions(store: Store, collection: str, profile: Profile, X: np.ndarray) -> list[dict[str, Any]]:
    """For each row of ``X``: ``nearest_like`` / ``nearest_dislike`` (titles) and their similarities.

    Only kinds the profile has are present; an empty profile gives empty dicts.
    """
    out: list[dict[str, Any]] = [{} for _ in range(len(X))]
    if not len(X) or profile.is_empty:
        return out
    for kind, rows in (("like", profile.positive), ("dislike", profile.negative)):
        if not len(rows):
            continue
        sims = X @ profile.vectors[rows].T
        idx, best = sims.argmax(axis=1), sims.max(axis=1)
        names = item_titles(store, collection, [profile.interactions[r].item_id for r in rows])
        for n, signals in enumerate(out):
            item = profile.interactions[rows[idx[n]]].item_id
            signals[f"nearest_{kind}"] = names.get(item, str(item))
            signals[f"nearest_{kind}_similarity"] = float(best[n])
    return out


def popularity_signals(popularity: Popularity, ids: Sequence[UUID], weight: float) -> dict[str, np.ndarray]:
    """``popularity_boost`` (``weight * popularity``) and ``liked_by`` (the like count) per item."""
    return {"popularity_boost": weight * popularity.scaled(ids), "liked_by": popularity.like_counts(ids)}
