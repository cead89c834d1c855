"""A Weaviate stand-in for tests: an in-memory server on 127.0.0.1 speaking Weaviate's REST API and gRPC
services as weaviate-client 4.23 uses them, so the real client can be driven in every test run.

It is a test fixture (like ``devtools/fake_openai.py`` for the OpenAI API), never imported by the engine
or the lab and never presented as Weaviate. Searches are exact over pre-filtered objects (no HNSW
approximation); auto-schema is off (unknown properties are per-object errors, as with
``AUTOSCHEMA_ENABLED=false``); no vectorizer modules, cross-references, tenants or multi-vectors.

    from tests.weaviate_stub import start_stub
    stub = start_stub(version="1.32.0", api_key=None)
    client = weaviate.connect_to_custom(http_host="127.0.0.1", http_port=stub.http_port, http_secure=False,
                                        grpc_host="127.0.0.1", grpc_port=stub.grpc_port, grpc_secure=False)
    ...
    stub.requests  # [("rest", "GET /v1/meta", {}), ("grpc", "Search", {...}), ...]
    stub.fail_next("BatchObjects", errors={1: "bad value"}); stub.delay(2.0)
    stub.stop()
"""

from .server import Fault, WeaviateStub, start_stub

__all__ = ["Fault", "WeaviateStub", "start_stub"]
