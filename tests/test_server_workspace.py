"""Server workspaces (:mod:`core.workspaces.server`): the lab's view of a Weaviate, named by its URL only."""

from __future__ import annotations

import pytest

from core import (CollectionSpec, EmbeddedStore, InvalidInputError, PersonaInteraction, PersonalizationAgent, WorkspaceRef,
                  server_location, server_workspace, to_uuid)
from core.workspaces.server import server_ref

from .store_contract import VECTORS, items, uid


def test_the_location_drops_credentials_query_and_fragment():
    assert server_location(" HTTP://user:secret@Weaviate.Example:8080/v1/?grpc_port=50052#top ") == \
        "http://weaviate.example:8080/v1"
    assert server_location("https://abc.weaviate.cloud") == "https://abc.weaviate.cloud"


@pytest.mark.parametrize("bad", ["", "   ", "localhost:8080", "not a url", None, 8080])
def test_a_bad_location_is_an_error_naming_it(bad):
    with pytest.raises(InvalidInputError, match="server URL"):
        server_location(bad)


def test_one_workspace_per_location_whatever_the_spelling_or_key():
    a = server_ref("http://localhost:8080")
    assert a == server_ref("HTTP://LOCALHOST:8080/") == server_ref("http://someone:key@localhost:8080?x=1")
    assert a != server_ref("http://localhost:8081")
    assert a.kind == "server" and len(a.name) == 16 and "localhost" not in a.key
    assert WorkspaceRef.parse(a.key) == a and a.label == "Weaviate workspace"
    with pytest.raises(InvalidInputError, match="16 hexadecimal"):
        WorkspaceRef("server", "localhost")


def test_a_server_workspace_works_on_the_store_it_is_given():
    store = EmbeddedStore(":memory:")  # any store: the lab passes the Weaviate store it connected to
    store.create_collection(CollectionSpec("Things", 4))
    store.add_items("Things", items(), VECTORS)
    ws = server_workspace(store, "http://localhost:8080/")
    assert ws.path == "http://localhost:8080" and ws.writable and ws.available() == ["Things"]
    agent = ws.agent("Things")
    assert PersonalizationAgent.exists(store, "Things")
    agent.add_interactions([PersonaInteraction(persona_id="p", item_id="a", weight=1.0)])
    ranked = [o.uuid for o in agent.get_objects("p", limit=3, use_agent_ranking=False).objects]
    assert ranked[0] == uid("b") and uid("a") not in ranked  # the closest unseen item, from the store given
    assert store.get_persona("Things", to_uuid("p")) is not None
