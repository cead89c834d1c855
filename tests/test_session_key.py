"""The sidebar's "Use an LLM for this session": a typed key counts only after "Use this key".

AppTest drives the real Recommend page; the key goes to ``devtools/fake_openai.py`` (a real
OpenAI-compatible server on 127.0.0.1), which rejects it with a 401, so the local agent finishes
each request and the server's request log shows exactly which key was sent, and when.
"""

from __future__ import annotations

import uuid

import pytest
from streamlit.testing.v1 import AppTest

from core import Persona, PersonaInteraction, to_uuid
from devtools.fake_openai import FakeOpenAI, Reply
from lab import resources
from lab.state import LLM_SESSION

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]

KEY = "sk-typed-in-the-sidebar"
FORM = "lab.llm_form"


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONALIZATION_LLM_CACHE", str(tmp_path))
    with FakeOpenAI() as server:
        server.script(Reply(status=401, error="invalid api key"))
        yield server


@pytest.fixture
def at():
    """The Recommend page over a shared workshop workspace with persona "Pat" (one like)."""
    name = f"test-key-{uuid.uuid4().hex[:10]}"
    ws = lab_workspace(name)
    agent = ws.agent("Workshop")
    item = next(iter(ws.store.iter_items("Workshop"))).uuid
    agent.add_persona(Persona(persona_id=to_uuid(f"{name}-pat"), properties={"name": "Pat"}))
    agent.add_interactions([PersonaInteraction(persona_id=to_uuid(f"{name}-pat"), item_id=item, weight=1.0)])
    at = AppTest.from_file(APP, default_timeout=60)
    use_workspace(at, name, "Workshop")
    at.session_state["lab.persona"] = "Pat"
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception
    return at


def _agent_caption(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("Agent: "))


def _type(at: AppTest, key: str, base_url: str, model: str) -> None:
    at.sidebar.text_input(key=f"{FORM}.key").input(key)
    at.sidebar.text_input(key=f"{FORM}.base_url").input(base_url)
    at.sidebar.text_input(key=f"{FORM}.model").input(model)


def test_a_typed_key_is_not_used_until_use_this_key(at, fake):
    _type(at, KEY, fake.url, "fake-model")
    at.run()  # anything else that reruns the page (a slider, a click) does not submit the form
    assert not fake.requests and at.session_state["lab.llm_key"] == ""
    assert _agent_caption(at) == "Agent: local agent (no LLM)"

    _type(at, KEY, fake.url, "fake-model")
    at.sidebar.button(key=f"{FORM}.use").click().run()
    assert not at.exception
    assert fake.requests and {r.headers["authorization"] for r in fake.requests} == {f"Bearer {KEY}"}
    assert {r.body["model"] for r in fake.requests} == {"fake-model"}
    assert _agent_caption(at) == "Agent: fake-model via your key"
    assert at.sidebar.text_input(key=f"{FORM}.key").value == ""  # the field is emptied; the key is in memory only
    assert at.sidebar.text_input(key=f"{FORM}.base_url").value == fake.url
    shown = [e.value for kind in (at.markdown, at.caption, at.info, at.warning, at.error, at.code) for e in kind]
    assert not any(KEY in str(v) for v in shown) and KEY not in str(at.query_params)


def test_the_key_base_url_and_model_stay_on_other_pages(at, fake):
    _type(at, KEY, fake.url, "fake-model")
    at.sidebar.button(key=f"{FORM}.use").click().run()
    at.switch_page("pages/4_search.py").run()
    assert _agent_caption(at) == "Agent: fake-model via your key"
    assert at.sidebar.text_input(key=f"{FORM}.model").value == "fake-model"


def test_forget_the_key_drops_it_and_its_agent(at, fake):
    _type(at, KEY, fake.url, "fake-model")
    at.sidebar.button(key=f"{FORM}.use").click().run()
    assert LLM_SESSION in at.session_state
    at.sidebar.button(key=f"{FORM}.forget").click().run()
    assert not at.exception
    assert at.session_state["lab.llm_key"] == "" and LLM_SESSION not in at.session_state
    assert _agent_caption(at) == "Agent: local agent (no LLM)"
    sent = len(fake.requests)
    at.run()
    assert len(fake.requests) == sent  # nothing goes to the server any more
    assert f"{FORM}.forget" not in [b.key for b in at.sidebar.button]


def test_use_this_key_without_a_key_says_so(at, fake):
    at.sidebar.text_input(key=f"{FORM}.base_url").input(fake.url)
    at.sidebar.button(key=f"{FORM}.use").click().run()
    assert any("Type a key first" in e.value for e in at.sidebar.error)
    assert not fake.requests and _agent_caption(at) == "Agent: local agent (no LLM)"
