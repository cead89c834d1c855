"""The labelled instruction set (``sample_data/instructions.json``, read by ``core.eval.instructions``) is
well-formed, its rules mean what they say, and a bad file is an error naming the problem."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from core import InvalidInputError, NotFoundError, load_sample
from core.eval.instructions import SPLITS, load, precision_at_k, problems, satisfies

ENTRIES = load()
MIN_SATISFYING = 10
"""Every rule must leave at least a full top 10 to find (the persona's own items are excluded)."""


@pytest.fixture(scope="module")
def catalogs():
    return {name: load_sample(name) for name in sorted({e.sample for e in ENTRIES})}


def test_size_samples_and_splits():
    assert len(ENTRIES) >= 24
    assert len({e.id for e in ENTRIES}) == len(ENTRIES), "entry ids must be unique"
    per_sample = Counter(e.sample for e in ENTRIES)
    assert set(per_sample) == {"movies", "books", "workshop"} and min(per_sample.values()) >= 8
    assert {e.split for e in ENTRIES} == set(SPLITS)
    for sample in per_sample:
        assert {e.split for e in ENTRIES if e.sample == sample} == set(SPLITS), f"{sample} needs both splits"
    assert all(e.instruction.strip() and e.likes for e in ENTRIES)


def test_the_issue_examples_are_labelled():
    instructions = {e.instruction for e in ENTRIES}
    assert {"something funny for kids", "scary horror for adults"} <= instructions


@pytest.mark.slow
def test_every_rule_and_persona_fits_its_catalog(catalogs):
    for e in ENTRIES:
        catalog = catalogs[e.sample]
        props = [item.properties for item in catalog.items]
        assert problems(e.satisfies, props) == [], e.id
        ids = {p[catalog.info.id_property] for p in props}
        assert set(e.likes + e.dislikes) <= ids, f"{e.id}: persona items missing from {e.sample}"
        own = set(e.likes + e.dislikes)
        left = sum(satisfies(e.satisfies, p) for p in props if p[catalog.info.id_property] not in own)
        assert left >= MIN_SATISFYING, f"{e.id}: only {left} items satisfy its rule"


# --- the rule grammar, by hand ------------------------------------------------------------------

ITEM = {"genres": ["Comedy", "Children"], "spicy": False, "course": "main", "year": 1995}


@pytest.mark.parametrize("rule, expected", [
    ({"property": "genres", "any_of": ["Horror", "Children"]}, True),
    ({"property": "genres", "all_of": ["Comedy", "Horror"]}, False),
    ({"property": "genres", "none_of": ["Horror"]}, True),
    ({"property": "course", "any_of": ["main", "side"]}, True),
    ({"property": "spicy", "equals": False}, True),
    ({"property": "spicy", "equals": 0}, False),
    ({"property": "missing", "any_of": ["x"]}, False),
    ({"all": [{"property": "genres", "any_of": ["Comedy"]}, {"not": {"property": "course", "equals": "main"}}]}, False),
    ({"any": [{"property": "year", "equals": 2000}, {"property": "genres", "any_of": ["Comedy"]}]}, True),
])
def test_satisfies_by_hand(rule, expected):
    assert satisfies(rule, ITEM) is expected


def test_problems_name_what_is_wrong():
    catalog = [ITEM, {"genres": ["Horror"], "spicy": True, "course": "dessert", "year": 2001}]
    assert problems({"property": "genre", "any_of": ["Comedy"]}, catalog)[0].startswith("unknown property 'genre'")
    assert problems({"property": "genres", "any_of": ["Comdy"]}, catalog) == ["no item has genres='Comdy'"]
    assert problems({"property": "spicy", "equals": 1}, catalog) == ["no item has spicy=1"]
    assert "exactly one of" in problems({"property": "genres", "contains": ["Comedy"]}, catalog)[0]
    assert problems({"all": []}, catalog) == ["'all' needs a non-empty list of rules, got []"]
    assert problems({"not": {"property": "course", "equals": "dessert"}}, catalog) == []


def test_precision_counts_the_satisfying_items_over_k_slots():
    rule = {"property": "genres", "any_of": ["Comedy"]}
    ranked = [ITEM, {"genres": ["Horror"]}, ITEM]
    assert precision_at_k(rule, ranked, k=3) == pytest.approx(2 / 3)
    assert precision_at_k(rule, ranked, k=2) == 0.5
    assert precision_at_k(rule, ranked[:1], k=4) == 0.25  # missing slots are misses
    with pytest.raises(InvalidInputError, match="k must be a positive integer, got 0"):
        precision_at_k(rule, ranked, k=0)


def test_load_takes_a_path_and_names_what_is_wrong(tmp_path):
    good = {"id": "x1", "sample": "workshop", "split": "test", "instruction": "spicy", "likes": ["a"],
            "satisfies": {"property": "spicy", "equals": True}}
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"entries": [good]}))
    (entry,) = load(path)
    assert entry.id == "x1" and entry.likes == ("a",) and entry.dislikes == ()
    with pytest.raises(NotFoundError, match="no labelled instruction set at .*missing.json"):
        load(tmp_path / "missing.json")
    path.write_text(json.dumps({"entries": [{k: v for k, v in good.items() if k != "likes"}]}))
    with pytest.raises(InvalidInputError, match="entry #0 lacks 'likes'"):
        load(path)
    path.write_text(json.dumps({"entries": [{**good, "split": "train"}]}))
    with pytest.raises(InvalidInputError, match="entry 'x1' has split 'train'"):
        load(path)
    path.write_text("[1, 2]")
    with pytest.raises(InvalidInputError, match="needs an object with an 'entries' list"):
        load(path)
