"""The LLM client's HTTP transport: one exchange within a hard time limit and a size cap.

httpx times each socket operation on its own, so a server that drips a byte every few seconds holds
a request for as long as it likes, and the SDK reads and parses whatever body arrives. This
transport, handed to the ``openai`` client as its ``http_client``, sends each request over the
standard library's :mod:`http.client` on a fresh connection (an LLM call takes seconds; a new
connection costs milliseconds) and gives every socket operation only the time left until the
request's limit: its ``read`` timeout, which :class:`~core.ranking.llm.client.LLMClient` sets per
attempt to what is left of the call's deadline. Connecting (and a TLS handshake) is bounded by the
time left when it starts. A body over ``max_bytes`` is refused after reading that much (at once
when ``Content-Length`` says so); replies are asked for uncompressed, and a compressed one is
refused, so what is read is what is parsed. ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` are
honoured (proxies without credentials). Once sent, the request's URL is replaced by its masked form
(:func:`~core.configs.mask_url`), so httpx's log line and any error never show credentials that
were in ``base_url``.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import httpx

from core.configs import mask_url

DEFAULT_LIMIT_S = 60.0
"""A request's limit when it carries no timeout (the client always sets one)."""


class ReplyTooLarge(httpx.ReadError):
    """The reply body is larger than the transport reads."""


class BoundedTransport(httpx.BaseTransport):
    """An httpx transport whose every request finishes, or fails, within its timeout and size cap."""

    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes, self._clock = max_bytes, clock
        self._tls: ssl.SSLContext | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        limit = (request.extensions.get("timeout") or {}).get("read") or DEFAULT_LIMIT_S
        deadline = self._clock() + limit
        headers = {k: v for k, v in request.headers.items() if k.lower() != "accept-encoding"}
        headers["Accept-Encoding"] = "identity"
        try:
            connection, target = self._connect(request.url, deadline)
            sock = connection.sock._sock
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"no connection within {limit:g} s", request=request) from exc
        except OSError as exc:
            request.url = httpx.URL(mask_url(str(request.url)))
            raise httpx.ConnectError(f"could not connect ({type(exc).__name__}: {exc})", request=request) from exc
        try:
            connection.request(request.method, target, body=request.read(), headers=headers)
            response = connection.getresponse()
            data = self._body(response)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no complete reply within {limit:g} s", request=request) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise httpx.ReadError(f"the reply could not be read ({type(exc).__name__})", request=request) from exc
        finally:
            connection.close()
            connection.sock = None
            sock.close()
            request.url = httpx.URL(mask_url(str(request.url)))
        return httpx.Response(response.status, headers=response.getheaders(), content=data, request=request)

    def _connect(self, url: httpx.URL, deadline: float) -> tuple[http.client.HTTPConnection, str]:
        host, port, https = url.host, url.port or (443 if url.scheme == "https" else 80), url.scheme == "https"
        target = url.raw_path.decode("ascii")
        proxy = _proxy(url)
        address = (proxy.host, proxy.port or 80) if proxy is not None else (host, port)
        if https:
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                *address, timeout=self._left(deadline), context=self._tls_context())
            if proxy is not None:
                connection.set_tunnel(host, port)
        else:
            connection = http.client.HTTPConnection(*address, timeout=self._left(deadline))
            if proxy is not None:
                target = str(url.copy_with(fragment=None))
        connection.connect()
        connection.sock = _DeadlineSocket(connection.sock, deadline, self._left)
        return connection, target

    def _body(self, response: http.client.HTTPResponse) -> bytes:
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise ReplyTooLarge(f"the reply is compressed ({encoding}) though an uncompressed one was asked for")
        length = response.getheader("Content-Length")
        if length and length.strip().isdigit() and int(length) > self.max_bytes:
            raise ReplyTooLarge(f"the reply is {int(length):,} bytes, more than the {self.max_bytes:,} read")
        data = response.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise ReplyTooLarge(f"the reply is more than the {self.max_bytes:,} bytes read")
        return data

    def _left(self, deadline: float) -> float:
        left = deadline - self._clock()
        if left <= 0:
            raise TimeoutError("the request's time is up")
        return left

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            try:
                import certifi  # the CA bundle httpx uses; the system's otherwise
                self._tls = ssl.create_default_context(cafile=certifi.where())
            except ImportError:
                self._tls = ssl.create_default_context()
        return self._tls


class _DeadlineSocket:
    """A connected socket whose every send and receive may take only the time left until ``deadline``."""

    def __init__(self, sock: socket.socket, deadline: float, left: Callable[[float], float]) -> None:
        self._sock, self._deadline, self._left = sock, deadline, left

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._left(self._deadline))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self))

    def recv_into(self, buffer: Any) -> int:
        self._sock.settimeout(self._left(self._deadline))
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        pass  # http.client closes the connection before the body is read; the transport closes the socket

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


def _proxy(url: httpx.URL):
    """The proxy for ``url`` from the environment, or None (``NO_PROXY`` and no proxy set)."""
    if urllib.request.proxy_bypass(url.host):
        return None
    value = urllib.request.getproxies().get(url.scheme)
    return httpx.URL(value if "://" in value else f"http://{value}") if value else None
