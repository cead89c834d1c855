"""A real local HTTP server that speaks the OpenAI chat-completions API, scripted per test.

Tests drive the official ``openai`` client against it (``base_url=server.url``), so everything
from request building to retries and JSON decoding runs for real; only the model is fake.

* ``server.script(Reply(...), Reply(...))`` sets the replies in order; the last one repeats.
* ``Reply(content=...)`` is a 200 chat completion; ``Reply(status=429, error=...)`` an OpenAI-style
  error body; ``delay_s`` holds the reply back (to exceed the client's timeout).
* Hostile replies: ``Reply(body=b"...")`` sends those bytes as the 200 body instead of a chat
  completion (invalid JSON, empty ``choices``, deep nesting, 20 MB); ``drip_s`` sends the whole
  response (status line, headers, body) one ``drip_bytes`` chunk at a time, ``drip_s`` apart.
* ``server.reject_response_format = True`` answers any request that asks for a ``json_schema``
  ``response_format`` with the HTTP 400 such servers send, without using up a scripted reply
  (``reject_json_mode = True`` rejects ``json_object`` too).
* ``server.answer = fn`` picks each reply from the request instead (``fn(request) -> Reply``).
* ``server.requests`` records every request: path, headers, JSON body and the usage reported.

Usage is computed realistically-ish: ``prompt_tokens = ceil(chars of all message contents / 4)``,
``completion_tokens = ceil(len(content) / 4)``. The server binds 127.0.0.1 on an ephemeral port;
:meth:`FakeOpenAI.stop` wakes any delayed handler and joins every thread it started.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SCHEMA_REJECTION = "response_format of type json_schema is not supported by this server"


@dataclass
class Reply:
    """One scripted answer."""

    content: str | None = ""
    status: int = 200
    error: str = "scripted error"
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    drip_s: float = 0.0
    drip_bytes: int = 1


@dataclass
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    """Lower-cased names."""
    body: dict[str, Any]
    status: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler thread
    block_on_close = True
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: no idle keep-alive threads
    timeout = 10
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unparsable": raw.decode("utf-8", "replace")}
        self.server.fake.handle(self, Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))

    def send_json(self, status: int, payload: dict[str, Any] | bytes, headers: dict[str, str],
                  reply: Reply | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        drip = reply is not None and reply.drip_s > 0
        try:
            if drip:
                self.wfile = _Drip(self.wfile, reply.drip_s, reply.drip_bytes, self.server.fake.stopping)
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, _Stopped):
            pass  # the client gave up (timeout) or the server stops: nothing to deliver


class _Stopped(Exception):
    pass


class _Drip:
    """A write file that sends ``size`` bytes at a time, ``pause_s`` apart (a slow-drip server)."""

    def __init__(self, raw: Any, pause_s: float, size: int, stopping: threading.Event) -> None:
        self.raw, self.pause_s, self.size, self.stopping = raw, pause_s, max(1, size), stopping

    def write(self, data: bytes) -> int:
        for start in range(0, len(data), self.size):
            if self.stopping.wait(self.pause_s):
                raise _Stopped
            self.raw.write(data[start:start + self.size])
            self.raw.flush()
        return len(data)

    def flush(self) -> None:
        self.raw.flush()

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def close(self) -> None:
        self.raw.close()


class FakeOpenAI:
    """The scripted server; use as a context manager or call start()/stop()."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.reject_response_format = False
        self.reject_json_mode = False
        self.answer: Callable[[Request], Reply] | None = None
        self._script: list[Reply] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-openai", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> FakeOpenAI:
        with self._lock:
            self._script = list(replies)
        return self

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, handler: _Handler, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            kind = (request.body.get("response_format") or {}).get("type")
            rejected = (self.reject_response_format and kind == "json_schema") or \
                (self.reject_json_mode and kind == "json_object")
            reply = None if rejected else self.answer(request) if self.answer is not None else self._next()
        if request.path.rstrip("/") != "/v1/chat/completions":
            return self._error(handler, request, Reply(status=404, error=f"no route {request.path}"))
        if reply is None:
            return self._error(handler, request, Reply(status=400, error=SCHEMA_REJECTION), param="response_format")
        if reply.delay_s and self.stopping.wait(reply.delay_s):
            return None
        if reply.status != 200:
            return self._error(handler, request, reply)
        return self._complete(handler, request, reply)

    def _next(self) -> Reply:
        if not self._script:
            return Reply(status=500, error="no scripted reply")
        return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    def _complete(self, handler: _Handler, request: Request, reply: Reply) -> None:
        chars = sum(len(m.get("content") or "") for m in request.messages)
        request.prompt_tokens = math.ceil(chars / 4)
        request.completion_tokens = math.ceil(len(reply.content or "") / 4)
        request.status = 200
        if reply.body is not None:
            return handler.send_json(200, reply.body, reply.headers, reply)
        payload = {
            "id": f"chatcmpl-fake-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": request.body.get("model", "fake"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": request.prompt_tokens, "completion_tokens": request.completion_tokens,
                      "total_tokens": request.prompt_tokens + request.completion_tokens},
        }
        handler.send_json(200, payload, reply.headers, reply)

    @staticmethod
    def _error(handler: _Handler, request: Request, reply: Reply, param: str | None = None) -> None:
        request.status = reply.status
        kind = {429: "rate_limit_exceeded", 401: "invalid_request_error"}.get(reply.status, "server_error")
        if reply.status == 400:
            kind = "invalid_request_error"
        payload = {"error": {"message": reply.error, "type": kind, "param": param, "code": None}}
        handler.send_json(reply.status, payload, reply.headers)
