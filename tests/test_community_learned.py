"""A sample workspace reads the behaviour model learned from its community, until it trains its own."""

from __future__ import annotations

import pytest

from core import BEHAVIOUR, EmbeddedStore, OverlayStore, PersonaInteraction, PersonalizationAgent, SampleLibrary
from core.learn import behaviour_status, train_behaviour


@pytest.fixture(scope="module")
def movies_library():
    library = SampleLibrary()
    library.community_for("Movies")  # installs the community and trains its model (movies: cheap, at once)
    return library


def test_a_workspace_with_the_community_ranks_with_its_model_from_the_first_request(movies_library):
    shared = movies_library.store.get_learned("Movies", BEHAVIOUR)
    assert shared is not None and shared.meta["trained_on"]["interactions"] == 100_836
    workspace = OverlayStore(EmbeddedStore(":memory:"), movies_library)
    workspace.attach("Movies", community=True)
    agent = PersonalizationAgent.create(workspace, "Movies")
    some = [item.uuid for item in movies_library.store.iter_items("Movies", limit=3)]
    agent.add_interactions([PersonaInteraction(persona_id="me", item_id=u, weight=1.0) for u in some])
    response = agent.get_objects("me", limit=5, use_agent_ranking=False)
    search = next(s for s in response.trace if s.name == "vector_search").details
    assert search["strategy"] == "blend" and search["known_likes"] == 3
    assert workspace.own.get_learned("Movies", BEHAVIOUR) is None  # nothing trained into the workspace's file
    status = behaviour_status(workspace, "Movies")
    assert status.trained and status.stale and "+3 interactions since training" in status.summary
    train_behaviour(workspace, "Movies", dims=32)  # the workspace's own model now shadows the community's
    assert workspace.get_learned("Movies", BEHAVIOUR).meta["dims"] == 32
    assert movies_library.store.get_learned("Movies", BEHAVIOUR) is shared


def test_a_workspace_without_the_community_learns_nothing_from_it(movies_library):
    workspace = OverlayStore(EmbeddedStore(":memory:"), movies_library)
    workspace.attach("Movies", community=False)
    assert workspace.get_learned("Movies", BEHAVIOUR) is None
    assert PersonalizationAgent.create(workspace, "Movies").resolve_strategy() == "centroid"
