"""The lab's cached resources, in one place: sample catalogs, workspaces, the shared LLM agent.

Pages only read widgets, call ``core`` and render; everything expensive is created here once per
server process (``st.cache_resource``). A *workspace* is one in-memory embedded store: each
browser session gets its own (a workshop room does not see each other's personas) unless people
choose the same shared workspace name.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st

from core import (EmbeddedStore, LLMConfig, LLMRanker, PersonalizationAgent, SampleCatalog, install_sample_agent,
                  list_samples, load_sample)

DEFAULT_SAMPLE = "movies"


@st.cache_resource(show_spinner=False)
def sample(name: str) -> SampleCatalog:
    """A shipped catalog, loaded once per process (items and vectors are shared, never mutated)."""
    return load_sample(name)


@st.cache_data(show_spinner=False)
def sample_titles() -> dict[str, str]:
    """Shipped catalogs as ``{name: title}``."""
    return {info.name: info.title for info in list_samples()}


@dataclass
class Workspace:
    """One embedded store with its catalogs; safe to share between the sessions that chose it."""

    name: str
    store: EmbeddedStore = field(default_factory=lambda: EmbeddedStore(":memory:"))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure_sample(self, name: str) -> str:
        """Install shipped catalog ``name`` unless present; its collection name."""
        catalog = sample(name)
        with self.lock:
            if not self.store.has_collection(catalog.info.collection):
                install_sample_agent(self.store, catalog)
        return catalog.info.collection

    def agent(self, collection: str, llm: LLMRanker | LLMConfig | None = None) -> PersonalizationAgent:
        """An agent over ``collection`` ranking with ``llm`` (None: the process-wide LLM, if any)."""
        if not PersonalizationAgent.exists(self.store, collection):
            PersonalizationAgent.create(self.store, collection)
        return PersonalizationAgent(self.store, collection, llm=llm if llm is not None else shared_llm())


@st.cache_resource(show_spinner="Preparing the workspace…", max_entries=200)
def workspace(name: str) -> Workspace:
    """The workspace called ``name`` (a session's private id, or a shared name people agree on)."""
    return Workspace(name)


@st.cache_resource(show_spinner=False)
def shared_llm() -> LLMRanker | LLMConfig:
    """The LLM agent configured by the server's environment, shared so its call budget and cache
    cover every session; an unconfigured ``LLMConfig`` when there is none (the local agent ranks)."""
    config = LLMConfig.from_env()
    return LLMRanker(config) if config.configured else config


def session_llm(api_key: str, base_url: str | None, model: str | None) -> LLMRanker:
    """A new LLM agent for a key typed into one session (``lab.state`` keeps it in that session's
    memory only, so its call budget and what it learned about the server last as long as the session)."""
    overrides = {"api_key": api_key, "base_url": base_url or None}
    if model:
        overrides["model"] = model
    return LLMRanker(LLMConfig.from_env(**overrides))
