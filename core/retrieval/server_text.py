"""Who vectorizes a query text: the collection's server module, or the engine's own model.

A user's Weaviate collection may have a vectorizer module for a vector
(:attr:`core.store.spec.CollectionSpec.server_vectorizers`); its items were embedded by that module, so
a query text must be too (``Store.near_text``): the engine's model would put it in another space
(or refuse on a dimension mismatch). Every other vector holds the engine's embeddings, and the
engine embeds the text itself. This is the one place that decision is made; every text search
asks :func:`server_vectorizer` and records :func:`vectorized_by` in its trace.
"""

from __future__ import annotations

from typing import Any

from core.store.base import Store


def server_vectorizer(store: Store, collection: str, vector_name: str | None) -> str | None:
    """The module the server vectorizes ``vector_name`` of ``collection`` with, or None (the engine embeds)."""
    return store.get_collection(collection).server_vectorizer(vector_name)


def vectorized_by(module: str | None, embedder: Any) -> str:
    """The trace's ``vectorized_by``: ``"weaviate (<module>)"`` or ``"engine (<model>)"``."""
    return f"weaviate ({module})" if module else f"engine ({getattr(embedder, 'name', 'text model')})"
