"""The Personalization Lab (placeholder until the lab issue lands): browse a sample catalog.

Run with ``streamlit run app.py``. It opens on the embedded store with a shipped catalog loaded.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import PersonalizationError
from lab.resources import DEFAULT_SAMPLE, sample_names, sample_store

st.set_page_config(page_title="Personalization Lab", layout="wide")
st.title("Personalization Lab")

names = sample_names()
choice = st.sidebar.selectbox("Sample catalog", list(names), index=list(names).index(DEFAULT_SAMPLE)
                              if DEFAULT_SAMPLE in names else 0, format_func=names.get)
try:
    store = sample_store(choice)
    collection = store.list_collections()[0]
    count = store.count(collection)
    st.sidebar.caption(f"Store: embedded (in memory) · collection **{collection}** · {count:,} items")
    page = st.number_input("Page", min_value=1, max_value=max(1, -(-count // 50)), value=1)
    rows = [item.properties for item in store.iter_items(collection, offset=(page - 1) * 50, limit=50)]
    st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
except PersonalizationError as exc:
    st.error(str(exc))
