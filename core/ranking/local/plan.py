"""Rule-based search planning for the local agent (no LLM): which extra searches to run.

``plan_searches`` is pure and follows these rules, in this order:

1. The instruction, if given (and not blank), is the first search: method ``"hybrid"`` (it is
   free text, so both its meaning and its words count), reason ``"instruction"``. When it negates
   something ("a western, but not a comedy"), the search is its text without the negated part
   (``"western"``; :func:`core.ranking.local.intent.read_instruction`), so the search does not
   fetch what the instruction rules out; the reason then says what was left out.
2. When the instruction asks for concepts of the agent's vocabulary
   (:data:`core.ranking.local.vocabulary.CONCEPTS`: "funny" -> comedy, "for kids" -> children), the
   catalog values that carry them become one search, method ``"bm25"`` (``"comedy humor ...
   children juvenile kid ..."``, :func:`search_words`): items whose genres, shelves or categories
   say so, whatever their titles say; it fetches ``VALUES_DEPTH`` times the per-search limit.
   Reason ``"catalog values for what the instruction asks for (comedy, children)"``.
3. When the persona has likes, the instruction's search text again, method ``"near_text"``, moved
   towards the likes (``toward_likes=TOWARD_LIKES``, Weaviate's ``move_to``) and fetching
   ``TOWARD_LIKES_DEPTH`` times the per-search limit: what the instruction means, near the
   persona's taste, so the persona still chooses among items that fit.
4. Each text-like persona property, in property order, becomes one search over its values, with
   method ``"bm25"`` for catalog terms (genres, cuisines match exactly, and no embedding model is
   needed):

   - a list of strings: its distinct values joined by spaces, e.g. ``["Comedy", "Drama"]`` ->
     ``"Comedy Drama"``;
   - a short string (at most three words, the same cut as ``core.retrieval.persona_match``): the string;
   - a longer free-text string (``"likes space and documentaries"``): the text itself with method
     ``"hybrid"``, since its meaning matters more than its exact words; reason
     ``"free text of persona property ..."``.

   Numbers, booleans and other non-text values are skipped.
5. Queries are deduplicated case-insensitively (whitespace collapsed; a moved search differs from an
   unmoved one); a later duplicate is dropped.
6. At most ``max_searches`` searches in total; no searches when there is nothing to search for.
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInputError
from core.ranking.base import PersonaSummary, PlannedSearch
from core.ranking.local.intent import Concept, read_instruction
from core.ranking.local.vocabulary import GENERIC
from core.text import WEAVIATE_STOPWORDS, word_count

SHORT_TEXT_WORDS = 3
"""Strings with at most this many words are searched as a phrase (as in ``core.retrieval.persona_match``)."""
VALUES_DEPTH = 2
"""Rule 2's search fetches this many times the per-search limit: the ranker keeps what fits."""
TOWARD_LIKES = 1.0
"""Rule 3's ``move_to`` force: 1 is Weaviate's largest move, half way to the likes' mean vector."""
TOWARD_LIKES_DEPTH = 3
"""Rule 3's search fetches this many times the per-search limit, for the persona to choose among."""


def plan_searches(persona: PersonaSummary, instruction: str | None, max_searches: int) -> list[PlannedSearch]:
    """The extra searches for ``persona`` and ``instruction``, at most ``max_searches`` (see module docstring)."""
    if isinstance(max_searches, bool) or not isinstance(max_searches, int) or max_searches < 0:
        raise InvalidInputError(f"max_searches must be an integer >= 0, got {max_searches!r}")
    planned: list[PlannedSearch] = []
    seen: set[tuple[str, float]] = set()
    for search in _proposals(persona, instruction):
        if len(planned) >= max_searches:
            break
        key = _key(search.query), search.toward_likes
        if key[0] and key not in seen:
            seen.add(key)
            planned.append(search)
    return planned


def _proposals(persona: PersonaSummary, instruction: str | None):
    """Every search the rules propose, in priority order, before dedup and the cap."""
    if instruction and instruction.strip():
        yield from instruction_searches(instruction, likes=bool(persona.likes))
    for name, value in persona.properties.items():
        search = property_search(name, value, persona.terms)
        if search is not None:
            yield search


def instruction_searches(instruction: str, likes: bool = False) -> list[PlannedSearch]:
    """Rules 1–3: the instruction's own search, the search for the catalog values it asks for, and
    (when the persona has likes) the instruction moved towards them."""
    intent = read_instruction(instruction)
    text, reason = " ".join(instruction.split()), "instruction"
    if intent.negated:
        text = intent.search_text
        reason = f"instruction without what it rules out ({', '.join(repr(n) for n in intent.negated)})"
    searches = [PlannedSearch(text, reason, "hybrid")]
    words = _distinct(w for c in intent.wanted for w in search_words(c))
    if words:
        names = ", ".join(c.name for c in intent.wanted if c.values)
        searches.append(PlannedSearch(" ".join(words), f"catalog values for what the instruction asks for ({names})",
                                      "bm25", depth=VALUES_DEPTH))
    if likes:
        searches.append(PlannedSearch(text, f"{reason}, moved towards your likes", "near_text", TOWARD_LIKES,
                                      TOWARD_LIKES_DEPTH))
    return searches


def search_words(concept: Concept) -> list[str]:
    """The words of a concept's values worth a keyword search: one-word values, and the words of longer
    values that are not a variant of a one-word one ("dark comedy" adds nothing to "comedy"); no stop
    words, item-kind words or words of one or two letters."""
    single = {v[0] for v in concept.values if len(v) == 1}
    words = [w for v in sorted(concept.values) if len(v) == 1 or not single & set(v) for w in v]
    return [w for w in words if len(w) > 2 and w not in WEAVIATE_STOPWORDS and w not in GENERIC]


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
