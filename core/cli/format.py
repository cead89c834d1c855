"""How the CLI prints results: an aligned text table for people, or JSON with ``--json``.

Every command returns an :class:`Output` holding both forms; :meth:`Output.render` picks one.
Long text columns (title, explanation, ...) are truncated in tables, never in JSON. The
``*_output`` functions lay out the results of the richer commands.

Catalog text is data, so nothing in it reaches the terminal as a control sequence: the text form
shows control characters (ESC, CR, DEL, C1, bidirectional overrides, line separators) as escapes
like ``\\x1b`` (:func:`safe_text`), and the JSON form writes them as ``\\u`` escapes. JSON output is
always standard JSON: a non-finite number (NaN, infinity) is written as ``null``, as
JavaScript's ``JSON.stringify`` does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from core.models import (
    Item,
    Persona,
    PersonaInteractionResponse,
    PersonalizationAgentGetObjectsResponse,
    PersonalizedQueryResponse,
)
from core.retrieval.boost_stage import boost_note
from core.titles import TITLE_KEYS, display_title

__all__ = ["TITLE_KEYS", "TRUNCATE", "Output", "persona_output", "recommend_output", "safe_text", "search_output",
           "table", "title_of"]

TRUNCATE = {"title": 40, "explanation": 70, "properties": 60, "description": 50, "text_fields": 40}
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What a terminal could act on: C0 but tab and newline, DEL, C1, line separators, bidi overrides."""
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # json.dumps escapes C0 itself


@dataclass
class Output:
    """What a command produced: JSON-able ``data`` for ``--json`` and ``text`` for people."""

    data: Any
    text: str
    status: int = 0
    """The exit status: 0, or 1 when the command stopped to ask for a confirmation (``evaluate --agent llm``)."""

    def render(self, as_json: bool) -> str:
        """The text to print: indented standard JSON (non-JSON values as ``str``, NaN and infinity as
        null) or the text form, control characters escaped in both."""
        if not as_json:
            return safe_text(self.text)
        try:
            text = json.dumps(self.data, indent=2, ensure_ascii=False, default=str, allow_nan=False)
        except ValueError:  # a NaN or infinity somewhere: not JSON
            text = json.dumps(_finite(self.data), indent=2, ensure_ascii=False, default=str, allow_nan=False)
        return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def safe_text(text: str) -> str:
    """``text`` with every control character a terminal could act on shown as an escape (``\\x1b``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns; long text columns (title, explanation, ...) are truncated."""
    if not rows:
        return "(none)"
    cells = [[_truncate(h, _cell(v)) for h, v in zip(headers, row)] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def title_of(properties: dict[str, Any], text_fields: Sequence[str] = ()) -> str:
    """An item's display title (:func:`core.titles.display_title`: the lab and the engine use it too)."""
    return display_title(properties, "", text_fields)


def persona_output(label: str, persona: Persona, interactions: Sequence[PersonaInteractionResponse],
                   items: dict[UUID, Item], text_fields: Sequence[str]) -> Output:
    """A persona (called ``label`` on the command line), its properties and its interactions."""
    rows = [{"weight": i.weight, "created_at": i.created_at.isoformat(),
             "title": title_of(items[i.item_id].properties, text_fields) if i.item_id in items else "",
             "item_id": str(i.item_id)} for i in interactions]
    data = {"persona_id": str(persona.persona_id), "properties": persona.properties, "interactions": rows}
    text = "\n".join([f"persona {label!r} ({persona.persona_id})",
                      f"properties: {json.dumps(persona.properties, ensure_ascii=False)}",
                      f"interactions (newest first): {len(rows)}",
                      table(["weight", "created_at", "title", "item_id"], [list(r.values()) for r in rows])])
    return Output(data, text)


def recommend_output(response: PersonalizationAgentGetObjectsResponse, text_fields: Sequence[str]) -> Output:
    """Recommendations ranked, led by the ranking rationale and any fallback note."""
    rows = [[o.personalized_rank, o.original_rank, o.score, title_of(o.properties, text_fields), o.explanation]
            for o in response.objects]
    notes = [n for n in (response.ranking_rationale,
                         response.fallback_reason and f"fallback: {response.fallback_reason}") if n]
    text = table(["rank", "original_rank", "score", "title", "explanation"], rows)
    return Output(response.to_dict(), "\n".join([*notes, text]))


def search_output(response: PersonalizedQueryResponse, text_fields: Sequence[str]) -> Output:
    """Personalized search results with their search, persona and combined scores."""
    rows = [[rank, o.metadata.search_rank, o.metadata.score, o.metadata.search_score, o.metadata.persona_score,
             title_of(o.properties, text_fields)] for rank, o in enumerate(response.objects, start=1)]
    headers = ["rank", "search_rank", "score", "search_score", "persona_score", "title"]
    note = boost_note(response.trace)
    return Output(response.to_dict(), table(headers, rows) + (f"\n{note}" if note else ""))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return safe_text(json.dumps(value, ensure_ascii=False, default=str))
    return safe_text(" ".join(str(value).split()))


def _truncate(header: str, text: str) -> str:
    limit = TRUNCATE.get(header)
    return text if limit is None or len(text) <= limit else text[:limit - 3] + "..."
