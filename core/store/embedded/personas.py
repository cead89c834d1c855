"""The embedded store's personas and interactions (a mixin of :class:`~core.store.embedded.store.EmbeddedStore`).

Each write runs in one transaction (``self._tx()``), so a failure leaves the file as it was, and
tells the store that the collection changed (``self._changed``), which drops its memos. Background
personas (``personas.background = 1``) are stored like the others and only listed when asked.
"""

from __future__ import annotations

import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from uuid import UUID

import numpy as np

from core.checks import check_flag, check_type
from core.errors import AlreadyExistsError, NotFoundError
from core.models import Persona
from core.store.base import AppendedInteractions, InteractionRow, InteractionScan, StoredInteraction
from core.store.bulk import gc_paused
from core.store.inputs import check_seconds, check_weights, to_json


class PersonaTables:
    """Persona and interaction methods of the store protocol, over the ``personas`` and ``interactions`` tables."""

    _db: sqlite3.Connection

    def put_persona(self, collection: str, persona: Persona, *, must_exist: bool | None) -> None:
        """Insert (``must_exist=False``), update (``True``) or upsert (``None``) a persona."""
        props = to_json(check_type(persona, Persona, "persona").properties, "persona properties")
        with self._tx() as db:
            cid = self._cid(collection)
            exists = db.execute("SELECT 1 FROM personas WHERE cid=? AND persona_id=?",
                                (cid, persona.persona_id.bytes)).fetchone() is not None
            if must_exist is False and exists:
                raise AlreadyExistsError(f"persona {persona.persona_id} already exists")
            if must_exist is True and not exists:
                raise NotFoundError(f"persona {persona.persona_id} does not exist")
            db.execute("INSERT INTO personas(cid, persona_id, properties) VALUES (?,?,?) ON CONFLICT(cid, persona_id)"
                       " DO UPDATE SET properties = excluded.properties",
                       (cid, persona.persona_id.bytes, props))
            self._changed(collection)

    def get_persona(self, collection: str, persona_id: UUID) -> Persona | None:
        with self._lock:
            row = self._db.execute("SELECT properties FROM personas WHERE cid=? AND persona_id=?",
                                   (self._cid(collection), persona_id.bytes)).fetchone()
        return None if row is None else Persona(persona_id=persona_id, properties=json.loads(row[0]))

    def delete_persona(self, collection: str, persona_id: UUID) -> bool:
        with self._tx() as db:
            cid = self._cid(collection)
            key = self._persona_keys(db, cid, [persona_id]).get(persona_id.bytes)
            if key is None:
                return False
            db.execute("DELETE FROM interactions WHERE persona=?", (key,))
            db.execute("DELETE FROM personas WHERE pk=?", (key,))
            self._changed(collection)
        return True

    def list_personas(self, collection: str, *, background: bool | None = False) -> list[Persona]:
        where, args = _which(background)
        with self._lock:
            rows = self._db.execute(f"SELECT persona_id, properties FROM personas WHERE cid=?{where} ORDER BY pk",
                                    (self._cid(collection), *args)).fetchall()
        return [Persona(persona_id=UUID(bytes=pid), properties=json.loads(props)) for pid, props in rows]

    def count_personas(self, collection: str, *, background: bool | None = False) -> int:
        where, args = _which(background)
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM personas WHERE cid=?{where}",
                                    (self._cid(collection), *args)).fetchone()[0]

    def add_interactions(self, collection: str, rows: Sequence[InteractionRow], *, default_time: datetime | None = None,
                         replace_pairs: Iterable[tuple[UUID, UUID]] = (),
                         create_personas: Iterable[UUID | Persona] = (), background: bool = False) -> None:
        with gc_paused():  # bulk loads make many acyclic objects: a cyclic collection then only costs time
            self._add_interactions(collection, rows, default_time, replace_pairs, create_personas, int(bool(background)))

    def _add_interactions(self, collection: str, rows: Sequence[InteractionRow], default_time: datetime | None,
                          replace_pairs: Iterable[tuple[UUID, UUID]],
                          create_personas: Iterable[UUID | Persona], background: int) -> None:
        # Bulk imports repeat the same IDs and times: convert each distinct one once, keyed by the
        # UUID's int (hashing UUID objects is several times slower).
        persona_ints = [r.persona_id.int for r in rows]
        item_ints = [r.item_id.int for r in rows]
        created = [r.created_at for r in rows]
        weights = check_weights(rows)
        blob = {k: k.to_bytes(16, "big") for k in set(item_ints)}
        stamp = check_seconds(created, default_time)
        with self._tx() as db:
            cid = self._cid(collection)
            db.executemany("INSERT OR IGNORE INTO personas(cid, persona_id, properties, background) VALUES (?,?,?,?)",
                           ((cid, p.bytes, "{}", background) if isinstance(p, UUID) else
                            (cid, p.persona_id.bytes, to_json(p.properties, "persona properties"), background) for p in create_personas))
            distinct = set(persona_ints)
            keys = self._persona_keys(db, cid, [UUID(int=k) for k in distinct])
            key = {k: keys[b] for k in distinct if (b := k.to_bytes(16, "big")) in keys}
            if len(key) < len(distinct):
                raise NotFoundError(f"persona {UUID(int=next(k for k in distinct if k not in key))} does not exist; "
                                    "nothing was stored")
            deleted = db.executemany("DELETE FROM interactions WHERE persona=? AND item_id=?",
                                     ((keys[p.bytes], i.bytes) for p, i in replace_pairs if p.bytes in keys)).rowcount
            columns = [[key[k] for k in persona_ints], [blob[k] for k in item_ints], weights,
                       [stamp[c] for c in created]]
            appended = None if deleted > 0 or len(rows) > GROW_ROWS else _appended(db, columns)
            self._changed(collection, appended)
            if len(rows) > 1:
                # Inserted grouped by persona (stable, so each persona's rows keep their order and ids): the
                # persona index then grows at one place at a time instead of at every persona's.
                pick = operator.itemgetter(*np.argsort(np.array(columns[0]), kind="stable").tolist())
                columns = [pick(column) for column in columns]
            _insert_rows(db, cid, columns)

    def _persona_keys(self, db: sqlite3.Connection, cid: int, ids: Sequence[UUID]) -> dict[bytes, int]:
        """Integer keys of the given personas that exist, by their 16-byte UUID."""
        keys: dict[bytes, int] = {}
        for start in range(0, len(ids), 500):
            part = [u.bytes for u in ids[start:start + 500]]
            keys.update(db.execute(f"SELECT persona_id, pk FROM personas WHERE cid=? AND persona_id IN "
                                   f"({','.join('?' * len(part))})", (cid, *part)).fetchall())
        return keys

    def recent_interactions(self, collection: str, persona_id: UUID, limit: int | None) -> list[StoredInteraction]:
        sql = ("SELECT item_id, weight, created_at FROM interactions WHERE persona="
               "(SELECT pk FROM personas WHERE cid=? AND persona_id=?) ORDER BY created_at DESC, id DESC")
        args: tuple = (self._cid(collection), persona_id.bytes)
        if limit is not None:
            sql, args = sql + " LIMIT ?", (*args, int(limit))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [StoredInteraction(persona_id, UUID(bytes=item), weight, datetime.fromtimestamp(ts, tz=timezone.utc))
                for item, weight, ts in rows]

    def interacted_items(self, collection: str, persona_id: UUID) -> set[UUID]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT item_id FROM interactions WHERE persona="
                                    "(SELECT pk FROM personas WHERE cid=? AND persona_id=?)",
                                    (self._cid(collection), persona_id.bytes)).fetchall()
        return {UUID(bytes=r[0]) for r in rows}

    def scan_interactions(self, collection: str) -> InteractionScan:
        with self._lock:
            cid = self._cid(collection)
            rows = self._db.execute("SELECT p.persona_id, i.item_id, i.weight, i.created_at FROM interactions i"
                                    " JOIN personas p ON p.pk = i.persona WHERE i.cid=? ORDER BY i.id",
                                    (cid,)).fetchall()
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return InteractionScan([], [], empty, empty, np.zeros(0, np.float32), np.zeros(0, np.float64))
        personas, items, weights, times = zip(*rows)
        person_codes, person_index = np.unique(np.array(personas, dtype="S16"), return_inverse=True)
        item_codes, item_index = np.unique(np.array(items, dtype="S16"), return_inverse=True)
        return InteractionScan([UUID(bytes=b.ljust(16, b"\0")) for b in person_codes],
                               [UUID(bytes=b.ljust(16, b"\0")) for b in item_codes],
                               person_index.astype(np.int64), item_index.astype(np.int64),
                               np.array(weights, dtype=np.float32), np.array(times, dtype=np.float64))


def _which(background: bool | None) -> tuple[str, tuple]:
    """The SQL condition (and its argument) picking people's personas (False), background ones (True) or all (None)."""
    return ("", ()) if background is None else (" AND background=?", (int(check_flag(background, "background")),))


_ROWS_PER_INSERT = 250
"""Rows per multi-row ``INSERT ... VALUES``: 1,000 parameters, ~1.5x the rate of one statement per row."""


GROW_ROWS = 5_000
"""A write of at most this many interactions (and no replaced ones) tells the memos what it added, so counts
built from every interaction (popularity, the behaviour model's fingerprint) grow instead of being rebuilt."""


def _appended(db: sqlite3.Connection, columns: list[Sequence]) -> AppendedInteractions:
    """What inserting ``columns`` (persona key, item blob, weight, time) adds, read before they are inserted."""
    personas = sorted(set(columns[0]))
    before: dict[int, set[bytes]] = {p: set() for p in personas}  # the items each persona liked so far
    seen: set[int] = set()
    for start in range(0, len(personas), 500):
        part = personas[start:start + 500]
        for persona, item, liked in db.execute(
                f"SELECT persona, item_id, MAX(weight > 0) FROM interactions WHERE persona IN "
                f"({','.join('?' * len(part))}) GROUP BY persona, item_id", part):
            seen.add(persona)
            if liked:
                before[persona].add(item)
    first: dict[UUID, int] = {}
    for persona, item, weight in zip(columns[0], columns[1], columns[2]):
        if weight > 0 and item not in before[persona]:
            before[persona].add(item)
            first[UUID(bytes=item)] = first.get(UUID(bytes=item), 0) + 1
    return AppendedInteractions(rows=len(columns[0]), weight_sum=float(np.sum(columns[2], dtype=np.float64)),
                                time_sum=float(np.nansum(np.asarray(columns[3], np.float64))),
                                new_personas=len(set(personas) - seen), first_likes=first)


def _insert_rows(db: sqlite3.Connection, cid: int, columns: list[Sequence]) -> None:
    """Insert the interaction rows given as four columns (persona key, item blob, weight, time)."""
    head = "INSERT INTO interactions(cid, persona, item_id, weight, created_at) VALUES "
    flat = list(itertools.chain.from_iterable(zip(*columns)))
    step = 4 * _ROWS_PER_INSERT
    full = len(flat) // step * step
    if full:
        db.executemany(head + ",".join([f"({cid},?,?,?,?)"] * _ROWS_PER_INSERT),
                       (flat[i:i + step] for i in range(0, full, step)))
    if full < len(flat):
        rest = (len(flat) - full) // 4
        db.execute(head + ",".join([f"({cid},?,?,?,?)"] * rest), flat[full:])
