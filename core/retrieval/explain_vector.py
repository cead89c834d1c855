"""Explanations built only from the numbers that produced a ranking, in plain words first.

Nothing here guesses: each reason is one signal the scorer computed (which liked item an item is
closest to and how close, which dislike pulled it down and by how much, which persona terms it
matched, how many personas liked it). Every explanation and rationale has two lines (see
:func:`compose`): the first says the reasons in plain words, without numbers; the second says the
same reasons, in the same order, with the numbers behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.models import GetObjectsOptions
from core.retrieval.profile import Profile

MENTION = 0.01
"""The smallest score contribution (popularity, property match) worth a reason."""


@dataclass(frozen=True)
class Phrase:
    """One reason, twice: ``words`` for people (no numbers, no jargon) and ``numbers`` for checking."""

    words: str
    numbers: str


def compose(phrases: list[Phrase], fallback: Phrase) -> str:
    """``"<Words>; <words>.\\n<Numbers>; <numbers>."``: plain words on the first line, the numbers on
    the second (``fallback`` when there is no phrase)."""
    chosen = phrases or [fallback]
    return sentence(p.words for p in chosen) + "\n" + sentence(p.numbers for p in chosen)


def sentence(parts: Any) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def liked_words(value: float, title: str | None) -> str:
    """Plain words for the like part of a score: helped (``value > 0``) or not."""
    if value > 0:
        return f"close to what you liked ({title})" if title else "close to what you liked"
    return "not much like what you liked"


def disliked_words(value: float, title: str | None) -> str:
    """Plain words for the dislike part: ``value < 0`` held the item back, ``> 0`` lifted it."""
    what = f" ({title})" if title else ""
    return f"a bit like something you disliked{what}, which held it back" if value < 0 else \
        f"less like what you disliked{what}"


def item_explanation(signals: dict[str, Any]) -> str:
    """The reasons present in ``signals``, strongest contribution first (text searches last)."""
    scored: list[tuple[float, Phrase]] = blend_phrases(signals) if "behaviour_part" in signals else []
    like = signals.get("nearest_like") if "behaviour_part" not in signals else None
    if like:
        part = float(signals.get("like_similarity", signals.get("vector_score", 0.0)))
        scored.append((part, Phrase(liked_words(part, like), f"closest to your like '{like}' "
                                                             f"(similarity {signals['nearest_like_similarity']:.2f})")))
    penalty = float(signals.get("dislike_penalty", 0))
    if penalty > 0 and signals.get("nearest_dislike"):
        scored.append((penalty, Phrase(
            disliked_words(-penalty, signals["nearest_dislike"]),
            f"lowered by {penalty:.2f} for resembling your dislikes (closest: '{signals['nearest_dislike']}', "
            f"similarity {signals['nearest_dislike_similarity']:.2f})")))
    if signals.get("matched_terms") and signals.get("property_boost", 0) >= MENTION:
        terms = ", ".join(map(str, signals["matched_terms"]))
        scored.append((signals["property_boost"], Phrase(
            f"matches your profile ({terms})",
            f"matches your persona's {', '.join(repr(t) for t in signals['matched_terms'])} "
            f"(+{signals['property_boost']:.2f})")))
    if signals.get("popularity_boost", 0) >= MENTION:
        scored.append((signals["popularity_boost"], Phrase(
            "popular with other users",
            f"liked by {int(signals['liked_by'])} persona(s) (popularity +{signals['popularity_boost']:.2f})")))
    phrases = [p for _, p in sorted(scored, key=lambda sp: -abs(sp[0]))]
    if signals.get("bm25_terms"):
        terms = ", ".join(map(str, signals["bm25_terms"]))
        phrases.append(Phrase(f"found by a text search for your profile ({terms})",
                              f"found by a text search for your persona's terms {signals['bm25_terms']}"))
    return compose(phrases, Phrase("no single reason stood out", f"score {signals.get('score', 0):.2f}"))


def blend_phrases(signals: dict[str, Any]) -> list[tuple[float, Phrase]]:
    """The ``blend`` strategy's parts of one item's score: behaviour, content (popularity is added by the caller)."""
    scored: list[tuple[float, Phrase]] = []
    part = float(signals.get("behaviour_part", 0.0))
    if signals.get("because_of") and part >= MENTION:
        who = signals["because_of"]
        scored.append((part, Phrase(f"people who liked {who} also liked this",
                                    f"people who liked '{who}' also liked this ({signals['because_of_part']:.2f} of "
                                    f"its behaviour score +{part:.2f}, similarity "
                                    f"{signals['behaviour_similarity']:.2f})")))
    content = float(signals.get("content_part", 0.0))
    if signals.get("nearest_like") and abs(content) >= MENTION:
        like = signals["nearest_like"]
        scored.append((content, Phrase(liked_words(content, like) + " in content",
                                       f"close to your like '{like}' in content (similarity "
                                       f"{signals['nearest_like_similarity']:.2f}; content {content:+.2f})")))
    return scored


def blend_sentence(details: dict[str, Any]) -> str:
    """How a ``blend`` list was scored, from the vector search's trace details."""
    w = details.get("blend") or {}
    model = details.get("behaviour_model")
    behaviour = (f"{w.get('behaviour', 0):g} × behaviour similarity (learned from every persona's likes; "
                 f"{details.get('known_likes', 0)} of this persona's likes known to the model, weight used "
                 f"{details.get('behaviour_weight', 0):g})" if model else
                 "no behaviour part (no behaviour model trained yet)")
    return (f" Score = {w.get('content', 0):g} × content similarity + {behaviour} + {w.get('popularity', 0):g} × "
            f"popularity; weights: {details.get('blend_source')}.")


def rationale(strategy: str, profile: Profile | None, options: GetObjectsOptions, cold_start: str | None,
              popularity_weight: float = 0.0) -> str:
    """The overall statement of how this vector-only list was made (plain words, then the details)."""
    if cold_start:
        return f"Vector-only ranking is unavailable for this persona: {cold_start}"
    likes, dislikes = len(profile.positive), len(profile.negative)
    words = ["ranked by how close each item is to what you liked" if likes else
             "ranked by how far each item is from what you disliked"]
    if likes and dislikes:
        words.append("items like what you disliked rank lower")
    if popularity_weight:
        words.append("items popular with other users get a boost")
    text = (f"Vector-only ranking with the '{strategy}' strategy from the persona's {len(profile.interactions)} most "
            f"recent interactions ({likes} likes, {dislikes} dislikes), decay_rate {options.decay_rate:g}"
            f"{f', popularity_weight {popularity_weight:g}' if popularity_weight else ''}.")
    if dislikes:
        text += " Items similar to dislikes are ranked lower."
    return sentence(words) + "\n" + text
