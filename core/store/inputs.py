"""Backend-neutral checks of what a write stores (vectors, properties, interaction weights and times) and of
what a search is asked (query vectors, limits).

Every store validates its whole input with these before its first write or request, so a bad value is an
error naming it and nothing is stored or sent (the embedded store and the Weaviate store share them).
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

import numpy as np

from core.checks import describe, is_flat_plain, plain_json
from core.errors import InvalidInputError, NotAvailableError
from core.models import Item
from core.models.fields import EARLIEST, LATEST
from core.store.base import CollectionSpec, InteractionRow


def _encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, allow_nan=False)`` for plain values (:func:`core.checks.plain_json`'s
    output or a dict :func:`core.checks.is_flat_plain` passed: never circular), through one C encoder made once:
    ``JSONEncoder.encode`` makes a new one per call, half of what a bulk import spent encoding properties."""
    plain = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
    if c_make_encoder is None:  # a Python without the C accelerator
        return plain.encode
    encode = c_make_encoder(None, plain.default, encode_basestring, None, ": ", ", ", False, False, False)
    return lambda value: "".join(encode(value, 0))


_ENCODE = _encoder()


def check_vectors(vectors: Any, n: int, dims: int, what: str = "vectors") -> np.ndarray:
    """Validate a batch of vectors and return it unit-normalised as contiguous float32."""
    try:
        arr = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be a numeric (n, {dims}) array: {exc}") from None
    if arr.ndim != 2 or arr.shape != (n, dims):
        raise InvalidInputError(f"{what} must have shape ({n}, {dims}) for {n} items, got {arr.shape}")
    norms = np.linalg.norm(arr, axis=1)  # NaN or infinity anywhere in a row makes its norm so: one pass less
    if not np.isfinite(norms).all() and not np.isfinite(arr).all():
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise InvalidInputError(f"{what}: the vector of item #{bad} holds NaN or infinity")
    if n and (norms == 0).any():
        raise InvalidInputError(f"{what}: the vector of item #{int(np.argmin(norms))} is all zeros")
    return np.ascontiguousarray(arr / norms[:, None], dtype=np.float32)


def check_new_spec(spec: CollectionSpec) -> CollectionSpec:
    """A spec a store may create: its vectors are the engine's, so no server vectorizes them."""
    if not isinstance(spec, CollectionSpec):
        raise InvalidInputError(f"create_collection takes a CollectionSpec, got {type(spec).__name__}")
    if spec.server_vectorizers:
        raise InvalidInputError(f"collection {spec.name!r}: server_vectorizers describe a user's own Weaviate "
                                f"collection ({dict(spec.server_vectorizers)}); a store creates collections with "
                                "self-provided vectors only; nothing was created")
    return spec


def to_json(value: Any, what: str = "properties") -> str:
    """A value as JSON text, checked and made plain first (:func:`core.checks.plain_json`: no NaN,
    lone surrogates or runaway nesting; numpy values, datetimes and UUIDs converted)."""
    return _ENCODE(plain_json(value, what))


def stored_properties(items: Sequence[Item]) -> tuple[list[dict], list[str]]:
    """The items' properties as plain JSON (what a reopened store reads back) and as JSON text."""
    plain = []
    for n, item in enumerate(items):
        try:
            plain.append(plain_json(item.properties, "properties"))
        except InvalidInputError as exc:
            raise InvalidInputError(f"item #{n} ({item.uuid}): {exc}; nothing was stored") from None
    return plain, [_ENCODE(p) for p in plain]


def property_texts(items: Sequence[Item]) -> list[str]:
    """The items' properties as JSON text, checked as :func:`stored_properties` checks them, without keeping a
    copy (the embedded store reads them back from SQLite when asked): a dict that is plain already is encoded
    as it is; any other goes through :func:`core.checks.plain_json` (converted, or an error naming it)."""
    texts = []
    for n, item in enumerate(items):
        props = item.properties
        if type(props) is not dict or not is_flat_plain(props):
            try:
                props = plain_json(props, "properties")
            except InvalidInputError as exc:
                raise InvalidInputError(f"item #{n} ({item.uuid}): {exc}; nothing was stored") from None
        texts.append(_ENCODE(props))
    return texts


def named_batches(spec: CollectionSpec, vectors: np.ndarray | Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Every named vector's validated batch: an array is the default vector of a single-vector collection."""
    if not isinstance(vectors, Mapping):
        if len(spec.vectors) > 1:
            raise InvalidInputError(f"collection {spec.name!r} has named vectors {list(spec.vectors)}: pass one "
                                    "array per name, as a dict")
        vectors = {spec.default_vector: vectors}
    if set(vectors) != set(spec.vectors):
        raise InvalidInputError(f"vectors for {sorted(vectors)} given, but collection {spec.name!r} has named "
                                f"vectors {list(spec.vectors)}: give each of them")
    return {name: check_vectors(vectors[name], n, dims, what=f"vectors {name!r}" if len(spec.vectors) > 1 else
                                "vectors") for name, dims in spec.vectors.items()}


def check_weights(rows: Sequence[InteractionRow]) -> list[float]:
    """The rows' weights as floats, all checked to be real numbers in [-1, 1] (vectorised range check)."""
    weights = [r.weight for r in rows]
    if not all(type(w) is float for w in weights):  # PersonaInteraction already gives floats: the fast path
        for n, w in enumerate(weights):
            if isinstance(w, bool) or not isinstance(w, numbers.Real):
                raise InvalidInputError(f"interaction #{n} has weight {w!r}; weights are numbers in [-1, 1]; "
                                        "nothing was stored")
        weights = [float(w) for w in weights]
    wrong = ~((np.array(weights) >= -1.0) & (np.array(weights) <= 1.0))  # NaN fails both comparisons
    if wrong.any():
        n = int(np.flatnonzero(wrong)[0])
        raise InvalidInputError(f"interaction #{n} has weight {weights[n]!r}; weights are numbers in [-1, 1]; "
                                "nothing was stored")
    return weights


def check_seconds(created: list[datetime | None], default_time: datetime | None) -> dict[datetime | None, float]:
    """Unix seconds of each distinct time (None: ``default_time``), all in the range that reads back as a datetime."""
    try:
        stamp = {t: (t or default_time).timestamp() for t in set(created)}
    except AttributeError:
        raise InvalidInputError(f"interaction times must be datetimes (None only with a default_time), got "
                                f"{describe(next(t for t in created if not isinstance(t or default_time, datetime)))}; "
                                "nothing was stored") from None
    seconds = np.fromiter(stamp.values(), dtype=np.float64, count=len(stamp))
    wrong = ~((seconds >= EARLIEST.timestamp()) & (seconds <= LATEST.timestamp()))  # NaN fails both
    if wrong.any():
        raise InvalidInputError(f"interaction time {describe(list(stamp)[int(np.flatnonzero(wrong)[0])])} is not "
                                "from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, what the store keeps; nothing was stored")
    return stamp


def check_queries(queries: Any, dims: int, name: str) -> np.ndarray:
    """Query vectors as an (m, dims) float32 array (one vector is one row), all finite."""
    q = np.asarray(queries, dtype=np.float32)
    q = q[None, :] if q.ndim == 1 else q
    if q.ndim != 2 or q.shape[1] != dims:
        raise InvalidInputError(f"query vectors for {name!r} must have {dims} dimensions, got shape {q.shape}")
    if not np.isfinite(q).all():
        raise InvalidInputError(f"query vector #{int(np.argwhere(~np.isfinite(q))[0][0])} for {name!r} holds NaN or "
                                "infinity; query vectors are finite numbers")
    return q


def check_limit(limit: Any) -> int:
    """A search's ``limit``: a positive integer (``True`` is not 1)."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise InvalidInputError(f"limit must be a positive integer, got {limit!r}")
    return limit


def no_boost(boost: Any, where: str = "the embedded store") -> None:
    """Refuse a weaviate ``Boost`` on a store without ``capabilities.boost`` (the engine boosts the hits instead)."""
    if boost is not None:
        raise NotAvailableError(f"{where} does not rescore with a boost (server-side boosts need Weaviate >= 1.38); "
                                "pass boost= to a personalized query instead, which rescores on the engine")
