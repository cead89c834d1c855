"""The lab's menu: every page's file, label, icon and one-line summary, in menu order.

A leaf module (no other lab imports), so the sidebar, the state helpers and the pages can all
link to a page by its label.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

APP_TITLE = "Personalization Lab"


@dataclass(frozen=True)
class MenuEntry:
    path: str
    label: str
    icon: str
    summary: str


MENU = (
    MenuEntry("app.py", "Start", ":material/home:", "what the lab is and where to begin"),
    MenuEntry("pages/1_catalog.py", "Catalog", ":material/menu_book:",
              "what the active collection holds; import your own catalog file"),
    MenuEntry("pages/2_personas.py", "Personas", ":material/person:",
              "create, rate, inspect decay, export and import personas"),
    MenuEntry("pages/3_recommend.py", "Recommend", ":material/auto_awesome:",
              "the vector-only list beside the agent-reranked one"),
    MenuEntry("pages/4_search.py", "Search", ":material/search:",
              "a plain search beside the same search personalized"),
    MenuEntry("pages/5_explore.py", "Explore", ":material/scatter_plot:",
              "the catalog's embeddings with a persona's likes, dislikes and profile"),
    MenuEntry("pages/6_workspace.py", "Workspace", ":material/folder_shared:",
              "where your work is saved; export, import, passcode, copies, reset; the teacher view"),
    MenuEntry("pages/7_evaluate.py", "Evaluate", ":material/leaderboard:",
              "is personalization better than the most popular items here, and which settings win"),
)
PAGES = {entry.label: entry for entry in MENU}


def link(label: str, text: str | None = None) -> None:
    """A link to the page called ``label`` in the page body."""
    entry = PAGES[label]
    st.page_link(entry.path, label=text or entry.label, icon=entry.icon)
