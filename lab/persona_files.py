"""A persona's history with its time decay, and its JSON export and import (the Personas page's tabs).

The decay numbers are the engine's own (``core.weighted_interactions``), so the table and the
chart show exactly the effective weights ``get_objects`` ranks with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from core import InvalidInputError, Persona, PersonalizationAgent, ReadLimits, WeightedInteraction, display_title, \
    to_datetime, weighted_interactions

from .persona_props import NAME, load_json, without_name
from .persona_ui import DraftInteraction, PersonaDraft, check_name, display_name, store_draft


# --- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One interaction of the history: the item's title and catalog ID, and the engine's weighting."""

    title: str
    item: Any
    interaction: WeightedInteraction

    @property
    def weight(self) -> float:
        return self.interaction.weight

    @property
    def created_at(self) -> datetime:
        return self.interaction.created_at

    @property
    def age_days(self) -> float:
        return self.interaction.age_days

    @property
    def decay(self) -> float:
        return self.interaction.decay

    @property
    def effective(self) -> float:
        return self.interaction.effective_weight


def history(agent: PersonalizationAgent, persona: UUID, decay_rate: float, now: datetime) -> list[HistoryRow]:
    """The persona's interactions, newest first, weighted at ``now`` by ``core.weighted_interactions``."""
    weighted = weighted_interactions(agent, persona, decay_rate=decay_rate, now=to_datetime(now, what="now"))
    items = agent.store.get_items(agent.collection, {w.item_id for w in weighted})
    fields = agent.store.get_collection(agent.collection).text_fields
    rows = []
    for w in weighted:
        props = items[w.item_id].properties if w.item_id in items else {}
        title = display_title(props, str(w.item_id), fields)
        rows.append(HistoryRow(title, props.get("original_id", str(w.item_id)), w))
    return rows


def history_table(rows: Sequence[HistoryRow]) -> list[dict[str, Any]]:
    return [{"title": r.title, "item id": str(r.item), "weight": r.weight, "when (UTC)": r.created_at,
             "age (days)": round(r.age_days, 2), "decay factor": round(r.decay, 4),
             "effective weight": round(r.effective, 4)} for r in rows]


# --- export / import -----------------------------------------------------------------------------


def export_persona(agent: PersonalizationAgent, persona: Persona) -> dict[str, Any]:
    """``{"name", "properties", "interactions": [{"item_id", "title", "weight", "created_at"}]}``, oldest first;
    ``item_id`` is the catalog's own ID, ``created_at`` ISO-8601 UTC; ``title`` is for people and ignored on import."""
    rows = history(agent, persona.persona_id, 0.0, datetime.now().astimezone())
    properties = {k: v for k, v in persona.properties.items() if k != NAME}
    return {NAME: display_name(persona), "properties": properties,
            "interactions": [{"item_id": r.item, "title": r.title, "weight": r.weight,
                              "created_at": r.created_at.isoformat().replace("+00:00", "Z")} for r in reversed(rows)]}


def file_name(name: str) -> str:
    """A safe download file name for a persona called ``name``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"persona-{slug or 'unnamed'}.json"


def export_json(agent: PersonalizationAgent, persona: Persona) -> str:
    return json.dumps(export_persona(agent, persona), ensure_ascii=False, indent=2)


def parse_import(text: str, name: str | None = None) -> PersonaDraft:
    """A draft from exported JSON; ``name`` (if given) replaces the file's name."""
    if len(text) > (limit := ReadLimits.from_env().max_bytes):
        raise InvalidInputError(f"the persona file has {len(text):,} characters, more than the limit of {limit:,} "
                                "(PERSONALIZATION_MAX_FILE_MB)")
    data = load_json(text, "the persona file is")
    if not isinstance(data, dict):
        raise InvalidInputError(f"a persona file is a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - {NAME, "properties", "interactions"})
    if unknown:
        raise InvalidInputError(f"unknown fields {unknown}; a persona file has name, properties and interactions")
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise InvalidInputError("properties must be a JSON object")
    interactions = data.get("interactions") or []
    if not isinstance(interactions, list):
        raise InvalidInputError("interactions must be a JSON array")
    return PersonaDraft(check_name(name if name and name.strip() else data.get(NAME)), without_name(properties),
                        tuple(_draft_interaction(n, it) for n, it in enumerate(interactions)))


def _draft_interaction(n: int, it: Any) -> DraftInteraction:
    if not isinstance(it, dict) or "item_id" not in it or "weight" not in it:
        raise InvalidInputError(f"interactions[{n}] must be an object with item_id and weight, got {repr(it)[:80]}")
    try:
        when = to_datetime(it["created_at"]) if it.get("created_at") is not None else None
    except (InvalidInputError, OverflowError) as exc:  # OverflowError: past the year 9999 in UTC
        reason = exc if isinstance(exc, InvalidInputError) else f"created_at {it['created_at']!r} is out of range"
        raise InvalidInputError(f"interactions[{n}]: {reason}") from None
    return DraftInteraction(it["item_id"], it["weight"], when)


def import_persona(agent: PersonalizationAgent, text: str, name: str | None = None) -> Persona:
    """Parse and store an exported persona: all of it, or nothing."""
    return store_draft(agent, parse_import(text, name))


