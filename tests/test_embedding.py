"""The embedder: catalog embedding in length-sorted chunks with progress (the same vectors as one encode
call), and the query-embedding memory (repeated texts are not embedded again)."""

from __future__ import annotations

import numpy as np

from core.io.embedding import Embedder


class CountingModel:
    """The model boundary (a SentenceTransformer) replaced by a deterministic stand-in that counts texts."""

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts, batch_size, normalize_embeddings, show_progress_bar):
        self.seen.extend(texts)
        rows = np.array([[len(t), 1.0] + [0.0] * 382 for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class CountingEmbedder(Embedder):
    """The real :class:`Embedder` with the counting model loaded in place of the network-free real one."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._model = CountingModel()

    @property
    def seen(self) -> list[str]:
        return self._model.seen


def test_repeated_queries_are_embedded_once_and_old_ones_forgotten():
    e = CountingEmbedder(cache_size=2)
    first = e.embed_queries(["ab", "abc", "ab"])
    assert sorted(e.seen) == ["ab", "abc"] and first.shape == (3, 384)
    np.testing.assert_array_equal(first[0], first[2])
    assert first[0][0] != first[1][0]  # "ab" and "abc" got their own vectors
    e.embed_queries(["abc"])
    assert sorted(e.seen) == ["ab", "abc"]
    e.embed_queries(["abcd"])  # evicts the least recently used: "ab"
    e.embed_queries(["ab"])
    assert e.seen[2:] == ["abcd", "ab"]


class TimedModel(CountingModel):
    """The counting stand-in that also records each encode call's size and batch size."""

    def __init__(self):
        super().__init__()
        self.calls: list[tuple[int, int]] = []

    def encode(self, texts, batch_size, normalize_embeddings, show_progress_bar):
        self.calls.append((len(texts), batch_size))
        return super().encode(texts, batch_size, normalize_embeddings, show_progress_bar)


def varied_texts(n: int) -> list[str]:
    rng = np.random.default_rng(0)
    return ["x" * int(k) for k in rng.integers(1, 300, n)]


def test_progress_is_reported_in_whole_batches_up_to_the_total_and_rows_keep_their_texts():
    e = CountingEmbedder(batch_size=8)
    e._model = TimedModel()
    texts = varied_texts(1000)
    seen: list[tuple[int, int]] = []
    got = e.embed(texts, progress=lambda done, total: seen.append((done, total)))
    assert len(seen) == len(e._model.calls) > 1
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (1000, 1000)
    assert {t for _, t in seen} == {1000}
    sizes = [n for n, _ in e._model.calls]
    assert all(n % 8 == 0 for n in sizes[:-1]) and sum(sizes) == 1000 and {b for _, b in e._model.calls} == {8}
    lengths = [len(t) for t in e.seen]  # longest first, as one encode call orders them
    assert lengths == sorted(lengths, reverse=True)
    want = np.array([[len(t), 1.0] + [0.0] * 382 for t in texts], dtype=np.float32)
    np.testing.assert_allclose(got, want / np.linalg.norm(want, axis=1, keepdims=True), rtol=1e-6)


def test_chunks_grow_to_the_time_they_are_given():
    fast = CountingEmbedder(batch_size=8)
    fast._model = TimedModel()
    fast.chunk_seconds = 60.0  # a stand-in model this fast fills the cap: 64 batches a chunk
    fast.embed(varied_texts(2000))
    assert [n for n, _ in fast._model.calls][1] == 8 * 64
    slow = CountingEmbedder(batch_size=8)
    slow._model = TimedModel()
    slow.chunk_seconds = 0.0  # no time at all: one batch a chunk, as before
    slow.embed(varied_texts(100))
    assert [n for n, _ in slow._model.calls] == [8] * 12 + [4]


def sample_texts(n_each: int) -> list[str]:
    from core.io.samples import load_sample
    texts = []
    for name in ("movies", "books", "workshop"):
        catalog = load_sample(name)
        for item in catalog.items[:n_each]:
            texts.append(". ".join(", ".join(map(str, v)) if isinstance(v, list) else str(v)
                                   for f in catalog.text_fields if (v := item.properties.get(f))))
    return texts


def test_the_real_model_gives_what_one_encode_call_and_the_old_chunks_give():
    e = Embedder(batch_size=16)
    texts = sample_texts(70)
    seen: list[int] = []
    e.chunk_seconds = 0.2  # several chunks even on a fast machine
    got = e.embed(texts, progress=lambda done, total: seen.append(done))
    model = e._load()
    one_call = model.encode(texts, batch_size=16, normalize_embeddings=True, show_progress_bar=False)
    old = np.concatenate([model.encode(texts[s:s + 16], batch_size=16, normalize_embeddings=True,
                                       show_progress_bar=False) for s in range(0, len(texts), 16)])
    assert got.shape == (len(texts), 384) and seen[-1] == len(texts) and len(seen) > 1
    np.testing.assert_allclose(got, one_call, atol=2e-6)
    np.testing.assert_allclose(got, old, atol=2e-5)  # the old path padded differently: last-bits differences
