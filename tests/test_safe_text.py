"""Catalog text shown by the lab is text: ``lab.cards.plain`` for Streamlit's Markdown (markup
escaped, GitHub-style autolinks broken) and ``lab.explain_ui.split`` for explanations."""

from __future__ import annotations

import re

import pytest

from lab.cards import JOINER, plain
from lab.explain_ui import split

HOSTILE = ['<a href="http://evil.example">click</a>', "<b>bold</b>", "<img src=x onerror=alert(1)>",
           "see http://evil.example now", "HTTPS://evil.example", "www.evil.example", "[x](http://evil.example)",
           "mail user@evil.example", "mailto:user@evil.example", "Tom &amp; Jerry"]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_shows_the_same_characters_without_markup_or_links(text):
    shown = plain(text)
    assert shown.replace("\\", "").replace(JOINER, "") == text  # what a reader sees
    assert not re.search(r"(?<!\\)[<>\[\]()&]", shown)  # every control character escaped
    # GitHub-style autolinks are found in the parsed text, after escapes: a joiner breaks each start
    assert not re.search(r"(?i)(https?|www)[\\]*[:.]", shown)
    assert not re.search(r"[\w.+-][\\]*@", shown)


def test_plain_leaves_ordinary_titles_alone_but_for_escapes():
    assert plain("Star Wars: Episode IV") == "Star Wars\\: Episode IV"
    assert JOINER not in plain("The Matrix (1999), 4.5 stars") and plain(["a", "b"]) == "a, b"


def test_explanations_split_into_words_and_numbers_and_llm_reasons_are_labelled():
    assert split("Close to what you liked (Up).\nClosest to your like 'Up' (similarity 0.80).") == (
        "Close to what you liked (Up).", "Closest to your like 'Up' (similarity 0.80).")
    words, numbers = split("LLM: a fine pick")
    assert words == "The LLM's own words: a fine pick" and "LLM" in numbers
    assert split(None) == ("", "") and split("One line only.") == ("One line only.", "")
