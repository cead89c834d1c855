"""Smoke test over app.py and every page with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = [pytest.mark.integration, pytest.mark.slow]  # AppTest runs the real pages

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ["pages/catalog.py", "pages/personas.py", "pages/recommend.py", "pages/search.py", "pages/explore.py"]


@pytest.fixture(autouse=True)
def no_llm(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_app_opens_on_the_catalog_of_a_sample():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Movies" in captions and "9,742 items" in captions and "local agent (no LLM)" in captions


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_workshop_catalog(page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lab.catalog"] = "workshop"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert "Workshop" in " ".join(c.value for c in at.sidebar.caption)


def test_sessions_are_isolated_unless_they_share_a_workspace():
    from lab.resources import workspace

    def session(shared: str = "") -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["lab.catalog"] = "workshop"
        at.session_state["lab.shared_name"] = shared
        return at.run()

    def personas_seen(at: AppTest) -> list:
        return list(at.sidebar.selectbox(key="lab.persona").options)

    alice, bob = session(), session()
    ws = workspace(f"private:{alice.session_state['lab.session_id']}")
    from core import Persona
    ws.agent("Workshop").add_persona(Persona(persona_id="alice-only", properties={"name": "Alice"}))
    assert personas_seen(alice.run()) == ["Alice"] and personas_seen(bob.run()) == []

    room_a, room_b = session("room-42"), session("room-42")
    workspace("shared:room-42").agent("Workshop").add_persona(Persona(persona_id="team", properties={"name": "Team"}))
    assert personas_seen(room_a.run()) == ["Team"] == personas_seen(room_b.run())


def test_catalog_text_is_shown_as_text_not_markup():
    from lab.cards import plain
    hostile = "![x](http://evil.example/a.png) <script>alert(1)</script> **bold** [link](javascript:x)"
    escaped = plain(hostile)
    for token in ("![", "](", "<script>", "**"):
        assert token not in escaped
    assert escaped.replace("\\", "") == hostile
