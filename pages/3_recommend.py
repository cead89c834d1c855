"""Recommend: the active persona's vector-only list beside the agent-reranked one.

Reads the get_objects controls, calls ``agent.get_objects`` twice (``use_agent_ranking`` False and
True) and renders both lists as cards with Like / Dislike, the rank-change chart and table, the
ranking rationale and the trace. The default strategy, auto, is ``blend`` once the collection has a
behaviour model: the behaviour model panel (``lab.behaviour_ui``: status, Retrain, Tune and retrain)
and the blend weights in use with per-request overrides (``lab.blend_ui``) sit above the lists, and
a chart shows each item's score by its parts (``lab.parts_chart``). Responses are not cached: the
vector-only call takes a few ms, and LLM replies are cached by the engine itself.
"""

from __future__ import annotations

import time
from functools import partial

import streamlit as st

from core import PersonalizationError, display_title
from lab import recommend_ui as ui
from lab import behaviour_ui, blend_ui, downloads, explain_ui, page, recommend_link, state, tour
from lab.cards import plain
from lab.charts import rank_change_figure, rank_change_table
from lab.parts_chart import has_parts, parts_figure, parts_rows
from lab.resources import eval_jobs

P = "lab.recommend."

ws, collection, agent = page.start("Recommend")
st.title("Recommend")

# The official ``get_objects`` defaults (and the engine's popularity prior). A comment, not a string:
# Streamlit's magic would print a bare string literal on the page.
DEFAULTS = {P + "limit": 10, P + "recent": 100, ui.DECAY_RATE: 0.1, P + "popularity": 0.5,
            P + "strategy": blend_ui.AUTO, P + "exclude_interacted": True, P + "explain": True,
            P + "use_agent": True, P + "instruction": ""}
ui.defaults(DEFAULTS)
recommend_link.restore(ws, collection, agent)  # a link's settings, on the session's first run
persona = state.require_persona(agent)
ui.show_flash()
history = agent.get_interactions(persona.persona_id, "all")
likes = sum(1 for i in history if i.weight > 0)
st.caption(f"Persona {plain(st.session_state['lab.persona'])} · {likes} likes, {len(history) - likes} dislikes "
           f"or neutral · collection {plain(collection)}")

with st.container(border=True):
    cols = st.columns([4, 4, 4, 4, 5])
    limit = cols[0].slider("limit", 1, 50, key=P + "limit", **ui.PERSIST)
    recent = cols[1].number_input("recent_interactions_count", 1, 100_000, step=10, key=P + "recent", **ui.PERSIST)
    decay_rate = ui.shared_control(cols[2].slider, "decay_rate", key=P + "decay_rate", shared=ui.DECAY_RATE,
                                   min_value=0.0, max_value=1.0, step=0.05, help=ui.DECAY_HELP)
    choices = blend_ui.strategy_choices()
    if st.session_state[P + "strategy"] not in choices:  # a strategy no longer registered
        st.session_state[P + "strategy"] = blend_ui.AUTO
    strategy = cols[4].selectbox("strategy", choices, key=P + "strategy", format_func=blend_ui.strategy_label,
                                 **ui.PERSIST)
    try:
        resolved = agent.resolve_strategy(strategy)  # auto: blend once trained (trained now when cheap)
    except PersonalizationError as exc:
        st.error(plain(str(exc)))
        st.stop()
    popularity = cols[3].slider("popularity_weight", 0.0, 3.0, step=0.05, key=P + "popularity",
                                disabled=resolved == "blend", help="The blend's own popularity weight is below."
                                if resolved == "blend" else None, **ui.PERSIST)
    cols = st.columns([3, 2, 2, 5], vertical_alignment="bottom")
    exclude_interacted = cols[0].checkbox("exclude_interacted_items", key=P + "exclude_interacted", **ui.PERSIST)
    explain = cols[1].checkbox("explain_results", key=P + "explain", **ui.PERSIST)
    use_agent = cols[2].toggle("use_agent_ranking", key=P + "use_agent", **ui.PERSIST)
    instruction = cols[3].text_input("instruction (agent only)", key=P + "instruction", disabled=not use_agent,
                                     placeholder="e.g. something light for a rainy evening", **ui.PERSIST)
    st.button("Reset the controls to the defaults", key=P + "reset", icon=":material/restart_alt:",
              on_click=ui.reset_controls, args=(DEFAULTS, P + "decay_rate", *blend_ui.keys(collection)))
    with st.expander("Filters and excluded items"):
        filters, _ = ui.filter_builder(ws.store.property_names(collection), key=f"{P}filters.{collection}")
        exclude_items = ui.exclude_picker(ws, collection, key=f"{P}exclude.{collection}")

with st.container(border=True):
    model_col, blend_col = st.columns([5, 6]) if resolved == "blend" else (st.container(), None)
    with model_col:
        status = behaviour_ui.panel(ws, collection, eval_jobs())
    blend = None
    if blend_col is not None:
        with blend_col:
            blend = blend_ui.controls(collection, status)
    elif strategy == blend_ui.AUTO:
        st.caption("auto ranks with centroid until a behaviour model is trained, then with blend.")

settings = {"limit": limit, "recent_interactions_count": int(recent), "decay_rate": float(decay_rate),
            "exclude_interacted_items": exclude_interacted, "exclude_items": exclude_items,
            "explain_results": explain, "filters": filters, "strategy": strategy}
settings.update({"blend": blend} if resolved == "blend" else {"popularity_weight": float(popularity)})
link_defaults = {**DEFAULTS, **blend_ui.defaults(collection, blend_ui.stored(status)[0])}
recommend_link.publish(link_defaults, collection, st.session_state["lab.persona"])
try:
    started = time.perf_counter()
    vector = agent.get_objects(persona.persona_id, use_agent_ranking=False, **settings)
    vector_ms = (time.perf_counter() - started) * 1000
except PersonalizationError as exc:
    st.error(plain(str(exc)))
    st.stop()

# The vector-only list is drawn before the agent runs, so it updates at once when a control moves.
columns = st.columns(2) if use_agent else [st.container()]
with columns[0]:
    st.subheader("Vector-only")
    explain_ui.numbers_help()
    shown = f"auto → {resolved}" if strategy == blend_ui.AUTO else strategy
    st.caption(f"{plain(shown)} · {len(vector.objects)} items · {vector_ms:.1f} ms")
    if not vector.objects:
        st.caption("No item matches these settings.")
    for obj in vector.objects:
        ui.result_card(agent, persona.persona_id, obj.uuid, obj.properties, header=ui.rank_header(obj.personalized_rank),
                       explanation=obj.explanation, key=f"{P}card.vector.{obj.uuid}")

ranked = None
if use_agent:
    with columns[1]:
        st.subheader("Agent-reranked")
        explain_ui.numbers_help()
        try:
            with st.spinner("The agent is ranking…"):
                started = time.perf_counter()
                ranked = agent.get_objects(persona.persona_id, use_agent_ranking=True,
                                           instruction=instruction or None, **settings)
                ranked_ms = (time.perf_counter() - started) * 1000
        except PersonalizationError as exc:
            st.error(plain(str(exc)))
    if ranked is not None:
        with columns[1]:
            st.caption(f"{plain(ranked.ranker)} · {len(ranked.objects)} items · {ranked_ms:.1f} ms")
            if ranked.fallback:
                st.warning(plain(f"The LLM agent failed, so the local agent finished the request: "
                                 f"{ranked.fallback_reason}"))
            explain_ui.rationale_box(ranked)
            if not ranked.objects:
                st.caption("No item matches these settings.")
            for obj in ranked.objects:
                ui.result_card(agent, persona.persona_id, obj.uuid, obj.properties,
                               header=ui.rank_header(obj.personalized_rank, ui.agent_note(obj)),
                               explanation=obj.explanation, key=f"{P}card.agent.{obj.uuid}")
        st.subheader("Rank changes")
        fields = ws.store.get_collection(collection).text_fields
        title_of = partial(display_title, fallback="", text_fields=fields)
        st.plotly_chart(rank_change_figure(vector, ranked, title_of=title_of), key=P + "rank_chart")
        with st.expander("Rank changes as a table"):
            st.dataframe(rank_change_table(vector, ranked, title_of=title_of), hide_index=True)

fields = ws.store.get_collection(collection).text_fields
if has_parts(vector):
    st.subheader("Score parts")
    rows = parts_rows(vector, title_of=partial(display_title, fallback="", text_fields=fields))
    st.plotly_chart(parts_figure(rows), key=P + "parts_chart")
    with st.expander("Score parts as a table"):
        st.dataframe(rows, hide_index=True)

tour.compared(ran=ranked is not None, decay_rate=decay_rate, instruction=instruction)
responses = {"Agent": ranked, "Vector-only": vector} if ranked is not None else {"Vector-only": vector}
downloads.download_buttons(responses, partial(display_title, fallback="", text_fields=fields), key=P + "download")
with st.expander("Trace"):
    for tab, response in zip(st.tabs(list(responses)), responses.values()):
        with tab:
            ui.trace_panel(response)
