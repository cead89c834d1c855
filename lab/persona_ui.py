"""What the Personas page does, without widgets: property parsing, demo personas, history, JSON export/import.

A persona's display name is its property ``"name"`` and its ID is ``core.to_uuid(name)``. Items are
referred to by their catalog's own ID (``original_id``, e.g. MovieLens ``movieId`` 260), which
``core.to_uuid`` turns into the item's UUID. Every function raises a ``core.PersonalizationError``
subclass naming the bad value; nothing here imports streamlit, so the page stays thin and this
module is tested directly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from core import (AlreadyExistsError, InvalidInputError, Item, NotFoundError, Persona, PersonaInteraction,
                  PersonalizationAgent, PersonalizationError, decay_factor, display_title, to_datetime,
                  to_uuid)
from core.retrieval.profile import SECONDS_PER_DAY

NAME = "name"
_INT = re.compile(r"[+-]?\d+")

# --- property values: "a|b" -> list, numbers parsed -----------------------------------------


def parse_value(text: str) -> Any:
    """A property value typed as text: ``"a|b"`` → ``["a", "b"]``, ``"42"`` → 42, ``"0.5"`` → 0.5,
    ``true``/``false``/``null``, JSON starting with ``[``, ``{`` or ``"``; anything else stays text."""
    text = str(text).strip()
    if "|" in text and text[:1] not in '[{"':
        return [_scalar(part) for part in text.split("|") if part.strip()]
    return _scalar(text)


def _scalar(text: str) -> Any:
    text = text.strip()
    if _INT.fullmatch(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None and math.isfinite(number):
        return number
    if text in ("true", "false", "null") or text[:1] in '[{"':
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError:
            pass
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def format_value(value: Any) -> str:
    """The text :func:`parse_value` reads back as ``value`` (``"a|b"`` for lists, else JSON when needed)."""
    if isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value):
        text = "|".join(_json_text(v) for v in value)
    else:
        text = _json_text(value)
    return text if _same(parse_value(text), value) else json.dumps(value, ensure_ascii=False)


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _same(a: Any, b: Any) -> bool:  # type-strict: 1, 1.0 and True differ
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def rows_to_properties(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Properties from key/value rows (``{"key": ..., "value": ...}``); blank rows are skipped."""
    properties: dict[str, Any] = {}
    for n, row in enumerate(rows, start=1):
        key = _text(row.get("key"))
        value = _text(row.get("value"))
        if not key and not value:
            continue
        if not key:
            raise InvalidInputError(f"property row {n} has a value ({value!r}) but no name")
        if not value:
            raise InvalidInputError(f"property {key!r} has no value (delete the row to leave it out)")
        if key in properties:
            raise InvalidInputError(f"property {key!r} appears twice")
        properties[key] = parse_value(value)
    return _without_name(properties)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def json_to_properties(text: str) -> dict[str, Any]:
    """Properties from a JSON object."""
    try:
        properties = json.loads(text or "{}", parse_constant=_reject_constant)
    except ValueError as exc:
        raise InvalidInputError(f"properties are not valid JSON: {exc}") from None
    if not isinstance(properties, dict):
        raise InvalidInputError(f"properties must be a JSON object, got {type(properties).__name__}")
    return _without_name(properties)


def _without_name(properties: dict[str, Any]) -> dict[str, Any]:
    if NAME in properties:
        raise InvalidInputError(f"{NAME!r} is the persona's display name (its ID comes from it); "
                                "use another property name")
    return properties


def properties_to_rows(properties: Mapping[str, Any]) -> list[dict[str, str]]:
    """Key/value rows for an editor (the display name is left out: it is the persona's ID)."""
    return [{"key": k, "value": format_value(v)} for k, v in properties.items() if k != NAME]


def apply_editor_state(base: Sequence[Mapping[str, Any]], state: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``base`` rows with a ``st.data_editor`` edit state applied, in Streamlit's order: cell edits,
    deletions (positions in ``base``), then added rows (so a callback can read an editor's result)."""
    rows = [dict(r) for r in base]
    state = state or {}
    for pos, changes in (state.get("edited_rows") or {}).items():
        if 0 <= int(pos) < len(rows):
            rows[int(pos)].update(changes)
    deleted = {int(p) for p in state.get("deleted_rows") or ()}
    rows = [r for i, r in enumerate(rows) if i not in deleted]
    return rows + [dict(r) for r in state.get("added_rows") or ()]


# --- personas ---------------------------------------------------------------------------------


def persona_id(name: str) -> UUID:
    return to_uuid(str(name).strip(), what="persona name")


def display_name(persona: Persona) -> str:
    return str(persona.properties.get(NAME) or persona.persona_id)


def create_persona(agent: PersonalizationAgent, name: str, properties: Mapping[str, Any]) -> Persona:
    """A new persona called ``name`` (:class:`AlreadyExistsError` if that name is taken)."""
    name = _check_name(name)
    persona = Persona(persona_id=persona_id(name), properties={NAME: name, **_without_name(dict(properties))})
    if agent.has_persona(persona.persona_id):
        raise AlreadyExistsError(f"a persona called {name!r} already exists")
    agent.add_persona(persona)
    return persona


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"a persona needs a name, got {name!r}")
    return name.strip()


def update_properties(agent: PersonalizationAgent, persona: Persona, properties: Mapping[str, Any]) -> Persona:
    """Replace ``persona``'s properties, keeping its display name."""
    kept = {NAME: persona.properties[NAME]} if NAME in persona.properties else {}
    updated = Persona(persona_id=persona.persona_id, properties={**kept, **_without_name(dict(properties))})
    agent.update_persona(updated)
    return updated


def rate(agent: PersonalizationAgent, persona: UUID, item: UUID, weight: float, when: datetime | None = None,
         *, replace: bool = True) -> None:
    """Store one interaction (``when=None``: now); ``replace`` drops the persona's earlier ones with the item."""
    agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=item, weight=weight,
                                               replace_previous_interactions=replace,
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
    name = _check_name(draft.name)
    pid = persona_id(name)
    rows = []
    for n, it in enumerate(draft.interactions):
        try:
            rows.append(PersonaInteraction(persona_id=pid, item_id=to_uuid(it.item, what="item_id"),
                                           weight=it.weight, created_at=it.created_at))
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


# --- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    title: str
    item: Any
    weight: float
    created_at: datetime
    age_days: float
    decay: float

    @property
    def effective(self) -> float:
        return self.weight * self.decay


def history(agent: PersonalizationAgent, persona: UUID, decay_rate: float, now: datetime) -> list[HistoryRow]:
    """The persona's interactions, newest first, with their decay at ``now`` (``core.decay_factor``)."""
    now = to_datetime(now, what="now")
    stored = agent.get_interactions(persona, "all")
    items = agent.store.get_items(agent.collection, {s.item_id for s in stored})
    rows = []
    for s in stored:
        props = items[s.item_id].properties if s.item_id in items else {}
        age = (now - s.created_at).total_seconds() / SECONDS_PER_DAY
        rows.append(HistoryRow(display_title(props, str(s.item_id)), props.get("original_id", str(s.item_id)),
                               s.weight, s.created_at, age, decay_factor(age, decay_rate)))
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
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise InvalidInputError(f"the persona file is not valid JSON: {exc}") from None
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
    return PersonaDraft(_check_name(name if name and name.strip() else data.get(NAME)), _without_name(properties),
                        tuple(_draft_interaction(n, it) for n, it in enumerate(interactions)))


def _draft_interaction(n: int, it: Any) -> DraftInteraction:
    if not isinstance(it, dict) or "item_id" not in it or "weight" not in it:
        raise InvalidInputError(f"interactions[{n}] must be an object with item_id and weight, got {it!r}")
    try:
        when = to_datetime(it["created_at"]) if it.get("created_at") is not None else None
    except InvalidInputError as exc:
        raise InvalidInputError(f"interactions[{n}]: {exc}") from None
    return DraftInteraction(it["item_id"], it["weight"], when)


def import_persona(agent: PersonalizationAgent, text: str, name: str | None = None) -> Persona:
    """Parse and store an exported persona: all of it, or nothing."""
    return store_draft(agent, parse_import(text, name))


# --- catalog browsing --------------------------------------------------------------------------


def search_items(agent: PersonalizationAgent, text: str, limit: int = 20) -> list[tuple[Item, float | None]]:
    """Plain BM25 hits (no personalisation), best first; an empty query lists the first items."""
    if not text.strip():
        return [(item, None) for item in agent.store.iter_items(agent.collection, limit=limit)]
    hits = agent.store.bm25(agent.collection, text, limit)
    items = agent.store.get_items(agent.collection, [h.uuid for h in hits])
    return [(items[h.uuid], h.score) for h in hits if h.uuid in items]
