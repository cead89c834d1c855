"""The local agent's words: per-item explanations and the overall rationale, built from its numbers.

Explanations quote only what :mod:`core.ranking.local.ranker` computed: the fusion components whose
contribution is at least ``mention_threshold`` in size (strongest first; the instruction fit and
conflict name the item's own catalog values that decided them), the extra searches that
found the item, and, when MMR took it ahead of a more relevant item or passed it over, the
penalties that decided it. The rationale states the fusion formula with its weights, the MMR
trade-off, how many chosen items the extra searches found, what diversity changed and, with an
instruction, which concepts it was read as asking for and ruling out.

Both come in two lines (:func:`core.retrieval.explain_vector.compose`): plain words first, then
the same reasons with their numbers. Each fusion component has one entry in :data:`WORDING` (its
words for the rationale and its per-item phrase); a new component needs only its entry there
(one without an entry gets a generic phrase naming its label).

Nothing here imports :mod:`core.ranking.local.ranker` at run time (it imports this module); the config
and MMR steps arrive as arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.configs import LOCAL_COMPONENTS, LOCAL_LABELS
from core.ranking.base import Candidate
from core.ranking.local.fusion import LocalRankerConfig, number
from core.ranking.local.mmr import Step
from core.retrieval.explain_vector import Phrase, blend_phrases, compose, disliked_words, liked_words, sentence


def explain_item(pool: list[Candidate], step: Step, parts: dict[str, float], relevance: list[float],
                 passed_over: bool, threshold: float) -> str:
    """One chosen item's explanation: contributing components (strongest first), searches, diversity.

    ``parts`` maps each fusion component to its signed contribution to the item's relevance.
    """
    c = pool[step.pick]
    ranked = sorted(parts.items(), key=lambda nv: -abs(nv[1]))
    phrases = [wording(name).phrase(v, c.signals) for name, v in ranked if abs(v) >= threshold]
    phrases += _source_phrases(c)
    if step.promoted(relevance):
        phrases.append(Phrase("picked to add variety", (
            f"chosen ahead of the more relevant '{pool[step.best].title}' ({relevance[step.best]:.2f} vs "
            f"{relevance[step.pick]:.2f}) for variety (diversity penalty {step.penalty:.2f} vs "
            f"{step.best_penalty:.2f})")))
    if passed_over:
        phrases.append(Phrase(f"moved down to add variety (much like {pool[step.nearest].title}, listed above it)", (
            f"placed lower for variety: resembles '{pool[step.nearest].title}' listed above it "
            f"(similarity {step.similarity:.2f}, diversity penalty {step.penalty:.2f})")))
    return compose(phrases, Phrase("no single reason set it apart",
                                   f"no signal set it apart (relevance {relevance[step.pick]:.2f})"))


# --- one entry per fusion component -----------------------------------------------------------

@dataclass(frozen=True)
class Wording:
    """How a fusion component is said: ``summary`` names it in the rationale's plain words;
    ``phrase(contribution, signals)`` is its per-item reason (words and numbers)."""

    summary: str
    phrase: Callable[[float, dict[str, Any]], Phrase]


def _like(value: float, s: dict[str, Any]) -> Phrase:
    if "behaviour_part" in s:  # the blend strategy: its score's own parts
        parts = [p for _, p in sorted(blend_phrases(s), key=lambda sp: -abs(sp[0]))]
        if parts:
            return Phrase("; ".join(p.words for p in parts),
                          "; ".join(p.numbers for p in parts) + f" (blend score {value:+.2f})")
    title, sim = s.get("nearest_like"), number(s.get("nearest_like_similarity", s.get("like_similarity")))
    near = f"closest to your like '{title}'" if title else "similar to your likes"
    return Phrase(liked_words(value, title),
                  f"{near if value > 0 else 'far from your likes'} (similarity {sim:.2f}{_contribution(value, sim)})")


def _dislike(value: float, s: dict[str, Any]) -> Phrase:
    title = s.get("nearest_dislike")
    what = f"your dislike '{title}' (similarity {number(s.get('nearest_dislike_similarity')):.2f})" \
        if title else "your dislikes"
    return Phrase(disliked_words(value, title), f"lowered by {-value:.2f} for resembling {what}" if value < 0 else
                  f"raised by {value:.2f} for being unlike {what}")


def _instruction(value: float, s: dict[str, Any]) -> Phrase:
    sim = number(s.get("instruction_similarity"))
    verb = "matches" if value > 0 else "goes against"
    return Phrase("fits your instruction" if value > 0 else "goes against your instruction",
                  f"{verb} the instruction (similarity {sim:.2f}{_contribution(value, sim)})")


def _popularity(value: float, s: dict[str, Any]) -> Phrase:
    n = int(number(s.get("liked_by")))
    who = f"liked by {n} persona{'s' if n != 1 else ''}" if n else "popular"
    return Phrase("popular with other users" if value > 0 else "held back: less popular",
                  f"{who} (popularity {value:+.2f})")


def _property(value: float, s: dict[str, Any]) -> Phrase:
    terms = s.get("matched_terms")
    what = "your persona's " + ", ".join(repr(t) for t in terms) if terms else \
        f"{number(s.get('property_match')):.0%} of your persona's terms"
    words = f"matches your profile ({', '.join(map(str, terms))})" if terms else "matches your profile"
    return Phrase(words, f"matches {what} ({value:+.2f})")


def _fit(value: float, s: dict[str, Any]) -> Phrase:
    values = ", ".join(repr(v) for v in s.get("instruction_fit_values") or ())
    return Phrase(f"has what you asked for ({values})" if values else "has what you asked for",
                  f"has {values}, as the instruction asks ({value:+.2f})")


def _conflict(value: float, s: dict[str, Any]) -> Phrase:
    values = ", ".join(repr(v) for v in s.get("instruction_conflict_values") or ())
    return Phrase(f"held back: has {values}, which you asked to avoid" if values else "held back by your instruction",
                  f"lowered by {-value:.2f} for having {values}, which the instruction rules out")


WORDING: dict[str, Wording] = {
    "like": Wording("closeness to what you liked", _like),
    "dislike": Wording("distance from what you disliked", _dislike),
    "instruction": Wording("your instruction", _instruction),
    "popularity": Wording("popularity with other users", _popularity),
    "property": Wording("matches with your profile", _property),
    "fit": Wording("what your instruction asks for", _fit),
    "conflict": Wording("what your instruction rules out", _conflict),
}
"""Every fusion component's words, by its name in :data:`core.configs.LOCAL_COMPONENTS`."""


def wording(name: str) -> Wording:
    """``WORDING[name]``, or a generic wording naming the component's label."""
    if name in WORDING:
        return WORDING[name]
    label = dict(zip(LOCAL_COMPONENTS, LOCAL_LABELS)).get(name, name)
    return Wording(label, lambda v, s: Phrase(f"{'helped' if v > 0 else 'held back'} by its {label}",
                                              f"{label} ({v:+.2f})"))


def _contribution(value: float, quoted: float) -> str:
    return "" if f"{value:.2f}" == f"{quoted:.2f}" else f", {value:+.2f}"


_NEAR_SOURCE, _NEAR = "search near your likes:", " near your likes"


def _source_phrases(c: Candidate) -> list[Phrase]:
    """Which extra searches found ``c`` (sources ``"search: <query>"``, ``"search near your likes: <query>"``
    or ``"search <n>"``)."""
    searches = [s for s in c.sources if s.startswith("search")]
    queries = [s.split(":", 1)[1].strip() for s in searches if ":" in s]
    found = [f"the search for '{s.split(':', 1)[1].strip()}'{_NEAR if s.startswith(_NEAR_SOURCE) else ''}"
             if ":" in s else s for s in searches]
    if not found:
        return []
    tail = " (it was not in the vector-only list)" if c.original_rank is None else ""
    words = f"found by the agent's search for {' and '.join(queries)}" if queries else "found by the agent's searches"
    return [Phrase(words, f"found by {' and '.join(found)}{tail}")]


# --- the rationale ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """How the ranker read the instruction (:mod:`core.ranking.local.fit`): concepts asked for that some
    candidate carries, concepts ruled out, and how many candidates fit or conflict."""

    asks_for: tuple[str, ...]
    rules_out: tuple[str, ...]
    fitting: int
    conflicting: int

    @property
    def matched(self) -> bool:
        """Whether the reading met the candidates' values (then the similarity weighs ``instruction_with_values``)."""
        return bool(self.asks_for) or self.conflicting > 0


def rationale(config: LocalRankerConfig, given: bool, pool: list[Candidate], limit: int, steps: list[Step],
              relevance: list[float], reading: Reading | None = None) -> str:
    """The overall statement: the fusion and its weights, the MMR trade-off, searches and diversity,
    and how the instruction was read."""
    if not steps:
        return f"Nothing to rank: {len(pool)} candidate(s) in the pool and {limit} asked for."
    matched = reading is not None and reading.matched
    chosen = [pool[s.pick] for s in steps]
    searched = [c for c in chosen if _source_phrases(c)]
    only = sum(c.original_rank is None for c in searched)
    text = (f"Local agent (no LLM): relevance = {config.formula(given, matched)}"
            f"{'' if given else ' (no instruction given)'}; {len(steps)} of {len(pool)} candidates chosen by MMR "
            f"with lambda {config.mmr_lambda:g}.")
    text += f" {len(searched)} of the chosen were found by extra searches ({only} of them only there)."
    text += _diversity_summary(config.mmr_lambda, steps, relevance) + _reading_summary(reading)
    return _rationale_words(config, given, matched, len(steps), len(searched), steps, relevance) + "\n" + text


def _rationale_words(config: LocalRankerConfig, given: bool, matched: bool, chosen: int, searched: int,
                     steps: list[Step], relevance: list[float]) -> str:
    weights = dict(zip(LOCAL_COMPONENTS, config.weights(given, matched).tolist()))
    used = [wording(name).summary for name, w in weights.items() if w > 0]
    by = ", ".join(used[:-1]) + f" and {used[-1]}" if len(used) > 1 else (used[0] if used else "their order")
    words = [f"the local agent (no LLM) picked these {chosen} by {by}" if config.mmr_lambda > 0 else
             f"the local agent (no LLM) picked these {chosen} for variety alone"]
    if searched:
        words.append(f"{searched} came from its own searches")
    moved = sum(s.promoted(relevance) for s in steps) if config.mmr_lambda > 0 else 0
    if moved:
        words.append(f"{moved} moved up to add variety")
    return sentence(words)


def _reading_summary(reading: Reading | None) -> str:
    if reading is None:
        return ""
    if not reading.asks_for and not reading.rules_out:
        return " The instruction named nothing the agent matches to catalog values, so only its similarity counts."
    parts = []
    if reading.asks_for:
        parts.append(f"asks for {', '.join(reading.asks_for)} ({reading.fitting} candidate(s) carry some of it)")
    if reading.rules_out:
        parts.append(f"rules out {', '.join(reading.rules_out)} ({reading.conflicting} candidate(s) lowered for it)")
    return " The instruction was read as: " + "; ".join(parts) + "."


def _diversity_summary(lam: float, steps: list[Step], relevance: list[float]) -> str:
    if lam == 0:
        return " With lambda 0 relevance is ignored: items were picked by dissimilarity alone, ties in pool order."
    moved = sum(s.promoted(relevance) for s in steps)  # with lam > 0, every departure from relevance order
    if moved:
        return f" Diversity moved {moved} item(s) ahead of more relevant but more similar ones."
    return " Diversity changed nothing: the order is by relevance."
