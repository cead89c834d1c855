"""Shared fixtures: a six-item known-answer catalog with an agent, the fake LLM server, the lab's app."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from core import CollectionSpec, EmbeddedStore, PersonalizationAgent
from devtools.fake_openai import FakeOpenAI

from .store_contract import VECTORS, items
from .weaviate_stub.fixture import weaviate_stub, weaviate_stub_module  # noqa: F401  (the Weaviate stub fixtures)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The lab's workspaces live in a data directory: the tests' own, never the user's.
os.environ["PERSONALIZATION_LAB_DATA"] = tempfile.mkdtemp(prefix="lab-test-data-")
# The lab would set its process's BLAS threads for good from this variable: not this process's, whose
# tests of BLAS settings compare before and after (tests/test_blas_threads.py sets it and puts it back).
os.environ.pop("PERSONALIZATION_BLAS_THREADS", None)


@pytest.fixture
def store():
    store = EmbeddedStore(":memory:")
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    yield store
    store.close()


@pytest.fixture
def agent(store):
    return PersonalizationAgent.create(store, "Things", user_properties={"favorite_genres": "text[]", "age": "int"})


@pytest.fixture(scope="module")
def workshop_cooks():
    """The workshop catalog in a store of its own, and a log of 30 cooks each liking 8 dishes of one
    cuisine, one hour apart (``core.eval`` tests: a split holds out each cook's latest dishes)."""
    import numpy as np

    from core import LogRow, install_sample
    store = EmbeddedStore(":memory:")
    install_sample(store, "workshop")
    cuisines: dict[str, list] = {}
    for item in store.iter_items("Workshop"):
        cuisines.setdefault(item.properties["cuisine"], []).append(item.uuid)
    big = sorted(c for c, dishes in cuisines.items() if len(dishes) >= 8)
    rng = np.random.default_rng(0)
    rows = [LogRow(f"cook{u}", item, 1.0, 1.7e9 + 3600 * n) for u in range(30)
            for n, item in enumerate(rng.permutation(cuisines[big[u % len(big)]])[:8])]
    yield store, rows
    store.close()


@pytest.fixture
def fake_llm():
    """A real OpenAI-compatible HTTP server on 127.0.0.1 (``devtools/fake_openai.py``); no thread outlives it."""
    before = set(threading.enumerate())
    with FakeOpenAI() as server:
        yield server
    leftover = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leftover, f"threads left running: {leftover}"


# --- the lab (AppTest and browser tests) --------------------------------------------------------

APP = str(Path(__file__).resolve().parent.parent / "app.py")
"""The lab's entry script, for ``AppTest.from_file(APP)``."""



def open_lab_page(page: str, workspace: str | None = None, collection: str = "Workshop", *, timeout: float = 60,
                  **state):
    """An AppTest of ``page`` in the shared workspace ``workspace`` (if given) with ``state`` in the session."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=timeout)
    if workspace:
        use_workspace(at, workspace, collection)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def lab_workspace(name: str):
    """The shared lab workspace ``name`` (made if new), as the lab's sessions open it."""
    from core import WorkspaceRef
    from lab.resources import workspaces
    return workspaces().open(WorkspaceRef.shared(name), create=True)


def use_workspace(at, name: str, collection: str | None = None) -> None:
    """Put AppTest session ``at`` in shared workspace ``name`` (and ``collection``) before it runs."""
    from core import WorkspaceRef
    at.session_state["lab.ws"] = WorkspaceRef.shared(name).key
    if collection:
        at.session_state["lab.collection"] = collection


LLM_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")


@pytest.fixture
def no_llm(monkeypatch):
    """No LLM configured by the environment, and no process-wide LLM agent cached by the lab."""
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)
    _forget_shared_llm()
    yield
    _forget_shared_llm()


def _forget_shared_llm() -> None:
    resources = sys.modules.get("lab.resources")  # nothing is cached while the lab was never imported
    if resources is not None:
        resources.shared_llm.clear()


@pytest.fixture
def things(weaviate_stub):  # noqa: F811  (the stub fixture imported above)
    """A Weaviate store on a fresh stub holding the contract's six items in "Things"."""
    from core.store.weaviate.store import WeaviateStore  # imports weaviate-client: only for these tests
    store = WeaviateStore(url=f"{weaviate_stub.url}?grpc_port={weaviate_stub.grpc_port}")
    store.create_collection(CollectionSpec("Things", 4, text_fields=("title", "genres")))
    store.add_items("Things", items(), VECTORS)
    yield store
    store.close()
