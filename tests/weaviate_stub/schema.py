"""The stub's data model: collections (class JSON with Weaviate's defaults filled in) and stored objects.

A collection keeps the class definition the client sent, completed with the defaults Weaviate adds
on create (the shapes ``collection.config.get()`` parses), and its objects by uuid. Property values
are checked and coerced against the schema the way Weaviate does with ``AUTOSCHEMA_ENABLED=false``:
an unknown property or a value of the wrong type is an error for that object only.
"""

from __future__ import annotations

import copy
import re
import uuid as uuid_lib
from dataclasses import dataclass, field
from datetime import datetime

CLASS_NAME = re.compile(r"^[A-Z][_0-9A-Za-z]*$")
PROPERTY_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")

HNSW_DEFAULTS = {
    "skip": False, "cleanupIntervalSeconds": 300, "maxConnections": 32, "efConstruction": 128, "ef": -1,
    "dynamicEfMin": 100, "dynamicEfMax": 500, "dynamicEfFactor": 8, "vectorCacheMaxObjects": 1000000000000,
    "flatSearchCutoff": 40000, "distance": "cosine", "filterStrategy": "sweeping",
    "pq": {"enabled": False, "bitCompression": False, "segments": 0, "centroids": 256, "trainingLimit": 100000,
           "encoder": {"type": "kmeans", "distribution": "log-normal"}},
    "bq": {"enabled": False}, "sq": {"enabled": False, "trainingLimit": 100000, "rescoreLimit": 20},
    "multivector": {"enabled": False, "aggregation": "maxSim"},
}
INVERTED_DEFAULTS = {
    "bm25": {"b": 0.75, "k1": 1.2}, "cleanupIntervalSeconds": 60,
    "stopwords": {"preset": "en", "additions": None, "removals": None},
    "indexNullState": False, "indexPropertyLength": False, "indexTimestamps": False, "usingBlockMaxWAND": True,
}
SHARDING_DEFAULTS = {
    "virtualPerPhysical": 128, "desiredCount": 1, "actualCount": 1, "desiredVirtualCount": 128,
    "actualVirtualCount": 128, "key": "_id", "strategy": "hash", "function": "murmur3",
}
SCALAR_TYPES = {"text", "int", "number", "boolean", "date", "uuid", "geoCoordinates", "phoneNumber", "blob",
                "object"}
TYPES = SCALAR_TYPES | {f"{t}[]" for t in ("text", "int", "number", "boolean", "date", "uuid", "object")}


class SchemaError(ValueError):
    """A request the schema rejects; ``status`` is the HTTP code Weaviate answers with."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass
class StoredObject:
    """One object: its uuid, schema-typed properties, named vectors and times (ms since the epoch)."""

    uuid: str
    properties: dict
    vectors: dict[str, list[float]]
    created_ms: int
    updated_ms: int
    doc_id: int


def _merge(defaults: dict, given: dict | None) -> dict:
    out = copy.deepcopy(defaults)
    for key, value in (given or {}).items():
        out[key] = _merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def capitalized(name: str) -> str:
    """Weaviate upper-cases the first letter of a class name (``movie`` is the class ``Movie``)."""
    return name[:1].upper() + name[1:]


def complete_property(prop: dict, class_name: str) -> dict:
    """A property definition with Weaviate's defaults (tokenization, index flags); bad ones are errors."""
    name = prop.get("name", "")
    if not PROPERTY_NAME.match(name):
        raise SchemaError(f"'{name}' is not a valid property name. Property names in Weaviate are restricted "
                          f"to valid GraphQL names, which must be “/{PROPERTY_NAME.pattern}/”.")
    data_type = prop.get("dataType") or []
    if len(data_type) != 1 or data_type[0] not in TYPES:
        raise SchemaError(f"property '{name}' on class '{class_name}': invalid dataType: {data_type}")
    out = {"name": name, "dataType": list(data_type), "description": prop.get("description"),
           "indexFilterable": prop.get("indexFilterable", True), "indexRangeFilters": prop.get("indexRangeFilters",
                                                                                                False)}
    if data_type[0] in ("text", "text[]"):
        out["tokenization"] = prop.get("tokenization") or "word"
        out["indexSearchable"] = prop.get("indexSearchable", True)
    else:
        out["indexSearchable"] = False
    for key in ("nestedProperties", "moduleConfig"):
        if prop.get(key) is not None:
            out[key] = prop[key]
    return out


@dataclass
class Collection:
    """A class definition (Weaviate's JSON with defaults) and its objects by uuid."""

    config: dict
    objects: dict[str, StoredObject] = field(default_factory=dict)
    next_doc_id: int = 0

    @property
    def name(self) -> str:
        return self.config["class"]

    @property
    def properties(self) -> dict[str, dict]:
        return {p["name"]: p for p in self.config["properties"]}

    @property
    def vector_names(self) -> list[str]:
        """The named vectors, or ``[""]`` for a class with one unnamed (legacy) vector."""
        return list(self.config["vectorConfig"]) if self.config.get("vectorConfig") else [""]

    def distance_metric(self, name: str) -> str:
        if name == "":
            return self.config["vectorIndexConfig"]["distance"]
        return self.config["vectorConfig"][name]["vectorIndexConfig"]["distance"]

    @classmethod
    def from_request(cls, body: dict) -> Collection:
        """The collection a ``POST /v1/schema`` body describes, completed as Weaviate completes it."""
        name = capitalized(str(body.get("class") or ""))
        if not CLASS_NAME.match(name):
            raise SchemaError(f"'{name}' is not a valid class name")
        config = {key: value for key, value in body.items() if key not in ("properties",)}
        config["class"] = name
        config["invertedIndexConfig"] = _merge(INVERTED_DEFAULTS, body.get("invertedIndexConfig"))
        config["multiTenancyConfig"] = _merge({"enabled": False, "autoTenantCreation": False,
                                               "autoTenantActivation": False}, body.get("multiTenancyConfig"))
        config["replicationConfig"] = _merge({"factor": 1, "asyncEnabled": False,
                                              "deletionStrategy": "NoAutomatedResolution"},
                                             body.get("replicationConfig"))
        config["shardingConfig"] = _merge(SHARDING_DEFAULTS, body.get("shardingConfig"))
        if body.get("vectorConfig"):
            config["vectorConfig"] = {
                vname: {"vectorizer": vc.get("vectorizer") or {"none": {}},
                        "vectorIndexType": vc.get("vectorIndexType", "hnsw"),
                        "vectorIndexConfig": _merge(HNSW_DEFAULTS, vc.get("vectorIndexConfig"))}
                for vname, vc in body["vectorConfig"].items()}
        else:
            config.setdefault("vectorizer", "none")
            config["vectorIndexType"] = body.get("vectorIndexType", "hnsw")
            config["vectorIndexConfig"] = _merge(HNSW_DEFAULTS, body.get("vectorIndexConfig"))
        config["properties"] = []
        collection = cls(config)
        for prop in body.get("properties") or []:
            collection.add_property(prop)
        return collection

    def add_property(self, prop: dict) -> dict:
        completed = complete_property(prop, self.name)
        if completed["name"].lower() in {p.lower() for p in self.properties}:
            raise SchemaError(f"class '{self.name}': property '{completed['name']}' already exists")
        self.config["properties"].append(completed)
        return completed

    def coerce(self, properties: dict) -> dict:
        """``properties`` typed by the schema; an unknown property or a wrong value raises SchemaError."""
        known = self.properties
        out = {}
        for name, value in properties.items():
            if name not in known:
                raise SchemaError(f"no such prop with name '{name}' found in class '{self.name}' in the schema. "
                                  "Check your schema files for which properties in this class are available")
            if value is None:
                continue
            out[name] = coerce_value(value, known[name]["dataType"][0], name, self.name)
        return out


def parse_date(text: str) -> datetime:
    """An RFC 3339 date as Weaviate accepts it (``Z`` or an offset; fractional seconds allowed)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"date '{text}' has no time zone")
    return value


def coerce_value(value, data_type: str, prop: str, class_name: str):
    """One property value as stored for ``data_type``; a mismatch is Weaviate's error for that object."""
    if data_type.endswith("[]"):
        if not isinstance(value, list):
            raise SchemaError(f"invalid {data_type} property '{prop}' on class '{class_name}': not an array, "
                              f"but {type(value).__name__}")
        return [coerce_value(v, data_type[:-2], prop, class_name) for v in value]
    try:
        return _SCALAR[data_type](value)
    except (TypeError, ValueError, KeyError) as error:
        raise SchemaError(f"invalid {data_type} property '{prop}' on class '{class_name}': {error}") from None


def _text(value):
    if not isinstance(value, str):
        raise TypeError(f"not a string, but {type(value).__name__}")
    return value


def _int(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
        raise TypeError(f"requires an integer, the given value is '{value}'")
    return int(value)


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"requires a float, the given value is '{value}'")
    return float(value)


def _boolean(value):
    if not isinstance(value, bool):
        raise TypeError(f"not a boolean, but {type(value).__name__}")
    return value


def _date(value):
    parse_date(_text(value))
    return value


def _uuid(value):
    return str(uuid_lib.UUID(_text(value)))


def _geo(value):
    if not isinstance(value, dict):
        raise TypeError(f"not a geoCoordinates object, but {type(value).__name__}")
    return {"latitude": float(value["latitude"]), "longitude": float(value["longitude"])}


def _raw(value):
    return value


_SCALAR = {"text": _text, "int": _int, "number": _number, "boolean": _boolean, "date": _date, "uuid": _uuid,
           "geoCoordinates": _geo, "blob": _text, "phoneNumber": _raw, "object": _raw}
