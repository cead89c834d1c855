"""How the local agent reads an instruction: the catalog values it asks for and the ones it rules out.

:func:`read_instruction` is pure and follows these rules:

1. The text is lower-cased, ``n't`` becomes ``not``, and it is split into words and punctuation;
   plurals are folded (``kids`` -> ``kid``, ``comedies`` -> ``comedy``), as for catalog values.
2. Phrases are matched left to right, longest first, against the cues of
   :data:`core.ranking.local.vocabulary.CONCEPTS` and against the catalog values given
   (``values``: what the candidates carry, e.g. ``western`` or ``gluten free``). Cues come first:
   a catalog value is matched only where no cue starts and never across a word that starts one
   ("romantic comedy" is the cues romance and comedy, not the tag ``romantic comedy``); item-kind
   words (``movie``, ``dish``, ...) and stop words never match a value on their own.
3. A negation word (``no``, ``not``, ``without``, ``nothing`` ...) negates every phrase after it
   up to the end of the clause (punctuation or ``but``, ``and`` ...): "a western, but not a
   comedy" wants ``western`` and rules out ``comedy``. A negated cue with a ``-`` flips back
   ("no meat" asks for ``vegetarian``).
4. A concept asked for also rules out its ``excludes`` ("for kids" rules out horror).
5. ``search_text`` is the instruction without what its negations reach and without the negation
   words, for the instruction's search ("a sci-fi movie without any romance" searches "sci fi
   movie"; "a dessert, but not an Italian one" searches "dessert" even when no value is known).

Nothing here knows a catalog: the values come from the candidates
(:mod:`core.ranking.local.fit` collects them and scores each candidate against the reading).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from core.ranking.local.vocabulary import CLAUSE_ENDS, CONCEPTS, GENERIC, NEGATIONS
from core.text import WEAVIATE_STOPWORDS

Words = tuple[str, ...]

_TOKEN = re.compile(r"[^\W_]+|[,;.!?()]")
_PUNCT = frozenset(",;.!?()")
_NOT_PLURAL = frozenset("movies cookies series species news bus gas".split())


def fold(word: str) -> str:
    """A word's singular for matching (``kids`` -> ``kid``, ``comedies`` -> ``comedy``; ``class`` stays)."""
    if word in _NOT_PLURAL:
        return word[:-1] if word in ("movies", "cookies") else word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)  # catalog values repeat across candidates and requests
def normalize(text: str) -> Words:
    """A value or phrase as folded words without punctuation (``"Children-s"`` -> ``("children", "s")``)."""
    return tuple(fold(t) for t in _TOKEN.findall(text.lower()) if t not in _PUNCT)


@dataclass(frozen=True)
class Concept:
    """What an instruction asks for or rules out: a name and the normalized values that carry it."""

    name: str
    values: frozenset[Words]
    excludes: tuple[str, ...] = ()


def _vocabulary() -> tuple[dict[str, Concept], dict[Words, list[tuple[str, bool]]]]:
    concepts, cues = {}, {}
    for name, (cue_text, value_text, excludes) in CONCEPTS.items():
        values = frozenset(normalize(v) for v in value_text.split("|") if v)
        concepts[name] = Concept(name, values, excludes)
        for cue in cue_text.split("|"):
            cues.setdefault(normalize(cue.lstrip("-")), []).append((name, not cue.startswith("-")))
    return concepts, cues


VOCABULARY, CUES = _vocabulary()


@dataclass(frozen=True)
class Intent:
    """An instruction as read by :func:`read_instruction`: concepts wanted and ruled out, and its search text."""

    wanted: tuple[Concept, ...] = ()
    unwanted: tuple[Concept, ...] = ()
    search_text: str = ""
    negated: tuple[str, ...] = ()
    """What each negation reaches, as written (``("comedy",)`` for "not a comedy"), whether or not
    it names a concept: left out of ``search_text``, and quoted in the plan's reason."""

    @property
    def empty(self) -> bool:
        return not self.wanted and not self.unwanted


def read_instruction(instruction: str | None, values: Iterable[Words] = ()) -> Intent:
    """The concepts ``instruction`` asks for and rules out (rules in the module docstring)."""
    text = " ".join((instruction or "").split())
    raw = _TOKEN.findall(re.sub(r"n['’]t\b", " not", text, flags=re.IGNORECASE))
    words = [fold(t.lower()) for t in raw]
    direct = {v for v in values if v and not (len(v) == 1 and (v[0] in GENERIC or v[0] in WEAVIATE_STOPWORDS))}
    longest = max([len(p) for p in CUES] + [len(v) for v in direct] + [1])
    wanted, unwanted, keep, negated = {}, {}, [], []
    scope: list[str] | None = None  # the words under the open negation, None when none is open
    i = 0
    while i < len(words):
        span, refs = _match(words, i, longest, direct)
        piece = " ".join(raw[i:i + max(span, 1)])
        if not span and words[i] in NEGATIONS:
            scope = _close(scope, negated) or []
        elif not span and (words[i] in _PUNCT or words[i] in CLAUSE_ENDS):
            scope = _close(scope, negated)
        else:
            for concept, positive in refs:
                (wanted if positive != (scope is not None) else unwanted).setdefault(concept.name, concept)
            if scope is None:
                keep.append(piece)
            else:  # left out of the search; what a negation asks for ("no meat") is searched by name
                scope.append(piece)
                keep += [c.name for c, positive in refs if not positive]
        i += max(span, 1)
    _close(scope, negated)
    for concept in list(wanted.values()):
        for name in concept.excludes:
            if name not in wanted:  # what the instruction asks for outright is not ruled out by implication
                unwanted.setdefault(name, VOCABULARY[name])
    return Intent(tuple(c for n, c in wanted.items() if n not in unwanted), tuple(unwanted.values()),
                  _search_text(keep, text), tuple(negated))


def _match(words: list[str], i: int, longest: int, direct: set[Words]) -> tuple[int, list[tuple[Concept, bool]]]:
    """The phrase starting at word ``i``: its length and (concept, asked-for) pairs; (0, []) for none.

    A cue of the vocabulary comes first (the longest); a catalog value only where no cue starts, and
    never over a word that starts one, so a value made of cue words ("romantic comedy") or ending
    in one ("dark comedy") does not hide them.
    """
    n, refs = _cue(words, i, longest)
    if n:
        return n, refs
    for n in range(min(longest, len(words) - i), 0, -1):
        phrase = tuple(words[i:i + n])
        if phrase in direct and not any(_cue(words, j, longest)[0] for j in range(i + 1, i + n)):
            return n, [(Concept(" ".join(phrase), frozenset({phrase})), True)]
    return 0, []


def _cue(words: list[str], i: int, longest: int) -> tuple[int, list[tuple[Concept, bool]]]:
    for n in range(min(longest, len(words) - i), 0, -1):
        phrase = tuple(words[i:i + n])
        if phrase in CUES:
            return n, [(VOCABULARY[name], positive) for name, positive in CUES[phrase]]
    return 0, []


def _close(scope: list[str] | None, negated: list[str]) -> None:
    """End a negation's reach: its words, without stop words at the edges, join ``negated``."""
    if scope:
        text = _strip(scope)
        if text:
            negated.append(" ".join(text))


def _strip(kept: list[str]) -> list[str]:
    drop = WEAVIATE_STOPWORDS | CLAUSE_ENDS | _PUNCT
    while kept and kept[0].lower() in drop:
        kept = kept[1:]
    while kept and kept[-1].lower() in drop:
        kept = kept[:-1]
    return kept


def _search_text(kept: list[str], text: str) -> str:
    """The kept words without leading/trailing stop words and clause words; the whole instruction when
    no content word is left ("I do", from "I don't want anything spicy")."""
    kept = _strip(kept)
    content = [k for k in kept if len(k) > 2 and k.lower() not in WEAVIATE_STOPWORDS | CLAUSE_ENDS | GENERIC]
    return " ".join(k for k in kept if k not in _PUNCT) if content else text
