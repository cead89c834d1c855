"""The CLI on Weaviate: ``--db http://...`` runs every command on a Weaviate server (the real
weaviate-client against the stub of ``tests/weaviate_stub``), the API key from ``$WEAVIATE_API_KEY``."""

from __future__ import annotations

import json

import pytest

from core.cli import main

from .weaviate_stub import start_stub

pytestmark = pytest.mark.integration


@pytest.fixture
def stub():
    server = start_stub(version="1.33.0", api_key="cli-key")
    yield server
    server.stop()


def runner(url: str, capsys):
    def run(*args: str):
        code = main(["--db", url, *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err
    return run


def test_load_a_sample_make_a_persona_and_recommend_on_weaviate(stub, capsys, monkeypatch):
    monkeypatch.setenv("WEAVIATE_API_KEY", "cli-key")
    run = runner(f"http://127.0.0.1:{stub.http_port}?grpc_port={stub.grpc_port}", capsys)
    code, out, err = run("load-sample", "workshop")
    assert code == 0, err
    assert run("collections")[1].count("Workshop") >= 1
    assert run("persona", "create", "ann")[0] == 0
    assert run("interact", "ann", "cacio-e-pepe", "1.0")[0] == 0
    code, out, err = run("--json", "recommend", "ann", "--limit", "5", "--where", "course=main")
    assert code == 0, err
    objects = json.loads(out)["objects"]
    assert len(objects) == 5 and all(o["properties"]["course"] == "main" for o in objects)
    assert "cacio-e-pepe" not in {o["properties"].get("original_id") for o in objects}  # seen: excluded
    code, out, err = run("--json", "search", "ann", "lemon", "--mode", "bm25", "--limit", "3")
    assert code == 0, err
    hits = json.loads(out)["objects"]
    assert hits and all("lemon" in json.dumps(h["properties"]).lower() for h in hits)
    sent = {name for _, name, _ in stub.requests}
    assert {"POST /v1/schema", "BatchObjects", "Search"} <= sent  # the work ran on the server
    assert all("cli-key" not in json.dumps(p) for _, _, p in stub.requests)


def test_a_wrong_key_and_a_dead_server_are_errors_naming_the_url(stub, capsys, monkeypatch):
    url = f"http://127.0.0.1:{stub.http_port}?grpc_port={stub.grpc_port}"
    monkeypatch.setenv("WEAVIATE_API_KEY", "not-the-key")
    code, _, err = runner(url, capsys)("collections")
    assert code == 2 and "127.0.0.1" in err and "not-the-key" not in err
    monkeypatch.delenv("WEAVIATE_API_KEY")
    code, _, err = runner("http://127.0.0.1:9?grpc_port=10", capsys)("collections")
    assert code == 2 and "refused" in err.lower()
