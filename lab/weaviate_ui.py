"""The sidebar's store switch: this machine's workspaces, or a Weaviate server for this session.

Connecting opens the server with ``core.open_store(url, api_key=..., headers=...)`` and keeps the open
store in this session's memory. The API key and the extra headers (vectorizer keys) are never
written anywhere: not to disk, not to a log, not to the address. The address holds only the
server's location (``?weaviate=http://localhost:8080``), so a reload (F5) or a bookmark reconnects to it
(asking for the key again when the server wants one). Everything people make while connected lives
in the server's collections (:mod:`core.workspaces.server`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core import (InvalidInputError, PersonalizationError, Store, Workspace, install_sample_agent, list_samples,
                  open_store, server_location, server_workspace)

CONN, NOTICE = "lab.weaviate", "lab.weaviate.notice"
URL, KEY, HEADERS = "lab.weaviate.url", "lab.weaviate.key", "lab.weaviate.headers"
PARAM = "weaviate"
"""The query parameter holding the server's location."""


@dataclass
class Connection:
    url: str
    """The server's location as shown (no user, password or query)."""
    store: Store


def connection() -> Connection | None:
    """This session's Weaviate connection; reconnects (without a key) when the address names a server
    the session is not connected to yet, e.g. after a reload."""
    conn: Connection | None = st.session_state.get(CONN)
    wanted = st.query_params.get(PARAM)
    if conn is None and wanted and st.session_state.get(URL) is None:
        st.session_state[URL] = wanted
        try:
            conn = _open(wanted, None, None)
        except PersonalizationError as exc:
            st.session_state[NOTICE] = f"Could not reconnect to {wanted}: {exc}"
    return conn


def workspace() -> Workspace | None:
    """The Weaviate workspace of this session, or None when it works on this machine's workspaces."""
    conn = connection()
    return None if conn is None else server_workspace(conn.store, conn.url)


def _open(url: str, key: str | None, headers: dict[str, str] | None) -> Connection:
    store = open_store(url, api_key=key, headers=headers)
    conn = Connection(server_location(url), store)
    st.session_state[CONN] = conn
    st.query_params[PARAM] = conn.url
    return conn


def parse_headers(text: str) -> dict[str, str] | None:
    """The extra headers typed as JSON (``{"X-OpenAI-Api-Key": "..."}``); None for an empty field."""
    if not text.strip():
        return None
    try:
        value: Any = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"the extra headers must be a JSON object of names to values: {exc}") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInputError('the extra headers must be a JSON object of names to text values, e.g. '
                                   '{"X-OpenAI-Api-Key": "..."}')
    return value


def _connect() -> None:
    url = (st.session_state.get(URL) or "").strip()
    try:
        _disconnect()
        _open(url, st.session_state.get(KEY) or None, parse_headers(st.session_state.get(HEADERS) or ""))
        st.session_state["lab.persona"] = None
    except PersonalizationError as exc:
        st.session_state[NOTICE] = f"Could not connect to {url or 'an empty URL'}: {exc}"
    st.session_state[KEY] = st.session_state[HEADERS] = ""  # the client holds them now; the fields do not


def _disconnect() -> None:
    conn: Connection | None = st.session_state.pop(CONN, None)
    if PARAM in st.query_params:
        del st.query_params[PARAM]
    if conn is not None:
        conn.store.close()
        st.session_state["lab.persona"] = None


def _import_sample(ws: Workspace) -> None:
    name = st.session_state.get("lab.weaviate.sample")
    bar = st.progress(0.0, text=f"Importing the {name} sample into Weaviate…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Importing the {name} sample into Weaviate: "
                     f"{done:,} of {total:,} items")

    try:
        with st.spinner("Storing the agent and the sample's community (if chosen)…"):
            agent = install_sample_agent(ws.store, name, community=bool(st.session_state.get("lab.weaviate.community")),
                                         progress=progress)
        st.session_state["lab.next_collection"] = agent.collection  # state.NEXT_COLLECTION (state imports this module)
        st.session_state[NOTICE] = None
    except PersonalizationError as exc:
        st.session_state[NOTICE] = f"Could not import {name}: {exc}"


def panel(bar, ws: Workspace | None) -> None:
    """The store switch: the connection form on this machine, the server and its actions when connected."""
    if message := st.session_state.pop(NOTICE, None):
        bar.error(message)
    st.session_state.setdefault(URL, "http://localhost:8080")
    st.session_state.setdefault(KEY, "")
    st.session_state.setdefault(HEADERS, "")
    conn: Connection | None = st.session_state.get(CONN)
    if conn is None:
        with bar.expander("Use a Weaviate server"):
            with st.form("lab.weaviate.form", border=False):
                st.text_input("Weaviate URL", key=URL, help="http(s)://host:port; gRPC on port 50051 unless "
                              "the URL says ?grpc_port=…; a *.weaviate.cloud address connects to Weaviate Cloud.")
                st.text_input("Weaviate API key (this session's memory only)", key=KEY, type="password")
                st.text_input("Extra headers, JSON (e.g. a vectorizer key; memory only)", key=HEADERS, type="password")
                st.form_submit_button("Connect", on_click=_connect)
        return
    version = getattr(conn.store, "version", None)  # the server's (major, minor, patch)
    shown = ".".join(map(str, version)) if isinstance(version, tuple) else None
    bar.markdown(f"**Weaviate** at `{conn.url}`" + (f" · version {shown}" if shown else ""))
    bar.caption("Personas, interactions and learned vectors are stored in this server's collections; the API "
                "key stays in this session's memory only.")
    bar.button("Disconnect (back to this machine)", key="lab.weaviate.disconnect", on_click=_disconnect)
    if ws is not None and ws.writable:
        with bar.expander("Import a sample into Weaviate"):
            samples = [s.name for s in list_samples()]
            st.selectbox("Sample", samples, key="lab.weaviate.sample")
            st.checkbox("With its community (the sample's real users)", key="lab.weaviate.community")
            st.button("Import", key="lab.weaviate.import", on_click=_import_sample, args=(ws,))
