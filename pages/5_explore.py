"""Explore: the active persona's neighbourhood (its likes, dislikes, profile, recommendations and
the next candidates, by a projection fitted on those points), or a 2-D map of the whole catalog.
Each view says how much of its points' variance the projection keeps."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from core import PersonalizationError, display_title
from lab import catalog_map as maps
from lab import blend_ui, menu, page, state
from lab.cards import plain
from lab.charts import plotly_text
from lab.map_chart import embedding_map_figure

ws, collection, agent = page.start("Explore")
st.title("Explore")

NEAR, WHOLE = "Persona's neighbourhood", "Whole catalog"
# the recommendations drawn (the top 10, as on Recommend) and how deep the list is read for candidates
SHOWN, CANDIDATES = 10, 20
KEY = "lab.explore."
LEGEND = ("Green ▲ are the persona's likes, orange ▼ its dislikes, blue ◆ the current vector-only "
          f"recommendations (the top {SHOWN}), light blue dots the next candidates of the same list and black ★ "
          "the profile: the query vector(s) the engine searches with among these text vectors (`blend`: its content "
          "query, the mean of likes minus half the mean of dislikes, its behaviour query being in the learned "
          "space; `centroid`: that same mean; `multi_interest`: one per interest; `knn`: one per liked item).")


def persona_ranking(persona, strategy: str, now: datetime):
    """The vector-only list (recommendations, then candidates), the persona's roles and profile."""
    decay = float(st.session_state.get("lab.decay_rate", 0.1))
    response = agent.get_objects(persona.persona_id, limit=CANDIDATES, use_agent_ranking=False, strategy=strategy,
                                 decay_rate=decay, now=now)
    roles = maps.interaction_roles(agent, persona.persona_id)
    for obj in response.objects:
        roles.setdefault(obj.uuid, "recommended" if obj.personalized_rank <= SHOWN else "candidate")
    profile = agent.profile_vectors(persona.persona_id, strategy=strategy, decay_rate=decay, now=now)
    return response.objects, roles, profile


def neighbourhood_view(persona, strategy: str) -> list:
    objects, roles, profile = persona_ranking(persona, strategy, datetime.now(timezone.utc))
    closest = {o.uuid: o.signals.get("nearest_like") for o in objects}
    if not roles:
        st.info("This persona has no likes or dislikes yet, so it has no neighbourhood: rate some items on the "
                "Personas page, or look at the whole catalog.")
        return []
    near = maps.neighbourhood(ws.store, collection, roles, profile.vectors, profile.labels, closest)
    st.caption(
        f"Only these {near.fitted} items are projected, onto the two directions in which *they* differ most: "
        f"**this view keeps {near.projection.explained:.0%} of their variance**. " + LEGEND + " Dotted green "
        "lines join each recommendation and candidate to its closest like, the like its explanation names. "
        "Distances are still only roughly preserved.")
    name = plotly_text(persona.properties.get("name") or persona.persona_id, 40)
    figure = embedding_map_figure(near.points, near.titles, near.roles, links=near.links,
                                  title=f"{name}'s neighbourhood (PCA of these {near.fitted} items)")
    st.plotly_chart(figure.update_layout(height=700), key=KEY + "near")
    profile_note(profile)
    return [o for o in objects if o.personalized_rank <= SHOWN]


def whole_view(persona, strategy: str) -> list:
    cmap = maps.catalog_map(ws.store, collection)
    dims = ws.store.get_collection(collection).dims
    recommended, roles, labels, vectors, profile = [], {}, (), None, None
    if persona is not None:
        objects, by_id, profile = persona_ranking(persona, strategy, datetime.now(timezone.utc))
        recommended = [o for o in objects if o.personalized_rank <= SHOWN]
        roles = {str(u): r for u, r in by_id.items() if r != "candidate"}
        vectors, labels = profile.vectors, profile.labels
    points, titles, kinds = maps.map_layers(cmap, roles, vectors if vectors is not None else [], labels)
    st.caption(
        f"Each grey dot is an item, placed by a PCA of its {dims}-dimensional vector onto the two directions in "
        f"which the whole catalog varies most: **they keep {cmap.explained:.0%} of its variance**, so nearby dots "
        "tend to be similar but items far apart in the full space can land close together here. " + LEGEND +
        f" At most {maps.MAX_MAP_POINTS:,} other items are drawn (a fixed sample); this map is computed once per "
        "catalog.")
    st.caption(f"Showing {kinds.count('catalog'):,} of {len(cmap.ids):,} catalog items.")
    figure = embedding_map_figure(points, titles, kinds, webgl=len(points) > 2000)
    st.plotly_chart(figure.update_layout(height=700), key=KEY + "whole")
    if profile is not None:
        profile_note(profile)
    return recommended


def profile_note(profile) -> None:
    """Which strategy ran (``auto`` resolves to one) and what its ★ leaves out."""
    st.caption(f"Strategy run: **{blend_ui.strategy_label(profile.strategy)}**. {profile.note}".strip())


def draw() -> None:
    persona = state.active_persona(agent)
    left, right = st.columns([1, 2])
    choices = blend_ui.strategy_choices()
    strategy = left.selectbox("Strategy", choices, index=choices.index(agent.strategy) if agent.strategy in choices
                              else 0, format_func=blend_ui.strategy_label, key=KEY + "strategy")
    view = right.radio("View", [NEAR, WHOLE] if persona is not None else [WHOLE], horizontal=True, key=KEY + "view")
    if persona is None:
        st.info("No active persona yet: create one on the Personas page to see its likes, dislikes, "
                "profile and recommendations on this map.")
        menu.link("Personas", "Open Personas")
    recommended = neighbourhood_view(persona, strategy) if view == NEAR else whole_view(persona, strategy)
    if recommended:
        st.markdown(f"**Vector-only recommendations** (blue ◆, top {SHOWN})")
        fields = ws.store.get_collection(collection).text_fields
        st.dataframe([{"rank": o.personalized_rank, "title": display_title(o.properties, str(o.uuid), fields),
                       "closest like": o.signals.get("nearest_like"), "score": o.score} for o in recommended],
                     hide_index=True)


try:
    draw()
except PersonalizationError as exc:
    st.error(plain(str(exc)))
