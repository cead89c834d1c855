"""The Weaviate store passes the store contract: on the Weaviate stub (tests/weaviate_stub), and on a real server
when ``$WEAVIATE_URL`` is set. The requests it sends and its errors: test_weaviate_requests.py; a user's own
collection through the agent: test_weaviate_agent.py."""

from __future__ import annotations

import os
import secrets

import pytest

from core.store.weaviate.store import WeaviateStore

from .store_contract import StoreContract
from .weaviate_stub import start_stub

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite


class TestWeaviateStore(StoreContract):
    """A server with every feature the store uses (aliases, ContainsNone). Every store gets its own prefix
    on the class's stub, so the contract's fixed names never collide."""

    VERSION = "1.33.0"

    @pytest.fixture(scope="class")
    def stub(self):
        server = start_stub(version=self.VERSION)
        yield server
        server.stop()

    @pytest.fixture(autouse=True)
    def _server(self, stub):
        self.stub = stub
        yield
        stub.reset()

    def make_store(self):
        return WeaviateStore(url=f"{self.stub.url}?grpc_port={self.stub.grpc_port}",
                             prefix=f"T{secrets.token_hex(4)}_")

    def make_reopenable(self, tmp_path):
        prefix = f"T{secrets.token_hex(4)}_"
        return lambda: WeaviateStore(url=f"{self.stub.url}?grpc_port={self.stub.grpc_port}", prefix=prefix)


@pytest.mark.slow  # the fallbacks' run of the contract: in the full suite, not the fast one
class TestWeaviateStoreOnAnOlderServer(TestWeaviateStore):
    """Weaviate 1.31: no aliases (staged collections are published by a pointer record) and no ContainsNone
    (exclusions over-fetch and drop here)."""

    VERSION = "1.31.0"
    EXCLUDES_BEFORE_FUSING = False


WEAVIATE_URL = os.environ.get("WEAVIATE_URL")


@pytest.mark.integration
@pytest.mark.skipif(not WEAVIATE_URL, reason="no Weaviate server reachable (set WEAVIATE_URL)")
class TestRealWeaviate(StoreContract):
    """The same contract on a real server: each test under its own prefix, everything deleted afterwards."""

    @pytest.fixture(autouse=True)
    def _cleanup(self):
        self.opened: list[WeaviateStore] = []
        yield
        for store in self.opened:
            _delete_everything(store)

    def _open(self, prefix: str) -> WeaviateStore:
        store = WeaviateStore(url=WEAVIATE_URL, api_key=os.environ.get("WEAVIATE_API_KEY"), prefix=prefix)
        self.opened.append(WeaviateStore(url=WEAVIATE_URL, api_key=os.environ.get("WEAVIATE_API_KEY"), prefix=prefix))
        return store

    def make_store(self):
        return self._open(f"Pa{secrets.token_hex(4)}_")

    def make_reopenable(self, tmp_path):
        prefix = f"Pa{secrets.token_hex(4)}_"
        return lambda: self._open(prefix)


def _delete_everything(store: WeaviateStore) -> None:
    """Delete every collection and alias under the store's prefix (a test's leftovers), then close it."""
    client, prefix = store._client, store._prefix
    try:
        if store._aliases:
            for alias in list(client.alias.list_all()):
                if alias.startswith(prefix):
                    client.alias.delete(alias_name=alias)
        for name in list(client.collections.list_all(simple=True)):
            if name.startswith(prefix):
                client.collections.delete(name)
    finally:
        store.close()


# shared by the other Weaviate test modules ----------------------------------------------------------

def url_of(stub) -> str:
    """The store URL of a stub (its REST address, its gRPC port as ?grpc_port=)."""
    return f"{stub.url}?grpc_port={stub.grpc_port}"
