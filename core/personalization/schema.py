"""The persona property schema an agent is created with (``user_properties``) and its checks.

Types are Weaviate's data type names (``"text"``, ``"int[]"``, ...); ``weaviate.classes.config.
DataType`` members are accepted too. A persona's properties must be in the schema (when there is
one) and of the declared type; ``None`` is always allowed.
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInputError
from core.models import Persona

PROPERTY_TYPES = {"text": str, "text[]": list, "int": int, "int[]": list, "number": (int, float),
                  "number[]": list, "boolean": bool, "boolean[]": list, "date": str, "date[]": list}


def user_properties_schema(user_properties: dict[str, Any] | None) -> dict[str, str]:
    """``user_properties`` as ``{name: type}`` strings; weaviate ``DataType`` members are accepted."""
    if user_properties is not None and not isinstance(user_properties, dict):
        raise InvalidInputError(f"user_properties must be a dict of name -> data type, got {user_properties!r}")
    out = {}
    for name, kind in (user_properties or {}).items():
        text = str(getattr(kind, "value", kind)).lower()
        if not isinstance(name, str) or not name or text not in PROPERTY_TYPES:
            raise InvalidInputError(f"user_properties[{name!r}] must be one of {sorted(PROPERTY_TYPES)}, got {kind!r}")
        out[name] = text
    return out


def check_persona(persona: Any, schema: dict[str, str]) -> None:
    """Reject a non-:class:`Persona` and properties outside ``schema`` or of the wrong type."""
    if not isinstance(persona, Persona):
        raise InvalidInputError(f"expected a Persona, got {type(persona).__name__}")
    if not schema:
        return
    unknown = sorted(set(persona.properties) - set(schema))
    if unknown:
        raise InvalidInputError(f"persona properties {unknown} are not in the agent's user_properties {sorted(schema)}")
    for name, value in persona.properties.items():
        kind = schema[name]
        wrong_bool = isinstance(value, bool) and not kind.startswith("boolean")
        if value is not None and (not isinstance(value, PROPERTY_TYPES[kind]) or wrong_bool):
            raise InvalidInputError(f"persona property {name!r} must be of type {kind}, got {value!r}")
