"""What every page of the lab does first: page config, the menu and the shared sidebar.

The page files live in ``pages/`` and Streamlit discovers them itself (``1_catalog.py`` is served
at ``/catalog``, ordered by its number, ``app.py`` at ``/``). Each script is the entry point of its
own URL, so each one sets the wide layout and draws the sidebar through :func:`start`: a deep
link opened as a fresh server's very first request looks exactly like a page reached by a click.
Streamlit's own menu shows file names (lower case, no Material icons), so it is switched off
(``client.showSidebarNavigation = false`` in ``.streamlit/config.toml``) and :data:`MENU` is drawn
instead with ``st.page_link``.
"""

from __future__ import annotations

from typing import Any, NoReturn

import streamlit as st

from core import PersonalizationAgent, Workspace

from . import resources, sidebar, tour
from .menu import APP_TITLE, MENU, PAGES

PENDING = "lab.page.pending"


def start(title: str) -> tuple[Workspace, str, PersonalizationAgent]:
    """Configure the page called ``title`` (a :data:`MENU` label), draw the menu and the sidebar;
    the active workspace, collection and agent."""
    if title not in PAGES:
        raise ValueError(f"unknown lab page {title!r}; the pages are {', '.join(PAGES)}")
    st.set_page_config(page_title=f"{title} · {APP_TITLE}", layout="wide")
    for problem in (resources.request_blas(), resources.vector_search()[1]):
        if problem:
            st.sidebar.warning(problem)
    for entry in MENU:
        st.sidebar.page_link(entry.path, label=entry.label, icon=entry.icon)
    st.sidebar.divider()
    st.session_state.update(st.session_state.pop(PENDING, {}))
    ws, collection, agent = sidebar.render()
    if collection is None or agent is None:
        st.title(title)
        if ws.ref.kind == "server":
            st.info(f"The Weaviate at {ws.path} has no collection this lab can use yet. Import a sample from the "
                    "sidebar, or disconnect to go back to this machine's workspace.")
            st.stop()
        st.info(f"{ws.ref.label.capitalize()} is read-only without its passcode and has no catalog yet. Enter the "
                "passcode in the sidebar, or open your own workspace.")
        st.stop()
    tour.seen(collection)
    return ws, collection, agent


def before_sidebar(values: dict[str, Any]) -> NoReturn:
    """Rerun with ``values`` put into the session before the sidebar draws its widgets (a widget's
    value cannot change once it is drawn in a run): e.g. the persona a link names."""
    st.session_state[PENDING] = values
    st.rerun()
