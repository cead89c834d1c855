"""The local agent (no LLM): planning rules, fusion, MMR and explanations, all by hand."""

from __future__ import annotations

from uuid import UUID

import numpy as np
import pytest

from core.errors import InvalidInputError
from core.retrieval.persona_match import persona_terms
from core.ranking.base import Candidate, PersonaSummary, PlannedSearch, RankContext
from core.ranking.local.ranker import LocalRanker, LocalRankerConfig, fuse, mmr
from core.ranking.local.plan import plan_searches

from .ranker_contract import RankerContract

# Unit vectors: A2 is a near-duplicate of A (cosine 0.96), B and C are orthogonal to A.
VEC = {"A": [1.0, 0.0, 0.0], "A2": [0.96, 0.28, 0.0], "B": [0.0, 1.0, 0.0], "C": [0.0, 0.0, 1.0]}
SIGNALS = {
    "A": {"like_similarity": 0.81, "nearest_like": "Toy Story", "nearest_like_similarity": 0.81,
          "dislike_penalty": 0.12, "nearest_dislike": "Saw", "nearest_dislike_similarity": 0.24,
          "popularity": 0.4, "liked_by": 12, "property_match": 0.5, "matched_terms": ("comedy",),
          "instruction_similarity": 0.62},
    "A2": {"like_similarity": 0.8, "popularity": 0.1, "liked_by": 1},
    "B": {"like_similarity": 0.7, "instruction_similarity": 0.6},
    "C": {"like_similarity": 0.1, "dislike_penalty": 0.3},
}
# relevance = 1*like - 1*dislike (+ 1*instruction) + 0.5*popularity + 0.1*property, by hand:
NO_INSTRUCTION = {"A": 0.81 - 0.12 + 0.2 + 0.05, "A2": 0.8 + 0.05, "B": 0.7, "C": 0.1 - 0.3}  # 0.94 0.85 0.7 -0.2
WITH_INSTRUCTION = {**NO_INSTRUCTION, "A": 0.94 + 0.62, "B": 0.7 + 0.6}
SOURCES = {"A": ("vector",), "A2": ("vector", "search: comedy"), "B": ("search: feel-good comedy",), "C": ("vector",)}
RANKS = {"A": 1, "A2": 2, "B": None, "C": 3}


def uid(n: int) -> UUID:
    return UUID(int=n + 1)


def pool() -> list[Candidate]:
    return [Candidate(uid(i), name, {"title": name}, RANKS[name], SOURCES[name], np.array(VEC[name]), dict(SIGNALS[name]))
            for i, name in enumerate(VEC)]


def rank(instruction=None, limit=4, explain=True, **config):
    config.setdefault("instruction", 1.0)  # the hand-computed values below use instruction weight 1
    return LocalRanker(LocalRankerConfig(**config)).rerank(PERSONA, instruction, pool(), limit, explain, RankContext())


def titles(decision) -> list[str]:
    by_id = {c.uuid: c.title for c in pool()}
    return [by_id[u] for u in decision.order]


def summary(properties: dict) -> PersonaSummary:
    return PersonaSummary(properties, (), (), tuple(persona_terms(properties)))


PERSONA = summary({})


# --- fusion -----------------------------------------------------------------------------------

def test_fusion_by_hand():
    assert fuse(pool(), False, LocalRankerConfig()) == pytest.approx(list(NO_INSTRUCTION.values()))
    assert fuse(pool(), True, LocalRankerConfig(instruction=1.0)) == pytest.approx(list(WITH_INSTRUCTION.values()))


def test_missing_signals_count_as_zero():
    bare = Candidate(uid(9), "bare", {}, None, (), np.array([1.0, 0, 0]), {"popularity": None})
    assert fuse([bare], True, LocalRankerConfig()) == pytest.approx([0.0])


def test_instruction_weight_is_ignored_without_an_instruction():
    for instruction in (None, "", "   "):
        decision = rank(instruction)
        assert decision.scores[uid(0)] == pytest.approx(NO_INSTRUCTION["A"])
        assert decision.details["weights"]["instruction"] == 0.0
    assert rank("something funny").scores[uid(0)] == pytest.approx(WITH_INSTRUCTION["A"])


def test_config_rejects_bad_weights_naming_them():
    with pytest.raises(InvalidInputError, match="popularity.*-1"):
        LocalRankerConfig(popularity=-1)
    with pytest.raises(InvalidInputError, match="mmr_lambda.*1.5"):
        LocalRankerConfig(mmr_lambda=1.5)


# --- MMR --------------------------------------------------------------------------------------

def test_lambda_one_is_pure_relevance_order():
    assert titles(rank(mmr_lambda=1.0)) == ["A", "A2", "B", "C"]


def test_near_duplicate_kept_or_replaced_exactly_where_the_numbers_cross():
    # Step 2, after A: A2 scores 0.85*lam - 0.96*(1 - lam), B scores 0.7*lam; they cross at lam = 0.96/1.11 = 0.8649.
    assert titles(rank(mmr_lambda=0.87))[:2] == ["A", "A2"]  # 0.7395 - 0.1248 = 0.6147 > 0.609
    assert titles(rank(mmr_lambda=0.86))[:2] == ["A", "B"]   # 0.731 - 0.1344 = 0.5966 < 0.602
    # lam = 0.8, step 3: A2 0.68 - 0.2*0.96 = 0.488 beats C -0.16 - 0 = -0.16.
    assert titles(rank(mmr_lambda=0.8)) == ["A", "B", "A2", "C"]


def test_penalty_is_the_similarity_to_the_closest_of_all_items_chosen_so_far():
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0.96, 0.28], [0, 0, 1.0]])
    # lam 0.8, step 3 after items 0 and 1: item 2 resembles item 1 (0.96): 0.68 - 0.2*0.96 = 0.488 < item 3's 0.56.
    assert mmr(np.array([1.0, 0.9, 0.85, 0.7]), vectors, 4, 0.8) == [0, 1, 3, 2]
    # A negative similarity is used as is: item 1 opposes item 0, 0.5*0.5 - 0.5*(-1) = 0.75 > 0.5*0.55 - 0 = 0.275.
    assert mmr(np.array([1.0, 0.5, 0.55]), np.array([[1.0, 0], [-1.0, 0], [0, 1.0]]), 2, 0.5) == [0, 1]


def test_no_variety_claim_when_penalties_did_not_decide():
    # lam 0: relevance is ignored, both penalties are 0 at step 1 and the tie goes to pool order, not to variety.
    cands = [Candidate(uid(i), f"t{i}", {}, i + 1, ("vector",), np.eye(2)[i], {"like_similarity": like})
             for i, like in enumerate((0.1, 0.9))]
    decision = LocalRanker(LocalRankerConfig(mmr_lambda=0.0)).rerank(PERSONA, None, cands, 2, True, RankContext())
    assert decision.order == [uid(0), uid(1)]
    assert all("variety" not in t for t in decision.explanations.values())


def test_ties_go_to_the_earlier_pool_item():
    vectors = np.eye(3)
    assert mmr(np.array([0.5, 0.5, 0.5]), vectors, 3, 0.8) == [0, 1, 2]
    assert mmr(np.array([0.2, 0.5, 0.5]), vectors, 2, 1.0) == [1, 2]


def test_mmr_rejects_bad_arguments_naming_them():
    with pytest.raises(InvalidInputError, match="lam.*-0.1"):
        mmr(np.zeros(2), np.eye(2), 1, -0.1)
    with pytest.raises(InvalidInputError, match="k.*-1"):
        mmr(np.zeros(2), np.eye(2), -1, 0.5)


def test_always_min_limit_pool_distinct_pool_items():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, limit = int(rng.integers(0, 12)), int(rng.integers(0, 15))
        X = rng.normal(size=(n, 4))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        cands = [Candidate(uid(i), f"t{i}", {}, i + 1, ("vector",), X[i],
                           {"like_similarity": float(rng.normal()), "dislike_penalty": float(rng.random())})
                 for i in range(n)]
        lam = float(rng.random())
        decision = LocalRanker(LocalRankerConfig(mmr_lambda=lam)).rerank(PERSONA, None, cands, limit, True, RankContext())
        assert len(decision.order) == len(set(decision.order)) == min(limit, n)
        assert set(decision.order) <= {c.uuid for c in cands}
        assert set(decision.scores) == set(decision.explanations) == set(decision.order)
        relevance = fuse(cands, False, LocalRankerConfig())
        pure = sorted(range(n), key=lambda i: -relevance[i])[:limit]  # stable: ties keep pool order
        assert mmr(relevance, X, limit, 1.0) == pure


def test_duplicate_candidates_and_bad_limits_are_rejected():
    twice = pool() + pool()[:1]
    with pytest.raises(InvalidInputError, match=r"\('A'\) twice"):
        LocalRanker().rerank(PERSONA, None, twice, 3, False, RankContext())
    with pytest.raises(InvalidInputError, match="limit.*-2"):
        LocalRanker().rerank(PERSONA, None, pool(), -2, False, RankContext())


def test_details_hold_weights_components_and_diversity_penalty():
    decision = rank(mmr_lambda=0.8)
    assert decision.details["weights"] == {"like": 1.0, "dislike": 1.0, "instruction": 0.0, "popularity": 0.5,
                                           "property": 0.1, "fit": 0.0, "conflict": 0.0}
    a2 = decision.details["items"][str(uid(1))]
    assert a2["like"] == 0.8 and a2["popularity"] == 0.05 and a2["dislike"] == 0.0
    assert a2["diversity_penalty"] == pytest.approx(0.192) and a2["similar_to"] == "A"
    assert decision.details["items"][str(uid(0))]["diversity_penalty"] == 0.0


# --- explanations -----------------------------------------------------------------------------

def test_explanation_quotes_the_contributing_signals_strongest_first():
    text = rank(mmr_lambda=0.8).explanations[uid(0)]
    # plain words first, then the same reasons in the same order with their numbers
    assert text == ("Close to what you liked (Toy Story); popular with other users; a bit like something you "
                    "disliked (Saw), which held it back; matches your profile (comedy).\n"
                    "Closest to your like 'Toy Story' (similarity 0.81); liked by 12 personas (popularity +0.20); "
                    "lowered by 0.12 for resembling your dislike 'Saw' (similarity 0.24); "
                    "matches your persona's 'comedy' (+0.05).")
    with_instruction = rank("something funny").explanations[uid(0)]
    assert "matches the instruction (similarity 0.62)" in with_instruction
    assert with_instruction.index("instruction") < with_instruction.index("liked by")  # 0.62 > 0.20


def test_explanations_never_mention_a_zero_signal():
    texts = rank(mmr_lambda=0.8).explanations
    assert "instruction" not in texts[uid(0)]  # it has a similarity, but no instruction was given
    assert "lowered" not in texts[uid(1)] and "matches your persona" not in texts[uid(1)]
    assert "popularity" not in texts[uid(2)] and "liked by" not in texts[uid(3)]
    assert texts[uid(3)] == ("A bit like something you disliked, which held it back; close to what you liked.\n"
                             "Lowered by 0.30 for resembling your dislikes; similar to your likes (similarity 0.10).")


def test_small_contributions_stay_below_the_mention_threshold():
    faint = Candidate(uid(9), "faint", {}, 1, ("vector",), np.array([1.0, 0, 0]),
                      {"like_similarity": 0.5, "property_match": 0.05})  # 0.1 * 0.05 = 0.005 < 0.01
    text = LocalRanker().rerank(PERSONA, None, [faint], 1, True, RankContext()).explanations[uid(9)]
    assert text == "Close to what you liked.\nSimilar to your likes (similarity 0.50)."


def test_explanation_shows_the_contribution_when_it_differs_from_the_quoted_signal():
    odd = Candidate(uid(9), "odd", {}, 1, ("vector",), np.array([1.0, 0, 0]),
                    {"like_similarity": 0.6, "nearest_like": "Up", "nearest_like_similarity": 0.8,  # decayed like
                     "instruction_similarity": -0.2, "dislike_penalty": -0.05, "property_match": 0.5})
    text = LocalRanker(LocalRankerConfig(instruction=1.0)).rerank(PERSONA, "calm", [odd], 1, True, RankContext()).explanations[uid(9)]
    assert text == ("Close to what you liked (Up); goes against your instruction; less like what you disliked; "
                    "matches your profile.\n"
                    "Closest to your like 'Up' (similarity 0.80, +0.60); goes against the instruction (similarity "
                    "-0.20); raised by 0.05 for being unlike your dislikes; matches 50% of your persona's terms (+0.05).")


def test_explanations_name_the_searches_and_the_diversity_moves():
    texts = rank(mmr_lambda=0.8).explanations
    assert "found by the search for 'feel-good comedy' (it was not in the vector-only list)" in texts[uid(2)]
    assert "chosen ahead of the more relevant 'A2' (0.85 vs 0.70) for variety (diversity penalty 0.00 vs 0.19)" \
        in texts[uid(2)]
    assert "found by the search for 'comedy'" in texts[uid(1)] and "not in the vector-only" not in texts[uid(1)]
    assert "placed lower for variety: resembles 'A' listed above it (similarity 0.96, diversity penalty 0.19)" \
        in texts[uid(1)]
    assert "variety" not in texts[uid(0)] and "search" not in texts[uid(0)]
    assert all("variety" not in t for t in rank(mmr_lambda=1.0).explanations.values())


def test_rationale_states_weights_searches_and_diversity():
    text = rank(mmr_lambda=0.8).rationale
    assert "relevance = 1 × like similarity − 1 × dislike penalty + 0.5 × popularity + 0.1 × property match" in text
    assert "(no instruction given)" in text and "4 of 4 candidates chosen by MMR with lambda 0.8" in text
    assert "2 of the chosen were found by extra searches (1 of them only there)" in text
    assert "Diversity moved 1 item(s)" in text
    assert "+ 1 × instruction similarity" in rank("funny", mmr_lambda=0.8).rationale
    assert "Diversity changed nothing" in rank(mmr_lambda=1.0).rationale
    assert "dissimilarity alone" in rank(mmr_lambda=0.0).rationale


def test_no_explanations_unless_asked_and_empty_pool():
    assert rank(explain=False).explanations == {}
    empty = LocalRanker().rerank(PERSONA, None, [], 5, True, RankContext())
    assert empty.order == [] and empty.explanations == {} and "Nothing to rank" in empty.rationale


# --- planning ---------------------------------------------------------------------------------

PROPS = {"favorite_genres": ["Comedy", "Drama", "comedy"], "age": 30, "city": "New York",
         "bio": "I enjoy slow science fiction films with strong characters"}


def test_plan_instruction_first_then_properties():
    assert plan_searches(summary(PROPS), "Something for a rainy Sunday", 5) == [
        PlannedSearch("Something for a rainy Sunday", "instruction", "hybrid"),
        PlannedSearch("Comedy Drama", "persona property 'favorite_genres'", "bm25"),
        PlannedSearch("New York", "persona property 'city'", "bm25"),
        PlannedSearch("I enjoy slow science fiction films with strong characters", "free text of persona property 'bio'",
                      "hybrid"),
    ]


def test_plan_respects_max_searches():
    assert [s.query for s in plan_searches(summary(PROPS), "rainy day", 2)] == ["rainy day", "Comedy Drama"]
    assert plan_searches(summary(PROPS), "rainy day", 0) == []
    with pytest.raises(InvalidInputError, match="max_searches.*-1"):
        plan_searches(summary(PROPS), None, -1)


def test_plan_deduplicates_queries_before_counting():
    # (no word of the vocabulary here: a "comedy" instruction would add the search for its catalog values)
    got = plan_searches(summary({"genres": ["Noir", "Drama"], "mood": "noir  drama", "city": "Oslo"}),
                        "NOIR drama", 2)
    assert [(s.query, s.reason) for s in got] == [("NOIR drama", "instruction"), ("Oslo", "persona property 'city'")]


def test_plan_nothing_to_search_for():
    assert plan_searches(summary({}), None, 3) == []
    assert plan_searches(summary({"age": 30, "vip": True, "tags": [], "note": " "}), "   ", 3) == []


def test_local_ranker_plan_delegates_to_the_rules():
    assert LocalRanker.name == "local agent (no LLM)"
    assert LocalRanker().plan(summary(PROPS), None, 1, RankContext()) == \
        [PlannedSearch("Comedy Drama", "persona property 'favorite_genres'", "bm25")]


class TestLocalRankerContract(RankerContract):
    @pytest.fixture(params=[LocalRankerConfig(), LocalRankerConfig(mmr_lambda=1.0, instruction=0.0)],
                    ids=["default", "no-mmr"])
    def ranker(self, request):
        return LocalRanker(request.param)
