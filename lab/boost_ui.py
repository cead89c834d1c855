"""The Search page's optional Boost: a number-property boost and a recency boost (Weaviate's ``Boost``).

Shown only when the catalog has numeric or date properties (read from its first items by
``core.boost_properties``); the widgets only build the parts, ``core.simple_boost`` makes the boost, and
the search says who applied it (``core.boost_note``: Weaviate >= 1.38 server-side, else the engine).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import Store, boost_properties, simple_boost

from .cards import plain

NONE = "(none)"
PERSIST = {"persist_state": "session"}


def _properties(store: Store, collection: str, key: str) -> tuple[list[str], list[str]]:
    """The numeric and date properties, read once per collection in this session."""
    memo = st.session_state.setdefault(key + "properties", {})
    if collection not in memo:
        memo[collection] = boost_properties(store, collection)
    return memo[collection]


def boost_controls(store: Store, collection: str, *, key: str) -> Any:
    """The Boost expander's widgets; the weaviate ``Boost`` they make, or None (nothing chosen, or nothing to use)."""
    numeric, dates = _properties(store, collection, key)
    if not numeric and not dates:
        return None
    with st.expander("Boost (rescore the search's candidates before the persona mix)"):
        parts: tuple[list, list] = ([], [])
        cols = st.columns(3)
        if numeric:
            name = cols[0].selectbox("Number property (higher first)", [NONE, *numeric], key=key + "numeric",
                                     **PERSIST)
            modifier = cols[1].selectbox("modifier", ["none", "log1p", "sqrt"], key=key + "modifier", **PERSIST,
                                         help="log1p / sqrt dampen values that span orders of magnitude")
            weight = cols[2].slider("weight", 0.0, 1.0, 0.5, step=0.05, key=key + "numeric_weight", **PERSIST)
            if name != NONE:
                parts[0].append((name, None if modifier == "none" else modifier, float(weight)))
        cols = st.columns(4)
        if dates:
            name = cols[0].selectbox("Date property (recent first)", [NONE, *dates], key=key + "date", **PERSIST)
            days = cols[1].number_input("scale (days)", 1, 36_500, 30, key=key + "days", **PERSIST,
                                        help="at this age an item's recency score is halved")
            curve = cols[2].selectbox("curve", ["exp", "gauss", "linear"], key=key + "curve", **PERSIST)
            weight = cols[3].slider("weight", 0.0, 1.0, 0.5, step=0.05, key=key + "date_weight", **PERSIST)
            if name != NONE:
                parts[1].append((name, f"{int(days)}d", curve, float(weight)))
    return simple_boost(*parts)


def boost_caption(note: str | None) -> None:
    """Say that the boost was applied, and by whom (nothing without a boost)."""
    if note:
        st.caption(plain(note))
