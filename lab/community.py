"""The Personas page's community section: a shared sample's real users, hidden from the pickers.

A sample with an interaction log (movies, books) brings its **community** into a workspace (see
``core.OverlayStore``): the log's users as background personas, which count for popularity (and
the learned vectors) but stay out of the persona pickers. This section says how many there are,
includes or leaves them out for the workspace, and with "Show community personas" lists the most
active ones; any of them can be made the active persona, read-only (its history, its
recommendations; nothing of it can be changed). :func:`community_rows` is tested directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core import Persona, PersonalizationAgent, PersonalizationError, Workspace

from .cards import plain
from .persona_ui import display_name

SHOWN = 500
"""Community personas listed (and offered as the active persona), the most active first."""
P = "lab.personas.community"


def count(agent: PersonalizationAgent) -> int:
    """How many community (background) personas the agent's collection has in this workspace."""
    return agent.store.count_personas(agent.collection, background=True)


def community_rows(agent: PersonalizationAgent, limit: int = SHOWN) -> list[dict[str, Any]]:
    """The ``limit`` community personas with the most interactions: name, likes, dislikes, interactions."""
    store, collection = agent.store, agent.collection

    def build() -> list[dict[str, Any]]:
        scan = store.scan_interactions(collection)
        size = len(scan.personas)
        total, likes, dislikes = (np.bincount(scan.persona_index, weights=w, minlength=size).astype(int).tolist()
                                  for w in (None, scan.weight > 0, scan.weight < 0))
        at = {p: n for n, p in enumerate(scan.personas)}
        rows = [{"persona": display_name(p), "likes": likes[n], "dislikes": dislikes[n], "interactions": total[n]}
                if (n := at.get(p.persona_id)) is not None else
                {"persona": display_name(p), "likes": 0, "dislikes": 0, "interactions": 0}
                for p in store.list_personas(collection, background=True)]
        return sorted(rows, key=lambda r: (-r["interactions"], r["persona"]))
    # kept until the collection's next write: books has 53,424 of them
    return store.memo(collection, "lab.community_rows", build)[:limit]


def is_community(persona: Persona, people: dict[str, Persona]) -> bool:
    """Whether ``persona`` is a community persona (not one of ``people``, the workspace's own)."""
    return display_name(persona) not in people


def section(ws: Workspace, agent: PersonalizationAgent, has_log: bool, select: Callable[[str], None]) -> None:
    """The count, the include switch (for a sample with a log) and the optional list with its picker."""
    if has_log:
        key = f"{P}.include"
        st.session_state[key] = ws.store.community(agent.collection)
        st.toggle("Include the sample's community in this workspace", key=key, disabled=not ws.writable,
                  on_change=_include, args=(ws, agent.collection, key),
                  help="The real users of the sample's log, read-only and shared by every workspace that includes "
                       "them: they count for popularity and what people like you also liked.")
        if error := st.session_state.pop(f"{P}.error", None):
            st.error(plain(error))
    background = count(agent)
    if not background:
        if has_log:
            st.caption("The sample's community is left out of this workspace.")
        return
    st.caption(f"+ {background:,} community personas from the sample's log (hidden from the persona pickers)")
    if not st.toggle("Show community personas", key=f"{P}.show"):
        return
    rows = community_rows(agent)
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    names = [r["persona"] for r in rows]
    st.caption(f"The {len(rows):,} with the most interactions" + (f" of {background:,}." if background > len(rows)
                                                                   else "."))
    st.selectbox("Make a community persona the active one (read-only)", names, index=None, key=f"{P}.pick",
                 placeholder="choose one", on_change=lambda: select(st.session_state[f"{P}.pick"]))


def _include(ws: Workspace, collection: str, key: str) -> None:
    try:
        ws.set_community(collection, bool(st.session_state[key]))
    except PersonalizationError as exc:
        st.session_state[f"{P}.error"] = str(exc)
