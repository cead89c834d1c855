"""The sidebar every page shows: workspace (where it is saved), one collection selector, the active
persona and the LLM status."""

from __future__ import annotations

import streamlit as st

from core import PersonalizationAgent, PersonalizationError, Workspace, WorkspaceRef

from . import state, weaviate_ui
from .resources import library, workspaces

JOIN_NAME, JOIN_CODE, UNLOCK_CODE, ERROR = "lab.join.name", "lab.join.passcode", "lab.unlock.passcode", "lab.ws_error"


def render() -> tuple[Workspace, str | None, PersonalizationAgent | None]:
    """Draw the sidebar; the active workspace, collection and agent (None, None for a read-only,
    empty workspace: nothing to work on)."""
    state.init()
    bar = st.sidebar
    ws = state.current_workspace()
    server = ws.ref.kind == "server"
    if not server:
        _workspace_panel(bar, ws)
    weaviate_ui.panel(bar, ws)
    collection = state.current_collection(ws)
    if collection is None:
        bar.info("This Weaviate has no collection yet: import a sample above."
                 if server else "This shared workspace has no catalog yet, and it is read-only without its passcode.")
        return ws, None, None
    _collection_selector(bar, ws)
    agent = state.current_agent(ws, collection)
    where = f"Weaviate at {ws.path}" if server else "embedded"
    bar.caption(f"Store: {where} · collection **{collection}** · {ws.store.count(collection):,} items")
    names = list(state.personas(agent))
    if st.session_state["lab.persona"] not in names:
        if state.community_persona(agent, st.session_state["lab.persona"]) is not None:
            names.append(st.session_state["lab.persona"])  # a community persona chosen on Personas
        else:
            st.session_state["lab.persona"] = names[0] if names else None
    bar.selectbox("Active persona", names, key="lab.persona", placeholder="create one on Personas")
    _llm_status(bar, agent)
    return ws, collection, agent


def _workspace_panel(bar, ws: Workspace) -> None:
    for key in (state.NOTICE, ERROR):
        if message := st.session_state.pop(key, None):
            (bar.warning if key == state.NOTICE else bar.error)(message)
    kind = "Private workspace" if ws.ref.kind == "private" else f"Shared workspace **{ws.ref.name}**"
    bar.markdown(f"{kind}{'' if ws.writable else ' · read-only'}")
    bar.caption(f"Saved in `{ws.path}`. " + ("Bookmark this page to come back to it: the address holds its id."
                                           if ws.ref.kind == "private" else ""))
    if not ws.writable:
        with bar.form("lab.unlock", border=False):
            st.text_input("Passcode to make changes", key=UNLOCK_CODE, type="password")
            st.form_submit_button("Unlock", on_click=_unlock, args=(ws.ref,))
    if ws.ref.kind == "shared":
        bar.button("Copy into my own workspace", key="lab.fork", on_click=_fork, args=(ws.ref,),
                   help="A private copy of everything here (catalogs, personas, interactions) that only you change.")
    with bar.expander("Switch workspace"):
        with st.form("lab.join", border=False):
            st.text_input("Shared workspace name", key=JOIN_NAME,
                          help="The same name on several laptops opens the same workspace (made if new).")
            st.text_input("Passcode (if it has one)", key=JOIN_CODE, type="password")
            st.form_submit_button("Open shared workspace", on_click=_join)
        if ws.ref.kind == "shared":
            st.button("Back to my private workspace", key="lab.back", on_click=_back)


def _join() -> None:
    try:
        ref = WorkspaceRef.shared(st.session_state.get(JOIN_NAME, ""))
        state.switch_to(ref, st.session_state.get(JOIN_CODE) or None)
    except PersonalizationError as exc:
        st.session_state[ERROR] = str(exc)
    st.session_state[JOIN_CODE] = ""


def _unlock(ref: WorkspaceRef) -> None:
    try:
        state.switch_to(ref, st.session_state.get(UNLOCK_CODE) or "")
    except PersonalizationError as exc:
        st.session_state[ERROR] = str(exc)
    st.session_state[UNLOCK_CODE] = ""


def _fork(ref: WorkspaceRef) -> None:
    try:
        copy = workspaces().fork(ref)
    except PersonalizationError as exc:
        st.session_state[ERROR] = str(exc)
        return
    state.switch_to(copy)
    st.session_state[state.NOTICE] = f"This is your own copy of {ref.label}: changes here are yours only."


def _back() -> None:
    state.switch_to(state.own_private())


def _collection_selector(bar, ws: Workspace) -> None:
    # people's personas (not a sample's community), kept until the collection's next write
    counts = {c: ws.store.memo(c, "lab.persona_count", lambda c=c: ws.store.count_personas(c))
              for c in ws.collections()}
    shared = library().names()

    def label(name: str) -> str:
        kind = "sample" if name in shared else "uploaded"
        return f"{name} · {kind} · {counts.get(name, 0)} persona{'' if counts.get(name, 0) == 1 else 's'}"

    bar.selectbox("Collection", ws.available(), key="lab.collection", format_func=label,
                  on_change=lambda: st.session_state.update({"lab.persona": None}),
                  help="Samples are shared read-only by every workspace; uploaded catalogs are this workspace's. "
                       "Personas belong to one collection.")


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
