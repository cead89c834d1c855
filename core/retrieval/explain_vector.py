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

from core.configs import PipelineConfig
from core.models import GetObjectsOptions
from core.retrieval.cold_start import BM25, CATALOG_ORDER, MOST_LIKED
from core.retrieval.profile import Profile

MENTION = 0.01
"""The smallest score contribution (popularity, property match) worth a reason."""


@dataclass(frozen=True)
class Phrase:
    """One reason, twice: ``words`` for people (no numbers, no jargon) and ``numbers`` for checking."""

    words: str
    numbers: str


@dataclass(frozen=True)
class Route:
    """The path a vector-only list took, as its rationale names it."""

    strategy: str | None
    """The strategy that scored the list; None for a cold start."""
    terms: tuple[str, ...] = ()
    """The persona terms a cold start's BM25 search looked for."""
    sources: tuple[tuple[str, int], ...] = ()
    """How many returned items came from each source (the strategy's name, or a cold-start source)."""
    bm25_hits: int = 0

    def count(self, source: str) -> int:
        return dict(self.sources).get(source, 0)

    @property
    def returned(self) -> int:
        return sum(n for _, n in self.sources)


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
    elif signals.get("source") == MOST_LIKED:
        scored.append((0.0, Phrase("popular with other users",
                                   f"liked by {int(signals['liked_by'])} persona(s) (cold start: most liked first)")))
    phrases = [p for _, p in sorted(scored, key=lambda sp: -abs(sp[0]))]
    if signals.get("bm25_terms"):
        terms = ", ".join(map(str, signals["bm25_terms"]))
        phrases.append(Phrase(f"found by a text search for your profile ({terms})",
                              f"found by a text search for your persona's terms {signals['bm25_terms']} "
                              f"(+{signals.get('bm25_boost', 0):.2f})"))
    if signals.get("source") == CATALOG_ORDER:
        phrases.append(Phrase("added to fill the list",
                              "topped up in catalog order: not liked by anyone, no text match"))
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


def rationale(profile: Profile, options: GetObjectsOptions, route: Route,
              config: PipelineConfig = PipelineConfig(), popularity_weight: float | None = None) -> str:
    """How this vector-only list was made, naming the path actually taken (plain words, then the details);
    ``popularity_weight``: the prior's weight the strategy used (default: ``config``'s)."""
    if not route.returned:
        nothing = Phrase("nothing in the catalog passes this request's filters and exclusions",
                         f"0 candidates after the filters and exclusions "
                         f"({f'strategy {route.strategy!r}' if route.strategy else 'cold start'})")
        return compose([nothing], nothing)
    if route.strategy is None:
        return _cold_start_rationale(profile, route, config)
    likes, dislikes = len(profile.positive), len(profile.negative)
    words = ["ranked by how close each item is to what you liked" if likes else
             "ranked by how far each item is from what you disliked"]
    if likes and dislikes:
        words.append("items like what you disliked rank lower")
    weight = config.popularity_weight if popularity_weight is None else popularity_weight
    if weight:
        words.append("items popular with other users get a boost")
    away = "" if likes else ", away from the dislikes,"
    prior = f", popularity_weight {weight:g}" if weight else ""
    text = (f"Vector-only ranking with the '{route.strategy}' strategy{away} from the persona's "
            f"{len(profile.interactions)} most recent interactions ({likes} likes, {dislikes} dislikes), decay_rate "
            f"{options.decay_rate:g}{prior}.")
    if dislikes:
        text += " Items similar to dislikes are ranked lower."
    if profile.decayed_away and profile.newest is not None:
        words.append("your interactions are all old, so each counts relative to your newest one")
        text += (f" All {len(profile.interactions)} interactions decayed away at decay_rate {options.decay_rate:g}: "
                 f"the newest is {profile.newest.age_days:,.0f} days old (decay {profile.newest.decay:.2g}), so they "
                 "are weighed relative to the newest.")
    return sentence(words) + "\n" + text


def _cold_start_rationale(profile: Profile, route: Route, config: PipelineConfig) -> str:
    why = ("you have no likes or dislikes yet" if not profile.interactions else
           "your interactions all have weight 0")
    whence = (f"the persona's {len(profile.interactions)} interactions all have weight 0" if profile.interactions
              else "no interactions")
    liked, matched, filled = route.count(MOST_LIKED), route.count(BM25), route.count(CATALOG_ORDER)
    words, numbers = [f"a cold start: {why}"], []
    if liked:
        words.append("these are the items other users liked most")
        numbers.append(f"{liked} from the most liked by other personas (cold_start_popularity_weight "
                       f"{config.cold_start_popularity_weight:g} × popularity; ties by like count)")
    if route.terms:
        quoted = ", ".join(repr(t) for t in route.terms)
        words.append(f"re-ordered by your profile ({', '.join(route.terms)})")
        hits = f"{route.bm25_hits} hit{'' if route.bm25_hits == 1 else 's'}"
        numbers.append(f"BM25 over the persona terms {quoted} ({hits}, +{config.cold_start_bm25_weight:g} × bm25 / "
                       f"best; {matched} returned only through it) and the persona-property boost "
                       f"(property_weight {config.property_weight:g} × share of terms matched)")
    if filled:
        words.append("nothing else qualified, so the catalog's own order fills the list" if filled == route.returned
                     else f"{filled} more fill the list in catalog order")
        numbers.append(f"{filled} topped up in catalog order")
    return sentence(words) + "\n" + f"Cold start ({whence}): " + "; ".join(numbers) + "."
