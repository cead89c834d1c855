"""The top of the Personas page: the workspace's own personas, the picker, then the sample's community.

The table and the picker list the personas people made in this workspace; a sample's community
(its log's real users, ``lab.community``) is counted below them and listed only on request.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core import PersonalizationAgent, Workspace

from . import community, state
from .persona_props import NAME


def render(ws: Workspace, agent: PersonalizationAgent, has_log: bool) -> None:
    """The personas table and picker (or a hint when there are none), and the community section."""
    known = state.personas(agent)
    if not known:
        st.info("No personas in this workspace yet: create one, add a demo persona or import one below.")
    else:
        rows = []
        for name, persona in known.items():
            stored = agent.get_interactions(persona.persona_id, "all")
            shown = {k: v for k, v in persona.properties.items() if k != NAME}
            rows.append({"persona": name, "properties": json.dumps(shown, ensure_ascii=False),
                         "likes": sum(s.weight > 0 for s in stored), "dislikes": sum(s.weight < 0 for s in stored),
                         "last interaction (UTC)": stored[0].created_at if stored else None})
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        chosen = st.session_state["lab.persona"]
        st.session_state["lab.personas.pick"] = chosen if chosen in known else None  # None: a community persona
        st.selectbox("Work on persona (also the sidebar's active persona)", list(known), key="lab.personas.pick",
                     on_change=_pick, args=("lab.personas.pick",))
    community.section(ws, agent, has_log, select=lambda name: st.session_state.update({"lab.persona": name}))


def _pick(key: str) -> None:
    st.session_state["lab.persona"] = st.session_state[key]
