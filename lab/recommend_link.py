"""Recommend's settings in the page URL, so a link reproduces a comparison.

Every run writes the controls that differ from the official defaults, and the persona's name,
into ``st.query_params`` (:func:`publish`); the first Recommend run of a session reads them back
into the controls (:func:`restore`). Every value from a URL is checked (:func:`decode`, pure): a
bad one is a warning that names the parameter, and its control keeps the default. Only the names
in :data:`PARAMS` and ``persona`` are ever set or removed; the rest of the URL (the workspace's
``ws``, ``collection``) belongs to other code and is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from core import PersonalizationAgent, PersonalizationError, Workspace, parse_condition, parse_scalar

from . import page, state
from .blend_ui import QUERIES, strategy_choices
from .blend_ui import key as blend_key
from .cards import plain
from .recommend_ui import DECAY_RATE, item_titles

P = "lab.recommend."
PERSONA = "persona"
READ = P + "url_read"
WARNINGS = P + "url_warnings"
MAX_INSTRUCTION = 1000


@dataclass(frozen=True)
class Param:
    """One URL parameter: its name, the session key of its control (``{collection}`` filled in)
    and ``check(text) -> value``, which raises ``ValueError`` saying what would be valid."""

    name: str
    key: str
    check: Callable[[str], Any] = field(repr=False)
    many: bool = False


def _whole(low: int, high: int) -> Callable[[str], int]:
    def check(text: str) -> int:
        value = parse_scalar(text)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return value
    return check


def _number(low: float, high: float) -> Callable[[str], float]:
    def check(text: str) -> float:
        value = parse_scalar(text)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"expected a number from {low:g} to {high:g}")
        return float(value)
    return check


def _flag(text: str) -> bool:
    value = parse_scalar(text)
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _one_of(choices: Callable[[], Iterable[str]]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in tuple(choices()):
            raise ValueError(f"expected one of {', '.join(choices())}")
        return text
    return check


def _instruction(text: str) -> str:
    if len(text) > MAX_INSTRUCTION:
        raise ValueError(f"expected at most {MAX_INSTRUCTION} characters")
    return text


PARAMS = (
    Param("limit", P + "limit", _whole(1, 50)),
    Param("recent", P + "recent", _whole(1, 100_000)),
    Param("decay", DECAY_RATE, _number(0.0, 1.0)),
    Param("popularity", P + "popularity", _number(0.0, 3.0)),
    Param("strategy", P + "strategy", _one_of(strategy_choices)),
    Param("content", blend_key("content", "{collection}"), _number(0.0, 10.0)),
    Param("behaviour", blend_key("behaviour", "{collection}"), _number(0.0, 10.0)),
    Param("blend_popularity", blend_key("popularity", "{collection}"), _number(0.0, 10.0)),
    Param("query", blend_key("query", "{collection}"), _one_of(lambda: QUERIES)),
    Param("exclude_interacted", P + "exclude_interacted", _flag),
    Param("explain", P + "explain", _flag),
    Param("agent", P + "use_agent", _flag),
    Param("instruction", P + "instruction", _instruction),
    Param("where", P + "filters.{collection}", str, many=True),
    Param("exclude", P + "exclude.{collection}", str, many=True),
)
"""The Recommend controls a link carries, with the ranges of the page's widgets."""
NAMES = (*(p.name for p in PARAMS), PERSONA)


@dataclass
class Decoded:
    values: dict[str, Any] = field(default_factory=dict)
    """Checked values by parameter name (bad ones left out)."""
    persona: str | None = None
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """``(parameter, value as given, why it was not used)``."""


def decode(query: Mapping[str, list[str]], *, properties: Iterable[str], items: Iterable[str],
           personas: Mapping[str, str]) -> Decoded:
    """Check the URL's values. ``properties``: the collection's property names (for ``where``);
    ``items``: its item UUIDs (for ``exclude``); ``personas``: ``{name or id: name}``."""
    out, props, known = Decoded(), set(properties), set(items)
    for param in PARAMS:
        given = query.get(param.name) or []
        if param.many:
            good = [v for v in given if _entry_ok(param.name, v, props, known, out.problems)]
            if given:
                out.values[param.name] = list(dict.fromkeys(good))
        elif given:
            try:
                out.values[param.name] = param.check(given[-1])
            except (ValueError, PersonalizationError) as exc:
                out.problems.append((param.name, given[-1], str(exc)))
    if wanted := (query.get(PERSONA) or [None])[-1]:
        out.persona = personas.get(wanted)
        if out.persona is None:
            out.problems.append((PERSONA, wanted, "no persona of that name or id in this workspace"))
    return out


def _entry_ok(name: str, value: str, properties: set[str], items: set[str], problems: list) -> bool:
    """Whether one ``where`` condition or ``exclude`` id fits this collection (else a problem is noted)."""
    if name == "exclude":
        ok, why = value in items, "no item with that id in this collection"
    else:
        try:
            prop = parse_condition(value, what="condition").prop
            ok, why = prop in properties, f"this collection has no property {prop!r}"
        except PersonalizationError as exc:
            ok, why = False, str(exc)
    if not ok:
        problems.append((name, value, why))
    return ok


def encode(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The URL parameters of the ``values`` (by parameter name) that differ from ``defaults``."""
    out: dict[str, str | list[str]] = {}
    for param in PARAMS:
        value = values.get(param.name)
        if value is None or value == defaults.get(param.name, [] if param.many else None):
            continue
        if param.many:
            out[param.name] = [str(v) for v in value]
        elif isinstance(value, bool):
            out[param.name] = "true" if value else "false"
        elif isinstance(value, float):
            out[param.name] = format(round(value, 6), "g")
        else:
            out[param.name] = str(value)
    return out


# --- the page's side ---------------------------------------------------------------------------

def _key(param: Param, collection: str) -> str:
    return param.key.format(collection=collection)


def restore(ws: Workspace, collection: str, agent: PersonalizationAgent) -> None:
    """On the first Recommend run of a session, put the URL's settings into the controls (before
    they are drawn); a persona named in the URL becomes the active one. Warnings are shown once."""
    if not st.session_state.get(READ):
        st.session_state[READ] = True
        query = {name: st.query_params.get_all(name) for name in NAMES if name in st.query_params}
        if query:
            names = state.personas(agent)
            decoded = decode(query, properties=ws.store.property_names(collection), items=item_titles(ws, collection),
                             personas={**{str(p.persona_id): n for n, p in names.items()}, **{n: n for n in names}})
            by_name = {p.name: p for p in PARAMS}
            st.session_state.update({_key(by_name[n], collection): v for n, v in decoded.values.items()})
            st.session_state[WARNINGS] = [_warning(*problem) for problem in decoded.problems]
            if decoded.persona and decoded.persona != st.session_state.get("lab.persona"):
                page.before_sidebar({"lab.persona": decoded.persona})
    for warning in st.session_state.pop(WARNINGS, []):
        st.warning(warning)


def _warning(name: str, value: str, why: str) -> str:
    kept = "the rest of the link applies" if name in ("where", "exclude", PERSONA) else "that control keeps its default"
    return f"Ignored `{name}` = {plain(repr(value))} from the link: {plain(why)}; {kept}."


def publish(defaults: Mapping[str, Any], collection: str, persona: str | None) -> str:
    """Write this run's non-default controls and the persona into the URL; show the link and return it."""
    by_key = {_key(p, collection): p.name for p in PARAMS}
    values = {p.name: st.session_state.get(_key(p, collection)) for p in PARAMS}
    wanted = encode(values, {by_key[k]: v for k, v in defaults.items() if k in by_key})
    if persona:
        wanted[PERSONA] = persona
    for name in NAMES:
        if name in wanted:
            value = wanted[name]
            if st.query_params.get_all(name) != (value if isinstance(value, list) else [value]):
                st.query_params[name] = value
        elif name in st.query_params:
            del st.query_params[name]
    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    link = f"{st.context.url or '/recommend'}" + (f"?{query}" if query else "")
    with st.expander("Link to this comparison", icon=":material/link:"):
        st.caption("Opens Recommend with this persona and these settings (copy it with the button on the right):")
        st.code(link, language=None, wrap_lines=True)
    return link
