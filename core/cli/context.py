"""What every CLI command needs: its collection and agent, ``--where`` and ``--prop`` parsing, a progress bar."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from core import InvalidInputError, NotFoundError, PersonalizationAgent, Store, build_filter, parse_condition, parse_value


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


def prop(text: str) -> tuple[str, Any]:
    """``key=value``, the value typed by :func:`core.values.parse_value` (``a|b`` a list, numbers, JSON...)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise InvalidInputError(f"--prop must look like key=value, got {text!r}")
    try:
        return key.strip(), parse_value(raw)
    except InvalidInputError as exc:
        raise InvalidInputError(f"--prop {key.strip()}: {exc}") from None


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
