"""Helpers of the Catalog page's overview: catalog statistics and the preview table.

``compute_stats`` and ``preview_frame`` take plain values and are tested directly; the
``st.cache_data`` wrapper is keyed by workspace name, collection and item count (the store itself
is passed as an unhashed ``_store``) and returns a copy, so pages may not and need not mutate it.
The upload lives in ``lab.catalog_upload``, the embedding map in ``lab.catalog_map``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core import Item, Store, detect_column_type

HIDDEN = ("original_id", "image_url")  # never "top values": unique per item
MAX_CATEGORIES = 50


# --- catalog statistics ---------------------------------------------------------------------

@dataclass(frozen=True)
class PropertyStats:
    name: str
    kind: str
    items_with: int
    example: str


@dataclass(frozen=True)
class CatalogStats:
    """Item count, each property (in first-seen order) and the top values of list/categorical ones."""

    count: int
    properties: tuple[PropertyStats, ...]
    top_values: dict[str, list[tuple[str, int]]]


def compute_stats(items: Sequence[Item], top: int = 10) -> CatalogStats:
    """Statistics of ``items``: a string property counts as categorical when it has at most
    ``MAX_CATEGORIES`` distinct values and most values repeat (titles and descriptions do not)."""
    filled: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {}
    examples: dict[str, Any] = {}
    values: dict[str, Counter[str]] = {}
    for item in items:
        for key, value in item.properties.items():
            if value is None or value == "" or value == []:
                continue
            filled[key] += 1
            kinds.setdefault(key, Counter())[_kind(value)] += 1
            examples.setdefault(key, value)
            if isinstance(value, list):
                values.setdefault(key, Counter()).update(str(v) for v in value if isinstance(v, (str, int, float)))
            elif isinstance(value, str):
                values.setdefault(key, Counter())[value] += 1
    props = tuple(PropertyStats(k, " / ".join(c for c, _ in kinds[k].most_common()), n, short_text(examples[k]))
                  for k, n in filled.items())
    tops = {k: c.most_common(top) for k, c in values.items()
            if k not in HIDDEN and c and (kinds[k]["list"] or (len(c) <= MAX_CATEGORIES and len(c) * 2 <= filled[k]))}
    return CatalogStats(len(items), props, tops)


@st.cache_data(show_spinner="Reading the catalog…", max_entries=64)
def catalog_stats(workspace: str, collection: str, count: int, _store: Store) -> CatalogStats:
    return compute_stats(_store.iter_items(collection))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "-" and \
            detect_column_type([value]).kind == "date":  # the cheap test first: this runs for every value
        return "date"
    return {list: "list", dict: "object"}.get(type(value), "text")


def short_text(value: Any, limit: int = 80) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else \
        json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def preview_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows of properties as a DataFrame Arrow can always show: numeric and yes/no columns stay
    typed, lists are joined with ", ", anything else (or a mixed column) becomes text."""
    frame = pd.DataFrame(list(rows))
    for column in frame.columns:
        cells = [v for v in frame[column] if not _missing(v)]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in cells)
        flags = all(isinstance(v, bool) for v in cells)
        if cells and not (numeric or flags):
            frame[column] = pd.Series([None if _missing(v) else short_text(v, 300) for v in frame[column]],
                                      index=frame.index, dtype=object)
    return frame


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
