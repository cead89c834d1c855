"""How persona properties influence results without any model: term matching on item properties.

A persona's text-like property values become *terms*: each element of a list, each short string
(up to three words) as one phrase, and the content words (4+ letters, not stop words) of longer
free text. A term matches an item when it equals one of the item's string values or list
elements (case-insensitive) or occurs in one of its text values as whole words. The item's
``match`` is the share of the persona's terms it matches, in [0, 1]; the ranking adds
``property_weight * match`` to the vector score, and the matched terms are kept for explanations.
Cold-start personas (no interactions) are served by a BM25 search over these terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.text import CONTENT_STOPWORDS, words as _words


NAME_KEYS = frozenset({"name", "label"})
"""Properties that name the persona itself: never matched against the catalog."""


def persona_terms(properties: dict[str, Any]) -> list[str]:
    """The distinct lower-cased terms of a persona's properties, in property order (names excluded)."""
    terms: dict[str, None] = {}
    for key, value in properties.items():
        if key in NAME_KEYS:
            continue
        for text in _strings(value):
            words = _words(text)
            if not words:
                continue
            if len(words) <= 3:
                terms[" ".join(words)] = None
            else:
                terms.update(dict.fromkeys(w for w in words if len(w) >= 4 and w not in CONTENT_STOPWORDS))
    return list(terms)


@dataclass(frozen=True)
class PropertyMatch:
    """Which persona terms an item matched, and the share of terms that is."""

    matched: tuple[str, ...]
    share: float


NO_MATCH = PropertyMatch((), 0.0)
"""What an item matches of a persona without terms."""


def match_item(terms: list[str], item_properties: Mapping[str, Any]) -> PropertyMatch:
    """Match ``terms`` against one item's properties (see the module docstring)."""
    if not terms:
        return NO_MATCH
    values = set()
    padded = []
    for text in (s for v in item_properties.values() for s in _strings(v)):
        words = _words(text)
        values.add(" ".join(words))
        padded.append(" " + " ".join(words) + " ")
    matched = tuple(t for t in terms if t in values or any(f" {t} " in p for p in padded))
    return PropertyMatch(matched, len(matched) / len(terms))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            if isinstance(v, str):
                yield v
