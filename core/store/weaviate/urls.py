"""Server URLs for the Weaviate store: what :func:`parse_url` accepts and what it connects to (pure).

``http://host[:port]``, ``https://host[:port]`` and the same with a ``weaviate+`` prefix
(``weaviate+https://...``) name a Weaviate server; the REST port defaults to 8080 over http and
443 over https, the gRPC host is the same host and its port comes from ``?grpc_port=`` (default
50051, or 443 on Weaviate Cloud). A host under ``weaviate.cloud`` (or the older ``weaviate.network``)
is a Weaviate Cloud cluster, reached with ``connect_to_weaviate_cloud``. Credentials never belong in
a URL (``user:pass@host`` is refused: pass ``api_key=`` or set ``$WEAVIATE_API_KEY``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core.checks import describe
from core.errors import InvalidInputError

SCHEMES = {"http": False, "https": True, "weaviate+http": False, "weaviate+https": True}
"""Accepted URL schemes and whether each is TLS."""
CLOUD_DOMAINS = (".weaviate.cloud", ".weaviate.network")
DEFAULT_GRPC_PORT = 50051


@dataclass(frozen=True)
class Endpoint:
    """Where a Weaviate server listens (REST and gRPC) and how to reach it."""

    url: str
    """The URL as given (it holds no secret: credentials in a URL are refused)."""
    http_host: str
    http_port: int
    secure: bool
    grpc_host: str
    grpc_port: int
    cloud: bool = False

    @property
    def cluster_url(self) -> str:
        """The cluster address for ``connect_to_weaviate_cloud``."""
        return f"https://{self.http_host}"


def is_server_url(location: str) -> bool:
    """Whether ``location`` names a server (one of :data:`SCHEMES`) rather than a file."""
    return location.partition("://")[0].lower() in SCHEMES and "://" in location


def parse_url(url: str) -> Endpoint:
    """The :class:`Endpoint` of ``url``; a malformed one is an :class:`InvalidInputError` naming the problem."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidInputError(f"a Weaviate URL is text like 'http://localhost:8080', got {describe(url)}")
    text = url.strip()
    scheme = text.partition("://")[0].lower()
    if "://" not in text or scheme not in SCHEMES:
        raise InvalidInputError(f"{text!r} is not a Weaviate URL: use http://, https://, weaviate+http:// or "
                                "weaviate+https://")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidInputError(f"{text!r} is not a valid URL: {exc}") from None
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError("a Weaviate URL must not hold credentials (user:password@host); pass api_key= or set "
                                "$WEAVIATE_API_KEY")
    host = parts.hostname
    if not host:
        raise InvalidInputError(f"{text!r} names no host; e.g. http://localhost:8080")
    if parts.path not in ("", "/") or parts.fragment:
        raise InvalidInputError(f"{text!r}: a Weaviate URL has no path ({parts.path!r}); give the server's address "
                                "only, e.g. http://localhost:8080")
    secure = SCHEMES[scheme]
    cloud = host.endswith(CLOUD_DOMAINS)
    if cloud and not secure:
        raise InvalidInputError(f"{text!r}: Weaviate Cloud is reached over https://, not http://")
    grpc_port = _grpc_port(text, parts.query, 443 if cloud else DEFAULT_GRPC_PORT)
    http_port = port or (443 if secure else 8080)
    if grpc_port == http_port and not cloud:  # Weaviate Cloud's gRPC has a host of its own
        raise InvalidInputError(f"{text!r}: REST and gRPC cannot share port {http_port} on one host; Weaviate's gRPC "
                                "port is 50051 unless the URL says ?grpc_port=<another port>")
    return Endpoint(url=text, http_host=host, http_port=http_port, secure=secure,
                    grpc_host=host, grpc_port=grpc_port, cloud=cloud)


def _grpc_port(url: str, query: str, default: int) -> int:
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise InvalidInputError(f"{url!r}: cannot read the query {query!r}; the one option is ?grpc_port=<port>") from None
    unknown = sorted(set(params) - {"grpc_port"})
    if unknown:
        raise InvalidInputError(f"{url!r}: unknown URL option(s) {unknown}; the one option is ?grpc_port=<port>")
    if "grpc_port" not in params:
        return default
    values = params["grpc_port"]
    if len(values) != 1 or not values[0].isdigit() or not 0 < int(values[0]) < 65536:
        raise InvalidInputError(f"{url!r}: grpc_port must be one port number from 1 to 65535, got {values}")
    return int(values[0])


def is_weaviate_client(value: Any) -> bool:
    """Whether ``value`` is a weaviate-client v4 client (sync), without importing weaviate (this module never does)."""
    return any(c.__name__ == "WeaviateClient" and c.__module__.startswith("weaviate") for c in type(value).__mro__)
