"""Pytest fixtures for the Weaviate stub: a fresh stub per test, and a connected real client on it."""

from __future__ import annotations

import pytest

from .server import WeaviateStub, start_stub


def connect(stub: WeaviateStub, *, api_key: str | None = None, timeout: tuple[float, float, float] = (5, 10, 10),
            **kwargs):
    """A real ``weaviate.WeaviateClient`` connected to ``stub`` (init checks on); ``timeout`` is
    (init, query, insert) seconds."""
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout
    return weaviate.connect_to_custom(
        http_host="127.0.0.1", http_port=stub.http_port, http_secure=False,
        grpc_host="127.0.0.1", grpc_port=stub.grpc_port, grpc_secure=False,
        auth_credentials=Auth.api_key(api_key) if api_key else None,
        additional_config=AdditionalConfig(timeout=Timeout(init=timeout[0], query=timeout[1], insert=timeout[2])),
        **kwargs)


@pytest.fixture
def weaviate_stub():
    """A started Weaviate stub (version 1.32.0, no auth), stopped after the test."""
    stub = start_stub()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def weaviate_stub_module():
    """One Weaviate stub for a whole test module; call ``stub.reset()`` where a test needs a clean one."""
    stub = start_stub()
    yield stub
    stub.stop()
