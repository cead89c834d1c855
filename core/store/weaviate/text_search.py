"""``near_text`` on Weaviate: the query texts vectorized by the collection's own module (a mixin).

A user's collection may have a vectorizer module per named vector (``text2vec-openai``,
``text2vec-transformers``, ...; :attr:`CollectionSpec.server_vectorizers`). For those vectors the
query must be vectorized where the items were, by the server, so this sends ``near_text`` and the
server embeds the texts (the mean of their vectors), applies ``move_to`` / ``move_away`` (concepts
*and* objects go to the server as they are) and searches.

- **Scores** are ``1 - distance`` as the server reports it: for a cosine-indexed vector (Weaviate's
  default) exactly the cosine similarity that ``near_vectors`` scores with. They cannot be recomputed
  here from the returned vectors as ``near_vectors`` does, because the query vector never leaves
  the server; so no vectors are fetched. For another metric ``1 - distance`` keeps the server's order.
- **Filters and exclusions** as in ``near_vectors`` (``contains_none`` on >= 1.33, else over-fetch
  and drop). ``max_distance`` goes to the server as ``distance``.
- **Failures** name the module and the header its key goes in (``X-OpenAI-Api-Key`` ...: pass
  ``headers=`` when opening the store or the client; the values are never shown or stored).
- A vector without a server vectorizer (every collection a store creates) is
  :class:`~core.errors.NotAvailableError`: the engine embeds such queries itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from core.errors import InvalidInputError, NotAvailableError, StoreError
from core.store.base import Hit
from core.store.weaviate.search import check_limit, ranked

KEY_HEADERS = {
    "text2vec-openai": "X-OpenAI-Api-Key", "text2vec-azure-openai": "X-Azure-Api-Key",
    "text2vec-cohere": "X-Cohere-Api-Key", "text2vec-huggingface": "X-HuggingFace-Api-Key",
    "text2vec-jinaai": "X-JinaAI-Api-Key", "text2vec-voyageai": "X-VoyageAI-Api-Key",
    "text2vec-mistral": "X-Mistral-Api-Key", "text2vec-google": "X-Goog-Api-Key", "text2vec-palm": "X-Goog-Api-Key",
    "text2vec-nvidia": "X-NVIDIA-Api-Key", "text2vec-databricks": "X-Databricks-Token",
    "text2vec-aws": "X-AWS-Access-Key and X-AWS-Secret-Key", "multi2vec-clip": None, "text2vec-transformers": None,
}
"""The header(s) a module's API key travels in (None: a module that runs beside Weaviate, no key)."""


def key_hint(module: str) -> str:
    """What to try when ``module`` fails: the header its key goes in, if it takes one."""
    header = KEY_HEADERS.get(module, "its API key header")
    if header is None:
        return f"is the {module} module enabled and its inference service running on the server?"
    return (f"{module} may need {header} (pass headers={{...}} when opening the store or the Weaviate client; "
            "keys are sent with each request, never stored)")


def check_texts(texts: Any) -> list[str]:
    out = [texts] if isinstance(texts, str) else list(texts) if isinstance(texts, (list, tuple)) else None
    if not out or not all(isinstance(t, str) and t.strip() for t in out):
        raise InvalidInputError(f"near_text needs a text or a list of non-empty texts, got {texts!r}")
    return out


def to_move(move: Any, what: str) -> Any:
    """A ``Movement`` (force, concepts, objects) or a weaviate ``Move`` as the ``Move`` to send; None when it
    moves nothing."""
    if move is None:
        return None
    from weaviate.classes.query import Move
    force = getattr(move, "force", None)
    concepts, objects = (_listed(move, part) for part in ("concepts", "objects"))
    if isinstance(force, bool) or not isinstance(force, (int, float)) or not math.isfinite(force) or force < 0 \
            or (what == "move_to" and force > 1):
        raise InvalidInputError(f"{what} force must be a number in {'[0, 1]' if what == 'move_to' else '[0, inf)'}, "
                                f"got {force!r}")
    if force == 0 or not (concepts or objects):
        return None
    return Move(force=float(force), concepts=concepts or None, objects=objects or None)


def _listed(move: Any, part: str) -> list[str]:
    """A move's concepts or objects: a ``Movement``'s tuples, or weaviate ``Move``'s ``_concepts_list`` ..."""
    values = getattr(move, part, None) or getattr(move, f"_{part}_list", None) or ()
    return [values] if isinstance(values, str) else [str(v) for v in values]


class TextSearch:
    """``near_text`` of the Weaviate store (see the module docstring)."""

    def near_text(self, collection: str, texts: str | Sequence[str], limit: int, *, filters: Any = None,
                  exclude: Iterable[UUID] = (), vector_name: str | None = None, move_to: Any = None,
                  move_away: Any = None, max_distance: float | None = None) -> list[Hit]:
        """The top ``limit`` items for ``texts``, vectorized by the server's module for ``vector_name``."""
        from weaviate.classes.query import MetadataQuery
        from weaviate.exceptions import WeaviateBaseError
        physical = self._physical(collection)
        spec = self._spec_of(collection, physical)
        name, _ = spec.vector(vector_name)
        module = spec.server_vectorizer(name)
        if module is None:
            raise NotAvailableError(f"vector {name!r} of collection {collection!r} has no vectorizer on the server; "
                                    "search it with near_vectors (the engine embeds the text)")
        query, limit = check_texts(texts), check_limit(limit)
        moves = to_move(move_to, "move_to"), to_move(move_away, "move_away")
        if max_distance is not None and (isinstance(max_distance, bool) or not isinstance(max_distance, (int, float))
                                         or not math.isfinite(max_distance) or max_distance < 0):
            raise InvalidInputError(f"max_distance must be a number >= 0, got {max_distance!r}")
        sent, extra, excluded = self._narrowed(filters, exclude)
        try:
            found = self._handle(physical).query.near_text(
                query=query, target_vector=None if self._legacy(physical) else name, move_to=moves[0],
                move_away=moves[1], distance=max_distance, filters=sent, limit=limit + extra, return_properties=[],
                return_metadata=MetadataQuery(distance=True)).objects
        except WeaviateBaseError as exc:
            raise StoreError(f"Weaviate could not run near_text on {collection!r} (vector {name!r} is vectorized by "
                             f"the server's {module}): {exc}; {key_hint(module)}") from exc
        scores = {UUID(str(o.uuid)): 1.0 - float(o.metadata.distance) for o in found}
        return ranked({u: s for u, s in scores.items() if u not in excluded}, limit)
