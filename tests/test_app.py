"""Smoke test over app.py and every page with Streamlit's AppTest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from .conftest import APP, lab_workspace, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]  # AppTest runs the real pages

PAGES = ["pages/1_catalog.py", "pages/2_personas.py", "pages/3_recommend.py", "pages/4_search.py", "pages/5_explore.py",
         "pages/6_workspace.py", "pages/7_evaluate.py"]


def test_app_opens_on_a_start_page_over_a_sample_catalog():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Personalization Lab"
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Movies" in captions and "9,742 items" in captions and "local agent (no LLM)" in captions
    assert "9,742 items" in " ".join(c.value for c in at.main.caption)


def test_every_page_draws_the_menu_in_order_and_the_start_page_links_each_page():
    at = AppTest.from_file(APP, default_timeout=60).run()
    sidebar = [link.proto.label for link in at.sidebar.get("page_link")]
    assert sidebar == ["Start", "Catalog", "Personas", "Recommend", "Search", "Explore", "Workspace", "Evaluate"]
    # The links' targets are the URL paths Streamlit derived from the file names: first the guided
    # first run's five steps, then one card per page.
    assert [link.proto.page for link in at.main.get("page_link")] == [
        "catalog", "personas", "recommend", "recommend", "recommend",
        "catalog", "personas", "recommend", "search", "explore", "workspace", "evaluate"]
    for page in PAGES:
        at.switch_page(page).run()
        assert [link.proto.label for link in at.sidebar.get("page_link")] == sidebar


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_workshop_catalog(page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lab.collection"] = "Workshop"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert "Workshop" in " ".join(c.value for c in at.sidebar.caption)


def test_sessions_are_isolated_unless_they_share_a_workspace():
    from core import Persona, WorkspaceRef
    from lab.resources import workspaces

    def session(shared: str = "") -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["lab.collection"] = "Workshop"
        if shared:
            use_workspace(at, shared)
        return at.run()

    def personas_seen(at: AppTest) -> list:
        return list(at.sidebar.selectbox(key="lab.persona").options)

    alice, bob = session(), session()
    assert alice.session_state["lab.ws"] != bob.session_state["lab.ws"]
    ws = workspaces().open(WorkspaceRef.parse(alice.session_state["lab.ws"]))
    ws.agent("Workshop").add_persona(Persona(persona_id="alice-only", properties={"name": "Alice"}))
    assert personas_seen(alice.run()) == ["Alice"] and personas_seen(bob.run()) == []

    room_a, room_b = session("room-42"), session("room-42")
    lab_workspace("room-42").agent("Workshop").add_persona(Persona(persona_id="team", properties={"name": "Team"}))
    assert personas_seen(room_a.run()) == ["Team"] == personas_seen(room_b.run())


def test_catalog_text_is_shown_as_text_not_markup():
    from lab.cards import JOINER, plain
    hostile = "![x](http://evil.example/a.png) <script>alert(1)</script> **bold** [link](javascript:x)"
    escaped = plain(hostile)
    for token in ("![", "](", "<script>", "**"):
        assert token not in escaped
    assert escaped.replace("\\", "").replace(JOINER, "") == hostile  # a joiner breaks the autolink
