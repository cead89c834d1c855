"""Identifier handling: every object is addressed by a UUID.

Strings that already are UUIDs are parsed; any other identifier (a catalog's ``movieId`` 42, a
persona called ``"alice"``) becomes a deterministic UUID5, computed exactly as
``weaviate.util.generate_uuid5`` does, so the same catalog gets the same IDs on every backend.
"""

from __future__ import annotations

import uuid
from typing import Any

from core.checks import check_text, describe
from core.errors import InvalidInputError

ORIGINAL_ID_PROPERTY = "original_id"


def generate_uuid5(identifier: Any) -> uuid.UUID:
    """The deterministic UUID for a non-UUID identifier (same as weaviate's ``generate_uuid5``)."""
    return uuid.uuid5(uuid.NAMESPACE_DNS, str(identifier))


def parse_uuid(value: Any, *, what: str = "id") -> uuid.UUID:
    """Parse a UUID (or its string form); anything else is an :class:`InvalidInputError`."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise InvalidInputError(f"{what} must be a UUID or a UUID string, got {describe(value)}")


def to_uuid(value: Any, *, what: str = "id") -> uuid.UUID:
    """A UUID for ``value``: parsed if it is one, else the deterministic UUID5 of its text.

    Booleans, None and empty strings are rejected: they are almost always a bug upstream.
    """
    if isinstance(value, uuid.UUID):
        return value
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        raise InvalidInputError(f"{what} must be a non-empty identifier, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            return generate_uuid5(check_text(value, what).strip())
    if isinstance(value, int):
        if value.bit_length() > 13_000:  # its text (the UUID5's input) would be over 3,900 digits
            raise InvalidInputError(f"{what} as an integer has at most 3,900 digits, got {describe(value)}; "
                                    "pass a longer identifier as text")
        return generate_uuid5(value)
    raise InvalidInputError(f"{what} must be a UUID, string or integer, got {type(value).__name__} {describe(value)}")
