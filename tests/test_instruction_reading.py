"""The local agent's reading of an instruction: vocabulary, negation, catalog values, fit and conflict, by hand."""

from __future__ import annotations

from uuid import UUID

import numpy as np
import pytest

from core.ranking.base import Candidate, Interest, PersonaSummary, PlannedSearch, RankContext
from core.ranking.local.fit import categorical_properties, instruction_fit, item_values
from core.ranking.local.intent import fold, normalize, read_instruction
from core.ranking.local.plan import plan_searches, search_words
from core.ranking.local.ranker import LocalRanker, LocalRankerConfig
from core.ranking.local.vocabulary import CONCEPTS
from core.ranking.pool import Searcher
from core.store.base import Hit


def names(concepts) -> list[str]:
    return [c.name for c in concepts]


def values(*written: str) -> set:
    return {normalize(v) for v in written}


# --- reading ------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, folded", [("kids", "kid"), ("comedies", "comedy"), ("westerns", "western"),
                                          ("class", "class"), ("movies", "movie"), ("series", "series"), ("ya", "ya")])
def test_fold(word, folded):
    assert fold(word) == folded


def test_normalize_makes_spellings_meet():
    assert normalize("Children-s") == normalize("children s") == ("children", "s")
    assert normalize("Sci-Fi") == normalize("sci fi") and normalize("childrens") == ("children",)


def test_the_issue_examples_read_as_meant():
    kids = read_instruction("something funny for kids")
    assert names(kids.wanted) == ["comedy", "children"] and names(kids.unwanted) == ["horror", "erotica"]
    adults = read_instruction("scary horror for adults")
    assert names(adults.wanted) == ["scary", "horror", "adult"]
    assert names(adults.unwanted) == ["comedy", "children", "teen"]  # a spoof is not scary; not for kids or teens


def test_negation_reaches_to_the_end_of_the_clause_only():
    got = read_instruction("a western, but not a comedy", values("Western", "Comedy"))
    assert names(got.wanted) == ["western"] and names(got.unwanted) == ["comedy"]
    assert got.search_text == "western" and got.negated == ("comedy",)
    got = read_instruction("no horror, but something funny")
    assert names(got.wanted) == ["comedy"] and names(got.unwanted) == ["horror"]
    got = read_instruction("a love story without vampires or anything paranormal", values("vampires", "paranormal"))
    assert names(got.wanted) == ["romance"] and names(got.unwanted) == ["vampire", "paranormal"]


def test_contractions_and_flipped_cues():
    got = read_instruction("an Indian dish that isn't too hot", values("Indian"))
    assert names(got.wanted) == ["indian"] and names(got.unwanted) == ["spicy"] and got.search_text == "Indian dish"
    assert names(read_instruction("a main dish without meat").wanted) == ["main course", "vegetarian"]
    assert read_instruction("a main dish without meat").search_text == "main dish vegetarian"
    assert names(read_instruction("a hearty meat dish").unwanted) == ["vegetarian"]
    assert names(read_instruction("something mild").unwanted) == ["spicy"]
    assert names(read_instruction("not for kids").unwanted) == ["children"]


def test_cues_come_before_catalog_values_made_of_their_words():
    # found on the test half: the movie tag "romantic comedy" hid the cues romance and comedy
    got = read_instruction("a romantic comedy", values("romantic comedy"))
    assert names(got.wanted) == ["romance", "comedy"]
    got = read_instruction("a dark comedy", values("dark comedy", "dark"))
    assert names(got.wanted) == ["dark", "comedy"]
    assert names(read_instruction("a self-help book", values("self-help")).wanted) == ["self help"]


def test_what_is_asked_outright_is_not_ruled_out_by_implication():
    got = read_instruction("funny and scary")
    assert names(got.wanted) == ["comedy", "scary"] and "comedy" not in names(got.unwanted)


def test_item_kind_words_and_stop_words_never_match_a_value():
    assert read_instruction("a book for the road", values("book", "the", "road")).wanted[0].name == "road"
    assert read_instruction("a book", values("book")).empty
    assert read_instruction(None).empty and read_instruction("   ").empty
    assert read_instruction("Something for a rainy Sunday").search_text == "Something for a rainy Sunday"


def test_every_excluded_concept_exists():
    assert all(name in CONCEPTS for _, _, excludes in CONCEPTS.values() for name in excludes)


# --- candidates ---------------------------------------------------------------------------------

def cand(n: int, title: str, properties: dict, signals: dict | None = None, vector=None) -> Candidate:
    v = np.zeros(4)
    v[n % 4] = 1.0
    return Candidate(UUID(int=n + 1), title, {"title": title, **properties}, n + 1, ("vector",),
                     v if vector is None else np.asarray(vector, dtype=float), dict(signals or {}))


MOVIES = [
    cand(0, "Kids Comedy", {"genres": ["Children", "Comedy"]}),
    cand(1, "Not Suitable for Children", {"genres": ["Comedy", "Romance"]}),
    cand(2, "Scary Spoof", {"genres": ["Comedy", "Horror"]}),
    cand(3, "Drama", {"genres": ["Drama"]}),
]


def test_fit_and_conflict_by_hand():
    intent, asked, signals = instruction_fit("something funny for kids", MOVIES)
    assert names(asked) == ["comedy", "children"]
    assert [s["instruction_fit"] for s in signals] == [1.0, 0.5, 0.5, 0.0]  # the title's "Children" counts for nothing
    assert [s["instruction_conflict"] for s in signals] == [0.0, 0.0, 1.0, 0.0]
    assert signals[0]["instruction_fit_values"] == ["Comedy", "Children"]
    assert signals[2]["instruction_conflict_values"] == ["Horror"]


def test_a_concept_no_candidate_carries_does_not_dilute_the_share():
    _, asked, signals = instruction_fit("a funny book for kids", MOVIES[1:])  # nobody here is for children
    assert names(asked) == ["comedy"] and [s["instruction_fit"] for s in signals] == [1.0, 1.0, 0.0]


def test_category_values_lists_repeated_short_strings_and_true_flags():
    dishes = [{"name": "Dal", "cuisine": "Indian", "spicy": False, "diet": ["vegan"], "description": "lentils, slow"},
              {"name": "Vindaloo", "cuisine": "Indian", "spicy": True, "diet": [], "description": "a fiery curry"}]
    assert categorical_properties(dishes) == {"cuisine"}  # names are unique, descriptions are long
    assert item_values(dishes[1], {"cuisine"}) == {("indian",): "Indian", ("spicy",): "spicy"}
    assert item_values(dishes[0], {"cuisine"}) == {("indian",): "Indian", ("vegan",): "vegan"}


# --- the ranker -----------------------------------------------------------------------------------

def rerank(instruction, pool, limit=4, **config):
    ranker = LocalRanker(LocalRankerConfig(mmr_lambda=1.0, **config))
    return ranker.rerank(PersonaSummary({}, (), (), ()), instruction, pool, limit, True, RankContext())


def test_fit_and_conflict_outweigh_the_words_of_the_instruction():
    # the title match has the highest instruction similarity; relevance by hand with the defaults:
    # like + 0.5 * similarity + 1 * fit - 2 * conflict (values matched, so the similarity weighs 0.5)
    sims = [0.40, 0.60, 0.55, 0.10]
    pool = [cand(i, c.title, {k: v for k, v in c.properties.items() if k != "title"},
                 {"like_similarity": 0.5, "instruction_similarity": s}) for i, (c, s) in enumerate(zip(MOVIES, sims))]
    decision = rerank("something funny for kids", pool)
    assert [decision.scores[u] for u in decision.order] == pytest.approx([1.7, 1.3, 0.55, -0.725])
    assert [c.title for c in pool if c.uuid == decision.order[0]] == ["Kids Comedy"]
    assert decision.order[-1] == pool[2].uuid  # the spoof: ruled out, below the drama that merely misses
    assert decision.details["weights"]["instruction"] == 0.5
    assert decision.details["instruction_reading"] == {"asks_for": ("comedy", "children"),
                                                       "rules_out": ("horror", "erotica"), "fitting": 3, "conflicting": 1}
    assert "instruction_fit" not in pool[0].signals  # the pool it was given is left as it was


def test_explanations_and_rationale_name_the_values_that_decided():
    decision = rerank("something funny for kids", [c for c in MOVIES])
    by_title = {c.title: decision.explanations[c.uuid] for c in MOVIES}
    words, numbers = by_title["Kids Comedy"].split("\n")  # plain words first, then the numbers
    assert words.startswith("Has what you asked for ('Comedy', 'Children')")
    assert numbers.startswith("Has 'Comedy', 'Children', as the instruction asks (+1.00)")
    assert by_title["Scary Spoof"] == (
        "Held back: has 'Horror', which you asked to avoid; has what you asked for ('Comedy').\n"
        "Lowered by 2.00 for having 'Horror', which the instruction rules out; "
        "has 'Comedy', as the instruction asks (+0.50).")
    assert "+ 0.5 × instruction similarity" in decision.rationale
    assert "+ 1 × instruction fit − 2 × instruction conflict" in decision.rationale
    assert ("The instruction was read as: asks for comedy, children (3 candidate(s) carry some of it); rules out "
            "horror, erotica (1 candidate(s) lowered for it).") in decision.rationale


def test_an_instruction_the_agent_cannot_match_keeps_its_similarity_weight():
    decision = rerank("something for a rainy Sunday", MOVIES)
    assert decision.details["weights"]["instruction"] == 3.0
    assert "named nothing the agent matches to catalog values" in decision.rationale
    assert "instruction fit" not in rerank(None, MOVIES).rationale


# --- planning -------------------------------------------------------------------------------------

LIKER = PersonaSummary({}, (Interest(UUID(int=99), "Liked", 1.0),), (), ())


def test_plan_for_an_instruction_with_concepts_and_likes():
    assert plan_searches(LIKER, "something funny for kids", 3) == [
        PlannedSearch("something funny for kids", "instruction", "hybrid"),
        PlannedSearch("comedy funny humor humorous humour children juvenile kid middle grade",
                      "catalog values for what the instruction asks for (comedy, children)", "bm25", depth=2),
        PlannedSearch("something funny for kids", "instruction, moved towards your likes", "near_text", 1.0, 3),
    ]


def test_plan_leaves_the_negated_part_out_and_needs_likes_to_move():
    got = plan_searches(PersonaSummary({}, (), (), ()), "a sci-fi movie without any romance", 3)
    assert got[0] == PlannedSearch("sci fi movie", "instruction without what it rules out ('any romance')", "hybrid")
    assert [s.method for s in got] == ["hybrid", "bm25"]  # no likes: nothing to move towards


def test_search_words_skip_variants_and_small_words():
    words = search_words(read_instruction("something funny").wanted[0])
    assert words == ["comedy", "funny", "humor", "humorous", "humour"]  # not "dark", "black" of "dark comedy"


# --- the searcher's move towards the likes --------------------------------------------------------

class FixedEmbedder:
    dims = 4

    def embed_queries(self, texts):
        return np.array([[1.0, 0, 0, 0]] * len(texts), dtype=np.float32)


def test_a_moved_search_finds_the_query_near_the_likes(store):
    liked = store.iter_items("Things", offset=4, limit=1)[0].uuid  # e = [0, 0, 1, 0]
    searcher = Searcher(store, "Things", FixedEmbedder(), filters=None, exclude={liked}, likes=[liked])
    plain = searcher.run(PlannedSearch("q", "test", "near_text"), 2)
    moved = searcher.run(PlannedSearch("q", "test", "near_text", toward_likes=1.0), 2)
    assert [h.uuid for h in plain] == [h.uuid for h in moved]  # a and b lead both ...
    q = np.array([0.5, 0, 0.5, 0]) / np.linalg.norm([0.5, 0, 0.5, 0])  # ... but the moved query is half way to e
    assert moved[0].score == pytest.approx(q[0], abs=1e-6) and isinstance(moved[0], Hit)
    assert plain[0].score == pytest.approx(1.0, abs=1e-6)
