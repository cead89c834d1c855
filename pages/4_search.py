"""Search: a plain search (strength 0) beside the same search personalized for the active persona.

Reads the query controls, calls ``agent.query(persona, strength=...).bm25 / near_text / hybrid``
twice (with the same optional boost: ``lab.boost_ui``) and renders both lists as cards, the
rank-change chart and table, and the trace. BM25 is the
default method, so no text model is loaded until near_text or hybrid is chosen.
"""

from __future__ import annotations

import streamlit as st

from core import PersonalizationError, boost_note
from lab import recommend_ui as ui
from lab import boost_ui, explain_ui, page, state
from lab.cards import plain
from lab.charts import rank_change_table

P = "lab.search."

ws, collection, agent = page.start("Search")
st.title("Search")
persona = state.require_persona(agent)

ui.defaults({P + "query": "", P + "method": "bm25", P + "alpha": 0.7, P + "limit": 10, P + "strength": 0.5,
             ui.DECAY_RATE: 0.1, P + "recent": 100, P + "overfetch": 1.5})
ui.show_flash()

with st.container(border=True):
    cols = st.columns([4, 2, 2, 2, 2], vertical_alignment="bottom")
    query = cols[0].text_input("Query", key=P + "query", placeholder="e.g. spicy noodles", **ui.PERSIST)
    method = cols[1].selectbox("Method", ui.SEARCH_METHODS, key=P + "method", **ui.PERSIST,
                           help="near_text and hybrid embed the query (the text model loads once, ~8 s)")
    alpha = cols[2].slider("alpha (hybrid)", 0.0, 1.0, step=0.05, key=P + "alpha", disabled=method != "hybrid",
                           help="1 = vector only, 0 = BM25 only", **ui.PERSIST)
    limit = cols[3].slider("limit", 1, 50, key=P + "limit", **ui.PERSIST)
    strength = cols[4].slider("strength", 0.0, 1.0, step=0.05, key=P + "strength", **ui.PERSIST,
                              help="0 = the plain search order, 1 = the fetched results ranked by the persona only")
    with st.expander("Personalization options and filters"):
        cols = st.columns(3)
        decay_rate = ui.shared_control(cols[0].slider, "decay_rate", key=P + "decay_rate", shared=ui.DECAY_RATE,
                                       min_value=0.0, max_value=1.0, step=0.05, help=ui.DECAY_HELP)
        recent = cols[1].number_input("recent_interactions_count", 1, 100_000, step=10, key=P + "recent",
                                      **ui.PERSIST)
        overfetch = cols[2].slider("overfetch_factor", 1.0, 5.0, step=0.25, key=P + "overfetch", **ui.PERSIST,
                                   help="The plain search fetches limit × this many results to rerank")
        filters, _ = ui.filter_builder(ws.store.property_names(collection), key=f"{P}filters.{collection}")
    boost = boost_ui.boost_controls(ws.store, collection, key=P + "boost.")

if not query.strip():
    st.info("Type a query to compare the plain and the personalized results.")
    st.stop()

options = {"method": method, "query": query, "limit": limit, "alpha": float(alpha), "filters": filters,
           "decay_rate": float(decay_rate), "recent_interactions_count": int(recent),
           "overfetch_factor": float(overfetch), "boost": boost}
try:
    with st.spinner("Searching…"):
        plain_hits = ui.personalized_search(agent, persona.persona_id, strength=0.0, **options)
        personal = ui.personalized_search(agent, persona.persona_id, strength=float(strength), **options)
except PersonalizationError as exc:
    st.error(plain(str(exc)))
    st.stop()

left, right = st.columns(2)
with left:
    st.subheader("Plain search")
    explain_ui.numbers_help("search")
    st.caption(f"{plain(method)} · strength 0 · {len(plain_hits.objects)} results")
    boost_ui.boost_caption(boost_note(plain_hits.trace))
    if not plain_hits.objects:
        st.caption("No result for this query.")
    for rank, hit in enumerate(plain_hits.objects, 1):
        ui.result_card(agent, persona.persona_id, hit.uuid, hit.properties, header=ui.rank_header(rank),
                       explanation=explain_ui.plain_search_explanation(hit.metadata),
                       key=f"{P}card.plain.{hit.uuid}")
with right:
    st.subheader("Personalized")
    explain_ui.numbers_help("search")
    st.caption(f"{plain(method)} · strength {strength:g} · {len(personal.objects)} results")
    boost_ui.boost_caption(boost_note(personal.trace))
    if not personal.objects:
        st.caption("No result for this query.")
    for rank, hit in enumerate(personal.objects, 1):
        m = hit.metadata
        note = "same as plain" if m.search_rank == rank else f"plain #{m.search_rank}"
        ui.result_card(agent, persona.persona_id, hit.uuid, hit.properties, header=ui.rank_header(rank, note),
                       explanation=explain_ui.search_explanation(m, strength),
                       key=f"{P}card.personal.{hit.uuid}")

st.subheader("Rank changes")
st.plotly_chart(ui.search_rank_figure(plain_hits, personal), key=P + "rank_chart")
with st.expander("Rank changes as a table"):
    table = rank_change_table(ui.as_ranking(plain_hits), ui.as_ranking(personal))
    st.dataframe(table, hide_index=True, column_config={"vector_rank": "plain rank", "agent_rank": "personalized rank"})

with st.expander("Trace"):
    for tab, response in zip(st.tabs(["Personalized", "Plain"]), [personal, plain_hits]):
        with tab:
            ui.trace_panel(response)
