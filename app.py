"""The Personalization Lab: ``streamlit run app.py``.

Pages are listed explicitly (``st.navigation``); each one only reads widgets, calls ``core`` and
renders. The lab opens on the embedded store with a shipped sample catalog, offline.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Personalization Lab", layout="wide")

PAGES = [
    st.Page("pages/catalog.py", title="Catalog", icon=":material/menu_book:", default=True),
    st.Page("pages/personas.py", title="Personas", icon=":material/person:"),
    st.Page("pages/recommend.py", title="Recommend", icon=":material/auto_awesome:"),
    st.Page("pages/search.py", title="Search", icon=":material/search:"),
    st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),
]

st.navigation(PAGES).run()
