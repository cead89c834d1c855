"""Personas and interactions in Weaviate collections next to the catalog (a mixin).

``<Catalog>_Personas``: one object per persona (its uuid is the persona id) with ``pa_json`` (the
properties exactly), ``pa_background``, ``pa_seq`` (creation order) and typed copies of the agent's
user properties (so they can be filtered in Weaviate). ``<Catalog>_Interactions``: one object per
interaction (``persona``, ``item``, ``weight``, ``created_at`` in unix seconds, ``seq``).

**Where Weaviate cannot be atomic, and what the store does instead.** Weaviate has no transactions.
Every input is validated before the first request; inserts come first and deletes last, and a batch
with any rejected object is removed again (:mod:`core.store.weaviate.batch`), so a failed
``add_interactions`` leaves neither its new personas nor its rows. Replaced pairs are deleted only
after the new rows are in: a failure there leaves old and new rows side by side (the error says so),
never neither. ``delete_persona`` deletes the interactions first, then the persona. Other readers can
see a write half-done while it runs.

A persona's interactions are read with offset paging under a filter, which Weaviate caps at
``QUERY_MAXIMUM_RESULTS`` (10,000 by default) per persona; ``scan_interactions`` uses the cursor
iterator and has no cap.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any
from uuid import UUID, uuid4

import numpy as np

from core.checks import check_flag, check_type, plain_json
from core.errors import AlreadyExistsError, NotFoundError
from core.models import Persona
from core.store.base import InteractionRow, InteractionScan, StoredInteraction
from core.store.inputs import check_seconds, check_weights
from core.store.weaviate import names
from core.store.weaviate.batch import delete_ids, insert_all
from core.store.weaviate.items import chunks, sequence_numbers
from core.store.weaviate.schema import ITEM_JSON, ITEM_SEQ, item_json, property_types, typed_values

_PERSONA_PROPS = [ITEM_JSON, ITEM_SEQ, "pa_background"]
_ROW_PROPS = ["persona", "item", "weight", "created_at", "seq"]


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class Personas:
    """Persona and interaction methods of the store protocol over Weaviate."""

    _client: Any

    def _side(self, collection: str, kind: str) -> tuple[str, Any]:
        physical = self._physical(collection)
        name = names.side(physical, kind)
        if not self._caches.side_exists(name, self._client.collections.exists):
            self._create_sides(physical, {})
        return physical, self._client.collections.get(name)

    def _persona_object(self, handle: Any, persona: Persona, background: bool, seq: int) -> Any:
        from weaviate.classes.data import DataObject
        props = plain_json(persona.properties, "persona properties")
        types = self._persona_types(handle)
        return DataObject(uuid=persona.persona_id, properties={
            **typed_values(props, types), ITEM_JSON: item_json(props), ITEM_SEQ: seq, "pa_background": background})

    def _persona_types(self, handle: Any) -> dict:
        return {k: v for k, v in property_types(handle.config.get()).items() if k not in _PERSONA_PROPS}

    def put_persona(self, collection: str, persona: Persona, *, must_exist: bool | None) -> None:
        check_type(persona, Persona, "persona")
        physical, handle = self._side(collection, names.PERSONAS)
        old = handle.query.fetch_object_by_id(persona.persona_id, return_properties=_PERSONA_PROPS)
        if must_exist is False and old is not None:
            raise AlreadyExistsError(f"persona {persona.persona_id} already exists")
        if must_exist is True and old is None:
            raise NotFoundError(f"persona {persona.persona_id} does not exist")
        if old is None:
            obj = self._persona_object(handle, persona, False, sequence_numbers(1)[0])
            insert_all(handle, [obj], "personas")
        else:  # an update keeps its place and its background flag
            obj = self._persona_object(handle, persona, bool(old.properties.get("pa_background")),
                                       int(old.properties.get(ITEM_SEQ) or 0))
            handle.data.replace(uuid=persona.persona_id, properties=obj.properties)
        self._changed(physical)

    def get_persona(self, collection: str, persona_id: UUID) -> Persona | None:
        _, handle = self._side(collection, names.PERSONAS)
        found = handle.query.fetch_object_by_id(persona_id, return_properties=[ITEM_JSON])
        return None if found is None else Persona(persona_id=persona_id,
                                                  properties=json.loads(found.properties.get(ITEM_JSON) or "{}"))

    def delete_persona(self, collection: str, persona_id: UUID) -> bool:
        from weaviate.classes.query import Filter
        physical, handle = self._side(collection, names.PERSONAS)
        if not handle.data.exists(persona_id):
            return False
        _, rows = self._side(collection, names.INTERACTIONS)
        rows.data.delete_many(where=Filter.by_property("persona").equal(persona_id))
        handle.data.delete_by_id(persona_id)
        self._changed(physical)
        return True

    def _all_personas(self, collection: str) -> list[tuple[int, bool, Persona]]:
        _, handle = self._side(collection, names.PERSONAS)
        out = [(int(o.properties.get(ITEM_SEQ) or 0), bool(o.properties.get("pa_background")),
                Persona(persona_id=_uuid(o.uuid), properties=json.loads(o.properties.get(ITEM_JSON) or "{}")))
               for o in handle.iterator(return_properties=_PERSONA_PROPS)]
        return sorted(out, key=lambda r: (r[0], r[2].persona_id.int))

    def list_personas(self, collection: str, *, background: bool | None = False) -> list[Persona]:
        want = None if background is None else check_flag(background, "background")
        return [p for _, bg, p in self._all_personas(collection) if want is None or bg == want]

    def count_personas(self, collection: str, *, background: bool | None = False) -> int:
        from weaviate.classes.query import Filter
        want = None if background is None else check_flag(background, "background")
        _, handle = self._side(collection, names.PERSONAS)
        filters = None if want is None else Filter.by_property("pa_background").equal(want)
        return int(handle.aggregate.over_all(total_count=True, filters=filters).total_count or 0)

    def add_interactions(self, collection: str, rows: Sequence[InteractionRow], *, default_time: datetime | None = None,
                         replace_pairs: Iterable[tuple[UUID, UUID]] = (), create_personas: Iterable[UUID | Persona] = (),
                         background: bool = False) -> None:
        from weaviate.classes.data import DataObject
        weights = check_weights(rows)
        created = [r.created_at for r in rows]
        stamp = check_seconds(created, default_time)
        wanted = {}
        for p in create_personas:
            persona = p if isinstance(p, Persona) else Persona(persona_id=check_type(p, UUID, "persona id"), properties={})
            wanted.setdefault(persona.persona_id, persona)
            plain_json(persona.properties, "persona properties")
        pairs = list(replace_pairs)
        physical, personas = self._side(collection, names.PERSONAS)
        _, interactions = self._side(collection, names.INTERACTIONS)
        involved = list({r.persona_id for r in rows} | set(wanted) | {p for p, _ in pairs})
        existing = set(self._existing(personas, involved))
        missing = next((r.persona_id for r in rows if r.persona_id not in existing and r.persona_id not in wanted), None)
        if missing is not None:
            raise NotFoundError(f"persona {missing} does not exist; nothing was stored")
        old = self._pair_rows(interactions, [(p, i) for p, i in pairs if p in existing])
        new = [wanted[u] for u in wanted if u not in existing]
        made = insert_all(personas, [self._persona_object(personas, p, bool(background), s)
                                     for p, s in zip(new, sequence_numbers(len(new)))], "personas")
        try:
            objects = [DataObject(uuid=uuid4(), properties={"persona": r.persona_id, "item": r.item_id, "weight": w,
                                                            "created_at": stamp[c], "seq": s})
                       for r, w, c, s in zip(rows, weights, created, sequence_numbers(len(rows)))]
            insert_all(interactions, objects, "interactions")
        except BaseException:
            delete_ids(personas, made)
            self._changed(physical)
            raise
        delete_ids(interactions, old)
        self._changed(physical)

    def _existing(self, handle: Any, ids: Sequence[UUID]) -> list[UUID]:
        out = []
        for part in chunks(list(ids)):
            found = handle.query.fetch_objects_by_ids(list(part), limit=len(part), return_properties=[])
            out += [_uuid(o.uuid) for o in found.objects]
        return out

    def _pair_rows(self, handle: Any, pairs: list[tuple[UUID, UUID]]) -> list[UUID]:
        """The interaction object ids of the (persona, item) ``pairs``."""
        wanted = set(pairs)
        out = []
        for persona in {p for p, _ in pairs}:
            out += [_uuid(o.uuid) for o in self._rows_of(handle, persona)
                    if (persona, _uuid(o.properties["item"])) in wanted]
        return out

    def _rows_of(self, handle: Any, persona_id: UUID) -> list[Any]:
        """Every interaction object of one persona (paged by offset)."""
        from weaviate.classes.query import Filter
        out, page = [], 1000
        while True:
            found = handle.query.fetch_objects(filters=Filter.by_property("persona").equal(persona_id), limit=page,
                                               offset=len(out), return_properties=_ROW_PROPS).objects
            out += found
            if len(found) < page:
                return out

    def recent_interactions(self, collection: str, persona_id: UUID, limit: int | None) -> list[StoredInteraction]:
        _, handle = self._side(collection, names.INTERACTIONS)
        rows = sorted(self._rows_of(handle, persona_id),
                      key=lambda o: (-float(o.properties["created_at"]), -int(o.properties.get("seq") or 0)))
        if limit is not None:
            rows = rows[:int(limit)]
        return [StoredInteraction(persona_id, _uuid(o.properties["item"]), float(o.properties["weight"]),
                                  datetime.fromtimestamp(float(o.properties["created_at"]), tz=timezone.utc))
                for o in rows]

    def interacted_items(self, collection: str, persona_id: UUID) -> set[UUID]:
        _, handle = self._side(collection, names.INTERACTIONS)
        return {_uuid(o.properties["item"]) for o in self._rows_of(handle, persona_id)}

    def scan_interactions(self, collection: str) -> InteractionScan:
        _, handle = self._side(collection, names.INTERACTIONS)
        rows = [(int(o.properties.get("seq") or 0), _uuid(o.properties["persona"]), _uuid(o.properties["item"]),
                 float(o.properties["weight"]), float(o.properties["created_at"]))
                for o in handle.iterator(return_properties=_ROW_PROPS)]
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return InteractionScan([], [], empty, empty, np.zeros(0, np.float32), np.zeros(0, np.float64))
        rows.sort(key=lambda r: r[0])
        _, personas, items, weights, times = zip(*rows)
        person_codes, person_index = np.unique(np.array([p.int for p in personas], dtype=object), return_inverse=True)
        item_codes, item_index = np.unique(np.array([i.int for i in items], dtype=object), return_inverse=True)
        return InteractionScan([UUID(int=int(c)) for c in person_codes], [UUID(int=int(c)) for c in item_codes],
                               person_index.astype(np.int64), item_index.astype(np.int64),
                               np.array(weights, dtype=np.float32), np.array(times, dtype=np.float64))
