"""How well each candidate fits the instruction as :mod:`core.ranking.local.intent` reads it.

:func:`instruction_fit` collects the candidates' category values (list elements such as genres,
shelves or diets; short string properties that repeat across the pool such as a cuisine or a
course; the name of each property that is ``True`` such as ``spicy``), reads the instruction
against them, and gives every candidate two signals:

- ``instruction_fit``: the share of the asked-for concepts it carries, counting only concepts
  that at least one candidate carries (a concept of another catalog's vocabulary costs nothing);
  ``instruction_fit_values`` are its values that did it, as the catalog writes them;
- ``instruction_conflict``: 1 when it carries a value the instruction rules out, else 0;
  ``instruction_conflict_values`` are those values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.ranking.base import Candidate
from core.ranking.local.intent import Concept, Intent, Words, normalize, read_instruction


def item_values(properties: Mapping[str, Any], categorical: set[str]) -> dict[Words, str]:
    """An item's category values (normalized -> as written): list elements, the ``categorical``
    string properties, and the name of each property that is ``True``."""
    out: dict[Words, str] = {}
    for name, value in properties.items():
        if value is True:
            out.setdefault(normalize(name), name)
        elif isinstance(value, str) and name in categorical:
            out.setdefault(normalize(value), value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, str):
                    out.setdefault(normalize(v), v)
    out.pop((), None)
    return out


def categorical_properties(items: list[Mapping[str, Any]], max_words: int = 3) -> set[str]:
    """String properties that act as categories among ``items``: short (at most ``max_words``) and
    shared by at least two items (a title or an ID is unique, a cuisine or a course repeats)."""
    seen: dict[str, set[str]] = {}
    shared: set[str] = set()
    for properties in items:
        for name, value in properties.items():
            if isinstance(value, str) and 0 < len(value.split()) <= max_words:
                if value in seen.setdefault(name, set()):
                    shared.add(name)
                seen[name].add(value)
    return shared


@dataclass(frozen=True)
class Fit:
    """How one item meets an intent: the share of asked-for concepts it carries, and the values that decided."""

    share: float
    matched: tuple[str, ...]
    against: tuple[str, ...]


def fit(intent: Intent, values: Mapping[Words, str], asked: tuple[Concept, ...]) -> Fit:
    """``values`` (from :func:`item_values`) against ``intent``; ``asked`` are the wanted concepts that
    count (those some candidate carries), so the share is of those."""
    carried = [c for c in asked if c.values & values.keys()]
    matched = _written(carried, values)
    against = _written([c for c in intent.unwanted if c.values & values.keys()], values)
    return Fit(len(carried) / len(asked) if asked else 0.0, matched, against)


def _written(concepts: list[Concept], values: Mapping[Words, str]) -> tuple[str, ...]:
    """The item's own spelling of the values that carry ``concepts``, each once."""
    return tuple(dict.fromkeys(values[v] for c in concepts for v in sorted(c.values & values.keys())))


def instruction_fit(instruction: str | None, pool: Sequence[Candidate]) -> tuple[Intent, tuple[Concept, ...], list[dict]]:
    """The reading of ``instruction`` against ``pool``, the asked-for concepts that count, and each
    candidate's signals (module docstring)."""
    categorical = categorical_properties([c.properties for c in pool])
    values = [item_values(c.properties, categorical) for c in pool]
    intent = read_instruction(instruction, {v for vs in values for v in vs})
    asked = tuple(c for c in intent.wanted if any(c.values & vs.keys() for vs in values))
    signals = []
    for vs in values:
        f = fit(intent, vs, asked)
        signals.append({"instruction_fit": f.share, "instruction_fit_values": list(f.matched),
                        "instruction_conflict": 1.0 if f.against else 0.0,
                        "instruction_conflict_values": list(f.against)})
    return intent, asked, signals
