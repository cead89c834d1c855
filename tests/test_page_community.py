"""The Personas page's community section (Streamlit AppTest over app.py): a sample's real users are
counted but hidden from the pickers, listed on request, can be the active persona read-only, and
can be left out of a workspace (and brought back).

Each test uses its own shared workspace on the movies sample, whose community is 610 users; the
most active of them is MovieLens user 414 (2,698 ratings).
"""

from __future__ import annotations

import uuid

import pytest
from streamlit.testing.v1 import AppTest

from core import PersonalizationAgent, community_persona_id

from .conftest import APP, lab_workspace, open_lab_page, use_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("no_llm")]

PAGE = "pages/2_personas.py"
C = "lab.personas.community"


def open_page() -> tuple[AppTest, str]:
    name = f"test-community-{uuid.uuid4().hex[:10]}"
    return open_lab_page(PAGE, name, "Movies", timeout=90), name


def tables(at: AppTest, column: str) -> list:
    """The dataframes shown with ``column`` (the property editors are dataframes too)."""
    return [d.value for d in at.dataframe if column in d.value.columns]


def text(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")


def test_the_community_is_counted_and_hidden_until_the_toggle_shows_it():
    at, name = open_page()
    assert "+ 610 community personas from the sample's log" in text(at.caption)
    assert at.toggle(key=f"{C}.include").value is True and at.toggle(key=f"{C}.show").value is False
    assert at.sidebar.selectbox(key="lab.persona").options == []  # the picker has none of them
    assert not tables(at, "interactions") and "No personas in this workspace yet" in text(at.info)
    at.toggle(key=f"{C}.show").set_value(True).run()
    assert not at.exception, at.exception
    [listed] = tables(at, "interactions")
    assert len(listed) == 500 and listed["persona"].iloc[0] == "movies user 414"
    assert listed["interactions"].iloc[0] == 2698 and listed["interactions"].is_monotonic_decreasing
    assert "The 500 with the most interactions of 610." in text(at.caption)


def test_a_community_persona_can_be_the_active_one_read_only():
    at, name = open_page()
    at.toggle(key=f"{C}.show").set_value(True).run()
    at.selectbox(key=f"{C}.pick").set_value("movies user 414").run()
    assert not at.exception, at.exception
    assert at.session_state["lab.persona"] == "movies user 414"
    assert at.sidebar.selectbox(key="lab.persona").value == "movies user 414"
    assert "Community persona: movies user 414" in text(at.subheader)
    assert [t.label for t in at.tabs][-2:] == ["History and decay", "Export"]  # no rating, editing or deleting
    [history] = tables(at, "effective weight")
    assert len(history) == 2698  # its history, every rating
    agent = PersonalizationAgent.connect(lab_workspace(name).store, "Movies")
    assert agent.list_personas() == [] and agent.has_persona(community_persona_id("movies", 414))


def test_the_community_can_be_left_out_of_a_workspace_and_brought_back():
    at, name = open_page()
    at.toggle(key=f"{C}.include").set_value(False).run()
    assert not at.exception and not at.error, text(at.error)
    assert "left out of this workspace" in text(at.caption) and "community personas" not in text(at.caption)
    store = lab_workspace(name).store
    assert not store.community("Movies") and store.count_personas("Movies", background=True) == 0
    at.toggle(key=f"{C}.include").set_value(True).run()
    assert "+ 610 community personas" in text(at.caption) and store.community("Movies")


def test_recommend_serves_the_active_community_persona_like_the_engine():
    name = f"test-community-{uuid.uuid4().hex[:10]}"
    agent = lab_workspace(name).agent("Movies")  # as the lab attaches it: with its community
    at = AppTest.from_file(APP, default_timeout=90)
    use_workspace(at, name, "Movies")
    at.session_state["lab.persona"] = "movies user 414"
    at.session_state["lab.recommend.limit"] = 5
    at.switch_page("pages/3_recommend.py").run()
    assert not at.exception, at.exception
    # the page's own controls, whatever the engine's defaults
    page = {name: at.session_state[f"lab.recommend.{key}"] for name, key in
            (("strategy", "strategy"), ("popularity_weight", "popularity"), ("decay_rate", "decay_rate"))}
    if agent.resolve_strategy(page["strategy"]) == "blend":  # the page passes no popularity_weight to a blend
        page["popularity_weight"] = None
    expected = agent.get_objects(community_persona_id("movies", 414), limit=5, use_agent_ranking=False, **page)
    shown = [b.key[len("lab.recommend.card.vector."):-len(".like")] for b in at.button
             if b.key and b.key.startswith("lab.recommend.card.vector.") and b.key.endswith(".like")]
    assert shown == [str(o.uuid) for o in expected.objects]


def test_the_workspace_page_counts_the_community_apart_from_the_files_personas():
    name = f"test-community-{uuid.uuid4().hex[:10]}"
    lab_workspace(name).ensure("Movies")
    at = open_lab_page("pages/6_workspace.py", name, "Movies", timeout=90)
    [frame] = [d.value for d in at.dataframe if "community personas" in d.value.columns]
    assert frame.to_dict("records") == [{"collection": "Movies", "kind": "sample (shared)", "own items": 0,
                                         "personas": 0, "interactions": 0, "community personas": 610}]
