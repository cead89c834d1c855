"""Per-session state of the lab: which workspace, collection and persona are active.

Every key lives in ``st.session_state`` under a ``lab.`` prefix and is initialised with
``setdefault``, so pages can be opened in any order. The workspace is also in the page's address
(``?ws=<id>`` for a private one, ``?shared=<name>`` for a shared one, with ``&collection=``), so a
reload (F5), a bookmark or a tab reopened after a server restart returns to the same workspace.
Passcodes typed for shared workspaces stay in this session's memory only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import streamlit as st

from core import (AccessDeniedError, LLMRanker, NotFoundError, Persona, PersonalizationAgent, PersonalizationError,
                  Workspace, WorkspaceRef)

from . import demos, menu, weaviate_ui
from .persona_ui import display_name, persona_id, store_draft
from .resources import default_collection, library, session_llm, shared_llm, workspaces

LLM_SESSION = "lab.llm_session"
WS, PASSCODES, PRIVATE_WS, NOTICE = "lab.ws", "lab.passcodes", "lab.private_ws", "lab.ws_notice"
NEXT_COLLECTION = "lab.next_collection"
"""A page sets this to make a collection the active one from the next run on."""
LLM_FORM = "lab.llm_form"
"""Prefix of the sidebar form's fields; the committed values: ``lab.llm_key``, ``_base_url``, ``_model``."""
WIDGET_KEYS = ("lab.collection", "lab.persona", "lab.llm_key", "lab.llm_base_url", "lab.llm_model")


def init() -> None:
    """Defaults for a new browser session; the workspace comes from the URL when it names one."""
    st.session_state.setdefault(PASSCODES, {})
    st.session_state.setdefault("lab.collection", st.query_params.get("collection") or None)
    st.session_state.setdefault("lab.persona", None)
    st.session_state.setdefault("lab.llm_key", "")
    st.session_state.setdefault("lab.llm_base_url", "")
    st.session_state.setdefault("lab.llm_model", "")
    # Streamlit forgets a widget's value when the page that drew it is left, and every page draws
    # its own sidebar widgets: re-assigning the keys makes them plain session state that survives.
    for key in WIDGET_KEYS:
        st.session_state[key] = st.session_state[key]
    if NEXT_COLLECTION in st.session_state:  # set by a page after the selector was drawn (an import)
        st.session_state["lab.collection"] = st.session_state.pop(NEXT_COLLECTION)
    if WS not in st.session_state:
        st.session_state[WS] = _from_url()


def _from_url() -> str:
    """The workspace the URL names, else a new private one (saying why when the URL's is gone)."""
    spaces = workspaces()
    try:
        if private := st.query_params.get("ws"):
            ref = WorkspaceRef("private", private)
            spaces.open(ref)
            st.session_state[PRIVATE_WS] = ref.key
            return ref.key
        if shared := st.query_params.get("shared"):
            return WorkspaceRef.shared(shared).key
    except PersonalizationError as exc:
        st.session_state[NOTICE] = f"{exc}. You are in a new private workspace."
    ref = spaces.create_private().ref
    st.session_state[PRIVATE_WS] = ref.key
    return ref.key


def current_workspace() -> Workspace:
    """The session's workspace: on the Weaviate server it is connected to, else opened (and created, for
    a new shared name) from its file."""
    if (server := weaviate_ui.workspace()) is not None:
        return server
    spaces = workspaces()
    spaces.close_idle()
    ref = WorkspaceRef.parse(st.session_state[WS])
    passcode = st.session_state[PASSCODES].get(ref.key)
    try:
        ws = spaces.open(ref, passcode=passcode, create=True)
    except AccessDeniedError:  # the passcode was changed since it was typed here
        st.session_state[PASSCODES].pop(ref.key, None)
        st.session_state[NOTICE] = f"The passcode of {ref.label} has changed; it is read-only until you enter the new one."
        ws = spaces.open(ref, create=True)
    except NotFoundError:  # deleted (by its owner or the teacher view) while this session used it
        st.session_state[NOTICE] = f"{ref.label.capitalize()} no longer exists; you are in a new private workspace."
        ws = spaces.create_private()
        st.session_state[WS] = st.session_state[PRIVATE_WS] = ws.ref.key
    _to_url(ws.ref)
    return ws


def _to_url(ref: WorkspaceRef) -> None:
    params = st.query_params
    wanted = {"ws": ref.name} if ref.kind == "private" else {"shared": ref.name}
    for key in ("ws", "shared"):
        if key not in wanted and key in params:
            del params[key]
    for key, value in wanted.items():
        if params.get(key) != value:
            params[key] = value


def switch_to(ref: WorkspaceRef, passcode: str | None = None) -> None:
    """Make ``ref`` this session's workspace (``passcode`` checked first, when given)."""
    if passcode:
        workspaces().open(ref, passcode=passcode, create=True)  # AccessDeniedError for a wrong one
        st.session_state[PASSCODES][ref.key] = passcode
    st.session_state[WS] = ref.key
    if ref.kind == "private":
        st.session_state[PRIVATE_WS] = ref.key
    st.session_state["lab.persona"] = None  # the collection stays, if the new workspace can use it


def own_private() -> WorkspaceRef:
    """This session's private workspace (made now if the session has only used shared ones)."""
    key = st.session_state.get(PRIVATE_WS)
    if key and workspaces().exists(WorkspaceRef.parse(key)):
        return WorkspaceRef.parse(key)
    ref = workspaces().create_private().ref
    st.session_state[PRIVATE_WS] = ref.key
    return ref


def current_collection(ws: Workspace) -> str | None:
    """The active collection: the one chosen if this workspace can use it, else the default sample
    (or the workspace's first collection); None when there is nothing to work on (read-only, empty)."""
    available = ws.available()
    chosen = st.session_state["lab.collection"]
    if chosen not in available:
        fallback = default_collection()
        chosen = fallback if fallback in available else (available[0] if available else None)
        st.session_state["lab.collection"] = chosen
    if chosen is not None:
        st.query_params["collection"] = chosen
    return chosen


def current_agent(ws: Workspace, collection: str) -> PersonalizationAgent:
    """The agent for this session: with the session's own API key if one was typed in. A sample added
    to the workspace comes with its community, loaded once per server (books: a few seconds)."""
    llm = current_llm()
    info = library().info(collection) if collection in library().names() else None
    loads = info is not None and bool(info.interactions) and collection not in library().communities() and (
        not ws.store.has_collection(collection) or ws.store.includes_community(collection))
    if not loads:
        return ws.agent(collection, llm=llm if llm is not None else shared_llm())
    with st.spinner(f"Adding the {info.name} sample's community ({info.users or 0:,} people, "
                    f"{info.interactions:,} ratings); once per server…"):
        agent = ws.agent(collection, llm=llm if llm is not None else shared_llm())
        ws.store.community(collection)  # loads it now if this workspace includes it
    return agent


def current_llm() -> LLMRanker | None:
    """The session's own LLM agent, built once per (key, base URL, model) and kept in this session's
    memory (``lab.llm_session``), so its call budget holds across reruns and it remembers what the
    server rejected; None without a key committed by "Use this key" (the process-wide LLM, if any, ranks)."""
    key = st.session_state["lab.llm_key"].strip()
    if not key:
        st.session_state.pop(LLM_SESSION, None)
        return None
    base_url = st.session_state["lab.llm_base_url"].strip()
    model = st.session_state["lab.llm_model"].strip()
    # a digest, not the key: the key itself stays only in its session value
    fingerprint = hashlib.sha256("\n".join((key, base_url, model)).encode()).hexdigest()
    kept = st.session_state.get(LLM_SESSION)
    if kept is None or kept[0] != fingerprint:
        kept = (fingerprint, session_llm(key, base_url, model))
        st.session_state[LLM_SESSION] = kept
    return kept[1]


def use_llm_key() -> None:
    """"Use this key" (a form callback): commit the typed key, base URL and model together.

    They become the session values ``current_llm`` reads, in this session's memory only; the key
    field is emptied. Without a key nothing changes and the form says why.
    """
    typed = {name: str(st.session_state.get(f"{LLM_FORM}.{name}") or "").strip()
             for name in ("key", "base_url", "model")}
    if not typed["key"]:
        st.session_state[f"{LLM_FORM}.error"] = "Type a key first (any text for a keyless local server)."
        return
    st.session_state.update({"lab.llm_key": typed["key"], "lab.llm_base_url": typed["base_url"],
                             "lab.llm_model": typed["model"], f"{LLM_FORM}.key": ""})


def forget_llm_key() -> None:
    """"Forget the key" (a button callback): drop the session's key and its LLM agent."""
    st.session_state["lab.llm_key"] = ""
    st.session_state.pop(LLM_SESSION, None)


def personas(agent: PersonalizationAgent) -> dict[str, Persona]:
    """The workspace's personas by display name (``properties["name"]``, else the UUID)."""
    return {str(p.properties.get("name") or p.persona_id): p for p in agent.list_personas()}


def active_persona(agent: PersonalizationAgent) -> Persona | None:
    """The sidebar's persona: one of the workspace's own, or a community persona chosen on Personas."""
    chosen = st.session_state["lab.persona"]
    return (personas(agent).get(chosen) or community_persona(agent, chosen)) if chosen else None


def community_persona(agent: PersonalizationAgent, name: str | None) -> Persona | None:
    """The community (background) persona called ``name``, if the collection has one: community personas
    are named like any lab persona, their ID the UUID of the name (``core.community_persona_id``)."""
    if not name:
        return None
    try:
        persona = agent.store.get_persona(agent.collection, persona_id(name))
    except PersonalizationError:
        return None
    return persona if persona is not None and display_name(persona) == name else None


def require_persona(agent: PersonalizationAgent) -> Persona:
    """The active persona; without one, a demo persona to add with one click (for the sample
    catalogs; in a read-only shared workspace, into one's own private workspace) and a pointer to
    the Personas page, and the page stops here."""
    persona = active_persona(agent)
    if persona is None:
        read_only = getattr(agent.store, "read_only", None)
        st.info("No active persona yet: add a demo persona here, or create one on the Personas page."
                + (f" ({read_only}: a demo persona goes into your own private workspace.)" if read_only else ""))
        if error := st.session_state.pop("lab.require.error", None):
            st.error(error)
        for demo in demos.demos_for(agent.collection):
            st.button(f"Add the demo persona {demo.name}" + (" to my own workspace" if read_only else ""),
                      key=f"lab.require.demo.{demo.name}", help=demo.description,
                      on_click=_add_demo, args=(agent.collection if read_only else agent, demo))
        menu.link("Personas", "Open Personas")
        st.stop()
    return persona


def _add_demo(agent: PersonalizationAgent | str, demo: demos.DemoPersona) -> None:
    """Add ``demo`` through ``agent``, or (given a collection name) into this session's private workspace."""
    try:
        if isinstance(agent, str):
            own = workspaces().open(own_private())
            target = own.agent(agent, llm=shared_llm())
            persona = store_draft(target, demo.draft(datetime.now(timezone.utc)))
            switch_to(own.ref)
            st.session_state[NEXT_COLLECTION] = agent
        else:
            persona = store_draft(agent, demo.draft(datetime.now(timezone.utc)))
    except PersonalizationError as exc:
        st.session_state["lab.require.error"] = str(exc)
        return
    st.session_state["lab.persona"] = display_name(persona)
