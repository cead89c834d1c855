"""The Personalization Lab: ``streamlit run app.py``.

This is the entry page (``/``); Streamlit discovers the other pages in ``pages/`` by their file
names (``/catalog``, ``/personas``, ``/recommend``, ``/search``, ``/explore``). Every page, this
one included, starts with ``lab.page.start``: the wide layout, the menu and the shared sidebar.
Below the title, ``lab.tour`` draws the guided first run, ticked by what the session has done.
The lab opens on the embedded store with a shipped sample catalog, offline.
"""

from __future__ import annotations

import streamlit as st

from lab import page, tour
from lab.cards import plain
from lab.menu import APP_TITLE, MENU, link

ws, collection, agent = page.start("Start")
st.title(APP_TITLE)
st.markdown("A self-hostable re-implementation of Weaviate's Personalization Agent: personas, their "
            "interactions with time decay, vector-only recommendations and an agent that reranks them.")
personas = agent.list_personas()
background = ws.store.count_personas(collection, background=True)
st.caption(f"Active collection **{plain(collection)}** · {ws.store.count(collection):,} items · "
           f"{len(personas)} persona(s) in this workspace"
           + (f" · + {background:,} community personas from the sample's log" if background else ""))
tour.render(has_persona=bool(personas))
for entry in MENU[1:]:
    with st.container(border=True):
        link(entry.label)
        st.caption(entry.summary)
