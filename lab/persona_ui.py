"""What the Personas page does with personas, without widgets: create, edit, rate, store drafts, browse.

A persona's display name is its property ``"name"`` and its ID is ``core.to_uuid(name)``. Items are
referred to by their catalog's own ID (``original_id``, e.g. MovieLens ``movieId`` 260), which
``core.to_uuid`` turns into the item's UUID. Every function raises a ``core.PersonalizationError``
subclass naming the bad value; nothing here imports streamlit, so the page stays thin and this
module is tested directly. Property editing lives in ``lab.persona_props``; history, export and
import in ``lab.persona_files``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from core import (AlreadyExistsError, InvalidInputError, Item, NotFoundError, Persona, PersonaInteraction,
                  PersonalizationAgent, PersonalizationError, to_uuid)

from .persona_props import NAME, without_name


# --- personas ---------------------------------------------------------------------------------


def persona_id(name: str) -> UUID:
    return to_uuid(str(name).strip(), what="persona name")


def display_name(persona: Persona) -> str:
    return str(persona.properties.get(NAME) or persona.persona_id)


def create_persona(agent: PersonalizationAgent, name: str, properties: Mapping[str, Any]) -> Persona:
    """A new persona called ``name`` (:class:`AlreadyExistsError` if that name is taken)."""
    name = check_name(name)
    persona = Persona(persona_id=persona_id(name), properties={NAME: name, **without_name(dict(properties))})
    if agent.has_persona(persona.persona_id):
        raise AlreadyExistsError(f"a persona called {name!r} already exists")
    agent.add_persona(persona)
    return persona


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"a persona needs a name, got {name!r}")
    return name.strip()


def update_properties(agent: PersonalizationAgent, persona: Persona, properties: Mapping[str, Any]) -> Persona:
    """Replace ``persona``'s properties, keeping its display name."""
    kept = {NAME: persona.properties[NAME]} if NAME in persona.properties else {}
    updated = Persona(persona_id=persona.persona_id, properties={**kept, **without_name(dict(properties))})
    agent.update_persona(updated)
    return updated


def rate(agent: PersonalizationAgent, persona: UUID, item: UUID, weight: float, when: datetime | None = None,
         *, replace: bool = True) -> None:
    """Store one interaction (``when=None``: now); ``replace`` drops the persona's earlier ones with the item."""
    agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=item, weight=weight, replace_previous_interactions=replace,
                                               created_at=when)])


# --- drafts: a persona with its interactions, stored together ---------------------------------


@dataclass(frozen=True)
class DraftInteraction:
    item: Any
    """The catalog's own item ID (or the item's UUID)."""
    weight: float
    created_at: datetime | None = None


@dataclass(frozen=True)
class PersonaDraft:
    """A persona to be created together with its interactions (a demo or an imported file)."""

    name: str
    properties: dict[str, Any]
    interactions: tuple[DraftInteraction, ...] = ()


def store_draft(agent: PersonalizationAgent, draft: PersonaDraft) -> Persona:
    """Create the persona and its interactions, or (on any error) nothing.

    Everything is checked first (name free, weights and times valid, every item in the catalog);
    should storing the interactions still fail, the new persona is deleted again.
    """
    name = check_name(draft.name)
    pid = persona_id(name)
    rows = []
    for n, it in enumerate(draft.interactions):
        try:
            rows.append(PersonaInteraction(persona_id=pid, item_id=to_uuid(it.item, what="item_id"), weight=it.weight, created_at=it.created_at))
        except InvalidInputError as exc:
            raise InvalidInputError(f"interactions[{n}]: {exc}") from None
    missing = set(agent.store.missing_items(agent.collection, [r.item_id for r in rows]))
    if missing:
        unknown = [str(it.item) for it, r in zip(draft.interactions, rows) if r.item_id in missing]
        raise NotFoundError(f"{len(unknown)} item(s) are not in collection {agent.collection!r}: "
                            f"{', '.join(unknown[:5])}; nothing was stored")
    persona = create_persona(agent, name, draft.properties)
    try:
        if rows:
            agent.add_interactions(rows, create_persona_if_not_exists=False)
    except PersonalizationError:
        agent.delete_persona(pid)
        raise
    return persona


# --- catalog browsing --------------------------------------------------------------------------


def search_items(agent: PersonalizationAgent, text: str, limit: int = 20) -> list[tuple[Item, float | None]]:
    """Plain BM25 hits (no personalisation), best first; an empty query lists the first items."""
    if not text.strip():
        return [(item, None) for item in agent.store.iter_items(agent.collection, limit=limit)]
    hits = agent.store.bm25(agent.collection, text, limit)
    items = agent.store.get_items(agent.collection, [h.uuid for h in hits])
    return [(items[h.uuid], h.score) for h in hits if h.uuid in items]
