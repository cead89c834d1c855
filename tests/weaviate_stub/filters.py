"""Evaluating the protobuf ``Filters`` weaviate-client sends, object by object, as Weaviate matches them.

* ``and`` / ``or`` / ``not`` nest; every value operator the client can send for text, int, number,
  boolean, date and uuid properties and their array forms, ``like`` (``*`` any run, ``?`` one
  character), ``is_none``, ``within_geo_range`` (haversine, metres), ``len(prop)``, ``_id``,
  ``_creationTimeUnix`` and ``_lastUpdateTimeUnix``.
* Text with a tokenizing tokenization (``word``, the default; ``lowercase``; ``whitespace``) is
  matched on tokens, as Weaviate's inverted index does: ``equal("alien")`` matches "Alien Nation";
  ``field`` tokenization compares the whole trimmed value.
* An array property matches a value operator when any element does (``contains_all``: all values).
* ``not_equal`` and ``contains_none`` are the complement of their positive form, so objects without
  the property match them (Weaviate computes them as "all documents minus the matches").
* Errors a real server gives are raised as :class:`FilterError`: an unknown property; ``is_none``
  without ``indexNullState``; a time filter without ``indexTimestamps``; ``len()`` without
  ``indexPropertyLength``. Cross-reference filters are not supported by the stub (an error says so).
"""

from __future__ import annotations

import math
import re
import uuid as uuid_lib
from datetime import UTC, datetime

from weaviate.proto.v1 import base_pb2

from .schema import Collection, StoredObject, parse_date

Op = base_pb2.Filters
EARTH_RADIUS_M = 6371000.0
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class FilterError(ValueError):
    """A filter Weaviate rejects; the message is Weaviate's."""


def tokens(text: str, tokenization: str = "word") -> list[str]:
    """Weaviate's tokens of ``text``: ``word`` splits on non-alphanumerics and lowercases."""
    if tokenization == "field":
        return [text.strip()]
    if tokenization == "whitespace":
        return text.split()
    if tokenization == "lowercase":
        return text.lower().split()
    return [t.lower() for t in _TOKEN.findall(text)]


def matches(flt: base_pb2.Filters, obj: StoredObject, coll: Collection) -> bool:
    """Whether ``obj`` of ``coll`` passes filter ``flt``."""
    if flt.operator == Op.OPERATOR_AND:
        return all(matches(f, obj, coll) for f in flt.filters)
    if flt.operator == Op.OPERATOR_OR:
        return any(matches(f, obj, coll) for f in flt.filters)
    if flt.operator == Op.OPERATOR_NOT:
        return not all(matches(f, obj, coll) for f in flt.filters)
    return _value_filter(flt, obj, coll)


def check(flt: base_pb2.Filters, coll: Collection) -> None:
    """Raise FilterError for a filter Weaviate rejects before it looks at any object."""
    if flt.operator in (Op.OPERATOR_AND, Op.OPERATOR_OR, Op.OPERATOR_NOT):
        for f in flt.filters:
            check(f, coll)
        return
    _prop_and_type(flt, coll)


def _target(flt: base_pb2.Filters) -> str:
    if flt.HasField("target"):
        if flt.target.WhichOneof("target") != "property":
            raise FilterError("filters on cross-references are not supported by this test stub")
        return flt.target.property
    return flt.on[0] if flt.on else ""


def _prop_and_type(flt: base_pb2.Filters, coll: Collection) -> tuple[str, str]:
    prop = _target(flt)
    inverted = coll.config["invertedIndexConfig"]
    if prop in ("_creationTimeUnix", "_lastUpdateTimeUnix"):
        if not inverted.get("indexTimestamps"):
            raise FilterError("timestamps must be indexed to be filterable! "
                              f"add `IndexTimestamps: true` to the InvertedIndexConfig in {coll.name}")
        return prop, "_time"
    if prop == "_id":
        return prop, "uuid"
    if prop.startswith("len(") and prop.endswith(")"):
        if not inverted.get("indexPropertyLength"):
            raise FilterError("Property length must be indexed to be filterable! "
                              f"add `IndexPropertyLength: true` to the invertedIndexConfig in {coll.name}")
        _known(prop[4:-1], coll)
        return prop, "int"
    if flt.operator == Op.OPERATOR_IS_NULL and not inverted.get("indexNullState"):
        raise FilterError("Nullstate must be indexed to be filterable! "
                          f"add `indexNullState: true` to the invertedIndexConfig in {coll.name}")
    return prop, _known(prop, coll)["dataType"][0]


def _known(prop: str, coll: Collection) -> dict:
    spec = coll.properties.get(prop)
    if spec is None:
        raise FilterError(f"no such prop with name '{prop}' found in class '{coll.name}' in the schema. "
                          "Check your schema files for which properties in this class are available")
    return spec


def _stored(prop: str, obj: StoredObject):
    if prop == "_id":
        return obj.uuid
    if prop == "_creationTimeUnix":
        return obj.created_ms
    if prop == "_lastUpdateTimeUnix":
        return obj.updated_ms
    if prop.startswith("len("):
        value = obj.properties.get(prop[4:-1])
        return 0 if value is None else len(value)
    return obj.properties.get(prop)


def _filter_values(flt: base_pb2.Filters) -> list:
    kind = flt.WhichOneof("test_value")
    if kind is None:
        return []
    value = getattr(flt, kind)
    if kind.endswith("_array"):
        return list(value.values)
    return [value]


def _normalize(value, base: str, tokenization: str):
    """A filter or stored value in the form compared for ``base`` type (tokens for text)."""
    if base == "text":
        return tokens(str(value), tokenization)
    if base == "date":
        return parse_date(value) if isinstance(value, str) else value
    if base == "_time":
        return _time_ms(value)
    if base == "uuid":
        return str(uuid_lib.UUID(str(value)))
    return value


def _time_ms(value) -> int:
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value)
    if text.lstrip("-").isdigit():
        return int(text)
    return int(parse_date(text).astimezone(UTC).timestamp() * 1000)


def _value_filter(flt: base_pb2.Filters, obj: StoredObject, coll: Collection) -> bool:
    prop, data_type = _prop_and_type(flt, coll)
    stored = _stored(prop, obj)
    op = flt.operator
    if op == Op.OPERATOR_IS_NULL:
        return (stored is None or stored == []) == flt.value_boolean
    if op == Op.OPERATOR_NOT_EQUAL:
        return not _positive(Op.OPERATOR_EQUAL, flt, prop, data_type, stored, coll)
    if op == Op.OPERATOR_CONTAINS_NONE:
        return not _positive(Op.OPERATOR_CONTAINS_ANY, flt, prop, data_type, stored, coll)
    return _positive(op, flt, prop, data_type, stored, coll)


def _positive(op, flt, prop: str, data_type: str, stored, coll: Collection) -> bool:
    if stored is None:
        return False
    base = data_type.removesuffix("[]")
    tokenization = coll.properties.get(prop, {}).get("tokenization", "word")
    elements = stored if isinstance(stored, list) else [stored]
    if op == Op.OPERATOR_WITHIN_GEO_RANGE:
        geo = flt.value_geo
        return haversine_m(stored["latitude"], stored["longitude"], geo.latitude, geo.longitude) <= geo.distance
    wanted = [_normalize(v, base, tokenization) for v in _filter_values(flt)]
    have = [_normalize(v, base, tokenization) for v in elements]
    if base == "text":
        have_tokens = {t for toks in have for t in toks}
        if op == Op.OPERATOR_LIKE:
            pattern = _like(flt.value_text if tokenization == "field" else flt.value_text.lower())
            return any(pattern.fullmatch(t) for t in have_tokens)
        if op in (Op.OPERATOR_EQUAL, Op.OPERATOR_CONTAINS_ANY, Op.OPERATOR_CONTAINS_ALL):
            hits = [all(t in have_tokens for t in toks) for toks in wanted]
            return all(hits) if op == Op.OPERATOR_CONTAINS_ALL else any(hits)
        have, wanted = [" ".join(h) for h in have], [" ".join(w) for w in wanted]
    if op == Op.OPERATOR_CONTAINS_ALL:
        return all(w in have for w in wanted)
    if op in (Op.OPERATOR_EQUAL, Op.OPERATOR_CONTAINS_ANY):
        return any(w in have for w in wanted)
    if op == Op.OPERATOR_LIKE:
        pattern = _like(str(flt.value_text))
        return any(pattern.fullmatch(str(h)) for h in have)
    compare = _COMPARE.get(op)
    if compare is None:
        raise FilterError(f"operator {Op.Operator.Name(op)} is not supported on {data_type} by this test stub")
    return any(compare(h, wanted[0]) for h in have)


_COMPARE = {
    Op.OPERATOR_GREATER_THAN: lambda a, b: a > b,
    Op.OPERATOR_GREATER_THAN_EQUAL: lambda a, b: a >= b,
    Op.OPERATOR_LESS_THAN: lambda a, b: a < b,
    Op.OPERATOR_LESS_THAN_EQUAL: lambda a, b: a <= b,
}


def _like(pattern: str) -> re.Pattern:
    """Weaviate's ``like``: ``*`` any run of characters, ``?`` exactly one, everything else literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
                      re.DOTALL)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def now_ms() -> int:
    """The current time in ms since the epoch, as Weaviate stamps objects."""
    return int(datetime.now(UTC).timestamp() * 1000)
