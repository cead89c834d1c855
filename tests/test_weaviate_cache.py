"""What the Weaviate store keeps between requests (core.store.weaviate.cache): fewer round trips per
``get_objects``, and two stores on one cluster still seeing each other's publishes, persona writes and
retrains (at once with ``ttl=0``, after the ttl otherwise)."""

from __future__ import annotations

import collections
import time

import grpc
import numpy as np
import pytest

from core import (
    InvalidInputError,
    LearnedVectors,
    Persona,
    PersonaInteraction,
    PersonalizationAgent,
    StoreError,
    install_sample,
    install_sample_agent,
    to_uuid,
)
from core.store.weaviate.store import WeaviateStore

from .store_contract import NAMES, VECTORS, items, uid
from .test_weaviate_store import url_of
from .weaviate_stub import start_stub

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite

TINY = 0.3
"""A ttl short enough to wait out in a test."""


def kinds(stub) -> collections.Counter:
    """The stub's requests by kind (a Search by its collection)."""
    return collections.Counter(f"Search {p.get('collection')}" if name == "Search" else name
                               for _, name, p in stub.requests)


@pytest.fixture(scope="module")
def workshop():
    """The workshop sample with an agent and a persona who liked three items, on a 1.33 stub."""
    stub = start_stub(version="1.33.0")
    store = WeaviateStore(url=url_of(stub), ttl=60)
    agent = install_sample_agent(store, "workshop")
    liked = [i.uuid for i in store.iter_items("Workshop")][:3]
    agent.add_interactions([PersonaInteraction(persona_id=to_uuid("ann"), item_id=i, weight=1.0) for i in liked])
    yield stub, store, agent
    store.close()
    stub.stop()


def warm_requests(stub, agent) -> collections.Counter:
    ask = {"limit": 10, "use_agent_ranking": False, "strategy": "centroid"}
    agent.get_objects(to_uuid("ann"), **ask)
    stub.clear()
    agent.get_objects(to_uuid("ann"), **ask)
    return kinds(stub)


def test_a_warm_get_objects_resolves_no_name_and_reads_no_record_within_the_ttl(workshop):
    stub, _, agent = workshop
    sent = warm_requests(stub, agent)
    assert not [k for k in sent if k.startswith(("GET /v1/aliases", "GET /v1/schema"))]  # 12 alias GETs before
    assert sent["Search PersonalizationAgentMeta"] == 0  # 9 record reads before
    assert sum(sent.values()) <= 10, sent  # 33 before: the item and persona reads are what is left


def test_with_ttl_0_every_call_reads_the_records_but_names_stay_cached(workshop):
    stub, _, _ = workshop
    fresh = WeaviateStore(url=url_of(stub), ttl=0)
    agent = PersonalizationAgent.connect(store=fresh, reference_collection="Workshop")
    sent = warm_requests(stub, agent)
    assert sent["Search PersonalizationAgentMeta"] >= 5  # agent config, spec, version token: read each time
    assert not [k for k in sent if k.startswith("GET /v1/aliases")]
    fresh.close()


def test_a_publish_by_another_store_is_seen_at_once(workshop):
    stub, store, _ = workshop
    reader = WeaviateStore(url=url_of(stub))  # the default ttl
    before = reader.get_persona("Workshop", to_uuid("ann"))
    assert before is not None and reader.count("Workshop") > 0
    install_sample(store, "workshop", replace=True)  # a new physical collection; the old one deleted
    assert reader.get_persona("Workshop", to_uuid("ann")) is None  # the new catalog has no personas yet
    assert reader.count("Workshop") == store.count("Workshop")
    assert reader.get_collection("Workshop").vectors == store.get_collection("Workshop").vectors
    reader.close()


def _spare_things(store: WeaviateStore) -> None:
    staged = store.stage_collection(store.get_collection("Things"))
    store.add_items(staged, items()[:2], VECTORS[:2])
    store.publish_collection(staged, "Things", replace=True)


def test_a_plain_collection_replaced_by_an_alias_elsewhere_is_seen_at_once(weaviate_stub, things):
    reader = WeaviateStore(url=url_of(weaviate_stub))
    pid = to_uuid("kim")
    reader.put_persona("Things", Persona(persona_id=pid, properties={}), must_exist=False)
    assert reader.count("Things") == len(NAMES) and reader.get_persona("Things", pid) is not None
    _spare_things(things)  # "Things" was a plain collection: deleted, then an alias to the staged one
    assert reader.get_persona("Things", pid) is None
    assert sorted(reader.get_items("Things", [uid(n) for n in NAMES])) == sorted([uid("a"), uid("b")])
    reader.close()


def test_a_failure_on_a_name_that_did_not_move_is_not_retried(things, weaviate_stub):
    things.count("Things")
    weaviate_stub.clear()
    weaviate_stub.fail_next("Aggregate", status=grpc.StatusCode.INTERNAL, message="shard down")
    with pytest.raises(StoreError, match="shard down"):
        things.count("Things")
    assert kinds(weaviate_stub)["Aggregate"] == 1  # one attempt, and one alias look-up to check the name
    assert weaviate_stub.names().count("GET /v1/aliases/Things") == 1


@pytest.mark.parametrize("ttl", [0, TINY])
def test_persona_writes_by_another_store_reach_memos_at_once_or_after_the_ttl(weaviate_stub, things, ttl):
    reader = WeaviateStore(url=url_of(weaviate_stub), ttl=ttl)
    calls = []
    build = lambda: calls.append(1) or len(calls)
    assert reader.memo("Things", "k", build) == 1 and reader.memo("Things", "k", build) == 1
    pid = to_uuid("shared")
    started = time.monotonic()
    things.put_persona("Things", Persona(persona_id=pid, properties={"name": "Sam"}), must_exist=False)
    assert reader.get_persona("Things", pid).properties == {"name": "Sam"}  # read directly: always current
    if ttl:
        assert reader.memo("Things", "k", build) == 1 or time.monotonic() - started >= ttl
        time.sleep(ttl)
    assert reader.memo("Things", "k", build) == 2  # the other store's write changed the version
    reader.put_persona("Things", Persona(persona_id=pid, properties={"name": "Al"}), must_exist=True)
    assert reader.memo("Things", "k", build) == 3  # its own write: at once, whatever the ttl
    reader.close()


def _learned(scale: float) -> LearnedVectors:
    return LearnedVectors(ids=tuple(uid(n) for n in NAMES), vectors=scale * np.eye(6, dtype=np.float32),
                          fold=np.ones(6, np.float32), meta={"scale": scale})


@pytest.mark.parametrize("ttl", [0, TINY])
def test_a_retrain_by_another_store_is_seen_at_once_or_after_the_ttl(weaviate_stub, things, ttl):
    things.put_learned("Things", "behaviour", _learned(1.0))
    reader = WeaviateStore(url=url_of(weaviate_stub), ttl=ttl)
    assert reader.get_learned("Things", "behaviour").meta["scale"] == 1.0
    started = time.monotonic()
    things.put_learned("Things", "behaviour", _learned(2.0))
    if ttl:
        seen = reader.get_learned("Things", "behaviour").meta["scale"]
        assert seen == 1.0 or time.monotonic() - started >= ttl
        time.sleep(ttl)
    assert reader.get_learned("Things", "behaviour").meta["scale"] == 2.0
    things.delete_learned("Things", "behaviour")
    if ttl:
        time.sleep(ttl)
    assert reader.get_learned("Things", "behaviour") is None
    reader.close()


@pytest.mark.parametrize("bad", [-1, "1", True, float("nan"), float("inf")])
def test_a_bad_ttl_is_an_error_naming_it(weaviate_stub, bad):
    with pytest.raises(InvalidInputError, match="ttl must be"):
        WeaviateStore(url=url_of(weaviate_stub), ttl=bad)
