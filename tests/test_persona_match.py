"""Persona-property terms and their matching against item properties, by hand."""

from __future__ import annotations

import pytest

from core.retrieval.persona_match import match_item, persona_terms


def test_terms_from_lists_short_strings_and_free_text():
    props = {"favorite_genres": ["Sci-Fi", "Film-Noir"], "mood": "Dark comedy", "age": 31,
             "about": "Loves documentaries about space and the deep ocean"}
    assert persona_terms(props) == ["sci fi", "film noir", "dark comedy", "documentaries", "space", "deep", "ocean"]


def test_match_share_counts_list_elements_and_whole_words():
    terms = ["sci fi", "space", "drama"]
    item = {"title": "Spaceballs", "genres": ["Sci-Fi", "Comedy"], "description": "A parody set in space."}
    got = match_item(terms, item)
    assert got.matched == ("sci fi", "space") and got.share == pytest.approx(2 / 3)  # "Spaceballs" is not "space"


def test_no_terms_no_match():
    assert match_item([], {"title": "x"}).share == 0.0
    assert persona_terms({"age": 40, "vip": True}) == []


def test_the_persona_name_is_not_a_term():
    assert persona_terms({"name": "Alice", "label": "tester", "likes": ["Wonderland"]}) == ["wonderland"]
