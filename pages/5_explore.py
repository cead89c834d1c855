"""Explore: a 2-D map of the catalog's embeddings with the active persona's likes, dislikes,
profile (the engine's query vectors) and current vector-only recommendations."""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from core import STRATEGIES, PersonalizationError, display_title
from lab import catalog_map as maps
from lab import menu, page, state
from lab.cards import plain
from lab.charts import embedding_map_figure

ws, collection, agent = page.start("Explore")
st.title("Explore")


def explain(cmap: maps.CatalogMap, dims: int) -> None:
    st.caption(
        f"Each grey dot is an item, placed by a PCA of its {dims}-dimensional vector onto the two directions "
        f"in which this catalog varies most (they keep {cmap.explained:.0%} of the variance). Nearby dots tend "
        "to be similar, but distances are only roughly preserved: items far apart in the full space can land "
        "close together here. Green ▲ are the persona's likes, orange ▼ its dislikes, blue ◆ the current "
        "vector-only recommendations and black ★ the profile: the query vector(s) the engine searches with "
        "(`centroid`: mean of likes minus half the mean of dislikes; `multi_interest`: one per interest; "
        f"`knn`: one per liked item). At most {maps.MAX_MAP_POINTS:,} other items are drawn (a fixed sample).")


def persona_layers(cmap: maps.CatalogMap, strategy: str):
    """Highlights and profile points of the active persona, plus the recommendation list."""
    persona = state.active_persona(agent)
    if persona is None:
        st.info("No active persona yet: create one on the Personas page to see its likes, dislikes, "
                "profile and recommendations on this map.")
        menu.link("Personas", "Open Personas")
        return maps.map_layers(cmap, {}, [], []), []
    now = datetime.now(timezone.utc)
    roles = {str(u): r for u, r in maps.interaction_roles(agent, persona.persona_id).items()}
    response = agent.get_objects(persona.persona_id, limit=10, use_agent_ranking=False, strategy=strategy, now=now)
    for obj in response.objects:
        roles.setdefault(str(obj.uuid), "recommended")
    profile = agent.profile_vectors(persona.persona_id, strategy=strategy, now=now)
    return maps.map_layers(cmap, roles, profile.vectors, profile.labels), response.objects


def draw() -> None:
    strategy = st.columns([1, 3])[0].selectbox("Strategy", STRATEGIES, index=STRATEGIES.index(agent.strategy),
                                               key="explore.strategy")
    cmap = maps.catalog_map(ws.catalog_key(collection), collection, ws.store.count(collection), ws.store)
    explain(cmap, ws.store.get_collection(collection).dims)
    (points, titles, roles), recommended = persona_layers(cmap, strategy)
    marked = [f"{roles.count(r)} {label}" for r, label in (("liked", "liked"), ("disliked", "disliked"),
              ("recommended", "recommended"), ("profile", "profile point(s)")) if roles.count(r)]
    st.caption(f"Showing {roles.count('catalog'):,} of {len(cmap.ids):,} catalog items"
               + (f" plus {', '.join(marked)}." if marked else "."))
    figure = embedding_map_figure(points, titles, roles, webgl=len(points) > 2000)
    st.plotly_chart(figure.update_layout(height=700))
    if recommended:
        st.markdown("**Vector-only recommendations** (blue ◆)")
        fields = ws.store.get_collection(collection).text_fields
        st.dataframe([{"rank": o.personalized_rank, "title": display_title(o.properties, str(o.uuid), fields),
                       "score": o.score} for o in recommended], hide_index=True)


try:
    draw()
except PersonalizationError as exc:
    st.error(plain(str(exc)))
