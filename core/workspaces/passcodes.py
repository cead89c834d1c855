"""Workspace passcodes: only a salted PBKDF2 digest is written, never the passcode itself.

The admin passcode of the teacher view is not stored at all: it comes from the server's
environment (:data:`ADMIN_ENV`) and is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from typing import Any

from core.errors import InvalidInputError

ADMIN_ENV = "PERSONALIZATION_LAB_ADMIN_PASSCODE"
ITERATIONS = 200_000
MIN_LENGTH = 4


def check_new(passcode: str) -> str:
    """``passcode`` stripped, if it is acceptable as a new passcode."""
    if not isinstance(passcode, str) or len(passcode.strip()) < MIN_LENGTH:
        raise InvalidInputError(f"a passcode needs at least {MIN_LENGTH} characters")
    return passcode.strip()


def digest(passcode: str) -> dict[str, Any]:
    """The record to store for ``passcode``: salt, iteration count and digest (hex)."""
    salt = secrets.token_bytes(16)
    value = hashlib.pbkdf2_hmac("sha256", check_new(passcode).encode(), salt, ITERATIONS)
    return {"salt": salt.hex(), "iterations": ITERATIONS, "digest": value.hex()}


def matches(passcode: str, record: Mapping[str, Any]) -> bool:
    """Whether ``passcode`` is the one ``record`` was made from (constant-time comparison)."""
    try:
        salt, iterations, expected = bytes.fromhex(record["salt"]), int(record["iterations"]), record["digest"]
    except (KeyError, TypeError, ValueError):
        return False
    value = hashlib.pbkdf2_hmac("sha256", str(passcode).strip().encode(), salt, iterations)
    return hmac.compare_digest(value.hex(), str(expected))


def admin_configured(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the server's environment sets an admin passcode (the teacher view is off otherwise)."""
    return bool(environ.get(ADMIN_ENV, "").strip())


def admin_matches(passcode: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``passcode`` is the server's admin passcode; always False when none is configured."""
    expected = environ.get(ADMIN_ENV, "").strip()
    return bool(expected) and hmac.compare_digest(str(passcode).strip().encode(), expected.encode())
