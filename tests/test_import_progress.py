"""Installing a sample reports progress as its items are stored (``install_sample(..., progress=)``), on
the embedded store and on Weaviate (the real client against the stub), and a failure part-way
publishes nothing."""

from __future__ import annotations

import pytest

import core.io.samples as samples
from core import BatchWriteError, EmbeddedStore, install_sample, install_sample_agent, open_store

from .weaviate_stub import start_stub


def test_progress_counts_up_to_every_item_on_the_embedded_store(monkeypatch):
    monkeypatch.setattr(samples, "PROGRESS_CHUNK", 50)
    seen: list[tuple[int, int]] = []
    store = EmbeddedStore(":memory:")
    spec = install_sample(store, "workshop", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 109), (50, 109), (100, 109), (109, 109)] and store.count(spec.name) == 109


@pytest.mark.integration
def test_on_weaviate_each_chunk_is_a_batch_and_a_failed_one_publishes_nothing(monkeypatch):
    monkeypatch.setattr(samples, "PROGRESS_CHUNK", 50)
    stub = start_stub(version="1.33.0")
    store = open_store(f"http://127.0.0.1:{stub.http_port}?grpc_port={stub.grpc_port}")
    try:
        seen: list[tuple[int, int]] = []
        agent = install_sample_agent(store, "workshop", progress=lambda d, t: seen.append((d, t)))
        assert seen == [(0, 109), (50, 109), (100, 109), (109, 109)] and store.count(agent.collection) == 109
        item_batches = [len(p.get("objects", [])) for _, name, p in stub.requests if name == "BatchObjects"]
        assert item_batches[:3] == [50, 50, 9]  # one batch per chunk, in order

        def fail_second_chunk(done: int, total: int) -> None:
            if done == 50:
                stub.fail_next("BatchObjects", errors={3: "injected: bad value"})
        with pytest.raises(BatchWriteError, match="injected: bad value"):
            install_sample(store, "workshop", "Dishes", progress=fail_second_chunk)
        assert not store.has_collection("Dishes") and "Dishes" not in store.list_collections()
        assert store.count(agent.collection) == 109  # the collection already there is untouched
    finally:
        store.close()
        stub.stop()
