"""Explanations built only from the numbers that produced a ranking.

Nothing here guesses: each sentence quotes a signal the scorer computed (which liked item an
item is closest to and how close, which dislike pulled it down and by how much, which persona
terms it matched).
"""

from __future__ import annotations

from typing import Any


from core.models import GetObjectsOptions
from core.retrieval.profile import Profile

def item_explanation(signals: dict[str, Any]) -> str:
    """One sentence per signal that is present, joined."""
    parts = []
    if signals.get("nearest_like"):
        parts.append(f"closest to your like '{signals['nearest_like']}' (similarity {signals['nearest_like_similarity']:.2f})")
    if signals.get("dislike_penalty", 0) > 0 and signals.get("nearest_dislike"):
        parts.append(f"lowered by {signals['dislike_penalty']:.2f} for resembling your dislikes "
                     f"(closest: '{signals['nearest_dislike']}', similarity {signals['nearest_dislike_similarity']:.2f})")
    if signals.get("matched_terms"):
        parts.append(f"matches your persona's {', '.join(repr(t) for t in signals['matched_terms'])} "
                     f"(+{signals['property_boost']:.2f})")
    if signals.get("popularity_boost", 0) > 0:
        parts.append(f"liked by {int(signals['liked_by'])} persona(s) (popularity +{signals['popularity_boost']:.2f})")
    if signals.get("bm25_terms"):
        parts.append(f"found by a text search for your persona's terms {signals['bm25_terms']}")
    if not parts:
        return f"score {signals.get('score', 0):.2f}"
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def rationale(strategy: str, profile: Profile | None, options: GetObjectsOptions, cold_start: str | None) -> str:
    """The overall statement of how this vector-only list was made."""
    if cold_start:
        return f"Vector-only ranking is unavailable for this persona: {cold_start}"
    likes, dislikes = len(profile.positive), len(profile.negative)
    text = (f"Vector-only ranking with the '{strategy}' strategy from the persona's {len(profile.interactions)} most "
            f"recent interactions ({likes} likes, {dislikes} dislikes), decay_rate {options.decay_rate:g}.")
    if dislikes:
        text += " Items similar to dislikes are ranked lower."
    return text
