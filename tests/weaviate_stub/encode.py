"""Protobuf <-> Python values for the stub: batch objects and query vectors in, search results out.

Decoding follows every encoding weaviate-client 4.23 may send (``vector`` floats, ``vector_bytes``
little-endian float32, ``vectors`` per name, ``vector_for_targets``, ``vector_per_target``); results
are encoded the way Weaviate >= 1.25 answers (``non_ref_props`` of typed ``Value``s, number and int
lists as packed float64/int64 bytes, named vectors in ``metadata.vectors``).
"""

from __future__ import annotations

import struct
import uuid as uuid_lib

from google.protobuf.json_format import MessageToDict
from weaviate.proto.v1 import base_pb2, properties_pb2, search_get_pb2

from .schema import SchemaError, StoredObject


def floats(data: bytes) -> list[float]:
    """Packed float32 bytes as a list."""
    return list(struct.unpack(f"<{len(data) // 4}f", data))


def _single(vec: base_pb2.Vectors) -> list[float]:
    if vec.type == base_pb2.Vectors.VECTOR_TYPE_MULTI_FP32:
        raise SchemaError("multi-vectors are not supported by this test stub")
    return floats(vec.vector_bytes)


def batch_properties(props) -> dict:
    """The properties of a ``BatchObject.Properties`` message as one plain dict."""
    out = MessageToDict(props.non_ref_properties) if props.HasField("non_ref_properties") else {}
    for group in (props.text_array_properties, props.int_array_properties, props.boolean_array_properties):
        out.update({p.prop_name: list(p.values) for p in group})
    for p in props.number_array_properties:
        out[p.prop_name] = (list(struct.unpack(f"<{len(p.values_bytes) // 8}d", p.values_bytes))
                            if p.values_bytes else list(p.values))
    for p in props.object_properties:
        out[p.prop_name] = MessageToDict(p.value.non_ref_properties)
    for p in props.object_array_properties:
        out[p.prop_name] = [MessageToDict(v.non_ref_properties) for v in p.values]
    out.update({name: [] for name in props.empty_list_props})
    if props.single_target_ref_props or props.multi_target_ref_props:
        raise SchemaError("cross-references are not supported by this test stub")
    return out


def batch_vectors(obj) -> dict[str, list[float]]:
    """The vectors of a ``BatchObject``, by name (``""`` for the unnamed one)."""
    out = {v.name: _single(v) for v in obj.vectors}
    if obj.vector_bytes:
        out[""] = floats(obj.vector_bytes)
    elif len(obj.vector):
        out[""] = list(obj.vector)
    return out


def query_vector(msg) -> tuple[list[float] | None, dict[str, list[float]]]:
    """The one query vector of a ``NearVector`` (or hybrid) message, and any per-target vectors."""
    per_target = {name: floats(data) for name, data in getattr(msg, "vector_per_target", {}).items()}
    for vft in getattr(msg, "vector_for_targets", []):
        per_target[vft.name] = floats(vft.vector_bytes) if vft.vector_bytes else _single(vft.vectors[0])
    if len(getattr(msg, "vectors", [])):
        return _single(msg.vectors[0]), per_target
    if msg.vector_bytes:
        return floats(msg.vector_bytes), per_target
    if len(msg.vector):
        return list(msg.vector), per_target
    return None, per_target


def _value(value, data_type: str) -> properties_pb2.Value:
    if data_type.endswith("[]"):
        return properties_pb2.Value(list_value=_list(value, data_type[:-2]))
    if data_type in ("text", "blob"):
        return properties_pb2.Value(text_value=value) if data_type == "text" else properties_pb2.Value(
            blob_value=value)
    if data_type == "int":
        return properties_pb2.Value(int_value=value)
    if data_type == "number":
        return properties_pb2.Value(number_value=value)
    if data_type == "boolean":
        return properties_pb2.Value(bool_value=value)
    if data_type == "date":
        return properties_pb2.Value(date_value=value)
    if data_type == "uuid":
        return properties_pb2.Value(uuid_value=value)
    if data_type == "geoCoordinates":
        return properties_pb2.Value(geo_value=properties_pb2.GeoCoordinate(**value))
    raise SchemaError(f"returning {data_type} properties is not supported by this test stub")


def _list(values: list, item_type: str) -> properties_pb2.ListValue:
    if item_type == "int":
        return properties_pb2.ListValue(int_values=properties_pb2.IntValues(
            values=struct.pack(f"<{len(values)}q", *values)))
    if item_type == "number":
        return properties_pb2.ListValue(number_values=properties_pb2.NumberValues(
            values=struct.pack(f"<{len(values)}d", *values)))
    kinds = {"text": ("text_values", properties_pb2.TextValues), "boolean": ("bool_values", properties_pb2.BoolValues),
             "date": ("date_values", properties_pb2.DateValues), "uuid": ("uuid_values", properties_pb2.UuidValues)}
    if item_type not in kinds:
        raise SchemaError(f"returning {item_type}[] properties is not supported by this test stub")
    key, message = kinds[item_type]
    return properties_pb2.ListValue(**{key: message(values=values)})


def search_result(obj: StoredObject, coll_name: str, types: dict[str, str], request: search_get_pb2.SearchRequest,
                  extra: dict | None = None) -> search_get_pb2.SearchResult:
    """One object as a ``SearchResult`` with the properties, vectors and metadata ``request`` asks for
    (no ``properties`` in the request: all of them, as Weaviate answers)."""
    wanted = request.properties
    if not request.HasField("properties") or wanted.return_all_nonref_properties:
        names = list(obj.properties)
    else:
        names = [n for n in wanted.non_ref_properties if n in obj.properties]
    props = properties_pb2.Properties(fields={n: _value(obj.properties[n], types[n]) for n in names})
    meta = request.metadata
    out = search_get_pb2.MetadataResult(id=obj.uuid, id_as_bytes=uuid_lib.UUID(obj.uuid).bytes)
    vector_names = list(obj.vectors) if meta.vector else [n for n in meta.vectors if n in obj.vectors]
    for name in vector_names:
        data = struct.pack(f"<{len(obj.vectors[name])}f", *obj.vectors[name])
        if name == "":
            out.vector_bytes = data
        else:
            out.vectors.append(base_pb2.Vectors(name=name, vector_bytes=data,
                                                type=base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32))
    if meta.creation_time_unix:
        out.creation_time_unix, out.creation_time_unix_present = obj.created_ms, True
    if meta.last_update_time_unix:
        out.last_update_time_unix, out.last_update_time_unix_present = obj.updated_ms, True
    for key, value in (extra or {}).items():
        if getattr(meta, key, False):
            setattr(out, key, value)
            setattr(out, f"{key}_present", True)
    return search_get_pb2.SearchResult(
        properties=search_get_pb2.PropertiesResult(non_ref_props=props, target_collection=coll_name), metadata=out)


def rest_object(obj: StoredObject, class_name: str) -> dict:
    """An object as ``GET /v1/objects/{class}/{id}`` answers it."""
    out = {"class": class_name, "id": obj.uuid, "properties": obj.properties,
           "creationTimeUnix": obj.created_ms, "lastUpdateTimeUnix": obj.updated_ms}
    named = {k: v for k, v in obj.vectors.items() if k}
    if named:
        out["vectors"] = named
    if "" in obj.vectors:
        out["vector"] = obj.vectors[""]
    return out
