"""The local agent's words: per-item explanations and the overall rationale, built from its numbers.

Explanations quote only what :mod:`core.ranking.local.ranker` computed: the fusion components whose
contribution is at least ``mention_threshold`` in size (strongest first; the instruction fit and
conflict name the item's own catalog values that decided them), the extra searches that
found the item, and, when MMR took it ahead of a more relevant item or passed it over, the
penalties that decided it. The rationale states the fusion formula with its weights, the MMR
trade-off, how many chosen items the extra searches found, what diversity changed and, with an
instruction, which concepts it was read as asking for and ruling out.

Nothing here imports :mod:`core.ranking.local.ranker` at run time (it imports this module); the config
and MMR steps arrive as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.ranking.base import Candidate
from core.ranking.local.fusion import LocalRankerConfig, number
from core.ranking.local.mmr import Step


def explain_item(pool: list[Candidate], step: Step, parts: dict[str, float], relevance: list[float],
                 passed_over: bool, threshold: float) -> str:
    """One chosen item's explanation: contributing components (strongest first), searches, diversity.

    ``parts`` maps each fusion component to its signed contribution to the item's relevance.
    """
    c = pool[step.pick]
    ranked = sorted(parts.items(), key=lambda nv: -abs(nv[1]))
    texts = [_component_text(name, v, c.signals) for name, v in ranked if abs(v) >= threshold]
    texts += _source_texts(c)
    if step.promoted(relevance):
        texts.append(f"chosen ahead of the more relevant '{pool[step.best].title}' ({relevance[step.best]:.2f} vs "
                     f"{relevance[step.pick]:.2f}) for variety (diversity penalty {step.penalty:.2f} vs "
                     f"{step.best_penalty:.2f})")
    if passed_over:
        texts.append(f"placed lower for variety: resembles '{pool[step.nearest].title}' listed above it "
                     f"(similarity {step.similarity:.2f}, diversity penalty {step.penalty:.2f})")
    if not texts:
        return f"No signal set it apart (relevance {relevance[step.pick]:.2f})."
    text = "; ".join(texts)
    return text[0].upper() + text[1:] + "."


def _component_text(name: str, value: float, s: dict[str, Any]) -> str:
    """The sentence for one contributing component, quoting its signal and, if different, its contribution."""
    if name == "like":
        title, sim = s.get("nearest_like"), number(s.get("nearest_like_similarity", s.get("like_similarity")))
        near = f"closest to your like '{title}'" if title else "similar to your likes"
        text = f"{near if value > 0 else 'far from your likes'} (similarity {sim:.2f}"
        return text + _contribution(value, sim) + ")"
    if name == "dislike":
        title = s.get("nearest_dislike")
        what = f"your dislike '{title}' (similarity {number(s.get('nearest_dislike_similarity')):.2f})" \
            if title else "your dislikes"
        return f"lowered by {-value:.2f} for resembling {what}" if value < 0 else \
            f"raised by {value:.2f} for being unlike {what}"
    if name == "instruction":
        sim = number(s.get("instruction_similarity"))
        verb = "matches" if value > 0 else "goes against"
        return f"{verb} the instruction (similarity {sim:.2f}" + _contribution(value, sim) + ")"
    if name == "popularity":
        n = int(number(s.get("liked_by")))
        who = f"liked by {n} persona{'s' if n != 1 else ''}" if n else "popular"
        return f"{who} (popularity {value:+.2f})"
    if name == "fit":
        values = ", ".join(repr(v) for v in s.get("instruction_fit_values") or ())
        return f"has {values}, as the instruction asks ({value:+.2f})"
    if name == "conflict":
        values = ", ".join(repr(v) for v in s.get("instruction_conflict_values") or ())
        return f"lowered by {-value:.2f} for having {values}, which the instruction rules out"
    terms = s.get("matched_terms")
    what = "your persona's " + ", ".join(repr(t) for t in terms) if terms else \
        f"{number(s.get('property_match')):.0%} of your persona's terms"
    return f"matches {what} ({value:+.2f})"


def _contribution(value: float, quoted: float) -> str:
    return "" if f"{value:.2f}" == f"{quoted:.2f}" else f", {value:+.2f}"


_NEAR_SOURCE, _NEAR = "search near your likes:", " near your likes"


def _source_texts(c: Candidate) -> list[str]:
    """Which extra searches found ``c`` (sources ``"search: <query>"``, ``"search near your likes: <query>"``
    or ``"search <n>"``)."""
    found = [f"the search for '{s.split(':', 1)[1].strip()}'{_NEAR if s.startswith(_NEAR_SOURCE) else ''}"
             if ":" in s else s for s in c.sources if s.startswith("search")]
    if not found:
        return []
    tail = " (it was not in the vector-only list)" if c.original_rank is None else ""
    return [f"found by {' and '.join(found)}{tail}"]


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
    text = (f"Local agent (no LLM): relevance = {config.formula(given, matched)}"
            f"{'' if given else ' (no instruction given)'}; {len(steps)} of {len(pool)} candidates chosen by MMR "
            f"with lambda {config.mmr_lambda:g}.")
    chosen = [pool[s.pick] for s in steps]
    searched = [c for c in chosen if _source_texts(c)]
    only = sum(c.original_rank is None for c in searched)
    text += f" {len(searched)} of the chosen were found by extra searches ({only} of them only there)."
    return text + _diversity_summary(config.mmr_lambda, steps, relevance) + _reading_summary(reading)


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
