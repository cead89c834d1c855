"""Pure, tolerant parsers of LLM replies: whatever comes back, the guarantees hold.

:func:`parse_rerank` accepts the JSON object the prompt asked for, the same JSON inside a
```` ```json ```` fence or surrounded by prose, a bare list of ids, a truncated reply (its ``"id"``
fields) and, as a last resort, ids found anywhere in free text. It admits only ids that were
offered (an alias such as ``c3``, or the full UUID of an offered item), drops duplicates, and
appends missing candidates in their pool order, so the result always holds exactly
``min(limit, len(pool))`` distinct offered items, even for an empty or garbage reply. Every repair
is named in the warnings ("unknown id c99 ignored", "duplicate c2 dropped", "3 candidates appended
in pool order", "reply was not JSON"), and ``chosen`` counts the items the reply itself placed.

Replies are read defensively: only the first :data:`MAX_REPLY_CHARS` characters, and JSON nested
deeper than :data:`MAX_DEPTH` counts as no JSON (it cannot raise ``RecursionError`` either).

:func:`parse_plan` is as forgiving: garbage means no extra searches plus a warning ending in
:data:`NO_SEARCHES`.
"""

from __future__ import annotations

import json
import numbers
import re
from typing import Any, NamedTuple
from uuid import UUID

from core.errors import InvalidInputError
from core.ranking.base import PlannedSearch

MAX_QUERY_CHARS = 200
MAX_REASON_CHARS = 300
MAX_RATIONALE_CHARS = 1000
MAX_WARNINGS = 20
MAX_REPLY_CHARS = 100_000
"""Characters of a reply that are read (a 30-candidate rerank with reasons is about 5,000)."""
MAX_DEPTH = 20
"""The deepest JSON nesting accepted (the replies asked for are 3 deep)."""
NO_SEARCHES = "no extra searches"
_MAX_SCAN = 200  # start positions tried when looking for JSON inside prose
_FENCE = re.compile(r"```[a-zA-Z]*\s*(.*?)```", re.DOTALL)
_ID_FIELD = re.compile(r'"id"\s*:\s*"([^"]{1,80})"')
_TOKEN = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\bc\d{1,4}\b", re.IGNORECASE)


class ParsedRanking(NamedTuple):
    """What :func:`parse_rerank` returns (unpacks as ``order, reasons, rationale, warnings, chosen``)."""

    order: list[UUID]
    reasons: dict[UUID, str]
    rationale: str | None
    warnings: list[str]
    chosen: int = 0
    """How many of ``order`` the reply placed (the rest were appended in pool order)."""


def find_json(text: str, key: str | None = None) -> dict | list | None:
    """The reply's JSON object or array: the whole text, a fenced block, or the first one in prose.

    In prose, an object holding ``key`` wins, then any object, then the first array (so
    ``"see [1]: {...}"`` finds the object). If ``key`` appears in the text but no object holding
    it parses (a reply cut off mid-way), the result is None, so the caller falls back to the text.
    """
    text = (text or "").strip()[:MAX_REPLY_CHARS]
    for chunk in [text] + [m.group(1).strip() for m in _FENCE.finditer(text)]:
        try:
            value = json.loads(chunk)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, (dict, list)) and _shallow(value):
            return value
    decoder, first_dict, first_list = json.JSONDecoder(), None, None
    for n, match in enumerate(re.finditer(r"[\[{]", text)):
        if n >= _MAX_SCAN:
            break
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except (ValueError, RecursionError):
            continue
        if not _shallow(value):
            continue
        if isinstance(value, dict) and (key is None or key in value):
            return value
        first_dict = first_dict if first_dict is not None or not isinstance(value, dict) else value
        first_list = first_list if first_list is not None or not isinstance(value, list) else value
    if key is not None and f'"{key}"' in text:
        return None
    return first_dict if first_dict is not None else first_list


def _shallow(value: Any) -> bool:
    """True if ``value`` nests at most :data:`MAX_DEPTH` deep (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_DEPTH:
                    return False
                stack.append((child, depth + 1))
    return True


def parse_rerank(text: str | None, aliases: dict[str, UUID], pool_order: list[UUID], limit: int) -> ParsedRanking:
    """The order, per-item reasons, rationale and repair warnings from a rerank reply."""
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or limit < 0:
        raise InvalidInputError(f"limit must be a non-negative integer, got {limit!r}")
    pool = list(dict.fromkeys(pool_order))
    target = min(int(limit), len(pool))
    warnings: list[str] = []
    entries, rationale = _rerank_entries(text or "", warnings)
    resolve = _resolver(aliases, pool)
    order: list[UUID] = []
    reasons: dict[UUID, str] = {}
    extra = 0
    for raw, reason in entries:
        uid, shown = resolve(raw), _show(raw)
        if uid is None:
            warnings.append(f"unknown id {shown} ignored")
        elif uid in order:
            warnings.append(f"duplicate {shown} dropped")
        elif len(order) >= target:
            extra += 1
        else:
            order.append(uid)
            if reason:
                reasons[uid] = _cut(reason, MAX_REASON_CHARS)
    if extra:
        warnings.append(f"{extra} id{'s' if extra != 1 else ''} beyond the limit of {target} ignored")
    missing = [u for u in pool if u not in order][:target - len(order)]
    if missing:
        warnings.append(f"{len(missing)} candidate{'s' if len(missing) != 1 else ''} appended in pool order")
        order.extend(missing)
    return ParsedRanking(order, reasons, rationale, _capped(warnings), len(order) - len(missing))


def parse_plan(text: str | None, max_searches: int) -> tuple[list[PlannedSearch], list[str]]:
    """Planned searches (stripped, deduplicated, cut to 200 chars, at most ``max_searches``) and warnings."""
    if isinstance(max_searches, bool) or not isinstance(max_searches, numbers.Integral) or max_searches < 0:
        raise InvalidInputError(f"max_searches must be a non-negative integer, got {max_searches!r}")
    if not (text or "").strip():
        return [], [f"reply was empty; {NO_SEARCHES}"]
    value = find_json(text, "searches")
    if value is None:
        return [], [f"reply was not JSON; {NO_SEARCHES}"]
    items = value.get("searches") if isinstance(value, dict) else value
    if not isinstance(items, list):
        return [], [f"reply JSON had no 'searches' list; {NO_SEARCHES}"]
    searches: list[PlannedSearch] = []
    warnings: list[str] = []
    for entry in items:
        query, reason = _plan_entry(entry)
        if not query:
            warnings.append(f"search without a query ignored: {_show(entry)}")
        elif query.casefold() in {s.query.casefold() for s in searches}:
            warnings.append(f"duplicate search {_show(query)} dropped")
        else:
            if len(query) > MAX_QUERY_CHARS:
                warnings.append(f"query cut to {MAX_QUERY_CHARS} characters: {_show(query)}")
            searches.append(PlannedSearch(query=query[:MAX_QUERY_CHARS].rstrip(), reason=_cut(reason, MAX_REASON_CHARS)))
    if len(searches) > max_searches:
        warnings.append(f"{len(searches) - max_searches} searches beyond max_searches={max_searches} dropped")
    return searches[:max_searches], _capped(warnings)


def _rerank_entries(text: str, warnings: list[str]) -> tuple[list[tuple[Any, str | None]], str | None]:
    if not text.strip():
        warnings.append("reply was empty")
        return [], None
    if len(text) > MAX_REPLY_CHARS:
        warnings.append(f"reply of {len(text):,} characters read up to {MAX_REPLY_CHARS:,}")
        text = text[:MAX_REPLY_CHARS]
    value = find_json(text, "ranking")
    if value is None:
        ids = _ID_FIELD.findall(text) or _TOKEN.findall(text)
        warnings.append("reply was not JSON" + ("; ids taken from the text" if ids else "; no ids found"))
        return [(i, None) for i in ids], None
    rationale, items = None, value
    if isinstance(value, dict):
        if isinstance(value.get("rationale"), str) and value["rationale"].strip():
            rationale = _cut(value["rationale"], MAX_RATIONALE_CHARS)
        items = value.get("ranking")
        if not isinstance(items, list):
            items = next((v for v in value.values() if isinstance(v, list)), [])
            warnings.append("reply JSON had no 'ranking' list" + ("; used its first list" if items else ""))
    return [_rank_entry(e) for e in items], rationale


def _rank_entry(entry: Any) -> tuple[Any, str | None]:
    if isinstance(entry, dict):
        raw = next((entry[k] for k in ("id", "item", "alias", "uuid") if k in entry), None)
        reason = next((entry[k] for k in ("reason", "explanation", "why") if isinstance(entry.get(k), str)), None)
        return raw, reason
    return entry, None


def _plan_entry(entry: Any) -> tuple[str, str]:
    if isinstance(entry, str):
        return " ".join(entry.split()), ""
    if not isinstance(entry, dict):
        return "", ""
    query = next((entry[k] for k in ("query", "q", "search") if isinstance(entry.get(k), str)), "")
    reason = entry.get("reason") if isinstance(entry.get("reason"), str) else ""
    return " ".join(query.split()), reason


def _resolver(aliases: dict[str, UUID], pool: list[UUID]):
    offered = set(pool)
    lookup = {str(a).strip().lower(): u for a, u in aliases.items() if u in offered}
    lookup.update({str(u): u for u in pool})

    def resolve(raw: Any) -> UUID | None:
        if not isinstance(raw, str):
            return None
        key = raw.strip().strip("\"'`[]()<>#*.,").lower()
        if key in lookup:
            return lookup[key]
        try:
            return lookup.get(str(UUID(key)))
        except ValueError:
            return None
    return resolve


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return _cut(" ".join(text.split()), 40) or "''"


def _capped(warnings: list[str]) -> list[str]:
    if len(warnings) <= MAX_WARNINGS:
        return warnings
    return warnings[:MAX_WARNINGS] + [f"... and {len(warnings) - MAX_WARNINGS} more warnings"]
