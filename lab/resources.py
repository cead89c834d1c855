"""The lab's cached resources, in one place: the embedded store with a sample catalog loaded.

Pages only read widgets, call ``core`` and render; everything expensive is created here once per
server process (``st.cache_resource``) and never mutated by a page.
"""

from __future__ import annotations

import os

import streamlit as st

from core import EmbeddedStore, PersonalizationAgent, install_sample, list_samples

DEFAULT_SAMPLE = os.environ.get("LAB_SAMPLE", "movies")


@st.cache_resource(show_spinner="Loading the sample catalog…")
def sample_store(name: str) -> EmbeddedStore:
    """An in-memory embedded store holding sample catalog ``name`` with an agent attached."""
    store = EmbeddedStore(":memory:")
    spec = install_sample(store, name)
    PersonalizationAgent.create(store, spec.name)
    return store


@st.cache_data
def sample_names() -> dict[str, str]:
    """Shipped catalogs as ``{name: title}``."""
    return {info.name: info.title for info in list_samples()}
