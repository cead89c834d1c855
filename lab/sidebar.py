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
    """Which agent ranks, and a form that commits a session API key (with base URL and model) at once:
    typed values count only after "Use this key", never when the field merely loses focus."""
    ranker, note = agent.llm_ranker
    mine = state.current_llm() is not None
    if ranker is None:
        bar.caption("Agent: local agent (no LLM)")
    else:
        bar.caption(f"Agent: {ranker.config.model} via your key" if mine else f"Agent: {ranker.name}")
    form = state.LLM_FORM
    with bar.expander("Use an LLM for this session"):
        with st.form(form, border=False):
            st.text_input("API key (kept in this session's memory only)", key=f"{form}.key", type="password")
            st.text_input("Base URL (optional, e.g. http://localhost:11434/v1 for Ollama)", key=f"{form}.base_url",
                          value=st.session_state["lab.llm_base_url"])
            st.text_input("Model (optional)", key=f"{form}.model", value=st.session_state["lab.llm_model"])
            st.form_submit_button("Use this key", key=f"{form}.use", on_click=state.use_llm_key)
        if error := st.session_state.pop(f"{form}.error", None):
            st.error(error)
        if mine:
            st.caption("Your key is in this session's memory only: never on disk, in a log or in the URL.")
            st.button("Forget the key", key=f"{form}.forget", on_click=state.forget_llm_key)
