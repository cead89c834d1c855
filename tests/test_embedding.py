"""The query-embedding memory: repeated texts are not embedded again."""

from __future__ import annotations

import numpy as np

from core.io.embedding import Embedder


class CountingEmbedder(Embedder):
    """The model boundary replaced by a deterministic stand-in that counts the texts it embeds."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.seen: list[str] = []

    def embed(self, texts, progress=None):
        self.seen.extend(texts)
        return np.array([[len(t), 1.0] + [0.0] * 382 for t in texts], dtype=np.float32)


def test_repeated_queries_are_embedded_once_and_old_ones_forgotten():
    e = CountingEmbedder(cache_size=2)
    first = e.embed_queries(["ab", "abc", "ab"])
    assert e.seen == ["ab", "abc"] and first.shape == (3, 384) and first[0][0] == first[2][0] == 2
    e.embed_queries(["abc"])
    assert e.seen == ["ab", "abc"]
    e.embed_queries(["abcd"])  # evicts the least recently used: "ab"
    e.embed_queries(["ab"])
    assert e.seen == ["ab", "abc", "abcd", "ab"]
