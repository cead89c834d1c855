"""One display title for an item, used by the engine's explanations, the CLI and the lab.

An item's title is the first of these that is filled in (not None, empty text or an empty list):

1. a title-like property: ``title``, ``name``, ``label``, ``headline`` (in that order);
2. the collection's first text field (``text_fields[0]``, when the caller knows the fields);
3. the catalog's own ID, ``original_id``;
4. ``fallback`` (callers pass the item's UUID).

Text is stripped; a list is joined with ", "; numbers and booleans are written as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["TITLE_KEYS", "display_title"]

TITLE_KEYS = ("title", "name", "label", "headline")


def display_title(properties: Mapping[str, Any], fallback: str = "", text_fields: Sequence[str] = ()) -> str:
    """A short human title for an item with ``properties`` (see the module docstring for the order)."""
    for key in (*TITLE_KEYS, *tuple(text_fields)[:1], "original_id"):
        text = _text(properties.get(key))
        if text:
            return text
    return fallback


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in map(_text, value) if t)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()

