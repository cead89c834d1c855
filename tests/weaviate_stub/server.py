"""The stub's process-side object: shared state, request log, fault injection, auth, start and stop.

:class:`WeaviateStub` owns the collections and aliases (behind one lock), the recorded requests and
the queued faults; the REST handler (``rest.py``) and the gRPC servicer (``grpc_service.py``) both
call :meth:`WeaviateStub.enter` first, which records the request, checks the API key, waits out an
injected delay and hands back a fault queued for that request, if any.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Self

from .schema import Collection, SchemaError, capitalized


@dataclass
class Fault:
    """A failure queued for the next request whose name matches ``pattern`` (fnmatch)."""

    pattern: str
    status: object = None  # an HTTP status (int) or a grpc.StatusCode
    errors: dict[int, str] | None = None  # BatchObjects: per-object errors by index
    message: str = "injected failure"


@dataclass
class StubState:
    """Collections by name and aliases (alias -> collection), as a single Weaviate node holds them."""

    collections: dict[str, Collection] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def resolve(self, name: str) -> str:
        """The collection ``name`` means: itself, or the collection an alias of that name points at."""
        name = capitalized(name)
        return self.aliases.get(name, name) if name not in self.collections else name

    def collection(self, name: str) -> Collection:
        real = self.resolve(name)
        if real not in self.collections:
            raise SchemaError(f"class {name!r} not found", status=404)
        return self.collections[real]


class WeaviateStub:
    """An in-memory Weaviate stand-in on 127.0.0.1 (REST + gRPC) for tests; never a real Weaviate."""

    def __init__(self, version: str = "1.32.0", api_key: str | None = None):
        self.version = version
        self.api_key = api_key
        self.state = StubState()
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str, dict]] = []
        self.headers: list[tuple[str, str, dict[str, str]]] = []  # authorization values redacted
        self._faults: list[Fault] = []
        self._delay = 0.0
        self._http: ThreadingHTTPServer | None = None
        self._grpc = None
        self._thread: threading.Thread | None = None
        self.http_port = 0
        self.grpc_port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def version_at_least(self, major: int, minor: int) -> bool:
        parts = [int(p) for p in self.version.split(".")[:2]]
        return (parts[0], parts[1]) >= (major, minor)

    # --- test controls ---------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget recorded requests (the data stays)."""
        with self.lock:
            self.requests.clear()
            self.headers.clear()

    def reset(self) -> None:
        """Forget data, requests, faults and delay: a fresh server on the same ports."""
        with self.lock:
            self.state = StubState()
            self.requests.clear()
            self.headers.clear()
            self._faults.clear()
            self._delay = 0.0

    def fail_next(self, name: str, *, status=None, errors: dict[int, str] | None = None,
                  message: str = "injected failure") -> None:
        """Make the next request named like ``name`` fail: with ``status`` (HTTP int or gRPC code), or
        for ``BatchObjects`` with per-object ``errors`` ({index: message}) in the real reply shape."""
        if status is None and errors is None:
            raise ValueError("fail_next needs status= or errors=")
        with self.lock:
            self._faults.append(Fault(name, status, errors, message))

    def delay(self, seconds: float) -> None:
        """Make every later reply wait ``seconds`` first (0 turns the delay off)."""
        self._delay = float(seconds)

    def names(self, protocol: str | None = None) -> list[str]:
        """The names of the recorded requests, e.g. ``["GET /v1/meta", "Search"]``."""
        return [name for proto, name, _ in self.requests if protocol in (None, proto)]

    def payloads(self, name: str) -> list[dict]:
        """The recorded payloads of requests called ``name``."""
        return [payload for _, n, payload in self.requests if n == name]

    # --- called by the transports ----------------------------------------------------------------

    def authorized(self, header: str | None) -> bool:
        return self.api_key is None or header == f"Bearer {self.api_key}"

    def enter(self, protocol: str, name: str, payload: dict, headers: dict[str, str] | None = None) -> Fault | None:
        """Record a request (and its headers, keys redacted), wait out the delay, and return the fault
        queued for it (if any)."""
        shown = {k.lower(): ("<redacted>" if k.lower() == "authorization" else v) for k, v in (headers or {}).items()}
        with self.lock:
            self.requests.append((protocol, name, payload))
            self.headers.append((protocol, name, shown))
            fault = next((f for f in self._faults if fnmatch.fnmatchcase(name, f.pattern)), None)
            if fault is not None:
                self._faults.remove(fault)
        if self._delay:
            time.sleep(self._delay)
        return fault

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> WeaviateStub:
        import grpc

        from .grpc_service import add_services
        from .rest import make_handler
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self))
        self._http.daemon_threads = True
        self.http_port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, name="weaviate-stub-http", daemon=True)
        self._thread.start()
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="weaviate-stub-grpc"))
        add_services(self._grpc, self)
        self.grpc_port = self._grpc.add_insecure_port("127.0.0.1:0")
        self._grpc.start()
        return self

    def stop(self) -> None:
        """Stop both servers and wait for their threads (idempotent)."""
        self._delay = 0.0
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._thread.join()
            self._http = None
        if self._grpc is not None:
            self._grpc.stop(grace=None).wait()
            self._grpc = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_stub(version: str = "1.32.0", api_key: str | None = None) -> WeaviateStub:
    """A started stub on free ports of 127.0.0.1 (stop it with ``stub.stop()`` or use it as a context)."""
    return WeaviateStub(version, api_key).start()
