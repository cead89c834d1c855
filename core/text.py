"""Text handling shared by the engine: tokenizers and stop-word lists, written once.

- :func:`words`: lower-cased ``\\w+`` tokens (letters, digits and underscores). Used for persona
  terms, planner word counts and BM25 queries.
- :func:`word_tokens`: Weaviate's ``word`` tokenization (lower-cased runs of letters and digits;
  every other character, underscores included, splits). Used to evaluate text filters as Weaviate
  does.
- :data:`WEAVIATE_STOPWORDS`: Weaviate's default ``en`` stop-word preset, left out of BM25 queries.
- :data:`CONTENT_STOPWORDS`: words too common in persona descriptions to be useful terms
  ("likes", "enjoys", "prefer" ...), on top of the 4-letter minimum for free-text terms.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)
_WEAVIATE_WORD = re.compile(r"[^\W_]+")

WEAVIATE_STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split())
"""Weaviate's default ``en`` preset: matching these would score nearly every item."""

CONTENT_STOPWORDS = frozenset(
    "a an and are about also been but for from have into just like likes love loves more most "
    "not only that the their them then there these they this those very what when which while "
    "with would your enjoy enjoys prefer prefers really some such than".split())
"""Words that say nothing about an item when they appear in a persona's free text."""


def words(text: str) -> list[str]:
    """Lower-cased ``\\w+`` tokens of ``text``, in order (``"Sci-Fi fan"`` -> ``["sci", "fi", "fan"]``)."""
    return _WORD.findall(text.lower())


def word_tokens(text: str) -> list[str]:
    """Weaviate's ``word`` tokenization: lower-cased alphanumeric runs (``"snake_case"`` -> two tokens)."""
    return _WEAVIATE_WORD.findall(text.lower())


def word_count(text: str) -> int:
    """How many :func:`words` ``text`` has."""
    return len(_WORD.findall(text))
