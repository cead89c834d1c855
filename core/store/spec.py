"""What a collection is (:class:`CollectionSpec`) and what a backend can do (:class:`Capabilities`).

Part of the store protocol (:mod:`core.store.base` re-exports both). A spec is checked when it is
built, so a store never writes a half-valid one: the name is printable text, ``text_fields`` a
tuple of names (a bare string is not taken letter by letter), every dimension a positive integer
(``True`` is not 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.checks import check_name, describe
from core.errors import InvalidInputError

DEFAULT_VECTOR = "default"
"""The name of a collection's vector when it has a single unnamed one (Weaviate's name for it too)."""


@dataclass(frozen=True)
class Capabilities:
    """What a backend supports, for the engine and the lab to ask instead of assuming."""

    filter_operators: frozenset[str]
    """Filter operators it evaluates (weaviate ``_Operator`` names: ``"Equal"``, ``"Like"``, ...)."""
    filter_targets: frozenset[str] = frozenset({"property", "id"})
    """What filters may address: ``"property"``, ``"id"``, ``"reference"``, ``"creation_time"``, ..."""
    bm25: bool = True
    named_vectors: bool = True
    exact_search: bool = True
    """True when vector search is exact (no ANN approximation)."""
    native_hybrid: bool = False
    """True when the backend fuses a hybrid search itself, in one request (Weaviate); False: the engine fuses the
    store's near_vectors and bm25 (:mod:`core.store.hybrid`)."""
    boost: bool = False
    """True when ``near_vectors`` and ``bm25`` take a weaviate ``Boost`` (Weaviate >= 1.38 rescores on the server)."""


@dataclass(frozen=True)
class CollectionSpec:
    """A catalog collection and the agent configuration attached to it."""

    name: str
    dims: int
    """Dimensions of the default (first) vector."""
    text_fields: tuple[str, ...] = ()
    vector_name: str | None = None
    """The vector the agent attached to this collection ranks with (None: the default)."""
    user_properties: dict[str, str] = field(default_factory=dict)
    embedding_model: str | None = None
    vectors: Mapping[str, int] | None = None
    """Named vectors and their dimensions, the default first; None means ``{"default": dims}``."""
    server_vectorizers: Mapping[str, str] = field(default_factory=dict)
    """Vector name -> the server module that vectorizes text for it (``{"text": "text2vec-openai"}``).

    Filled by the Weaviate store for a user's own collection from its config (vectors configured
    "none" / self-provided are left out); empty for every collection a store creates (they hold the
    engine's vectors) and on every other backend. Not persisted: read from the server each time, so
    specs stored before this field existed load unchanged.
    """

    def __post_init__(self) -> None:
        check_name(self.name, "collection name")
        if isinstance(self.text_fields, str) or not isinstance(self.text_fields, (list, tuple)):
            raise InvalidInputError(f"text_fields must be a list of property names, got {describe(self.text_fields)}")
        object.__setattr__(self, "text_fields", tuple(check_name(f, "text field") for f in self.text_fields))
        for what in ("vector_name", "embedding_model"):
            if getattr(self, what) is not None:
                check_name(getattr(self, what), what)
        if not isinstance(self.user_properties, dict):
            raise InvalidInputError(f"user_properties must be a dict, got {describe(self.user_properties)}")
        vectors = dict(self.vectors) if self.vectors else {DEFAULT_VECTOR: self.dims}
        for name, dims in vectors.items():
            if not isinstance(name, str) or not name or isinstance(dims, bool) or not isinstance(dims, int) \
                    or dims <= 0:
                raise InvalidInputError(f"named vectors must map non-empty names to positive dimensions, "
                                        f"got {describe(name)}: {describe(dims)}")
        if next(iter(vectors.values())) != self.dims:
            raise InvalidInputError(f"dims ({describe(self.dims)}) must equal the first named vector's dimensions "
                                    f"({vectors})")
        object.__setattr__(self, "vectors", vectors)
        modules = dict(self.server_vectorizers or {})
        for name, module in modules.items():
            if name not in vectors or not isinstance(module, str) or not module.strip():
                raise InvalidInputError(f"server_vectorizers must map vector names of this collection "
                                        f"({list(vectors)}) to module names, got {describe(name)}: {describe(module)}")
        object.__setattr__(self, "server_vectorizers", modules)

    @property
    def default_vector(self) -> str:
        return next(iter(self.vectors))

    def vector(self, vector_name: str | None) -> tuple[str, int]:
        """The name and dimensions of ``vector_name`` (None: the default); an unknown name is an error."""
        name = self.default_vector if vector_name is None else vector_name
        if name not in self.vectors:
            raise InvalidInputError(f"collection {self.name!r} has no vector named {describe(vector_name)}; "
                                    f"named vectors: {list(self.vectors)}")
        return name, self.vectors[name]

    def server_vectorizer(self, vector_name: str | None) -> str | None:
        """The server module that vectorizes text for ``vector_name`` (None: the default), or None."""
        return self.server_vectorizers.get(self.vector(vector_name)[0])
