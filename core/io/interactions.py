"""Bring your own behaviour: store an interaction log's personas and interactions in one atomic step.

:func:`import_interactions` converts every row (:func:`core.io.interaction_log.convert_log`),
checks that every item is in the collection, and then makes one store write that creates the new
personas (named by their ID as written in the file, in the ``name`` property the lab shows) and
inserts every interaction — so any error, in any row, stores nothing. Rows whose item is not in
the catalog are an error naming the first such row, or, with ``skip_unknown_items=True``, left out
and counted in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from core.errors import CatalogImportError, InvalidInputError
from core.io.interaction_log import InteractionLog, LogMapping, convert_log
from core.models import Persona, to_datetime
from core.store.base import Store, StoredInteraction

__all__ = ["InteractionImportReport", "import_interactions"]


@dataclass(frozen=True)
class InteractionImportReport:
    """What an import stored (``stored`` interactions of ``personas`` personas, ``new_personas`` of them
    created) and what it skipped (rows naming items the collection does not have)."""

    collection: str
    rows: int
    stored: int
    personas: int
    new_personas: int
    skipped_rows: int
    unknown_items: tuple[str, ...]
    mapping: LogMapping
    seconds: float

    def summary(self) -> str:
        """One sentence, e.g. ``stored 1,234 interactions of 12 personas (12 new) in 'Movies'``."""
        text = (f"stored {_count(self.stored, 'interaction')} of {_count(self.personas, 'persona')} "
                f"({self.new_personas:,} new) in {self.collection!r}")
        if self.skipped_rows:
            shown = ", ".join(self.unknown_items[:5]) + (", ..." if len(self.unknown_items) > 5 else "")
            text += (f"; skipped {_count(self.skipped_rows, 'row')} naming {_count(len(self.unknown_items), 'item')} "
                     f"not in the catalog ({shown})")
        return text


def import_interactions(
    store: Store, collection: str, log: InteractionLog, mapping: LogMapping | None = None, *,
    skip_unknown_items: bool = False, name_property: str | None = "name",
    progress: Callable[[int, int], None] | None = None, now: datetime | None = None,
) -> InteractionImportReport:
    """Store ``log`` (from :func:`core.read_interaction_log`) in ``collection``: all rows, or nothing.

    ``mapping`` defaults to the log's guess. New personas get ``{name_property: id as written}``
    (``None``: no properties); personas that exist keep theirs. Rows without a time are stored at
    ``now`` (default: the current time). ``progress(done, total)`` follows the rows being checked;
    the single store write comes after ``done == total``. Raises
    :class:`~core.errors.CatalogImportError` (with row and column) for a bad cell or an unknown
    item, :class:`~core.errors.NotFoundError` for an unknown collection.
    """
    started = time.perf_counter()
    mapping = mapping or log.guess
    spec = store.get_collection(collection)
    _check_name_property(name_property, spec.user_properties)
    stamp = datetime.now(timezone.utc) if now is None else to_datetime(now, what="now")
    rows = convert_log(log, mapping, progress=progress)
    keep, unknown = _known_rows(store, collection, rows, mapping, skip_unknown_items)
    if not keep:
        raise CatalogImportError(f"no row names an item of collection {collection!r} "
                                 f"(e.g. {', '.join(unknown[:3])}); nothing was stored", column=mapping.item_column)
    existing = {p.persona_id.int for p in store.list_personas(collection, background=None)}
    personas = list(dict.fromkeys(rows.persona_ids[k] for k in keep))
    new = [p for p in personas if p.int not in existing]
    store.add_interactions(
        collection,
        [StoredInteraction(rows.persona_ids[k], rows.item_uuids[k], rows.weights[k], rows.created_at[k] or stamp)
         for k in keep],
        default_time=stamp,
        create_personas=[Persona(persona_id=p, properties={name_property: rows.names[p]}) if name_property else p
                         for p in new])
    return InteractionImportReport(collection, len(rows), len(keep), len(personas), len(new), len(rows) - len(keep),
                                   tuple(unknown), mapping, time.perf_counter() - started)


def _check_name_property(name: str | None, schema: dict[str, str]) -> None:
    if name is not None and schema and schema.get(name) != "text":
        raise InvalidInputError(f"the agent's user_properties {schema} have no text property {name!r} for the "
                                "persona's name; add one, or import without names (name_property=None)")


def _known_rows(store: Store, collection: str, rows: Any, mapping: LogMapping,
                skip: bool) -> tuple[list[int], list[str]]:
    """Indices of the rows whose item is in the collection, and the unknown items as written."""
    missing = {u.int for u in store.missing_items(collection, list({u.int: u for u in rows.item_uuids}.values()))}
    if not missing:
        return list(range(len(rows))), []
    bad = [k for k, u in enumerate(rows.item_uuids) if u.int in missing]
    unknown = list(dict.fromkeys(str(rows.item_ids[k]) for k in bad))
    if not skip:
        first = rows.item_ids[bad[0]]
        raise CatalogImportError(
            f"item {first!r} is not in collection {collection!r} ({_count(len(bad), 'row')} with "
            f"{_count(len(unknown), 'unknown item')}); nothing was stored. Skip unknown items to import the "
            "other rows", row=bad[0] + 1,
            column=mapping.item_column)
    dropped = set(bad)
    return [k for k in range(len(rows)) if k not in dropped], unknown


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
