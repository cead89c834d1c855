"""Checks of the official agent arguments that have no model of their own (the store, names, unused ones)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from core.checks import check_flag, check_name as valid_name, describe
from core.errors import InvalidInputError
from core.models import GetObjectsOptions, PersonaInteraction, PersonalizationAgentGetObjectsResponse, TraceStep
from core.models.fields import check_real
from core.retrieval.vector_stage import filter_text
from core.store.base import Store
from core.store.weaviate.urls import is_weaviate_client


def store_arg(client: Store | None, store: Store | None) -> Store:
    """The store given as ``client`` (the official name, positionally) or as ``store=``."""
    if client is not None and store is not None:
        raise InvalidInputError("pass the store as client (positionally) or as store=, not both")
    store = client if client is not None else store
    if is_weaviate_client(store):  # the official agent's argument: a connected weaviate-client v4 client
        from core.store.weaviate.store import WeaviateStore
        return WeaviateStore(store)
    if store is None or not hasattr(store, "near_vectors"):
        raise InvalidInputError(f"client must be a store (e.g. EmbeddedStore(path)), got {type(store).__name__}")
    return store


def check_name(what: str, value: Any, *, optional: bool = False) -> str | None:
    """A non-empty name (a collection, a vector); None too when ``optional``."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{what} must be a {'name or None' if optional else 'collection name'}, "
                                f"got {describe(value)}")
    return valid_name(value, what)


def compat_args(agents_host: Any, timeout: Any) -> tuple[str | None, float | None]:
    """The official ``agents_host`` / ``timeout``, type-checked though unused."""
    if agents_host is not None and not isinstance(agents_host, str):
        raise InvalidInputError(f"agents_host must be a URL string or None, got {describe(agents_host)}")
    if timeout is not None:
        timeout = check_real(timeout, "timeout", positive=True, unit="of seconds")
    return agents_host, timeout


def typed_or_none(what: str, value: Any, kind: type) -> Any:
    """``value`` if it is None or a ``kind`` (e.g. a config), else an error naming ``what``."""
    if value is not None and not isinstance(value, kind):
        raise InvalidInputError(f"{what} must be a {kind.__name__} or None, got {type(value).__name__}")
    return value


def interaction_batch(interactions: Any, create_persona_if_not_exists: Any, remove_previous_interactions: Any,
                      ) -> tuple[list[PersonaInteraction], dict[tuple[UUID, UUID], int]]:
    """``add_interactions``' arguments checked: the rows to store and the (persona, item) pairs whose
    stored history they replace (by the index of the last row replacing each)."""
    if isinstance(interactions, PersonaInteraction) or not isinstance(interactions, Sequence):
        raise InvalidInputError(f"interactions must be a list of PersonaInteraction, got {type(interactions).__name__}")
    check_flag(create_persona_if_not_exists, "create_persona_if_not_exists")
    check_flag(remove_previous_interactions, "remove_previous_interactions")
    rows = list(interactions)
    replace: dict[tuple[UUID, UUID], int] = {}
    for n, it in enumerate(rows):
        if type(it) is not PersonaInteraction and not isinstance(it, PersonaInteraction):
            raise InvalidInputError(f"interactions[{n}] must be a PersonaInteraction, got {type(it).__name__}")
        if remove_previous_interactions or it.replace_previous_interactions:
            replace[(it.persona_id, it.item_id)] = n
    if replace:  # an interaction that replaces history also replaces the same pair earlier in this batch
        rows = [r for k, r in enumerate(rows) if replace.get((r.persona_id, r.item_id), k) <= k]
    return rows, replace


def with_config(response: PersonalizationAgentGetObjectsResponse, seconds: float, options: GetObjectsOptions,
                 vector_name: str | None, **configs: Any) -> PersonalizationAgentGetObjectsResponse:
    """``response`` with a first trace step ``config``: the options and configs this request ran with."""
    details = {"options": options.model_dump(mode="json"),
               "filters": filter_text(options.filters),
               "vector_name": vector_name,
               **{name: None if c is None else c.model_dump(mode="json") for name, c in configs.items()}}
    response.trace.insert(0, TraceStep(name="config", seconds=seconds, details=details))
    return response
