"""Weaviate class names for the store's collections (pure).

A catalog ``Movies`` keeps its personas in ``Movies_Personas``, its interactions in
``Movies_Interactions`` and its learned behaviour vectors in ``Movies_Behaviour`` (another learned
model ``x``: ``Movies_Behaviour_x``); one ``PersonalizationAgentMeta`` collection per cluster holds
every catalog's agent config, settings, learned-vector metadata and data version. A store made with
``prefix="Lab_"`` puts all of them under that prefix (``Lab_Movies``, ``Lab_PersonalizationAgentMeta``),
so several applications (or test runs) share one cluster without seeing each other's collections.
Side collections are named from the *physical* catalog (after an alias is resolved), so repointing an
alias switches the catalog and everything named from it at once.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from core.checks import describe
from core.errors import InvalidInputError

CLASS_NAME = re.compile(r"^[A-Z][_0-9A-Za-z]*$")
"""Weaviate's rule for collection (class) names."""
PREFIX = re.compile(r"^([A-Z][_0-9A-Za-z]*)?$")
META = "PersonalizationAgentMeta"
PERSONAS, INTERACTIONS, BEHAVIOUR = "Personas", "Interactions", "Behaviour"
SIDES = (PERSONAS, INTERACTIONS, BEHAVIOUR)
STAGED = re.compile(r"_staged_[0-9a-f]{12}$")
LEARNED_NAME = re.compile(r"^[A-Za-z][_0-9A-Za-z]*$")
VECTOR_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,230}$")
"""Weaviate's rule for named vectors (and property names)."""


def class_name(name: Any, what: str = "collection name") -> str:
    """``name`` checked against Weaviate's class-name rule (a capital letter, then letters, digits, ``_``)."""
    if not isinstance(name, str) or not CLASS_NAME.match(name):
        raise InvalidInputError(f"{what} {describe(name)} is not a Weaviate collection name: it starts with a capital "
                                "letter (A-Z) followed by letters, digits or '_' (e.g. 'Movies')")
    return name


def vector_name(name: Any) -> str:
    """A named vector's name, checked against Weaviate's rule (letters, digits, ``_``; not starting with a digit)."""
    if not isinstance(name, str) or not VECTOR_NAME.match(name):
        raise InvalidInputError(f"{describe(name)} is not a Weaviate vector name: letters, digits and '_', not starting "
                                "with a digit")
    return name


def check_prefix(prefix: Any) -> str:
    if not isinstance(prefix, str) or not PREFIX.match(prefix):
        raise InvalidInputError(f"a collection prefix is empty or a Weaviate collection name start such as 'Lab_', "
                                f"got {describe(prefix)}")
    return prefix


def side(physical: str, kind: str) -> str:
    """The side collection ``kind`` (:data:`SIDES`) of the physical catalog collection ``physical``."""
    return f"{physical}_{kind}"


def learned_collection(physical: str, name: str) -> str:
    """The collection holding the learned vectors called ``name`` (``"behaviour"``: ``<physical>_Behaviour``)."""
    if not isinstance(name, str) or not LEARNED_NAME.match(name):
        raise InvalidInputError(f"learned vectors need a name of letters, digits and '_' starting with a letter, got "
                                f"{describe(name)}")
    return side(physical, BEHAVIOUR) if name == "behaviour" else f"{side(physical, BEHAVIOUR)}_{name}"


def staged_name(name: str) -> str:
    """A private name for a collection staged to become ``name``."""
    return f"{class_name(name)}_staged_{secrets.token_hex(6)}"


def is_staged(name: str) -> bool:
    return bool(STAGED.search(name))


def is_side(name: str, names: set[str]) -> bool:
    """Whether ``name`` is a side collection (personas, interactions, learned vectors) of one of ``names``."""
    for kind in SIDES:
        head, sep, tail = name.rpartition(f"_{kind}")
        if sep and head in names and (not tail or (kind == BEHAVIOUR and tail.startswith("_"))):
            return True
    return False


def visible(prefix: str, collections: set[str], published: dict[str, str]) -> list[str]:
    """The catalog names a store with ``prefix`` lists: its collections and published aliases, without the
    meta collection, side collections, staged ones and the physical collections behind aliases (sorted,
    prefix removed)."""
    hidden = {prefix + META} | set(published.values())
    names = set(collections) | set(published)
    shown = {n for n in names if n.startswith(prefix) and n not in hidden and not is_staged(n)
             and not is_side(n, names)}
    return sorted(n[len(prefix):] for n in shown)
