"""The stub's gRPC side: ``weaviate.v1.Weaviate`` (Search, BatchObjects, BatchDelete, Aggregate) and
the health check ``grpc.health.v1.Health/Check`` the client pings on connect.

The servicer is the generated one that ships inside weaviate-client (``weaviate.proto.v1``, the same
modules the client imports). Every call is recorded as ``("grpc", method, MessageToDict(request))``.
Errors answer the way Weaviate's gRPC server does: a missing or wrong ``authorization`` metadata is
UNAUTHENTICATED; a bad request (unknown collection or property, bad filter) is UNKNOWN with
Weaviate's message; a batch object that does not fit the schema is a per-object error in
``BatchObjectsReply.errors`` (auto-schema is off in the stub, as with ``AUTOSCHEMA_ENABLED=false``).
"""

from __future__ import annotations

import uuid as uuid_lib

import grpc
from google.protobuf.json_format import MessageToDict
from weaviate.proto.v1 import (
    aggregate_pb2,
    batch_delete_pb2,
    batch_pb2,
    health_weaviate_pb2,
    weaviate_pb2_grpc,
)

from . import search, vectorize
from .encode import batch_properties, batch_vectors
from .filters import FilterError, now_ms
from .schema import SchemaError, StoredObject

Health = health_weaviate_pb2.WeaviateHealthCheckResponse


class WeaviateServicer(weaviate_pb2_grpc.WeaviateServicer):
    """Weaviate's gRPC API over the stub's in-memory state."""

    def __init__(self, stub):
        self.stub = stub

    def _enter(self, name: str, request, context: grpc.ServicerContext):
        metadata = dict(context.invocation_metadata())
        fault = self.stub.enter("grpc", name, MessageToDict(request, preserving_proto_field_name=True), metadata)
        if not self.stub.authorized(metadata.get("authorization")):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "unauthorized: invalid or missing api key")
        if fault is not None and isinstance(fault.status, grpc.StatusCode):
            context.abort(fault.status, fault.message)
        return fault

    def _call(self, name: str, request, context, answer):
        fault = self._enter(name, request, context)
        try:
            with self.stub.lock:
                return answer(request, fault)
        except (SchemaError, FilterError, ValueError) as exc:
            context.abort(grpc.StatusCode.UNKNOWN, str(exc))

    def Search(self, request, context):
        headers = dict(context.invocation_metadata())
        return self._call("Search", request, context, lambda r, f: self._search(r, headers))

    def BatchObjects(self, request, context):
        headers = dict(context.invocation_metadata())
        return self._call("BatchObjects", request, context, lambda r, f: self._batch(r, f, headers))

    def BatchDelete(self, request, context):
        return self._call("BatchDelete", request, context, self._delete)

    def Aggregate(self, request, context):
        return self._call("Aggregate", request, context, self._aggregate)

    def _search(self, request, headers):
        return search.run(self.stub.state.collection(request.collection), request, headers,
                          boosts=self.stub.version_at_least(1, 38))

    def _batch(self, request, fault, headers):
        injected = dict(fault.errors or {}) if fault is not None else {}
        errors = []
        for index, obj in enumerate(request.objects):
            message = injected.get(index)
            if message is None:
                message = self._insert(obj, headers)
            if message is not None:
                errors.append(batch_pb2.BatchObjectsReply.BatchError(index=index, error=message))
        return batch_pb2.BatchObjectsReply(took=0.001, errors=errors)

    def _insert(self, obj, headers: dict[str, str]) -> str | None:
        """Store one batch object (insert or replace by uuid); its error message, or None."""
        try:
            coll = self.stub.state.collection(obj.collection)
            uid = str(uuid_lib.UUID(obj.uuid))
            vectors = batch_vectors(obj)
            unknown = set(vectors) - set(coll.vector_names)
            if unknown:
                raise SchemaError(f"collection {coll.name!r} has no named vector(s) {sorted(unknown)}")
            props = coll.coerce(batch_properties(obj.properties) if obj.HasField("properties") else {})
            vectorize.fill(coll, props, vectors, headers)  # a vectorizer module's vectors for those not given
        except (SchemaError, ValueError) as exc:
            return str(exc)
        old = coll.objects.get(uid)
        stamp = now_ms()
        coll.objects[uid] = StoredObject(uid, props, vectors, old.created_ms if old else stamp, stamp,
                                         old.doc_id if old else coll.next_doc_id)
        coll.next_doc_id += old is None
        return None

    def _delete(self, request, fault):
        coll = self.stub.state.collection(request.collection)
        doomed = search.filtered(coll, request.filters if request.HasField("filters") else None)
        if not request.dry_run:
            for obj in doomed:
                del coll.objects[obj.uuid]
        objects = [batch_delete_pb2.BatchDeleteObject(uuid=uuid_lib.UUID(o.uuid).bytes, successful=True)
                   for o in doomed] if request.verbose else []
        return batch_delete_pb2.BatchDeleteReply(took=0.001, failed=0, matches=len(doomed),
                                                 successful=len(doomed), objects=objects)

    def _aggregate(self, request, fault):
        coll = self.stub.state.collection(request.collection)
        if len(request.aggregations) or request.HasField("group_by") or any(
                request.HasField(f) for f in ("hybrid", "near_vector", "near_object", "near_text")):
            raise SchemaError("only total_count aggregation (over_all, with filters) is supported by this test stub")
        count = len(search.filtered(coll, request.filters if request.HasField("filters") else None))
        return aggregate_pb2.AggregateReply(took=0.001, single_result=aggregate_pb2.AggregateReply.Single(
            objects_count=count))


def add_services(server: grpc.Server, stub) -> None:
    """Register the Weaviate servicer and the health check on ``server``."""
    weaviate_pb2_grpc.add_WeaviateServicer_to_server(WeaviateServicer(stub), server)

    def check(request, context):
        stub.enter("grpc", "HealthCheck", MessageToDict(request))
        return Health(status=Health.SERVING)

    handler = grpc.unary_unary_rpc_method_handler(
        check, request_deserializer=health_weaviate_pb2.WeaviateHealthCheckRequest.FromString,
        response_serializer=Health.SerializeToString)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("grpc.health.v1.Health",
                                                                          {"Check": handler}),))
