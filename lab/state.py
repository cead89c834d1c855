"""Per-session state of the lab: which workspace, catalog and persona are active.

Every key lives in ``st.session_state`` under a ``lab.`` prefix and is initialised with
``setdefault``, so pages can be opened in any order.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone

import streamlit as st

from core import LLMRanker, Persona, PersonalizationAgent, PersonalizationError

from . import demos, menu
from .persona_ui import display_name, store_draft
from .resources import DEFAULT_SAMPLE, Workspace, sample_titles, session_llm, workspace

PRIVATE = "private"
LLM_SESSION = "lab.llm_session"
LLM_FORM = "lab.llm_form"
"""Prefix of the sidebar form's fields; the committed values: ``lab.llm_key``, ``_base_url``, ``_model``."""
WIDGET_KEYS = ("lab.catalog", "lab.shared_name", "lab.persona", "lab.llm_key", "lab.llm_base_url", "lab.llm_model")


def init() -> None:
    """Defaults for a new browser session: a private workspace with the default sample catalog."""
    st.session_state.setdefault("lab.session_id", uuid.uuid4().hex)
    st.session_state.setdefault("lab.shared_name", "")
    titles = sample_titles()
    st.session_state.setdefault("lab.catalog", DEFAULT_SAMPLE if DEFAULT_SAMPLE in titles else next(iter(titles)))
    st.session_state.setdefault("lab.collection", None)
    st.session_state.setdefault("lab.persona", None)
    st.session_state.setdefault("lab.llm_key", "")
    st.session_state.setdefault("lab.llm_base_url", "")
    st.session_state.setdefault("lab.llm_model", "")
    # Streamlit forgets a widget's value when the page that drew it is left, and every page draws
    # its own sidebar widgets: re-assigning the keys makes them plain session state that survives.
    for key in WIDGET_KEYS:
        st.session_state[key] = st.session_state[key]


def current_workspace() -> Workspace:
    shared = st.session_state["lab.shared_name"].strip()
    return workspace(f"shared:{shared}" if shared else f"{PRIVATE}:{st.session_state['lab.session_id']}")


def current_collection(ws: Workspace) -> str:
    """The active collection: an uploaded one if chosen, else the selected sample (installed on demand)."""
    chosen = st.session_state["lab.collection"]
    if chosen and ws.store.has_collection(chosen):
        return chosen
    return ws.ensure_sample(st.session_state["lab.catalog"])


def current_agent(ws: Workspace, collection: str) -> PersonalizationAgent:
    """The agent for this session: with the session's own API key if one was typed in."""
    return ws.agent(collection, current_llm())


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
    chosen = st.session_state["lab.persona"]
    known = personas(agent)
    return known.get(chosen) if chosen else None


def require_persona(agent: PersonalizationAgent) -> Persona:
    """The active persona; without one, a demo persona to add with one click (for the sample
    catalogs) and a pointer to the Personas page, and the page stops here."""
    persona = active_persona(agent)
    if persona is None:
        st.info("No active persona yet: add a demo persona here, or create one on the Personas page.")
        if error := st.session_state.pop("lab.require.error", None):
            st.error(error)
        for demo in demos.demos_for(agent.collection):
            st.button(f"Add the demo persona {demo.name}", key=f"lab.require.demo.{demo.name}",
                      help=demo.description, on_click=_add_demo, args=(agent, demo))
        menu.link("Personas", "Open Personas")
        st.stop()
    return persona


def _add_demo(agent: PersonalizationAgent, demo: demos.DemoPersona) -> None:
    try:
        persona = store_draft(agent, demo.draft(datetime.now(timezone.utc)))
    except PersonalizationError as exc:
        st.session_state["lab.require.error"] = str(exc)
        return
    st.session_state["lab.persona"] = display_name(persona)
