"""Between the engine's values and Weaviate's schema (pure apart from the weaviate-client classes).

- **Item properties.** A collection the store creates gets one typed Weaviate property per item
  property (inferred from the first values seen: text, int, number, boolean, date-less JSON lists of
  those), so the user's ``Filter`` objects and BM25 work on them, plus two bookkeeping properties:
  ``pa_json`` (the item's properties exactly as given, as JSON: empty lists, nested objects and
  ints-vs-floats read back unchanged; neither searchable nor filterable) and ``pa_seq`` (insertion
  order, for ``iter_items``). Nested objects are kept in ``pa_json`` only (Weaviate's ``object`` type
  needs a declared nested schema). A user's own collection is read as Weaviate returns it.
- **Specs from config.** A user's collection becomes a :class:`CollectionSpec` from its config: its
  text properties are the BM25 fields, its named vectors (or its single unnamed vector, Weaviate's
  ``"default"``) the vectors; each vector's dimensions come from one stored object.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from weaviate.classes.config import DataType, Property, Tokenization

from core.checks import plain_json
from core.errors import InvalidInputError

ITEM_JSON, ITEM_SEQ = "pa_json", "pa_seq"
BOOKKEEPING = frozenset({ITEM_JSON, ITEM_SEQ, "pa_background"})
TEXTUAL = frozenset({DataType.TEXT, DataType.TEXT_ARRAY})

_SCALAR = {bool: DataType.BOOL, int: DataType.INT, float: DataType.NUMBER, str: DataType.TEXT}
_ARRAY = {DataType.BOOL: DataType.BOOL_ARRAY, DataType.INT: DataType.INT_ARRAY,
          DataType.NUMBER: DataType.NUMBER_ARRAY, DataType.TEXT: DataType.TEXT_ARRAY}
_WIDER = {(DataType.INT, DataType.NUMBER): DataType.NUMBER, (DataType.INT_ARRAY, DataType.NUMBER_ARRAY):
          DataType.NUMBER_ARRAY}
_USER_TYPES = {"text": DataType.TEXT, "string": DataType.TEXT, "str": DataType.TEXT, "int": DataType.INT,
               "integer": DataType.INT, "number": DataType.NUMBER, "float": DataType.NUMBER, "bool": DataType.BOOL,
               "boolean": DataType.BOOL, "text[]": DataType.TEXT_ARRAY, "string[]": DataType.TEXT_ARRAY,
               "int[]": DataType.INT_ARRAY, "number[]": DataType.NUMBER_ARRAY}


def value_type(value: Any) -> DataType | None:
    """The Weaviate data type of one plain JSON value (None: no typed property, e.g. None, [] or an object)."""
    if type(value) in _SCALAR:
        return _SCALAR[type(value)]
    if isinstance(value, list) and value:
        kinds = {value_type(v) for v in value}
        if kinds == {DataType.INT, DataType.NUMBER}:
            kinds = {DataType.NUMBER}
        if len(kinds) == 1 and (kind := kinds.pop()) in _ARRAY:
            return _ARRAY[kind]
    return None


def infer_properties(rows: Sequence[Mapping[str, Any]], known: Mapping[str, DataType]) -> dict[str, DataType]:
    """The typed properties ``rows`` need beyond ``known`` (name -> type); a value contradicting a known or
    earlier type is an :class:`InvalidInputError` naming the property, raised before anything is written."""
    found: dict[str, DataType] = {}
    for n, row in enumerate(rows):
        for name, value in row.items():
            kind = value_type(value)
            if kind is None or name in BOOKKEEPING:
                continue
            have = known.get(name) or found.get(name)
            if have is None or have == kind or _WIDER.get((kind, have)) == have:
                if have is None:
                    found[name] = kind
                continue
            if name not in known and (wider := _WIDER.get((have, kind))):
                found[name] = wider
                continue
            raise InvalidInputError(f"item #{n}: property {name!r} holds a {kind.value} value, but the collection "
                                    f"stores {have.value} there; nothing was stored")
    return found


def typed_values(properties: Mapping[str, Any], types: Mapping[str, DataType]) -> dict[str, Any]:
    """The values of ``properties`` that go into typed Weaviate properties (a number into a number property
    as a float)."""
    out = {}
    for name, value in properties.items():
        kind, have = types.get(name), value_type(value)
        if kind is None or have is None or (have != kind and _WIDER.get((have, kind)) != kind):
            continue  # no typed property, or a value of another type: kept in pa_json only
        if kind == DataType.NUMBER:
            value = float(value)
        elif kind == DataType.NUMBER_ARRAY:
            value = [float(v) for v in value]
        out[name] = value
    return out


def new_property(name: str, kind: DataType, *, searchable: bool = True) -> Property:
    """A typed property; text is word-tokenized (Weaviate's default) and searchable unless told otherwise."""
    if kind in TEXTUAL:
        return Property(name=name, data_type=kind, tokenization=Tokenization.WORD, index_searchable=searchable)
    return Property(name=name, data_type=kind)


def bookkeeping_properties() -> list[Property]:
    """``pa_json`` (never indexed) and ``pa_seq`` of a collection the store creates."""
    return [Property(name=ITEM_JSON, data_type=DataType.TEXT, index_searchable=False, index_filterable=False,
                     skip_vectorization=True),
            Property(name=ITEM_SEQ, data_type=DataType.INT, skip_vectorization=True)]


def user_property_type(kind: str) -> DataType | None:
    """The Weaviate type of an agent user property (``"int"``, ``"text"``, ``"text[]"``, ...; None: JSON only)."""
    return _USER_TYPES.get(str(kind).strip().lower()) if isinstance(kind, str) else None


def item_json(properties: Mapping[str, Any]) -> str:
    return json.dumps(properties, ensure_ascii=False, allow_nan=False)


def plain_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Weaviate's returned properties as plain JSON values (dates as ISO text, UUIDs as text, geo
    coordinates and phone numbers as objects), leaving out the store's own bookkeeping."""
    return plain_json({k: _plain(v) for k, v in properties.items() if k not in BOOKKEEPING}, "properties")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump())
    return value


def config_vectors(config: Any) -> list[str]:
    """The vector names of a collection config: its named vectors, or ``["default"]`` for a single unnamed one."""
    named = getattr(config, "vector_config", None) or {}
    return list(named) or ["default"]


def config_vectorizers(config: Any) -> dict[str, str]:
    """Vector name -> the module the server vectorizes it with (``"text2vec-openai"``), from a collection
    config: each named vector's ``vectorizer.vectorizer``, or the legacy ``config.vectorizer`` for a
    single unnamed vector (``"default"``). Vectors configured ``none`` (self-provided) are left out."""
    named = getattr(config, "vector_config", None) or {}
    if named:
        found = {name: getattr(getattr(vc, "vectorizer", None), "vectorizer", None) for name, vc in named.items()}
    else:
        found = {"default": getattr(config, "vectorizer", None)}
    modules = {name: str(getattr(m, "value", m)) for name, m in found.items() if m is not None}
    return {name: m for name, m in modules.items() if m and m != "none"}


def text_properties(config: Any) -> tuple[str, ...]:
    """The searchable text properties of a collection config (its BM25 fields), bookkeeping left out."""
    return tuple(p.name for p in config.properties
                 if p.data_type in TEXTUAL and p.name not in BOOKKEEPING and getattr(p, "index_searchable", True))


def property_types(config: Any) -> dict[str, DataType]:
    """Name -> data type of a collection config's properties."""
    return {p.name: p.data_type for p in config.properties}
