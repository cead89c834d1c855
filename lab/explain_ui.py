"""Explanations on the Recommend and Search pages: plain words first, the numbers one click away.

The engine's explanations and rationales have two lines (``core``: plain words, then the same
reasons with their numbers); an LLM's reasons start with ``"LLM: "`` and are its own words, so
they are labelled as such. Search hits carry numbers only; :func:`search_explanation` says in
words which part of the personalized score (the query or the persona) weighed more, which is
exactly what ordered them. Every text goes through ``lab.cards.plain``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from .cards import DETAILS, plain

LLM_PREFIX = "LLM: "

RECOMMEND_HELP = """\
- **similarity** (−1 to 1): how close two items' vectors are (cosine); *closest to your like 'X'
  (similarity 0.81)* means X is the liked item this one resembles most.
- **penalty**: how much resembling something you disliked took off the score.
- **people who liked X also liked this** (blend): the behaviour model, learned from every persona's likes,
  puts this item near your like X; *0.13 of its behaviour score +0.27* is X's share and the behaviour part of
  the score (behaviour weight × behaviour similarity). **content +0.09** is content weight × similarity.
- **liked by N personas**: how many personas in this workspace liked the item; **popularity** is
  `log(1 + N) / log(1 + the top count, at least 100)`, 0 to 1, and the engine adds
  `popularity_weight × popularity` to the score (`+0.20`).
- **diversity penalty**: the agent picks items one by one and subtracts `(1 − lambda) ×` the item's
  similarity to the closest one already picked, so near-duplicates move down (*picked to add variety*).
- **relevance** / **score**: the sum the list is ordered by; each `+0.20` is one signal's share of it.
"""
SEARCH_HELP = """\
- **search score** (0 to 1): how well the item matches the query, scaled over the fetched results
  (1 = the best match among them).
- **persona score** (0 to 1): how close the item is to the persona's likes (minus its dislikes), scaled
  the same way.
- **score** = `(1 − strength) × search + strength × persona`: the personalized order; at strength 0 it
  is the plain search order.
"""


def split(text: str | None) -> tuple[str, str]:
    """``(words, numbers)`` of an explanation; an LLM's reason is labelled as its own words."""
    if not text:
        return "", ""
    if text.startswith(LLM_PREFIX):
        return f"The LLM's own words: {text[len(LLM_PREFIX):]}", \
            "Written by the LLM that ranked this list; the engine computed no reason for it."
    words, _, numbers = text.partition("\n")
    return words, numbers


def rationale_box(response: Any) -> None:
    """The ranking rationale: plain words in an info box, the details (formula, weights) behind a click."""
    text = response.ranking_rationale
    if not text:
        return
    is_llm = str(getattr(response, "ranker", "")).startswith("LLM") and not getattr(response, "fallback", False)
    words, _, numbers = text.partition("\n")
    st.info(plain(f"The LLM's own summary: {words}" if is_llm else words))
    if numbers or is_llm:
        with st.expander("How the list was made, in numbers"):
            st.caption(plain(numbers or "Written by the LLM that ranked this list."))


def numbers_help(kind: str = "recommend") -> None:
    """A short glossary of the numbers behind the explanations, next to a list."""
    with st.expander("What do these numbers mean?"):
        st.markdown(SEARCH_HELP if kind == "search" else RECOMMEND_HELP)


def search_explanation(metadata: Any, strength: float) -> str:
    """Two lines (words, numbers) for a personalized hit, from the two parts of its score."""
    query, taste = (1 - strength) * metadata.search_score, strength * metadata.persona_score
    words = "Here mostly because it fits your taste" if taste > query else \
        "Here mostly because it matches your query"
    return (f"{words}.\nscore {metadata.score:.2f} = {1 - strength:.2f} × search {metadata.search_score:.2f} "
            f"+ {strength:.2f} × persona {metadata.persona_score:.2f}")


def plain_search_explanation(metadata: Any) -> str:
    return f"Matches your query.\nsearch score {metadata.search_score:.2f} (scaled to 0..1 over the fetched results)"


def search_move(metadata: Any, rank: int) -> str:
    """Why a personalized hit moved from its plain rank, as the scores decide it: it passed (or was
    passed by) results whose persona score is lower (higher), since its search score is not higher."""
    before = metadata.search_rank
    scores = f"persona score {metadata.persona_score:.2f}, search score {metadata.search_score:.2f}"
    if before > rank:
        return f"fits your taste better than the results it passed ({scores})"
    if before < rank:
        return f"results that fit your taste better passed it ({scores})"
    return f"kept its place ({scores})"
