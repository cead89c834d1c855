"""Widgets and renderers shared by the Recommend and Search pages.

The pages stay thin: they read these widgets, call ``core`` and render. Here live the filter
builder (``core.where`` grammar → a weaviate ``Filter``), the exclude-items picker, result cards
with Like / Dislike, the adapter that lets a personalized search feed ``lab.charts``' rank-change
chart, and the trace panel. Every piece of item text is rendered through ``lab.cards.plain``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

import streamlit as st

from core import (InvalidInputError, Workspace, PersonaInteraction, PersonalizationAgent, PersonalizationAgentGetObjectsResponse,
                  PersonalizationError, PersonalizedObject, PersonalizedQueryResponse, WHERE_HELP, build_filter,
                  display_title, parse_condition)

from . import explain_ui
from .cards import item_card, plain
from .charts import rank_change_figure

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "~", "!~", "like")
SEARCH_METHODS = ("bm25", "near_text", "hybrid")
FLASH = "lab.flash"
DECAY_RATE = "lab.decay_rate"
"""The decay rate shared by the Personas, Recommend and Search pages (a plain session value)."""
DECAY_HELP = "0 keeps every interaction at full weight; 1 halves a weight every 30 days"
PERSIST = {"persist_state": "session"}
"""Widget option: keep a control's value when the user visits another page and comes back."""


def defaults(values: dict[str, Any]) -> None:
    """``st.session_state.setdefault`` for each control key (pages may open in any order)."""
    for key, value in values.items():
        st.session_state.setdefault(key, value)


def shared_control(widget: Callable[..., Any], label: str, *, key: str, shared: str, **kwargs: Any) -> Any:
    """``widget(label, key=key)`` showing and setting the plain session value ``shared``.

    Streamlit makes the page part of a widget's identity, so one widget key cannot carry the
    last edit from page to page; values shared by pages (``lab.decay_rate``) therefore live
    outside any widget, are copied into this page's widget before it is drawn and back on change.
    """
    st.session_state[key] = st.session_state[shared]
    return widget(label, key=key, on_change=_copy, args=(key, shared), **kwargs)


def reset_controls(values: dict[str, Any], *mirrors: str) -> None:
    """Button callback: put every control back to ``values`` (before the widgets are drawn again).

    ``mirrors`` are page widgets that show a shared value (see :func:`shared_control`); they are
    dropped so they pick the reset value up.
    """
    st.session_state.update(values)
    for key in mirrors:
        st.session_state.pop(key, None)


def _copy(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


# --- filters and exclusions -------------------------------------------------------------------

def filter_builder(properties: list[str], key: str) -> tuple[Any, list[str]]:
    """A small builder: property, operator, value → one condition; all conditions are AND-ed.

    The conditions (``core.where`` expressions) live in ``st.session_state[key]``; returns the
    weaviate filter (None without conditions) and the expressions.
    """
    exprs: list[str] = st.session_state.setdefault(key, [])
    prop_col, op_col, value_col, add_col = st.columns([3, 2, 3, 2], vertical_alignment="bottom")
    prop = prop_col.selectbox("Property", properties, key=f"{key}.prop")
    op = op_col.selectbox("Operator", OPERATORS, key=f"{key}.op", help=WHERE_HELP)
    value = value_col.text_input("Value", key=f"{key}.value", help="For ~ and !~: values separated by commas")
    if add_col.button("Add condition", key=f"{key}.add", width="stretch"):
        expr = f"{prop} like {value}" if op == "like" else f"{prop}{op}{value}"
        try:
            parse_condition(expr, what="condition")
        except PersonalizationError as exc:
            st.error(plain(str(exc)))
        else:
            exprs.append(expr)
    for n, expr in enumerate(exprs):
        text_col, remove_col = st.columns([8, 1], vertical_alignment="center")
        text_col.code(expr, language=None)
        remove_col.button("Remove", key=f"{key}.remove.{n}", on_click=exprs.pop, args=(n,))
    conditions = [parse_condition(e, what="condition") for e in exprs]
    if conditions:
        st.caption("Filter (AND of the conditions), as weaviate-client code:")
        st.code(filter_code(conditions), language="python")
    return build_filter(conditions), list(exprs)


def filter_code(conditions: list[Any]) -> str:
    """The ``weaviate.classes.query.Filter`` expression equivalent to the AND of ``conditions``."""
    parts = [f"Filter.by_property({c.prop!r}).{c.op}({c.value!r})" for c in conditions]
    return parts[0] if len(parts) == 1 else "Filter.all_of([\n    " + ",\n    ".join(parts) + ",\n])"


def item_titles(ws: Workspace, collection: str) -> dict[str, str]:
    """``{uuid: title}`` of every item, computed once per workspace, collection and item count."""
    return _titles(ws.store, ws.catalog_key(collection), collection, ws.store.count(collection))


@st.cache_resource(show_spinner=False, max_entries=32)  # shared, not copied per rerun: never mutate it
def _titles(_store: Any, workspace: str, collection: str, count: int) -> dict[str, str]:
    fields = _store.get_collection(collection).text_fields
    return {str(i.uuid): display_title(i.properties, str(i.uuid), fields) for i in _store.iter_items(collection)}


def exclude_picker(ws: Workspace, collection: str, key: str) -> list[str]:
    """A multiselect of item titles; the chosen items' UUIDs."""
    titles = item_titles(ws, collection)
    st.session_state[key] = [u for u in st.session_state.get(key, []) if u in titles]
    return st.multiselect("exclude_items", list(titles), format_func=titles.__getitem__, key=key,
                          placeholder="Items never to recommend", **PERSIST)


# --- result cards -----------------------------------------------------------------------------

def rank_header(rank: int, note: str = "") -> str:
    """``#3 (was #5) · `` as escaped Markdown for ``item_card(header=...)``."""
    return plain(f"#{rank}" + (f" ({note})" if note else "")) + " · "


def agent_note(obj: PersonalizedObject) -> str:
    """Where an agent-ranked item came from: its vector-only rank, or the agent's searches."""
    if obj.original_rank is None:
        return "new: found by the agent's searches"
    if obj.original_rank == obj.personalized_rank:
        return "same as vector-only"
    return f"vector-only #{obj.original_rank}"


def result_card(agent: PersonalizationAgent, persona_id: UUID, item_id: UUID, properties: dict[str, Any], *,
                header: str, explanation: str | None, key: str) -> None:
    """An item card with its explanation (plain words; the numbers behind a click, see
    ``lab.explain_ui``) and Like / Dislike buttons that store an interaction and rerun the page."""
    fields = agent.store.get_collection(agent.collection).text_fields
    words, numbers = explain_ui.split(explanation)
    item_card(properties, header=header, caption=words or None, details=numbers or None, text_fields=fields,
              actions=partial(_feedback, agent, persona_id, item_id, display_title(properties, "", fields), key))


def _feedback(agent: PersonalizationAgent, persona_id: UUID, item_id: UUID, title: str, key: str) -> None:
    like_col, dislike_col = st.columns(2)
    for col, label, weight in ((like_col, "Like", 1.0), (dislike_col, "Dislike", -1.0)):
        if col.button(label, key=f"{key}.{label.lower()}", icon=":material/thumb_up:" if weight > 0 else ":material/thumb_down:", width="stretch"):
            try:
                # replace: a second click changes the persona's stance instead of stacking reactions
                agent.add_interactions([PersonaInteraction(persona_id=persona_id, item_id=item_id, weight=weight,
                                                           replace_previous_interactions=True)])
            except PersonalizationError as exc:
                st.error(plain(str(exc)))
                return
            st.session_state[FLASH] = f"{label}d {title}"
            st.rerun()


def show_flash() -> None:
    """The message a Like / Dislike left before its rerun, as a toast."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.toast(plain(message))


# --- personalized search ----------------------------------------------------------------------

def personalized_search(agent: PersonalizationAgent, persona_id: UUID, method: str, query: str, *, strength: float,
                        limit: int, alpha: float, filters: Any, boost: Any = None,
                        **options: Any) -> PersonalizedQueryResponse:
    """``agent.query(persona_id, strength=..., **options).<method>(query, ...)``."""
    search = agent.query(persona_id, strength=strength, **options)
    if method == "hybrid":
        return search.hybrid(query, alpha=alpha, limit=limit, filters=filters, boost=boost)
    if method not in SEARCH_METHODS:
        raise InvalidInputError(f"method must be one of {SEARCH_METHODS}, got {method!r}")
    return getattr(search, method)(query, limit=limit, filters=filters, boost=boost)


def as_ranking(response: PersonalizedQueryResponse) -> PersonalizationAgentGetObjectsResponse:
    """A search response in the shape ``lab.charts.rank_change_*`` reads.

    ``personalized_rank`` is the position in this response and ``original_rank`` the position in
    the plain search (``metadata.search_rank``), so plain vs personalized plays the role of
    vector-only vs agent; ``explanation`` says why the hit moved (``lab.explain_ui.search_move``).
    """
    objects = [PersonalizedObject(uuid=o.uuid, original_rank=o.metadata.search_rank, personalized_rank=rank,
                                  properties=o.properties, score=o.metadata.score,
                                  signals={"search": o.metadata.search_score, "persona": o.metadata.persona_score},
                                  explanation=explain_ui.search_move(o.metadata, rank))
               for rank, o in enumerate(response.objects, 1)]
    return PersonalizationAgentGetObjectsResponse(objects=objects, usage=response.usage, trace=response.trace,
                                                  ranker="personalized search")


def search_rank_figure(plain_response: PersonalizedQueryResponse, personalized: PersonalizedQueryResponse):
    """``rank_change_figure`` relabelled for search: plain search rank → personalized rank."""
    return rank_change_figure(as_ranking(plain_response), as_ranking(personalized),
                              sides=("plain search", "personalized"))


# --- trace ------------------------------------------------------------------------------------

def trace_panel(response: PersonalizationAgentGetObjectsResponse | PersonalizedQueryResponse) -> None:
    """Ranker, note, fallback, LLM usage and every trace step (name, ms, details as JSON)."""
    data = response.to_dict()
    ranker = getattr(response, "ranker", None)
    if ranker:
        st.markdown(f"**Ranker:** {plain(ranker)}")
    if getattr(response, "ranker_note", None):
        st.caption(plain(response.ranker_note))
    if getattr(response, "fallback", False):
        st.warning(plain(f"fallback: the local agent finished this request. Reason: {response.fallback_reason}"))
    if path := vector_path_text(response.trace):
        st.markdown(f"**Vector search:** {plain(path)}")
    st.markdown("**LLM usage**")
    st.json(data["usage"], expanded=False)
    total = sum(step.seconds for step in response.trace) * 1000
    st.markdown(f"**Steps** ({len(response.trace)}, {total:.1f} ms in all)")
    for step, raw in zip(response.trace, data["trace"]):
        st.markdown(f"{plain(step.name)} · {step.seconds * 1000:.1f} ms")
        st.json(raw["details"], expanded=False)


_PATHS = {"exact": "an exact scan of {candidates:,} items", "exact-subset": "an exact scan of the {candidates:,} items "
          "the filter passes", "exact-pruned": "an exact scan that skipped the items the ranking rules out",
          "ann-hnsw": "an HNSW index (approximate): {candidates:,} candidates re-scored exactly",
          "ann-ivf": "an IVF index (approximate): {candidates:,} candidates re-scored exactly"}


def vector_path_text(trace) -> str | None:
    """How the store found the vector candidates, from the trace's own ``search`` record (the embedded store
    says; a Weaviate server does not), e.g. "an HNSW index (approximate): 412 candidates re-scored exactly"."""
    for step in trace:
        search = step.details.get("search") if isinstance(step.details, dict) else None
        if isinstance(search, dict) and search.get("path") in _PATHS:
            text = _PATHS[search["path"]].format(candidates=int(search.get("candidates") or 0))
            return f"{text} ({search['reason']})" if search.get("reason") else text
    return None
