"""The Start page's guided first run: each step ticks from what the session really did.

The rules are checked on ``lab.tour`` directly (fast, Streamlit's bare-mode session state); the
page hooks are checked by driving the real pages in one AppTest session (Catalog, Recommend with
its demo-persona button, decay slider and instruction) and reading the Start page's ticks.
"""

from __future__ import annotations

import uuid

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lab import tour

from .conftest import APP, lab_workspace, use_workspace

TITLES = [step.title for step in tour.STEPS]


@pytest.fixture
def facts():
    st.session_state.pop(tour.KEY, None)
    yield
    st.session_state.pop(tour.KEY, None)


def test_a_comparison_ticks_step_3_and_an_instruction_step_5(facts):
    tour.compared(ran=True, decay_rate=0.1, instruction="  ")
    assert tour.progress(has_persona=True) == [False, True, True, False, False]
    tour.compared(ran=True, decay_rate=0.1, instruction="something light")
    assert tour.progress(has_persona=False) == [False, False, True, False, True]


def test_a_vector_only_run_is_not_a_comparison(facts):
    tour.compared(ran=False, decay_rate=0.5, instruction="x")
    assert tour.progress(has_persona=True) == [False, True, False, False, False]


@pytest.mark.parametrize(("rates", "moved"), [
    ((0.1, 0.4), True),     # moved away from the default, and the comparison re-ran
    ((0.4,), False),        # a first comparison already at 0.4 (a link) is not a move
    ((0.4, 0.4), False),    # re-running without moving
    ((0.4, 0.1), False),    # moving back to the default
    ((0.4, 0.7), True),
])
def test_step_4_needs_a_rerun_after_moving_decay_away_from_the_default(facts, rates, moved):
    for rate in rates:
        tour.compared(ran=True, decay_rate=rate, instruction=None)
    assert tour.progress(has_persona=False)[3] is moved


def test_step_1_ticks_on_a_visit_to_catalog_or_another_collection(facts):
    tour.seen("Movies")
    tour.seen("Movies")
    assert tour.progress(has_persona=False)[0] is False
    tour.seen("Books")
    assert tour.progress(has_persona=False)[0] is True
    tour.start_over()
    tour.seen("Books")  # the collection at "start over" is the new baseline
    assert tour.progress(has_persona=False)[0] is False
    tour.visited_catalog()
    assert tour.progress(has_persona=False)[0] is True


# --- the real pages ------------------------------------------------------------------------------

def _session() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    use_workspace(at, f"test-tour-{uuid.uuid4().hex[:10]}", "Workshop")
    return at


def _go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _ticks(at: AppTest) -> list[bool]:
    """The Start page's steps as drawn: True for a ticked box."""
    _go(at, "app.py")
    rows = {m.value.split("**")[1].split(". ", 1)[1]: m.value for m in at.markdown if ":material/check_box" in m.value}
    assert list(rows) == TITLES
    return [row.startswith(":green[:material/check_box:]") and row.endswith("· done") for row in rows.values()]


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_the_steps_tick_as_the_pages_are_used_and_start_over_clears_only_the_ticks():
    at = _session().run()
    assert _ticks(at) == [False] * 5
    assert "0 of 5 steps done" in at.get("progress")[0].proto.text
    _go(at, "pages/1_catalog.py")
    assert _ticks(at) == [True, False, False, False, False]

    _go(at, "pages/3_recommend.py")  # no persona yet: the page offers a demo persona
    [demo, *_] = [b for b in at.button if b.label.startswith("Add the demo persona")]
    demo.click().run()
    assert not at.exception
    assert _ticks(at) == [True, True, True, False, False]  # the comparison drew both lists

    _go(at, "pages/3_recommend.py")
    at.slider(key="lab.recommend.decay_rate").set_value(0.5).run()
    assert _ticks(at) == [True, True, True, True, False]
    _go(at, "pages/3_recommend.py")
    at.text_input(key="lab.recommend.instruction").input("something sweet").run()
    assert not at.exception
    assert _ticks(at) == [True] * 5
    assert any("All five done" in s.value for s in at.success)

    at.button(key="lab.tour.start_over").click().run()
    assert _ticks(at) == [False, True, False, False, False]  # the persona is still there: step 2 stays
    assert at.session_state["lab.decay_rate"] == 0.5 and at.session_state["lab.persona"]


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_vector_only_recommendations_and_picking_a_catalog():
    at = _session()
    at.session_state["lab.recommend.use_agent"] = False
    at.run()
    at.sidebar.selectbox(key="lab.collection").select("Books").run()  # picked in the sidebar, Catalog never opened
    assert _ticks(at)[0] is True
    _go(at, "pages/3_recommend.py")
    [demo, *_] = [b for b in at.button if b.label.startswith("Add the demo persona")]
    demo.click().run()
    assert _ticks(at) == [True, True, False, False, False]  # one list is not a comparison


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("no_llm")
def test_the_guide_can_be_hidden_and_shown_again():
    at = _session().run()
    at.button(key="lab.tour.hide").click().run()
    assert not [m for m in at.markdown if ":material/check_box" in m.value]
    assert [link.proto.page for link in at.main.get("page_link")] == ["catalog", "personas", "recommend", "search",
                                                                       "explore", "workspace", "evaluate"]
    _go(at, "pages/1_catalog.py")
    _go(at, "app.py")
    assert at.button(key="lab.tour.show")  # still hidden on coming back
    at.button(key="lab.tour.show").click().run()
    assert _ticks(at) == [True, False, False, False, False]  # the visit counted while it was hidden
