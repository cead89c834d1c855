"""Opening a weaviate-client connection, and its failures as the engine's errors.

A failed connect closes the half-open client and raises :class:`~core.errors.StoreError` naming the
URL and the cause: a refused connection, an authentication failure (a wrong or missing API key), a
timeout, or a server too old (the client needs Weaviate >= 1.27). The API key is the argument, else
``$WEAVIATE_API_KEY``; it is sent to the server only, never logged, and cut out of any message.
Features that need a newer server are looked up in :data:`FEATURES`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from core.errors import StoreError
from core.store.weaviate.urls import Endpoint

MINIMUM = (1, 27, 0)
"""The oldest Weaviate the pinned weaviate-client talks to."""
FEATURES = {"aliases": (1, 32, 0), "contains_none": (1, 33, 0), "boost": (1, 38, 0)}
"""Server features the store uses where present (else a documented fallback): collection aliases for
publishing staged collections, ``ContainsNone`` id filters for exclusions (else over-fetching), and query-time
boosts (else the engine rescores the candidates itself)."""


def version_tuple(text: str) -> tuple[int, int, int]:
    """``"1.32.0"`` (or ``"1.32.0-rc.1"``) as ``(1, 32, 0)``; unreadable parts count as 0."""
    parts = []
    for piece in str(text).split("-", 1)[0].split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple((parts + [0, 0, 0])[:3])  # type: ignore[return-value]


def api_key_of(api_key: str | None) -> str | None:
    """The API key to use: the argument, else ``$WEAVIATE_API_KEY``, else None (anonymous)."""
    if api_key is not None:
        return api_key
    return os.environ.get("WEAVIATE_API_KEY") or None


def open_client(endpoint: Endpoint, *, api_key: str | None, headers: Mapping[str, str] | None,
                timeout: float | None) -> Any:
    """A connected ``WeaviateClient`` for ``endpoint`` (init checks on), or a :class:`StoreError`."""
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout

    key = api_key_of(api_key)
    config = AdditionalConfig(timeout=Timeout(init=timeout, query=timeout, insert=timeout)) if timeout else None
    auth = Auth.api_key(key) if key else None
    try:
        if endpoint.cloud:
            return weaviate.connect_to_weaviate_cloud(endpoint.cluster_url, auth, headers=dict(headers or {}),
                                                      additional_config=config)
        return weaviate.connect_to_custom(endpoint.http_host, endpoint.http_port, endpoint.secure, endpoint.grpc_host,
                                          endpoint.grpc_port, endpoint.secure, headers=dict(headers or {}),
                                          additional_config=config, auth_credentials=auth)
    except Exception as exc:
        raise connect_error(endpoint.url, exc, key) from None


def check_version(client: Any, url: str) -> tuple[int, int, int]:
    """The server's version, checked against :data:`MINIMUM`."""
    version = version_tuple(client.get_meta().get("version", "0"))
    if version < MINIMUM:
        raise StoreError(f"the Weaviate server at {url} is version {'.'.join(map(str, version))}; this store "
                         f"needs {'.'.join(map(str, MINIMUM))} or newer (collection aliases need 1.32, "
                         "ContainsNone filters 1.33)")
    return version


def connect_error(url: str, exc: BaseException, key: str | None) -> StoreError:
    """A :class:`StoreError` naming ``url`` and the cause of ``exc`` (the API key cut out)."""
    from weaviate.exceptions import (AuthenticationFailedError, UnexpectedStatusCodeError, WeaviateStartUpError,
                                     WeaviateTimeoutError)
    text = scrub(str(exc), key)
    low = text.lower()
    status = getattr(exc, "status_code", None)
    if isinstance(exc, AuthenticationFailedError) or status in (401, 403) or "401" in low or "unauthenticated" in low:
        cause = "authentication failed (a wrong or missing API key: pass api_key= or set $WEAVIATE_API_KEY)"
    elif isinstance(exc, WeaviateTimeoutError) or "timed out" in low or "timeout" in low or "deadline" in low:
        cause = "the server did not answer in time (timeout)"
    elif "not supported" in low and "version" in low:
        cause = (f"the server is too old: {text} (this store needs 1.27; publishing with aliases needs 1.32 and "
                 "ContainsNone exclusions 1.33, with fallbacks below those)")
    elif "refused" in low or "failed to establish" in low or "unavailable" in low:
        cause = "the connection was refused (is Weaviate running there, with its REST and gRPC ports open?)"
    elif isinstance(exc, (WeaviateStartUpError, UnexpectedStatusCodeError)):
        cause = text
    else:
        cause = f"{type(exc).__name__}: {text}"
    return StoreError(f"cannot connect to Weaviate at {url}: {cause}")


def scrub(text: str, key: str | None) -> str:
    """``text`` without the API key in it."""
    return text.replace(key, "***") if key else text


def server_error(what: str, exc: BaseException, key: str | None = None) -> StoreError:
    """A failed request as a :class:`StoreError` saying what was being done."""
    return StoreError(f"Weaviate failed while {what}: {scrub(str(exc), key) or type(exc).__name__}")
