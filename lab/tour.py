"""The guided first run on the Start page: five steps, each ticked by what the session really did.

The pages where an action happens record it as a fact in ``st.session_state["lab.tour"]`` with a
one-line call (:func:`seen`, :func:`visited_catalog`, :func:`compared`); the Start page reads the
facts back (:func:`progress`) and draws the checklist (:func:`render`). Ticking a box by hand is
not possible: a step is done when its fact holds. Step 2 is read from the workspace itself (the
active collection has a persona). "Start over" clears the facts, never a persona or a control.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from .menu import link

KEY = "lab.tour"
DONE, TO_DO = ":green[:material/check_box:]", ":material/check_box_outline_blank:"
DEFAULT_DECAY = 0.1
"""The official ``get_objects`` default decay rate: step 4 wants a comparison away from it."""


@dataclass(frozen=True)
class Step:
    title: str
    how: str
    page: str
    link_text: str


STEPS = (
    Step("Pick a catalog", "Choose a sample catalog in the sidebar, or open Catalog to look at it or import "
         "your own file.", "Catalog", "Open Catalog"),
    Step("Add a demo persona", "On Personas (tab Demo personas), or with one click on Recommend; the persona's "
         "likes and dislikes drive everything after.", "Personas", "Open Personas"),
    Step("Compare the two lists", "Recommend shows the vector-only list beside the agent-reranked one, with a "
         "chart of how the ranks moved.", "Recommend", "Open Recommend"),
    Step("Move decay and see why", "Change decay_rate on Recommend: old interactions count less, and the lists "
         "shift (Personas plots each interaction's weight after decay).", "Recommend", "Open Recommend"),
    Step("Add an instruction", "Type an instruction for the agent on Recommend (e.g. \u201csomething light for a "
         "rainy evening\u201d) and watch its list change.", "Recommend", "Open Recommend"),
)


def _facts() -> dict[str, Any]:
    return st.session_state.setdefault(KEY, {})


# --- hooks: one call from the page where the action happens ------------------------------------

def seen(collection: str) -> None:
    """Every page: the active collection; the first one of the session (or since "start over") is
    the baseline, so a different one later means the user picked a catalog."""
    facts = _facts()
    facts.setdefault("first_collection", collection)
    if collection != facts["first_collection"]:
        facts["catalog"] = True


def visited_catalog() -> None:
    """The Catalog page was opened."""
    _facts()["catalog"] = True


def compared(*, ran: bool, decay_rate: float, instruction: str | None) -> None:
    """Recommend: a comparison was drawn (``ran``: the agent-reranked list is shown next to the
    vector-only one) with this decay rate and instruction."""
    if not ran:
        return
    facts = _facts()
    earlier = facts.get("last_decay")
    if earlier is not None and decay_rate != earlier and abs(decay_rate - DEFAULT_DECAY) > 1e-9:
        facts["moved_decay"] = True
    facts["last_decay"] = decay_rate
    facts["compared"] = True
    if instruction and instruction.strip():
        facts["instruction"] = True


# --- reading the facts -------------------------------------------------------------------------

def progress(*, has_persona: bool) -> list[bool]:
    """Whether each of :data:`STEPS` is done; ``has_persona``: the active collection has one."""
    facts = _facts()
    return [bool(facts.get("catalog")), has_persona, bool(facts.get("compared")),
            bool(facts.get("moved_decay")), bool(facts.get("instruction"))]


def start_over() -> None:
    """Button callback: clear the ticks (the recorded facts) only; the next run's collection
    becomes the new baseline of step 1 (see :func:`seen`)."""
    facts = _facts()
    hidden = facts.get("hidden", False)
    facts.clear()
    facts["hidden"] = hidden


def set_hidden(hidden: bool) -> None:
    _facts()["hidden"] = hidden


# --- the Start page ----------------------------------------------------------------------------

def render(*, has_persona: bool) -> None:
    """The checklist: each step ticked or not, with a link to its page; hide / start over."""
    if _facts().get("hidden"):
        st.button("Show the first-run guide", key="lab.tour.show", icon=":material/checklist:",
                  on_click=set_hidden, args=(False,))
        return
    done = progress(has_persona=has_persona)
    with st.container(border=True, key="lab-tour"):
        st.subheader("Your first run")
        st.progress(sum(done) / len(done), text=f"{sum(done)} of {len(done)} steps done")
        for number, (step, ok) in enumerate(zip(STEPS, done), 1):
            mark, state = (DONE, "done") if ok else (TO_DO, "to do")
            text_col, link_col = st.columns([5, 2], vertical_alignment="center")
            text_col.markdown(f"{mark} **{number}. {step.title}** · {state}")
            text_col.caption(step.how)
            with link_col:
                link(step.page, step.link_text)
        if all(done):
            st.success("All five done: you have seen what the agent does. The pages below go deeper.")
        hide_col, over_col, _ = st.columns([2, 2, 5])
        hide_col.button("Hide the guide", key="lab.tour.hide", icon=":material/visibility_off:",
                        on_click=set_hidden, args=(True,))
        over_col.button("Start over", key="lab.tour.start_over", icon=":material/restart_alt:",
                        on_click=start_over, help="Clears the ticks only: personas and controls stay as they are.")
