"""Interaction logs: read a file of (persona, item, rating, time) rows and turn it into interactions.

:func:`read_interaction_log` reads the table (any format of :mod:`core.io.tables`, gzip too) and
guesses a :class:`LogMapping`: which columns hold the persona, the item, the rating or weight and
the time, and how a rating becomes a weight in [-1, 1] (:class:`RatingMapping`). :func:`convert_log`
applies a mapping to every row and raises :class:`~core.errors.CatalogImportError` naming the
1-based row and the column of the first bad cell; :mod:`core.io.interactions` stores the result.

IDs are the catalog's own (a ``movieId``, a SKU) or UUIDs: :func:`core.ids.to_uuid` maps both, as
the catalog import does, so ``"42"`` in a log names the item imported with id 42. Times are
ISO-8601 or unix seconds/milliseconds (:func:`core.io.column_types.unix_time`); an empty cell
means "when stored".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from core.errors import CatalogImportError, InvalidInputError
from core.ids import to_uuid
from core.io.cells import FLOAT, is_empty, short
from core.io.column_types import unix_time
from core.io.ratings import RatingMapping
from core.io.tables import ReadLimits, Source, Table, read_table
from core.models import PersonaInteraction, to_datetime

__all__ = ["MAX_INTERACTION_ROWS", "ConvertedLog", "InteractionLog", "LogMapping", "convert_log", "guess_log_mapping",
           "read_interaction_log", "read_interactions"]

MAX_INTERACTION_ROWS = 2_000_000
TIME_UNITS = ("auto", "s", "ms")
_PERSONA_NAMES = ("personaid", "persona", "userid", "user", "customerid", "customer", "visitorid", "visitor",
                  "readerid", "reader", "memberid", "member", "accountid", "sessionid", "uid")
_ITEM_NAMES = ("itemid", "item", "originalitemid", "movieid", "movie", "bookid", "book", "productid", "product",
               "sku", "articleid", "trackid", "songid", "itemuuid", "asin", "iid")
_RATING_NAMES = ("weight", "rating", "score", "stars", "preference", "value", "feedback")
_TIME_NAMES = ("timestamp", "time", "createdat", "datetime", "date", "ts", "eventtime", "when", "ratedat")


@dataclass(frozen=True)
class LogMapping:
    """Which columns hold what, and how ratings become weights (``rating_column=None``: every row a like)."""

    persona_column: str
    item_column: str
    rating_column: str | None = None
    rating: RatingMapping = RatingMapping("likes")
    timestamp_column: str | None = None
    timestamp_unit: str = "auto"
    """``"auto"`` (milliseconds above 10^11, else seconds), ``"s"`` or ``"ms"``; ISO text is always read."""

    def __post_init__(self) -> None:
        if self.persona_column == self.item_column:
            raise InvalidInputError(f"the persona and item columns are the same column {self.item_column!r}")
        if (self.rating_column is None) != (self.rating.kind == "likes"):
            raise InvalidInputError("a rating column needs a rating mapping (weights, a scale or a threshold), "
                                    "and the 'every row is a like' mapping takes no rating column")
        if self.timestamp_unit not in TIME_UNITS:
            raise InvalidInputError(f"timestamp_unit must be one of {', '.join(TIME_UNITS)}, got {self.timestamp_unit!r}")


@dataclass(frozen=True)
class InteractionLog:
    """A read interaction file: its cells as read (CSV cells as text) and a guessed mapping."""

    table: Table
    guess: LogMapping

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.table.columns)

    def __len__(self) -> int:
        return len(self.table.rows)

    def values(self, column: str, what: str = "rating") -> list[Any]:
        """Every cell of ``column``; a column the file lacks is an error naming the file's columns."""
        self.table.require(column, what)
        return [r.get(column) for r in self.table.rows]

    def rating_guess(self, column: str) -> RatingMapping:
        """The rating mapping :func:`guess_log_mapping` would choose for ``column`` as the rating column."""
        return RatingMapping.guess(self.values(column))


@dataclass(frozen=True)
class ConvertedLog:
    """The log's rows as columns: persona and item UUIDs, weights, times (None: when stored).

    ``names`` holds each persona's ID as written in the file, ``item_ids`` each row's item as written.
    """

    persona_ids: list[UUID]
    item_uuids: list[UUID]
    item_ids: list[Any]
    weights: list[float]
    created_at: list[datetime | None]
    names: dict[UUID, str]

    def __len__(self) -> int:
        return len(self.persona_ids)


def read_interaction_log(source: Source, *, format: str | None = None, limits: ReadLimits | None = None) -> InteractionLog:
    """Read an interaction file (CSV, TSV, JSON, JSON Lines, Parquet; ``.gz`` too) and guess its mapping;
    ``limits`` bound what is read (default ``ReadLimits.from_env()``)."""
    table = read_table(source, format, id_columns=set(), raw_columns=True, max_rows=MAX_INTERACTION_ROWS,
                       limits=limits)
    if len(table.columns) < 2:
        raise CatalogImportError(f"an interaction log needs at least a persona and an item column; "
                                 f"the file has columns: {', '.join(table.columns) or '(none)'}")
    return InteractionLog(table, guess_log_mapping(table))


def guess_log_mapping(table: Table) -> LogMapping:
    """Columns by their names (``user``/``user_id``/``persona_id``, ``item``/``item_id``/``movieId``,
    ``rating``/``weight``, ``timestamp``/``time``); the rating mapping from the values
    (:meth:`RatingMapping.guess`: weights when all lie in [-1, 1], else the observed min..max as the scale)."""
    columns = list(table.columns)
    persona = _named(columns, _PERSONA_NAMES, ("user", "persona")) or columns[0]
    item = _named([c for c in columns if c != persona], _ITEM_NAMES, ("item", "movie", "book", "product")) \
        or next(c for c in columns if c != persona)
    rest = [c for c in columns if c not in (persona, item)]
    rating = _named(rest, _RATING_NAMES, ("rating", "weight", "score"))
    stamp = _named([c for c in rest if c != rating], _TIME_NAMES, ("time", "date"))
    mapping = RatingMapping("likes") if rating is None else \
        RatingMapping.guess([r.get(rating) for r in table.rows])
    return LogMapping(persona, item, rating, mapping, stamp)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _named(columns: list[str], names: Sequence[str], parts: Sequence[str]) -> str | None:
    keys = {_key(c): c for c in reversed(columns)}
    return next((keys[n] for n in names if n in keys), None) or \
        next((c for c in columns if any(p in _key(c) for p in parts)), None)


def convert_log(log: InteractionLog, mapping: LogMapping, *, progress: Callable[[int, int], None] | None = None,
                rows: slice | None = None) -> ConvertedLog:
    """Every row (or ``rows``, e.g. ``slice(10)`` for a preview) through ``mapping``; the first bad
    cell raises :class:`CatalogImportError` with its row and column. ``progress(done, total)``
    is called every 20,000 rows."""
    for column, what in ((mapping.persona_column, "persona"), (mapping.item_column, "item"),
                         (mapping.rating_column, "rating"), (mapping.timestamp_column, "timestamp")):
        if column is not None:
            log.table.require(column, what)
    selected = log.table.rows if rows is None else log.table.rows[rows]
    first = 1 if rows is None else (rows.start or 0) + 1
    out = ConvertedLog([], [], [], [], [], {})
    ids: dict[Any, UUID] = {}
    weights: dict[Any, float] = {}
    for number, row in enumerate(selected, start=first):
        persona = _uuid(row.get(mapping.persona_column), number, mapping.persona_column, ids)
        if persona not in out.names:
            out.names[persona] = _external(row.get(mapping.persona_column))
        out.persona_ids.append(persona)
        item = row.get(mapping.item_column)
        out.item_uuids.append(_uuid(item, number, mapping.item_column, ids))
        out.item_ids.append(item.strip() if isinstance(item, str) else item)
        out.weights.append(_weight(row.get(mapping.rating_column), number, mapping, weights))
        stamp = row.get(mapping.timestamp_column) if mapping.timestamp_column else None
        out.created_at.append(_time(stamp, number, mapping))
        if progress is not None and (number - first + 1) % 20_000 == 0:
            progress(number - first + 1, len(selected))
    if progress is not None:
        progress(len(selected), len(selected))
    return out


def _uuid(value: Any, number: int, column: str, cache: dict[Any, UUID]) -> UUID:
    key = (type(value), value) if not isinstance(value, (list, dict)) else None
    if key in cache:
        return cache[key]
    if is_empty(value):
        raise CatalogImportError("the id is missing", row=number, column=column)
    try:
        uuid = to_uuid(value, what="id")
    except InvalidInputError as exc:
        raise CatalogImportError(str(exc), row=number, column=column) from None
    if key is not None:
        cache[key] = uuid
    return uuid


def _external(value: Any) -> str:
    """The ID as a person would write it (``1.0`` from Parquet is ``1``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _weight(value: Any, number: int, mapping: LogMapping, cache: dict[Any, float]) -> float:
    if mapping.rating_column is None:
        return 1.0
    key = (type(value), value)
    if key not in cache:
        try:
            cache[key] = mapping.rating.weight(value)
        except ValueError as exc:
            raise CatalogImportError(str(exc), row=number, column=mapping.rating_column) from None
    return cache[key]


def _time(value: Any, number: int, mapping: LogMapping) -> datetime | None:
    if is_empty(value):
        return None
    if isinstance(value, str) and FLOAT.match(value.strip()):
        value = float(value)
    column = mapping.timestamp_column
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return unix_time(value, mapping.timestamp_unit)
        except ValueError as exc:
            raise CatalogImportError(f"bad date {value!r}: {exc}", row=number, column=column) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return to_datetime(value, what="the time")
    except InvalidInputError:  # not a time, or past year 9999 in UTC (9999-12-31T23:59:59-05:00)
        reason = "out of range in UTC (years 1 to 9999)" if _is_iso(value) else \
            "use ISO-8601 (2024-05-01T12:00:00Z) or unix seconds/milliseconds"
        raise CatalogImportError(f"bad date {short(value)}: {reason}", row=number, column=column) from None


def _is_iso(value: Any) -> bool:
    try:
        datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")[:100])  # noqa: FURB162
    except ValueError:
        return False
    return True


def read_interactions(
    source: Source, *, persona_column: str = "persona_id", item_column: str = "item_id",
    weight_column: str | None = "weight", created_at_column: str | None = "created_at",
    format: str | None = None,
) -> list[PersonaInteraction]:
    """Read persona interactions (one per row); raises :class:`CatalogImportError` on any bad row.

    The simple form of :func:`read_interaction_log` + :func:`convert_log`: weights are numbers
    in [-1, 1] (``weight_column=None`` gives every row weight 1); the created_at column is optional
    (ISO-8601 or unix seconds; an empty cell means "when stored").
    """
    log = read_interaction_log(source, format=format)
    has_time = created_at_column is not None and created_at_column in log.columns
    mapping = LogMapping(persona_column, item_column, weight_column,
                         RatingMapping("likes" if weight_column is None else "weights"),
                         created_at_column if has_time else None, timestamp_unit="s")
    rows = convert_log(log, mapping)
    return [PersonaInteraction(persona_id=p, item_id=i, weight=w, created_at=t)
            for p, i, w, t in zip(rows.persona_ids, rows.item_uuids, rows.weights, rows.created_at)]
