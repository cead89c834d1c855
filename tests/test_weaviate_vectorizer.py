"""A user's collection with a vectorizer module: query texts are vectorized by the server, never by the engine.

On the stub's ``text2vec-transformers`` stand-in (the real all-MiniLM-L6-v2 behind it). Expected numbers are
computed here by hand from the model's embeddings (mean, Weaviate's move formula, cosine), independently of
both the stub's and the engine's code.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import NotAvailableError, Persona, PersonaInteraction, StoreError, to_uuid
from core.errors import InvalidInputError
from core.store.base import CollectionSpec
from core.store.weaviate.store import WeaviateStore

from .weaviate_stub import start_stub
from .weaviate_stub.fixture import connect

pytestmark = pytest.mark.integration  # a server on 127.0.0.1 (the Weaviate stub): not in the fast suite

BOOKS = {  # uuid name -> (title, blurb)
    "dragon": ("The dragon's hoard", "wizards and knights on a fantasy quest"),
    "stars": ("Starship dawn", "a space opera of galactic empires and starships"),
    "pasta": ("Pasta every night", "italian recipes and cooking for dinner"),
    "bakery": ("The little bakery", "baking bread and cakes at home"),
    "mars": ("Red planet", "astronauts survive on mars"),
    "elves": ("Forest of elves", "magic, elves and an ancient sword"),
}
MODULE_TRACE = "weaviate (text2vec-transformers)"


class RefusingEmbedder:
    """The engine's text model stand-in that fails when used: proves no query was embedded client-side."""

    name, dims = "refusing-model", 384

    def embed_queries(self, texts):
        raise AssertionError(f"the engine embedded {texts!r}; the server should have")

    embed = embed_queries


def uid(name: str):
    return to_uuid(f"book-{name}")


@pytest.fixture(scope="module")
def model():
    from core.io.embedding import Embedder
    return Embedder()


@pytest.fixture(scope="module")
def stub():
    from .weaviate_stub.vectorize import MODULE, embed
    embed(MODULE, ["warm up"], {})  # load the stub's model now, not inside a request's 10 s deadline
    server = start_stub("1.33.0")
    yield server
    server.stop()


@pytest.fixture
def client(stub):
    stub.reset()
    c = connect(stub)
    yield c
    c.close()


def _books(client, vectorizer=None, vectors=None) -> None:
    from weaviate.classes.config import Configure, DataType, Property
    from weaviate.classes.data import DataObject
    client.collections.create("Books", properties=[Property(name="title", data_type=DataType.TEXT),
                                                   Property(name="blurb", data_type=DataType.TEXT)],
                              vector_config=[vectorizer or Configure.Vectors.text2vec_transformers(name="text")])
    client.collections.get("Books").data.insert_many([  # no vectors: the module makes them
        DataObject(uuid=uid(n), properties={"title": t, "blurb": b},
                   vector=None if vectors is None else {"text": vectors[n].tolist()})
        for n, (t, b) in BOOKS.items()])


def _doc_vectors(model) -> dict:
    """What the stub documents it embeds an object from: its text properties joined by spaces."""
    return dict(zip(BOOKS, model.embed([f"{t} {b}" for t, b in BOOKS.values()])))


def _cosines(query: np.ndarray, docs: dict) -> dict:
    q = query / np.linalg.norm(query)
    return {uid(n): float(v @ q / np.linalg.norm(v)) for n, v in docs.items()}


def _step(response, name: str) -> dict:
    return next(s.details for s in response.trace if s.name == name)


def _agent(client, stub, reader: str = "reader", likes: tuple[str, ...] = (), **options):
    """The agent on Books, one persona (who liked ``likes``), and the stub's request log cleared."""
    from core import PersonalizationAgent
    agent = PersonalizationAgent.create(client=client, reference_collection="Books", vector_name="text", **options)
    pid = to_uuid(reader)
    agent.add_persona(Persona(persona_id=pid, properties={}))
    if likes:
        agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=uid(n), weight=1.0) for n in likes])
    stub.clear()
    return agent, pid


def test_the_spec_says_which_vectors_the_server_vectorizes(client):
    _books(client)
    store = WeaviateStore(client)
    spec = store.get_collection("Books")
    assert spec.server_vectorizers == {"text": "text2vec-transformers"}
    assert spec.server_vectorizer(None) == "text2vec-transformers"
    store.create_collection(CollectionSpec(name="Own", dims=3))
    assert store.get_collection("Own").server_vectorizers == {}  # a store's own collection holds the engine's vectors
    with pytest.raises(InvalidInputError, match="self-provided vectors only"):
        store.create_collection(CollectionSpec(name="Other", dims=3, server_vectorizers={"default": "text2vec-openai"}))
    with pytest.raises(NotAvailableError, match="no vectorizer on the server"):
        store.near_text("Own", "anything", 3)
    store.close()


def test_query_near_text_goes_to_the_server_with_its_moves(client, stub, model):
    from weaviate.classes.query import Move
    _books(client)
    agent, pid = _agent(client, stub, embedder=RefusingEmbedder())
    got = agent.query(pid, strength=0.0).near_text("dragons and wizards", limit=6,
                                                    move_away=Move(force=0.5, concepts=["cooking"]))
    (sent,) = [p["near_text"] for p in stub.payloads("Search") if "near_text" in p]
    assert sent["query"] == ["dragons and wizards"] and sent["targets"]["target_vectors"] == ["text"]
    assert sent["move_away"]["concepts"] == ["cooking"] and sent["move_away"]["force"] == 0.5
    assert not [p for p in stub.payloads("Search") if "near_vector" in p]
    assert _step(got, "search")["vectorized_by"] == MODULE_TRACE
    q, t = model.embed(["dragons and wizards", "cooking"]).astype(np.float64)
    expected = _cosines(q + 0.25 * (q - t), _doc_vectors(model))  # Weaviate's moveAwayFrom, m = 0.5
    assert [o.uuid for o in got.objects] == sorted(expected, key=lambda u: -expected[u])
    hits = agent.store.near_text("Books", ["dragons and wizards"], 6, move_away=Move(force=0.5, concepts=["cooking"]))
    assert {h.uuid: h.score for h in hits} == pytest.approx(expected, abs=1e-5)  # 1 - the server's cosine distance


def test_move_to_objects_and_several_texts_are_combined_like_weaviate(client, model):
    from core.models import Movement
    _books(client)
    store = WeaviateStore(client)
    hits = store.near_text("Books", ["bread", "pasta"], 6, move_to=Movement(force=1.0, objects=(uid("mars"),)),
                           exclude=[uid("bakery")])
    docs = _doc_vectors(model)
    q = model.embed(["bread", "pasta"]).astype(np.float64).mean(axis=0)
    expected = _cosines(q * 0.5 + docs["mars"] * 0.5, docs)  # moveTo with force 1: halfway to the object
    del expected[uid("bakery")]
    assert [h.uuid for h in hits] == sorted(expected, key=lambda u: -expected[u])
    assert {h.uuid: h.score for h in hits} == pytest.approx(expected, abs=1e-5)
    store.close()


def test_agent_ranking_searches_and_instruction_similarity_run_on_the_server(client, stub, model):
    _books(client)
    agent, pid = _agent(client, stub, "spacefan", likes=("stars",), embedder=RefusingEmbedder())
    got = agent.get_objects(pid, limit=3, use_agent_ranking=True, instruction="life on another planet")
    steps = {s.name: s.details for s in got.trace}
    planned = [s for s in steps["searches"]["searches"] if s["method"] != "bm25"]
    assert planned and all(s["vectorized_by"] == MODULE_TRACE for s in planned)
    texts = [p for p in stub.payloads("Search") if "near_text" in p]
    moved = [p for p in texts if "move_to" in p["near_text"]]
    assert moved and moved[0]["near_text"]["move_to"]["uuids"] == [str(uid("stars"))]  # toward_likes, server-side
    restricted = texts[-1]  # the instruction's similarity: one near_text over the pool's ids
    ids = restricted["filters"]["value_text_array"]["values"]
    assert restricted["near_text"]["query"] == ["life on another planet"] and restricted["limit"] == len(ids)
    info = steps["instruction"]
    assert (info["vectorized_by"], info["requests"], info["restricted_to"]) == (MODULE_TRACE, 1, len(ids))
    expected = _cosines(model.embed(["life on another planet"])[0], _doc_vectors(model))
    assert got.objects and {o.uuid for o in got.objects} <= {to_uuid(i) for i in ids}
    for o in got.objects:
        assert o.signals["instruction_similarity"] == pytest.approx(expected[o.uuid], abs=1e-5)


def test_hybrid_is_one_native_request_with_no_vector_so_the_server_embeds_the_query(client, stub, model):
    _books(client)
    agent, pid = _agent(client, stub, embedder=RefusingEmbedder())
    got = agent.query(pid, strength=0.0).hybrid("wizards quest", alpha=1.0, limit=6)
    (h,) = [p["hybrid_search"] for p in stub.payloads("Search") if "hybrid_search" in p]
    assert not [p for p in stub.payloads("Search") if "near_text" in p or "near_vector" in p or "bm25_search" in p]
    assert h["query"] == "wizards quest" and "vector_bytes" not in h and "near_vector" not in h
    assert h["targets"]["target_vectors"] == ["text"]
    details = _step(got, "search")
    assert (details["fused_by"], details["vectorized_by"]) == ("weaviate", MODULE_TRACE)
    expected = _cosines(model.embed(["wizards quest"])[0], _doc_vectors(model))  # alpha 1: the vector part only
    assert [o.uuid for o in got.objects] == sorted(expected, key=lambda u: -expected[u])


def test_a_collection_without_a_vectorizer_keeps_the_engines_model(client, stub, model):
    from weaviate.classes.config import Configure
    _books(client, Configure.Vectors.self_provided(name="text"), _doc_vectors(model))
    agent, pid = _agent(client, stub)
    assert agent.store.get_collection("Books").server_vectorizers == {}
    got = agent.query(pid, strength=0.0).near_text("dragons and wizards", limit=2)
    sent = [p for p in stub.payloads("Search") if p.get("collection") == "Books"]
    assert any("near_vector" in p for p in sent) and not any("near_text" in p for p in sent)
    assert _step(got, "search")["vectorized_by"] == "engine (sentence-transformers/all-MiniLM-L6-v2)"
    assert [o.uuid for o in got.objects] == [uid("dragon"), uid("elves")]


def test_a_module_the_server_cannot_run_is_a_clear_error_naming_it_and_its_header(stub, model):
    from weaviate.classes.config import Configure
    rng = np.random.default_rng(0)
    vectors = {n: rng.normal(size=1536) for n in BOOKS}  # text2vec-openai's size; no OpenAI here
    for headers, server_says in ((None, "no api key found neither in request header"),
                                 ({"X-OpenAI-Api-Key": "sk-test-not-a-key"}, "not available in this test stub")):
        stub.reset()
        client = connect(stub, headers=headers)
        _books(client, Configure.Vectors.text2vec_openai(name="text"), vectors)
        agent, pid = _agent(client, stub, embedder=RefusingEmbedder())
        assert agent.store.get_collection("Books").server_vectorizers == {"text": "text2vec-openai"}
        with pytest.raises(StoreError) as caught:
            agent.query(pid).near_text("anything")
        message = str(caught.value)
        assert server_says in message and "text2vec-openai" in message and "X-OpenAI-Api-Key" in message
        assert "sk-test-not-a-key" not in message  # the header's value is never shown
        (sent,) = [p["near_text"] for p in stub.payloads("Search") if "near_text" in p]
        assert sent["query"] == ["anything"] and sent["targets"]["target_vectors"] == ["text"]
        client.close()
