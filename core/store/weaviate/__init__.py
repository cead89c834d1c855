"""The Weaviate backend (:class:`~core.store.weaviate.store.WeaviateStore`); imported only when a server is used,
since it imports weaviate-client."""
