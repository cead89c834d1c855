"""The labelled instruction set (``sample_data/instructions.json``): loading, checking, scoring.

Each entry names a shipped sample, an instruction, a persona (liked and disliked catalog IDs) and
a *satisfies* rule over item properties, so "does this item follow the instruction?" is decided by
code from the catalog, never by a hand-picked answer list. The rule grammar::

    rule := {"all": [rule, ...]} | {"any": [rule, ...]} | {"not": rule} | condition
    condition := {"property": name, op: values}
        op "any_of":  the property (a list: one of its elements) equals one of ``values``
        op "all_of":  every one of ``values`` is the property's value or one of its elements
        op "none_of": not any_of
        op "equals":  the property equals the single value (booleans, numbers, strings)

Values compare exactly (the catalog's own spelling). :func:`problems` lists what is wrong with a
rule for a catalog (unknown property, unknown operator, a value no item has), so a typo cannot
make a rule silently unsatisfiable; :func:`precision_at_k` scores a list against a rule.

The set lives beside the catalogs it labels (its likes and dislikes are their IDs), in
:func:`~core.io.samples.sample_data_dir`; :func:`load` takes another path too. It is used by
``benchmarks/bench_instructions.py`` (does the agent follow an instruction?) and its tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import InvalidInputError, NotFoundError
from core.io.samples import sample_data_dir

FILE_NAME = "instructions.json"
SPLITS = ("validation", "test")
OPS = ("any_of", "all_of", "none_of", "equals")


@dataclass(frozen=True)
class Entry:
    """One labelled instruction: who asks (``likes``/``dislikes``, catalog IDs), what, and what satisfies it."""

    id: str
    sample: str
    split: str
    instruction: str
    likes: tuple[Any, ...]
    dislikes: tuple[Any, ...]
    satisfies: dict[str, Any]
    persona: str = ""


REQUIRED = ("id", "sample", "split", "instruction", "likes", "satisfies")


def default_path() -> Path:
    """``instructions.json`` in the sample catalogs' folder."""
    return sample_data_dir() / FILE_NAME


def load(path: Path | str | None = None) -> list[Entry]:
    """Every entry of the labelled set at ``path`` (default: :func:`default_path`), in file order."""
    path = Path(path) if path is not None else default_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"no labelled instruction set at {path}") from None
    except json.JSONDecodeError as e:
        raise InvalidInputError(f"{path} is not JSON: {e}") from None
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise InvalidInputError(f"{path} needs an object with an 'entries' list")
    return [_entry(n, e, path) for n, e in enumerate(entries)]


def _entry(n: int, e: Any, path: Path) -> Entry:
    missing = [k for k in REQUIRED if not isinstance(e, dict) or k not in e]
    if missing:
        raise InvalidInputError(f"{path}: entry #{n} lacks {', '.join(map(repr, missing))}")
    if e["split"] not in SPLITS:
        raise InvalidInputError(f"{path}: entry {e['id']!r} has split {e['split']!r}; use one of {SPLITS}")
    return Entry(e["id"], e["sample"], e["split"], e["instruction"], tuple(e["likes"]), tuple(e.get("dislikes", ())),
                 e["satisfies"], e.get("persona", ""))


def precision_at_k(rule: Mapping[str, Any], ranked: Iterable[Mapping[str, Any]], k: int = 10) -> float:
    """The share of ``k`` slots filled by an item (its properties, best first) that satisfies ``rule``:
    a list shorter than ``k`` counts its missing slots as misses."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInputError(f"k must be a positive integer, got {k!r}")
    return sum(satisfies(rule, p) for p in list(ranked)[:k]) / k


def satisfies(rule: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
    """Whether an item with ``properties`` satisfies ``rule`` (grammar in the module docstring)."""
    if "all" in rule:
        return all(satisfies(r, properties) for r in rule["all"])
    if "any" in rule:
        return any(satisfies(r, properties) for r in rule["any"])
    if "not" in rule:
        return not satisfies(rule["not"], properties)
    value = properties.get(rule["property"])
    have = set(value) if isinstance(value, (list, tuple)) else {value}
    op = next(k for k in OPS if k in rule)
    if op == "equals":
        return _hashable(value) == _hashable(rule["equals"])
    wanted = set(rule[op])
    return {"any_of": bool(have & wanted), "all_of": wanted <= have, "none_of": not have & wanted}[op]


def problems(rule: Any, catalog: Iterable[Mapping[str, Any]]) -> list[str]:
    """What is wrong with ``rule`` for items with these properties (empty: nothing)."""
    items = list(catalog)
    names = {k for p in items for k in p}
    return list(_problems(rule, items, names))


def _problems(rule: Any, items: list[Mapping[str, Any]], names: set[str]):
    if not isinstance(rule, dict) or len(rule) not in (1, 2):
        yield f"not a rule: {rule!r}"
        return
    for key in ("all", "any"):
        if key in rule:
            if not isinstance(rule[key], list) or not rule[key]:
                yield f"{key!r} needs a non-empty list of rules, got {rule[key]!r}"
                return
            for r in rule[key]:
                yield from _problems(r, items, names)
            return
    if "not" in rule:
        yield from _problems(rule["not"], items, names)
        return
    prop, ops = rule.get("property"), [k for k in rule if k != "property"]
    if prop not in names:
        yield f"unknown property {prop!r}; the catalog has {sorted(names)}"
        return
    if len(ops) != 1 or ops[0] not in OPS:
        yield f"condition on {prop!r} needs exactly one of {OPS}, got {ops}"
        return
    seen = {_hashable(x) for p in items for x in _elements(p.get(prop))}
    values = [rule["equals"]] if ops[0] == "equals" else rule[ops[0]]
    yield from (f"no item has {prop}={v!r}" for v in values if _hashable(v) not in seen)


def _elements(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _hashable(value: Any) -> Any:
    return (type(value) is bool, value)  # True must not match 1
