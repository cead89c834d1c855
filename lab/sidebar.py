"""The sidebar every page shows: workspace, store, catalog, active persona and LLM status."""

from __future__ import annotations

import streamlit as st

from core import PersonalizationAgent

from . import state
from .resources import Workspace, sample_titles


def render() -> tuple[Workspace, str, PersonalizationAgent]:
    """Draw the sidebar; the active workspace, collection and agent."""
    state.init()
    bar = st.sidebar
    titles = sample_titles()
    bar.selectbox("Sample catalog", list(titles), key="lab.catalog", format_func=titles.get,
                  on_change=lambda: st.session_state.update({"lab.collection": None, "lab.persona": None}))
    bar.text_input("Shared workspace (optional)", key="lab.shared_name",
                   help="Leave empty to keep your personas private to this browser tab; give the same name "
                        "on several laptops to share personas.")
    ws = state.current_workspace()
    collection = state.current_collection(ws)
    agent = state.current_agent(ws, collection)
    kind = "shared workspace " + repr(st.session_state["lab.shared_name"].strip()) \
        if st.session_state["lab.shared_name"].strip() else "private workspace"
    bar.caption(f"Store: embedded (in memory), {kind} · collection **{collection}** · "
                f"{ws.store.count(collection):,} items")
    names = list(state.personas(agent))
    if st.session_state["lab.persona"] not in names:
        st.session_state["lab.persona"] = names[0] if names else None
    bar.selectbox("Active persona", names, key="lab.persona", placeholder="create one on Personas")
    _llm_status(bar, agent)
    return ws, collection, agent


def _llm_status(bar, agent: PersonalizationAgent) -> None:
    ranker, note = agent.llm_ranker
    bar.caption(f"Agent: {ranker.name}" if ranker is not None else "Agent: local agent (no LLM)")
    with bar.expander("Use an LLM for this session"):
        st.text_input("API key (kept in this session's memory only)", key="lab.llm_key", type="password")
        st.text_input("Base URL (optional, e.g. http://localhost:11434/v1 for Ollama)", key="lab.llm_base_url")
        st.text_input("Model (optional)", key="lab.llm_model")
