"""The persona property schema an agent is created with (``user_properties``) and its checks.

Types are Weaviate's data type names (``"text"``, ``"int[]"``, ...); ``weaviate.classes.config.
DataType`` members are accepted too. A persona's properties must be in the schema (when there is
one) and of the declared type, as Weaviate checks them; ``None`` is always allowed:

- ``text``: text; ``int``: a 64-bit integer (not a boolean, not 1.5); ``number``: a finite number
  (not NaN or infinity); ``boolean``: True or False; ``date``: an ISO-8601 date or date-time
  (``"2024-05-01"``, ``"2024-05-01T12:00:00Z"``; a ``datetime`` arrives as its ISO text);
- ``<type>[]``: a list whose every element is of ``<type>`` (``[1, {"a": 1}]`` is no ``text[]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.checks import INT64, check_name, describe
from core.errors import InvalidInputError
from core.models import Persona


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -INT64 <= value < INT64


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 64:
        return False
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


SCALARS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "text": (_text, "text"),
    "int": (_int, "a 64-bit integer"),
    "number": (_number, "a finite number (not NaN or infinity)"),
    "boolean": (_boolean, "True or False"),
    "date": (_date, "an ISO-8601 date or date-time such as '2024-05-01' or '2024-05-01T12:00:00Z'"),
}
PROPERTY_TYPES = (*SCALARS, *(f"{kind}[]" for kind in SCALARS))
"""Every data type a persona property may be declared with."""


def user_properties_schema(user_properties: dict[str, Any] | None) -> dict[str, str]:
    """``user_properties`` as ``{name: type}`` strings; weaviate ``DataType`` members are accepted."""
    if user_properties is not None and not isinstance(user_properties, dict):
        raise InvalidInputError(f"user_properties must be a dict of name -> data type, got {describe(user_properties)}")
    out = {}
    for name, kind in (user_properties or {}).items():
        check_name(name, "a user_properties name")
        text = str(getattr(kind, "value", kind)).lower()
        if text not in PROPERTY_TYPES:
            raise InvalidInputError(f"user_properties[{name!r}] must be one of {sorted(PROPERTY_TYPES)}, "
                                    f"got {describe(kind)}")
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
        if value is not None:
            _check_value(name, schema[name], value)


def _check_value(name: str, kind: str, value: Any) -> None:
    ok, wanted = SCALARS[kind.removesuffix("[]")]
    if not kind.endswith("[]"):
        if not ok(value):
            raise InvalidInputError(f"persona property {name!r} must be of type {kind} ({wanted}), got {describe(value)}")
        return
    if not isinstance(value, list):
        raise InvalidInputError(f"persona property {name!r} must be of type {kind} (a list, each element {wanted}), "
                                f"got {describe(value)}")
    bad = next((n for n, v in enumerate(value) if not ok(v)), None)
    if bad is not None:
        raise InvalidInputError(f"persona property {name!r} must be of type {kind}: element #{bad} is "
                                f"{describe(value[bad])}, not {wanted}")
