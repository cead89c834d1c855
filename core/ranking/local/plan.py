"""Rule-based search planning for the local agent (no LLM): which extra searches to run.

``plan_searches`` is pure and follows these rules, in this order:

1. The instruction, if given (and not blank), is the first search: method ``"hybrid"`` (it is
   free text, so both its meaning and its words count), reason ``"instruction"``.
2. Each text-like persona property, in property order, becomes one search over its values, with
   method ``"bm25"`` for catalog terms (genres, cuisines match exactly, and no embedding model is
   needed):

   - a list of strings: its distinct values joined by spaces, e.g. ``["Comedy", "Drama"]`` ->
     ``"Comedy Drama"``;
   - a short string (at most three words, the same cut as ``core.retrieval.persona_match``): the string;
   - a longer free-text string (``"likes space and documentaries"``): the text itself with method
     ``"hybrid"``, since its meaning matters more than its exact words; reason
     ``"free text of persona property ..."``.

   Numbers, booleans and other non-text values are skipped.
3. Queries are deduplicated case-insensitively (whitespace collapsed); a later duplicate is dropped.
4. At most ``max_searches`` searches in total; no searches when there is nothing to search for.
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInputError
from core.ranking.base import PersonaSummary, PlannedSearch
from core.text import word_count

SHORT_TEXT_WORDS = 3
"""Strings with at most this many words are searched as a phrase (as in ``core.retrieval.persona_match``)."""


def plan_searches(persona: PersonaSummary, instruction: str | None, max_searches: int) -> list[PlannedSearch]:
    """The extra searches for ``persona`` and ``instruction``, at most ``max_searches`` (see module docstring)."""
    if isinstance(max_searches, bool) or not isinstance(max_searches, int) or max_searches < 0:
        raise InvalidInputError(f"max_searches must be an integer >= 0, got {max_searches!r}")
    planned: list[PlannedSearch] = []
    seen: set[str] = set()
    for search in _proposals(persona, instruction):
        if len(planned) >= max_searches:
            break
        key = _key(search.query)
        if key and key not in seen:
            seen.add(key)
            planned.append(search)
    return planned


def _proposals(persona: PersonaSummary, instruction: str | None):
    """Every search the rules propose, in priority order, before dedup and the cap."""
    if instruction and instruction.strip():
        yield PlannedSearch(" ".join(instruction.split()), "instruction", "hybrid")
    for name, value in persona.properties.items():
        search = property_search(name, value, persona.terms)
        if search is not None:
            yield search


def property_search(name: str, value: Any, terms: tuple[str, ...] = ()) -> PlannedSearch | None:
    """The search for one persona property, or None when it holds nothing to search for."""
    if isinstance(value, (list, tuple)):
        values = _distinct(" ".join(v.split()) for v in value if isinstance(v, str))
        query, reason = " ".join(values), f"persona property {name!r}"
    elif isinstance(value, str):
        if word_count(value) > SHORT_TEXT_WORDS:
            return PlannedSearch(" ".join(value.split()), f"free text of persona property {name!r}", "hybrid")
        query, reason = " ".join(value.split()), f"persona property {name!r}"
    else:
        return None
    return PlannedSearch(query, reason, "bm25") if query else None


def _distinct(values) -> list[str]:
    """Non-empty values in first-seen order, dropping case-insensitive repeats."""
    out: dict[str, str] = {}
    for v in values:
        if v and v.lower() not in out:
            out[v.lower()] = v
    return list(out.values())


def _key(query: str) -> str:
    return " ".join(query.lower().split())
