"""Collections of the Weaviate store: create, describe, list, delete, stage and publish (a mixin).

A name the caller uses (``"Movies"``) is resolved to a *physical* collection: an alias of that name
(servers >= 1.32) or, on older servers, a ``pointer`` meta record, else the collection of that name
(kept between reads, see :mod:`core.store.weaviate.cache`). Staging builds a catalog under a private
physical name (``Movies_staged_<hex>``) with its side collections; publishing repoints the alias (or
pointer) in one request, so readers see the old catalog or the whole new one, and then deletes the old
physical collections. Weaviate cannot rename a collection: when ``name`` is a plain collection rather than an alias, publishing over it deletes it
first and then creates the alias — a short window in which ``name`` does not exist. A process killed
while staging leaves its ``*_staged_<hex>`` collections behind (hidden from ``list_collections``;
the embedded store drops such leftovers on open, this store cannot tell a dead builder from a slow
one): delete them with the Weaviate client.
"""

from __future__ import annotations

from typing import Any

from core.checks import describe
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from core.store.base import CollectionSpec
from core.store.weaviate import names
from core.store.weaviate.cache import Stale
from core.store.inputs import check_new_spec
from core.store.weaviate.schema import (bookkeeping_properties, config_vectorizers, config_vectors, new_property,
                                        text_properties, user_property_type)


def spec_payload(spec: CollectionSpec) -> dict:
    return {"dims": spec.dims, "text_fields": list(spec.text_fields), "vector_name": spec.vector_name,
            "user_properties": dict(spec.user_properties), "embedding_model": spec.embedding_model,
            "vectors": dict(spec.vectors)}


class Catalogs:
    """The collection methods of the store protocol over Weaviate (see the module docstring)."""

    _client: Any
    _prefix: str

    # names -----------------------------------------------------------------------------------
    def _server_name(self, name: str) -> str:
        return self._prefix + names.class_name(name)

    def _published(self) -> dict[str, str]:
        """Published name -> physical collection, for every alias (or pointer record) of this store."""
        if self._aliases:
            return {a: r.collection for a, r in self._client.alias.list_all().items() if a.startswith(self._prefix)}
        return {key: payload["target"] for _, key, payload in self._meta.all_of("pointer")}

    def _target(self, server: str) -> str | None:
        if self._aliases:
            found = self._client.alias.get(alias_name=server)
            return None if found is None else found.collection
        record = self._meta.get("pointer", "", server)
        return None if record is None else record[0]["target"]

    def _physical(self, name: str) -> str:
        """The physical collection ``name`` stands for; :class:`NotFoundError` if none."""
        return self._caches.name(self._server_name(name), self._resolve)

    def _resolve(self, server: str) -> str:
        target = self._target(server)
        if target is not None:
            return target
        if self._client.collections.exists(server) and not (names.is_staged(server) and server in
                                                            self._published().values()):
            return server
        raise NotFoundError(f"collection {server[len(self._prefix):]!r} does not exist; existing: "
                            f"{self.list_collections()}")

    # collections -------------------------------------------------------------------------------
    def create_collection(self, spec: CollectionSpec) -> None:
        self._create(spec, staged=False)

    def _create(self, spec: CollectionSpec, *, staged: bool) -> None:
        from weaviate.classes.config import Configure, VectorDistances
        check_new_spec(spec)
        server = self._server_name(spec.name)
        for vector in spec.vectors:
            names.vector_name(vector)
        if self._client.collections.exists(server) or self._target(server) is not None:
            raise AlreadyExistsError(f"collection {spec.name!r} already exists")
        hnsw = Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE)
        made = []
        try:
            self._client.collections.create(
                server, description=f"catalog {spec.name} (personalization agent)",
                properties=bookkeeping_properties(),
                vector_config=[Configure.Vectors.self_provided(name=v, vector_index_config=hnsw) for v in spec.vectors])
            made.append(server)
            made += self._create_sides(server, spec.user_properties)
            self._meta.put("collection", server, {"spec": spec_payload(spec), "agent": False, "settings": {},
                                                  "staged": staged, "owned": True})
        except BaseException:
            for name in made:
                self._client.collections.delete(name)
            raise
        self._forget(server)
        self._caches.forget(server)

    def _create_sides(self, physical: str, user_properties: dict[str, str]) -> list[str]:
        """Create the personas and interactions collections of ``physical`` that are missing."""
        from weaviate.classes.config import Configure, DataType, Property
        made = []
        personas = names.side(physical, names.PERSONAS)
        if not self._client.collections.exists(personas):
            typed = [new_property(k, t) for k, v in user_properties.items()
                     if (t := user_property_type(v)) is not None and k not in ("pa_json", "pa_seq", "pa_background")]
            self._client.collections.create(personas, description=f"personas of {physical}", properties=[
                *bookkeeping_properties(), Property(name="pa_background", data_type=DataType.BOOL), *typed],
                vector_config=Configure.Vectors.self_provided())
            made.append(personas)
        interactions = names.side(physical, names.INTERACTIONS)
        if not self._client.collections.exists(interactions):
            self._client.collections.create(interactions, description=f"interactions with {physical}", properties=[
                Property(name="persona", data_type=DataType.UUID), Property(name="item", data_type=DataType.UUID),
                Property(name="weight", data_type=DataType.NUMBER),
                Property(name="created_at", data_type=DataType.NUMBER),
                Property(name="seq", data_type=DataType.INT)], vector_config=Configure.Vectors.self_provided())
            made.append(interactions)
        return made

    def get_collection(self, name: str) -> CollectionSpec:
        physical = self._physical(name)
        return self._spec_of(name, physical)

    def _spec_of(self, name: str, physical: str) -> CollectionSpec:
        record = self._meta.get("collection", physical)
        payload, version = record if record is not None else ({}, "")
        cached = self._specs.get(physical)
        if cached is not None and cached[0] == version and cached[1].name == name:
            return cached[1]
        if record is None and cached is not None and cached[2] and self._caches.reading:
            raise Stale(f"{physical} lost its record")  # replaced by another process: resolve the name again
        owned = bool(payload.get("spec"))
        if owned:
            s = payload["spec"]
            spec = CollectionSpec(name=name, dims=s["dims"], text_fields=tuple(s["text_fields"]),
                                  vector_name=s["vector_name"], user_properties=s["user_properties"],
                                  embedding_model=s["embedding_model"], vectors=s["vectors"])
        else:
            spec = self._derived_spec(name, physical, payload)
        self._specs[physical] = (version, spec, owned)
        return spec

    def _derived_spec(self, name: str, physical: str, payload: dict) -> CollectionSpec:
        """A user's own collection as a spec: from its config and one stored object's vectors."""
        collection = self._client.collections.get(physical)
        config = collection.config.get()
        vectors = config_vectors(config)
        found = collection.query.fetch_objects(limit=1, include_vector=True).objects
        if not found:
            raise InvalidInputError(f"collection {name!r} holds no object yet, so its vectors' dimensions are unknown; "
                                    "add items first (or create it with create_collection)")
        stored = found[0].vector or {}
        dims = {v: len(stored[v]) for v in vectors if stored.get(v)}
        if not dims:
            raise InvalidInputError(f"collection {name!r} has no vectors on its objects; the agent needs one")
        agent = payload.get("agent_config") or {}
        return CollectionSpec(name=name, dims=next(iter(dims.values())), text_fields=text_properties(config),
                              vector_name=agent.get("vector_name"), user_properties=agent.get("user_properties", {}),
                              vectors=dims, server_vectorizers={v: m for v, m in config_vectorizers(config).items()
                                                                if v in dims})

    def has_collection(self, name: str) -> bool:
        try:
            self._physical(name)
        except NotFoundError:
            return False
        return True

    def list_collections(self) -> list[str]:
        collections = set(self._client.collections.list_all(simple=True))
        return names.visible(self._prefix, collections, self._published())

    def delete_collection(self, name: str) -> None:
        physical = self._physical(name)
        server = self._server_name(name)
        if server != physical:
            self._unpublish(server)
        self._drop(physical)

    def _drop(self, physical: str) -> None:
        """Delete a physical catalog with its side collections and meta records."""
        existing = set(self._client.collections.list_all(simple=True))
        for other in sorted(existing):
            if other == physical or names.is_side(other, {physical}):
                self._client.collections.delete(other)
        for _, key, _ in [r for r in self._meta.all_of("learned") if r[0] == physical]:
            self._meta.delete("learned", physical, key)
        self._meta.delete("collection", physical)
        self._forget(physical)
        self._caches.forget(physical)

    def _unpublish(self, server: str) -> None:
        if self._aliases:
            self._client.alias.delete(alias_name=server)
        else:
            self._meta.delete("pointer", "", server)

    def stage_collection(self, spec: CollectionSpec) -> str:
        from dataclasses import replace
        staged = names.staged_name(spec.name)
        self._create(replace(spec, name=staged), staged=True)
        return staged

    def publish_collection(self, staged: str, name: str, *, replace: bool = False) -> None:
        server, physical = self._server_name(name), self._server_name(staged)
        record = self._meta.get("collection", physical) if names.is_staged(staged) else None
        if record is None or not record[0].get("staged") or not self._client.collections.exists(physical):
            raise NotFoundError(f"no staged collection {staged!r} (published or discarded already?); "
                                "nothing was published")
        old = self._target(server)
        plain = old is None and self._client.collections.exists(server)
        if (old is not None or plain) and not replace:
            raise AlreadyExistsError(f"collection {name!r} already exists; pass replace=True to overwrite it")
        payload = dict(record[0], staged=False)
        self._meta.put("collection", physical, payload)
        if plain:
            self._drop(server)  # Weaviate cannot rename: the one window where `name` is missing
        if self._aliases:
            if old is None:
                self._client.alias.create(alias_name=server, target_collection=physical)
            else:
                self._client.alias.update(alias_name=server, new_target_collection=physical)
        else:
            self._meta.put("pointer", "", {"target": physical}, server)
        if old is not None:
            self._drop(old)
        self._forget(physical)
        self._caches.forget(physical)

    # agent config and settings ------------------------------------------------------------------
    def set_agent_config(self, name: str, *, user_properties: dict[str, str], vector_name: str | None) -> None:
        if not isinstance(user_properties, dict):
            raise InvalidInputError(f"user_properties must be a dict, got {type(user_properties).__name__}")
        physical = self._physical(name)
        spec = self._spec_of(name, physical)
        spec.vector(vector_name)  # an unknown vector name is an error here, not later
        payload = (self._meta.get("collection", physical) or ({}, ""))[0]
        self._create_sides(physical, user_properties)
        self._add_persona_properties(physical, user_properties)
        if payload.get("spec"):
            payload["spec"].update(user_properties=dict(user_properties), vector_name=vector_name)
        else:
            payload["agent_config"] = {"user_properties": dict(user_properties), "vector_name": vector_name}
        self._meta.put("collection", physical, {**payload, "agent": True})
        self._forget(physical)

    def _add_persona_properties(self, physical: str, user_properties: dict[str, str]) -> None:
        personas = self._client.collections.get(names.side(physical, names.PERSONAS))
        have = {p.name for p in personas.config.get().properties}
        for key, kind in user_properties.items():
            if key not in have and (t := user_property_type(kind)) is not None and names.LEARNED_NAME.match(key):
                personas.config.add_property(new_property(key, t))

    def has_agent(self, name: str) -> bool:
        try:
            physical = self._physical(name)
        except NotFoundError:
            return False
        record = self._meta.get("collection", physical)
        return bool(record and record[0].get("agent"))

    def collection_settings(self, name: str) -> dict[str, Any]:
        record = self._meta.get("collection", self._physical(name))
        return dict(record[0].get("settings") or {}) if record else {}

    def update_collection_settings(self, name: str, values: Any) -> None:
        from collections.abc import Mapping

        from core.store.inputs import to_json
        if not isinstance(values, Mapping) or not all(isinstance(k, str) and k for k in values):
            raise InvalidInputError(f"collection settings must map non-empty names to JSON values, got {describe(values)}")
        to_json(dict(values), "collection settings")
        physical = self._physical(name)
        payload = (self._meta.get("collection", physical) or ({}, ""))[0]
        merged = {**(payload.get("settings") or {}), **values}
        payload["settings"] = {k: v for k, v in merged.items() if v is not None}
        self._meta.put("collection", physical, payload)
        self._forget(physical)
