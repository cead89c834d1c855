"""The stub's REST side: the parts of Weaviate's ``/v1`` API weaviate-client 4.23 calls.

Meta and readiness (``/v1/meta``, ``/v1/.well-known/ready|live``; ``openid-configuration`` is 404:
no OIDC), the schema (``/v1/schema``: create, get, list, delete, update, add property), objects
(``/v1/objects``: insert, get, head, replace, update, delete) and aliases (``/v1/aliases``, only
when the stub reports version >= 1.32; 404 otherwise). Errors use Weaviate's body
``{"error": [{"message": ...}]}``; auth failures answer 401 ``{"code": 401, "message": ...}``.
Aliases resolve wherever an object or query names a collection; schema changes (delete, update,
add property) need the collection's own name, as in Weaviate.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_lib
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from .encode import rest_object
from .filters import now_ms
from . import vectorize
from .schema import Collection, SchemaError, StoredObject, capitalized

OPEN_PATHS = ("/v1/.well-known/ready", "/v1/.well-known/live", "/v1/.well-known/openid-configuration")
GRPC_MAX_MESSAGE = 104858000


class Reply(Exception):
    """A finished answer: HTTP status and JSON body (None: no body)."""

    def __init__(self, status: int, body=None):
        super().__init__(status)
        self.status, self.body = status, body


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": [{"message": message}]})


def make_handler(stub):
    """A request handler class bound to ``stub``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: else each reply waits ~40 ms (delayed ACK)

        def log_message(self, *args) -> None:  # the test log is not the place for access lines
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            name = f"{self.command} {parts.path}"
            try:
                fault = stub.enter("rest", name, body, dict(self.headers.items()))
                if parts.path not in OPEN_PATHS and not stub.authorized(self.headers.get("Authorization")):
                    raise Reply(401, {"code": 401, "message": "anonymous access not enabled, or invalid api key"})
                if fault is not None and isinstance(fault.status, int):
                    raise error(fault.status, fault.message)
                with stub.lock:
                    route(stub, self.command, parts.path, parse_qs(parts.query), body,
                          {k.lower(): v for k, v in self.headers.items()})
                raise Reply(404)
            except Reply as reply:
                self._send(reply)

        def _send(self, reply: Reply) -> None:
            data = b"" if reply.body is None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Handler


def route(stub, method: str, path: str, query: dict, body: dict, headers: dict | None = None) -> None:
    """Answer one request by raising :class:`Reply`; returning means "no such route" (404)."""
    try:
        if path == "/v1/meta" and method == "GET":
            raise Reply(200, {"hostname": "http://[::]:8080", "modules": {}, "version": stub.version,
                              "grpcMaxMessageSize": GRPC_MAX_MESSAGE})
        if path in ("/v1/.well-known/ready", "/v1/.well-known/live"):
            raise Reply(200)
        if path.startswith("/v1/schema"):
            _schema(stub.state, method, path.split("/")[3:], body)
        elif path.startswith("/v1/objects"):
            _objects(stub.state, method, path.split("/")[3:], body, headers or {})
        elif path.startswith("/v1/aliases") and stub.version_at_least(1, 32):
            _aliases(stub.state, method, path.split("/")[3:], query, body)
    except SchemaError as exc:
        raise error(exc.status, str(exc)) from None


def _schema(state, method: str, parts: list[str], body: dict) -> None:
    if not parts and method == "GET":
        raise Reply(200, {"classes": [c.config for c in state.collections.values()]})
    if not parts and method == "POST":
        coll = Collection.from_request(body)
        if coll.name in state.collections or coll.name.lower() in {c.lower() for c in state.collections}:
            raise error(422, f"class name {coll.name!r} already exists")
        if coll.name in state.aliases:
            raise error(422, f"class name {coll.name!r} already exists as an alias")
        state.collections[coll.name] = coll
        raise Reply(200, coll.config)
    name = capitalized(parts[0]) if parts else ""
    coll = state.collections.get(name)
    if len(parts) == 1 and method == "DELETE":
        state.collections.pop(name, None)
        state.aliases = {a: c for a, c in state.aliases.items() if c != name}
        raise Reply(200)
    if coll is None:
        raise Reply(404) if method == "GET" else error(404, f"class {name!r} not found")
    if len(parts) == 1 and method == "GET":
        raise Reply(200, coll.config)
    if len(parts) == 1 and method == "PUT":
        for key in ("description", "invertedIndexConfig", "replicationConfig"):
            if key in body:
                coll.config[key] = body[key]
        raise Reply(200, coll.config)
    if parts[1:] == ["properties"] and method == "POST":
        raise Reply(200, coll.add_property(body))


def _object_from_body(coll: Collection, body: dict, uid: str, created: int | None = None,
                      headers: dict | None = None) -> StoredObject:
    vectors = {k: [float(x) for x in v] for k, v in (body.get("vectors") or {}).items()}
    if body.get("vector"):
        vectors[""] = [float(x) for x in body["vector"]]
    unknown = set(vectors) - set(coll.vector_names)
    if unknown:
        raise SchemaError(f"collection {coll.name!r} has no named vector(s) {sorted(unknown)}")
    properties = coll.coerce(body.get("properties") or {})
    vectorize.fill(coll, properties, vectors, headers or {})
    stamp = now_ms()
    return StoredObject(uid, properties, vectors, created or stamp, stamp, 0)


def _store(coll: Collection, obj: StoredObject, old: StoredObject | None = None) -> None:
    obj.doc_id = old.doc_id if old is not None else coll.next_doc_id
    coll.next_doc_id += old is None
    coll.objects[obj.uuid] = obj


def _objects(state, method: str, parts: list[str], body: dict, headers: dict) -> None:
    if not parts and method == "POST":
        coll = state.collection(body.get("class", ""))
        uid = str(uuid_lib.UUID(body.get("id") or str(uuid_lib.uuid4())))
        if uid in coll.objects:
            raise error(422, f"id '{uid}' already exists")
        obj = _object_from_body(coll, body, uid, headers=headers)
        _store(coll, obj)
        raise Reply(200, rest_object(obj, coll.name))
    if len(parts) != 2:
        return
    coll = state.collection(parts[0])
    uid = str(uuid_lib.UUID(parts[1]))
    old = coll.objects.get(uid)
    if method in ("GET", "HEAD"):
        raise Reply(404) if old is None else Reply(204 if method == "HEAD" else 200, rest_object(old, coll.name))
    if method == "DELETE":
        raise Reply(404) if coll.objects.pop(uid, None) is None else Reply(204)
    if method == "PUT":
        obj = _object_from_body(coll, body, uid, old.created_ms if old else None, headers)
        _store(coll, obj, old)
        raise Reply(200, rest_object(obj, coll.name))
    if method == "PATCH":
        if old is None:
            raise Reply(404)
        merged = {"properties": {**old.properties, **(body.get("properties") or {})},
                  "vectors": {**{k: v for k, v in old.vectors.items() if k}, **(body.get("vectors") or {})},
                  "vector": body.get("vector") or old.vectors.get("")}
        _store(coll, _object_from_body(coll, merged, uid, old.created_ms, headers), old)
        raise Reply(204)


def _aliases(state, method: str, parts: list[str], query: dict, body: dict) -> None:
    if not parts and method == "GET":
        wanted = query.get("class", [None])[0]
        raise Reply(200, {"aliases": [{"alias": a, "class": c} for a, c in sorted(state.aliases.items())
                                      if wanted in (None, c)]})
    if not parts and method == "POST":
        alias, target = capitalized(body.get("alias", "")), capitalized(body.get("class", ""))
        if not re.match(r"^[A-Z][_0-9A-Za-z]*$", alias):
            raise error(422, f"'{alias}' is not a valid alias name")
        if alias in state.aliases or alias in state.collections:
            raise error(422, f"create alias: alias {alias} already exists")
        if target not in state.collections:
            raise error(404, f"create alias: class {target} does not exist")
        state.aliases[alias] = target
        raise Reply(200, {"alias": alias, "class": target})
    alias = capitalized(parts[0]) if len(parts) == 1 else ""
    if alias not in state.aliases:
        if len(parts) == 1:
            raise Reply(404)
        return
    if method == "GET":
        raise Reply(200, {"alias": alias, "class": state.aliases[alias]})
    if method == "DELETE":
        del state.aliases[alias]
        raise Reply(204)
    if method == "PUT":
        target = capitalized(body.get("class", ""))
        if target not in state.collections:
            raise error(404, f"replace alias: class {target} does not exist")
        state.aliases[alias] = target
        raise Reply(200, {"alias": alias, "class": target})
