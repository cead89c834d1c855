"""What every CLI command needs: its collection and agent, ``--where``, ``--prop``, ``--column-type`` and the
interaction-log options parsed, a progress bar."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any

from core import (ColumnType, InteractionLog, InvalidInputError, LogMapping, NotFoundError, PersonalizationAgent,
                  RatingMapping, Store, build_filter, parse_column_type, parse_condition, parse_value, simple_boost)


def where_filter(store: Store, collection: str, exprs: Sequence[str] | None) -> Any:
    """The ``--where`` expressions as one weaviate ``Filter`` (None without any); unknown properties are errors."""
    conditions = [parse_condition(e, what="--where expression") for e in exprs or ()]
    known = set(store.property_names(collection)) if conditions else set()
    for c in conditions:
        if c.prop not in known:
            raise InvalidInputError(f"--where property {c.prop!r} is not in collection {collection!r}; "
                                    f"properties: {', '.join(sorted(known))}")
    return build_filter(conditions)


def collection_of(store: Store, args: argparse.Namespace) -> str:
    """``--collection``, or the store's only collection with an agent."""
    if args.collection:
        return args.collection
    agents = [name for name in store.list_collections() if store.has_agent(name)]
    if len(agents) == 1:
        return agents[0]
    if not agents:
        where = f"workspace {args.workspace!r}" if getattr(args, "workspace", None) else f"the store {args.db!r}"
        raise NotFoundError(f"{where} has no collection with a personalization agent; "
                            "run `load-sample NAME` or `import FILE ...` first")
    raise InvalidInputError(f"the store holds several agent collections ({', '.join(agents)}); "
                            "choose one with --collection")


def agent_of(store: Store, args: argparse.Namespace) -> PersonalizationAgent:
    """The agent of the command's collection (see :func:`collection_of`)."""
    name = collection_of(store, args)
    store.get_collection(name)  # NotFoundError naming the existing collections
    if not store.has_agent(name):
        raise NotFoundError(f"collection {name!r} has no personalization agent; install or import the catalog "
                            "with this CLI (`load-sample`, `import`) to create one")
    return PersonalizationAgent.connect(store, name)


def finite_float(text: str) -> float:
    """An argparse ``type``: a finite number (``nan`` and ``inf``, which ``float`` reads, are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def prop(text: str) -> tuple[str, Any]:
    """``key=value``, the value typed by :func:`core.values.parse_value` (``a|b`` a list, numbers, JSON...)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise InvalidInputError(f"--prop must look like key=value, got {text!r}")
    try:
        return key.strip(), parse_value(raw)
    except InvalidInputError as exc:
        raise InvalidInputError(f"--prop {key.strip()}: {exc}") from None


def column_types(specs: Sequence[str] | None) -> dict[str, ColumnType]:
    """``--column-type in_stock=boolean`` (repeatable) as ``{"in_stock": ColumnType("boolean")}``."""
    out = {}
    for text in specs or ():
        column, sep, kind = text.partition("=")
        if not sep or not column.strip():
            raise InvalidInputError(f"--column-type must look like COLUMN=TYPE (in_stock=boolean), got {text!r}")
        try:
            out[column.strip()] = parse_column_type(kind)
        except InvalidInputError as exc:
            raise InvalidInputError(f"--column-type {column.strip()}: {exc}") from None
    return out


def add_log_mapping(p: argparse.ArgumentParser) -> None:
    """The options that say how an interaction file's columns and ratings are read."""
    for name, what in (("persona", "persona IDs"), ("item", "the catalog's item IDs"),
                       ("rating", "ratings or weights"), ("timestamp", "times (ISO-8601, unix s or ms)")):
        p.add_argument(f"--{name}-column", help=f"column with {what} (default: detected from the names)")
    ratings = p.add_mutually_exclusive_group()
    ratings.add_argument("--rating-scale", metavar="LOW:HIGH", help="map ratings LOW..HIGH linearly to -1..1")
    ratings.add_argument("--like-threshold", type=finite_float, metavar="T", help="rating >= T is a like (+1), below a dislike (-1)")
    ratings.add_argument("--weights", action="store_true", help="the rating column holds weights in [-1, 1]")
    ratings.add_argument("--all-likes", action="store_true", help="no rating column: every row is a like (+1)")
    p.add_argument("--timestamp-unit", choices=("auto", "s", "ms"), default="auto",
                   help="unit of numeric times (auto: milliseconds above 10^11)")
    p.add_argument("--no-timestamp", action="store_true", help="ignore any time column: store at the current time")



def log_mapping(log: InteractionLog, args: argparse.Namespace) -> LogMapping:
    """The log's guessed mapping with the ``import-interactions`` options applied on top."""
    guess = log.guess
    column = None if args.all_likes else (args.rating_column or guess.rating_column)
    if args.all_likes or column is None:
        rating = RatingMapping("likes")
    elif args.rating_scale:
        rating = RatingMapping.parse_scale(args.rating_scale)
    elif args.like_threshold is not None:
        rating = RatingMapping("threshold", threshold=args.like_threshold)
    elif args.weights:
        rating = RatingMapping("weights")
    else:
        rating = guess.rating if column == guess.rating_column else log.rating_guess(column)
    if column is None and (args.rating_scale or args.like_threshold is not None or args.weights):
        raise InvalidInputError(f"no rating column was found in {', '.join(log.columns)}; name it with "
                                "--rating-column, or pass --all-likes")
    stamp = None if args.no_timestamp else (args.timestamp_column or guess.timestamp_column)
    return LogMapping(args.persona_column or guess.persona_column, args.item_column or guess.item_column,
                      column, rating, stamp, args.timestamp_unit)


def split_columns(text: str | None) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]``."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


class Progress:
    """A tqdm bar fed by ``import_catalog``'s ``progress(done, total)``; silent when not on a terminal."""

    def __init__(self, desc: str) -> None:
        self.desc, self.bar = desc, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=self.desc, unit="item", disable=None, file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def blend_option(text: str | None) -> dict[str, float] | None:
    """``--blend 0.2,1,0.05`` as blend weights content, behaviour, popularity (the rest stay the collection's)."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 3 or not all(map(math.isfinite, values)):
        raise InvalidInputError(f"--blend {text!r}: write three weights CONTENT,BEHAVIOUR,POPULARITY (e.g. 0.2,1,0)")
    return {"content": values[0], "behaviour": values[1], "popularity": values[2]}


def boost_option(numeric: Sequence[str] | None, recent: Sequence[str] | None) -> Any:
    """``--boost-numeric PROP[:log1p|sqrt][@WEIGHT]`` and ``--boost-recent PROP:SCALE[@WEIGHT]`` as one weaviate
    ``Boost`` (:func:`core.simple_boost`; None without either): one option is that boost with ``WEIGHT`` its overall
    weight (default 0.5); several are blended, each ``WEIGHT`` then weighing it against the others (default 1)."""
    parts: tuple[list, list] = ([], [])
    for text in numeric or ():
        body, weight = _boost_weight(text, "--boost-numeric")
        name, _, modifier = body.partition(":")
        if not name or modifier not in ("", "log1p", "sqrt"):
            raise InvalidInputError(f"--boost-numeric {text!r}: write PROP, PROP:log1p or PROP:sqrt, then @WEIGHT "
                                    "if wanted (e.g. year:log1p@0.7)")
        parts[0].append((name, modifier or None, weight))
    for text in recent or ():
        body, weight = _boost_weight(text, "--boost-recent")
        name, _, scale = body.partition(":")
        if not name or not scale:
            raise InvalidInputError(f"--boost-recent {text!r}: write DATE_PROP:SCALE (a duration like 7d, 24h, 30m), "
                                    "then @WEIGHT if wanted (e.g. released:30d@0.5)")
        parts[1].append((name, scale, None, weight))
    return simple_boost(*parts)


def _boost_weight(text: str, option: str) -> tuple[str, float | None]:
    body, at, weight = text.partition("@")
    if not at:
        return body, None
    try:
        value = float(weight)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputError(f"{option} {text!r}: the weight after @ must be a number, got {weight!r}")
    return body, value
