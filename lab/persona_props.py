"""The Personas page's property editors without widgets: key/value rows or a JSON object → properties.

Values typed in a row follow ``core.parse_value`` (the CLI's ``--prop`` grammar: ``a|b`` a list,
numbers and true/false typed, quoted text stays text); ``core.format_value`` writes them back.
The property ``"name"`` is the persona's display name (its ID comes from it), so the editors
refuse it. Every function raises :class:`core.InvalidInputError` naming the bad row or value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core import InvalidInputError, format_value, parse_value

NAME = "name"
MAX_NESTING = 34
"""How deeply a pasted or uploaded persona's JSON may nest (the file, its properties, then 32 levels of values)."""


def rows_to_properties(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Properties from key/value rows (``{"key": ..., "value": ...}``); blank rows are skipped."""
    properties: dict[str, Any] = {}
    for n, row in enumerate(rows, start=1):
        key = _text(row.get("key"))
        value = _text(row.get("value"))
        if not key and not value:
            continue
        if not key:
            raise InvalidInputError(f"property row {n} has a value ({value!r}) but no name")
        if not value:
            raise InvalidInputError(f"property {key!r} has no value (delete the row to leave it out)")
        if key in properties:
            raise InvalidInputError(f"property {key!r} appears twice")
        properties[key] = _parse(key, value)
    return without_name(properties)


def _parse(key: str, text: str) -> Any:
    try:
        return parse_value(text)
    except InvalidInputError as exc:
        raise InvalidInputError(f"property {key!r}: {exc}") from None


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def json_to_properties(text: str) -> dict[str, Any]:
    """Properties from a JSON object."""
    properties = load_json(text or "{}", "properties are")
    if not isinstance(properties, dict):
        raise InvalidInputError(f"properties must be a JSON object, got {type(properties).__name__}")
    return without_name(properties)


def without_name(properties: dict[str, Any]) -> dict[str, Any]:
    """``properties``, checked not to hold the display name."""
    if NAME in properties:
        raise InvalidInputError(f"{NAME!r} is the persona's display name (its ID comes from it); "
                                "use another property name")
    return properties


def properties_to_rows(properties: Mapping[str, Any]) -> list[dict[str, str]]:
    """Key/value rows for an editor (the display name is left out: it is the persona's ID)."""
    return [{"key": k, "value": format_value(v)} for k, v in properties.items() if k != NAME]


def apply_editor_state(base: Sequence[Mapping[str, Any]], state: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``base`` rows with a ``st.data_editor`` edit state applied, in Streamlit's order: cell edits,
    deletions (positions in ``base``), then added rows (so a callback can read an editor's result)."""
    rows = [dict(r) for r in base]
    state = state or {}
    for pos, changes in (state.get("edited_rows") or {}).items():
        if 0 <= int(pos) < len(rows):
            rows[int(pos)].update(changes)
    deleted = {int(p) for p in state.get("deleted_rows") or ()}
    rows = [r for i, r in enumerate(rows) if i not in deleted]
    return rows + [dict(r) for r in state.get("added_rows") or ()]


def load_json(text: str, what: str) -> Any:
    """JSON a person pasted or uploaded; NaN, Infinity, numbers no float holds (``1e400``) and
    nesting too deep to read raise :class:`core.InvalidInputError` ("``what`` not valid JSON: ...")."""
    try:
        data = json.loads(text, parse_constant=reject_constant, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        reason = "it nests lists or objects too deeply" if isinstance(exc, RecursionError) else exc
        raise InvalidInputError(f"{what} not valid JSON: {reason}") from None
    if _nesting(data) > MAX_NESTING:
        raise InvalidInputError(f"{what} nested more than {MAX_NESTING} levels deep; a persona's values nest less")
    return data


def _nesting(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (without recursion), counted up to one past the limit."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_NESTING:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def reject_constant(name: str) -> Any:
    """``json.loads(parse_constant=...)``: NaN and Infinity are not JSON values."""
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is outside the range of a number")
    return value
