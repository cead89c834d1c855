"""Explanations in plain words: the first line a person reads has no numbers and no jargon, and it
says the same reasons, in the same order, as the numbers on the second line (known answers)."""

from __future__ import annotations

import re

import numpy as np

from core.configs import LOCAL_COMPONENTS
from core.ranking.base import Candidate, RankContext
from core.ranking.local.explain import WORDING, wording
from core.ranking.local.ranker import LocalRanker
from core.retrieval.explain_vector import Phrase, compose, item_explanation

from .test_local_agent import PERSONA, pool, rank, uid

JARGON = re.compile(r"\d|similarity|penalty|relevance|lambda|MMR|persona's|score|\+|−", re.I)
COUNTS = re.compile(r"\b\d+ (?=by|came|moved)")  # "these 4 by", "2 came from": counts, not scores


def lines(text: str) -> tuple[str, str]:
    words, numbers = text.split("\n")
    return words, numbers


def test_every_local_explanation_starts_with_a_line_of_plain_words():
    for instruction in (None, "feel-good"):
        decision = rank(instruction, mmr_lambda=0.8)
        for text in [*decision.explanations.values(), decision.rationale]:
            words, numbers = lines(text)
            assert not JARGON.search(COUNTS.sub("", words)), words
            assert re.search(r"\d", numbers), numbers  # the numbers are one line away


def test_words_and_numbers_name_the_same_reasons_in_the_same_order():
    words, numbers = lines(rank(mmr_lambda=0.8).explanations[uid(1)])  # A2: like, popularity, search, variety
    assert words.split("; ") == ["Close to what you liked", "popular with other users",
                                 "found by the agent's search for comedy",
                                 "moved down to add variety (much like A, listed above it)."]
    assert len(numbers.split("; ")) == 4 and "placed lower for variety" in numbers.split("; ")[3]
    words, _ = lines(rank(mmr_lambda=0.8).explanations[uid(2)])  # B: the one MMR promoted
    assert words.endswith("picked to add variety.") and "found by the agent's search for feel-good comedy" in words


def test_a_reason_below_the_mention_threshold_is_in_neither_line():
    faint = Candidate(uid(9), "faint", {}, 1, ("vector",), np.array([1.0, 0, 0]),
                      {"like_similarity": 0.5, "dislike_penalty": 0.005, "nearest_dislike": "Saw"})
    text = LocalRanker().rerank(PERSONA, None, [faint], 1, True, RankContext()).explanations[uid(9)]
    assert "disliked" not in text and "Saw" not in text


def test_rationale_says_what_ranked_the_list_in_plain_words():
    words, numbers = lines(rank(mmr_lambda=0.8).rationale)
    assert words == ("The local agent (no LLM) picked these 4 by closeness to what you liked, distance from what "
                     "you disliked, popularity with other users and matches with your profile; 2 came from its own "
                     "searches; 1 moved up to add variety.")
    assert "MMR with lambda 0.8" in numbers
    assert "your instruction" in lines(rank("funny", mmr_lambda=0.8).rationale)[0]
    assert "for variety alone" in lines(rank(mmr_lambda=0.0).rationale)[0]


def test_each_fusion_component_has_one_wording_entry_and_a_new_one_still_reads():
    assert set(WORDING) == set(LOCAL_COMPONENTS)
    generic = wording("freshness").phrase(0.3, {})
    assert generic == Phrase("helped by its freshness", "freshness (+0.30)")
    assert [c.uuid for c in pool()] == [uid(i) for i in range(4)]


def test_vector_only_explanation_orders_reasons_by_contribution():
    signals = {"score": 0.9, "vector_score": 0.5, "like_similarity": 0.6, "dislike_penalty": 0.1,
               "nearest_like": "Toy Story", "nearest_like_similarity": 0.77, "nearest_dislike": "Saw",
               "nearest_dislike_similarity": 0.4, "popularity_boost": 0.64, "liked_by": 12.0, "property_boost": 0.0}
    assert item_explanation(signals) == (
        "Popular with other users; close to what you liked (Toy Story); a bit like something you disliked (Saw), "
        "which held it back.\n"
        "Liked by 12 persona(s) (popularity +0.64); closest to your like 'Toy Story' (similarity 0.77); lowered by "
        "0.10 for resembling your dislikes (closest: 'Saw', similarity 0.40).")
    assert item_explanation({"score": 0.3}) == "No single reason stood out.\nScore 0.30."
    tiny = item_explanation({**signals, "popularity_boost": 0.004})
    assert "popular" not in tiny.lower()  # a boost too small to matter is not a reason


def test_compose_is_two_sentences():
    assert compose([Phrase("a", "a 1"), Phrase("b", "b 2")], Phrase("x", "x 0")) == "A; b.\nA 1; b 2."
    assert compose([], Phrase("nothing", "score 0")) == "Nothing.\nScore 0."
