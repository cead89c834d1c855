"""The lab on Weaviate (AppTest, the real weaviate-client against the Weaviate stub of ``tests/weaviate_stub``):
the sidebar connects for the session, imports a sample by batch into the server, and every page then
works on the server's collections; a bad URL, a refused connection or a wrong key is an error message,
the key is never in the address, and Disconnect returns to this machine's workspace."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import Persona, PersonaInteraction, PersonalizationAgent, to_uuid

from .conftest import APP
from .weaviate_stub import start_stub

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]
PAGES = ("pages/1_catalog.py", "pages/2_personas.py", "pages/3_recommend.py", "pages/4_search.py", "pages/5_explore.py",
         "pages/7_evaluate.py", "pages/6_workspace.py")


@pytest.fixture
def stub():
    server = start_stub(version="1.33.0", api_key="room-key")
    yield server
    server.stop()


def url_of(stub) -> str:
    return f"http://127.0.0.1:{stub.http_port}?grpc_port={stub.grpc_port}"


def connect(at: AppTest, url: str, key: str = "") -> AppTest:
    at.text_input(key="lab.weaviate.url").set_value(url)
    at.text_input(key="lab.weaviate.key").set_value(key)
    next(b for b in at.button if b.label == "Connect").click()
    return at.run()


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in list(at.sidebar.markdown) + list(at.sidebar.caption) + list(at.sidebar.error))


def test_connect_import_a_sample_and_recommend_on_weaviate(stub):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception, at.exception
    at = connect(at, url_of(stub), "room-key")
    assert not at.exception, at.exception
    text = sidebar_text(at)
    assert "**Weaviate** at `http://127.0.0.1:" in text and "version 1.33.0" in text
    assert "no collection" in " ".join(str(i.value) for i in at.sidebar.info)
    assert "room-key" not in str(dict(at.query_params)) and at.session_state["lab.weaviate.key"] == ""
    at.selectbox(key="lab.weaviate.sample").set_value("workshop")
    next(b for b in at.button if b.label == "Import").click()
    at.run()
    assert not at.exception, at.exception
    assert "Store: Weaviate at http://127.0.0.1:" in sidebar_text(at) and "109 items" in sidebar_text(at)
    created = [p["class"] for proto, name, p in stub.requests if name == "POST /v1/schema"]
    assert any(c.startswith("Workshop") for c in created) and any(c.endswith("_Personas") for c in created)
    batches = [p for proto, name, p in stub.requests if name == "BatchObjects"]
    assert sum(len(p.get("objects", [])) for p in batches) >= 109  # the catalog went to the server by batch
    store = at.session_state["lab.weaviate"].store  # the session's Weaviate store: add a persona as a script would
    agent = PersonalizationAgent(store, "Workshop")
    by_id = {i.properties["original_id"]: i.uuid for i in store.iter_items("Workshop")}
    agent.add_persona(Persona(persona_id=to_uuid("weaviate-pat"), properties={"name": "Pat"}))
    agent.add_interactions([PersonaInteraction(persona_id=to_uuid("weaviate-pat"), item_id=by_id[i], weight=w)
                            for i, w in (("spaghetti-carbonara", 1.0), ("cacio-e-pepe", 1.0), ("pasta-alla-norma", -1.0))])
    at.session_state["lab.persona"] = "Pat"
    stub.clear()
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception and not at.error, at.exception or [e.value for e in at.error]
    cards = [b.key for b in at.button if b.key and b.key.endswith(".like")]
    assert len(cards) >= 10 and not any(str(by_id["cacio-e-pepe"]) in k for k in cards)  # ranked; seen left out
    assert "Search" in {name for _, name, _ in stub.requests}  # the candidates came from the server
    for page in PAGES:  # every page, in the same session, on the server's collections
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        errors = [str(e.value) for e in at.error]  # Evaluate says why it has nothing to evaluate yet, as on a file
        assert not errors or (page == "pages/7_evaluate.py" and "no personas of Workshop yet" in errors[0]), errors
        assert "Store: Weaviate at http://127.0.0.1:" in sidebar_text(at), page
    assert "works on the Weaviate at" in " ".join(str(i.value) for i in at.info)  # the Workspace page says where


def test_a_wrong_key_and_a_refused_connection_are_messages(stub):
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/1_catalog.py").run()
    at = connect(at, url_of(stub), "wrong-key")
    assert not at.exception, at.exception
    errors = " ".join(str(e.value) for e in at.sidebar.error)
    assert "Could not connect" in errors and "wrong-key" not in errors
    assert "Store: embedded" in sidebar_text(at)  # still on this machine's workspace
    at = connect(at, "http://127.0.0.1:9?grpc_port=10")
    assert "refused" in " ".join(str(e.value) for e in at.sidebar.error)
    at = connect(at, "localhost:8080")
    assert "Could not connect" in " ".join(str(e.value) for e in at.sidebar.error)


def test_disconnect_returns_to_this_machine(stub):
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/1_catalog.py").run()
    at = connect(at, url_of(stub), "room-key")
    assert "weaviate" in at.query_params
    next(b for b in at.button if b.label == "Disconnect (back to this machine)").click()
    at.run()
    assert not at.exception, at.exception
    assert "weaviate" not in at.query_params and "Store: embedded" in sidebar_text(at)
