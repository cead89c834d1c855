"""The query-embedding memory: repeated texts are not embedded again."""

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
    assert e.seen == ["ab", "abc"] and first.shape == (3, 384)
    np.testing.assert_array_equal(first[0], first[2])
    assert first[0][0] != first[1][0]  # "ab" and "abc" got their own vectors
    e.embed_queries(["abc"])
    assert e.seen == ["ab", "abc"]
    e.embed_queries(["abcd"])  # evicts the least recently used: "ab"
    e.embed_queries(["ab"])
    assert e.seen == ["ab", "abc", "abcd", "ab"]
