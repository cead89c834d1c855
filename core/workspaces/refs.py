"""Names and places of workspaces: :class:`WorkspaceRef` and the data directory.

A workspace is *private* (a random id: whoever has the id, e.g. in the lab's URL, has the
workspace) or *shared* (a name people agree on, e.g. a workshop's, with an optional passcode).
Each one is ``<data dir>/<kind>/<name>.sqlite`` plus ``<name>.json`` (when it was made, when it was
last used, the passcode digest). The data directory is ``$PERSONALIZATION_LAB_DATA``, else
``$XDG_DATA_HOME/personalization-lab``, else ``~/.local/share/personalization-lab``.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInputError

DATA_ENV = "PERSONALIZATION_LAB_DATA"
KINDS = ("private", "shared")
"""The kinds kept as files in the data directory."""
SERVER = "server"
"""A workspace on a server store (Weaviate, :mod:`core.workspaces.server`): no file; its name is a digest of the URL."""
_PRIVATE = re.compile(r"[0-9a-f]{20}")
_SERVER = re.compile(r"[0-9a-f]{16}")
_SHARED = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,38}[a-z0-9])?")


def default_data_dir() -> Path:
    """Where workspaces live (see the module docstring)."""
    override = os.environ.get(DATA_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".local" / "share") / "personalization-lab"


@dataclass(frozen=True)
class WorkspaceRef:
    """Which workspace: ``kind`` ("private" or "shared") and its ``name`` (a private id or a shared name)."""

    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS + (SERVER,):
            raise InvalidInputError(f"a workspace is 'private', 'shared' or 'server', got {self.kind!r}")
        pattern = {"private": _PRIVATE, "shared": _SHARED, SERVER: _SERVER}[self.kind]
        if not isinstance(self.name, str) or not pattern.fullmatch(self.name):
            what = {"private": "a private workspace id is 20 hexadecimal characters",
                    "shared": "a shared workspace name is 1-40 letters, digits, '.', '_' or '-' (spaces become '-')",
                    SERVER: "a server workspace name is 16 hexadecimal characters"}[self.kind]
            raise InvalidInputError(f"{what}; got {self.name!r}")

    @classmethod
    def new_private(cls) -> WorkspaceRef:
        """A fresh private workspace id (80 random bits)."""
        return cls("private", secrets.token_hex(10))

    @classmethod
    def shared(cls, name: str) -> WorkspaceRef:
        """The shared workspace typed as ``name`` (case and surrounding spaces ignored, inner spaces -> '-')."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError("a shared workspace needs a name")
        return cls("shared", "-".join(name.strip().lower().split()))

    @classmethod
    def parse(cls, key: str) -> WorkspaceRef:
        """The ref written as ``"private:<id>"`` or ``"shared:<name>"`` (:attr:`key`)."""
        kind, sep, name = str(key).partition(":")
        if not sep:
            raise InvalidInputError(f"a workspace key is 'private:<id>' or 'shared:<name>', got {key!r}")
        return cls(kind, name)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        """How people see it: "private workspace" or "shared workspace 'room-12'"."""
        if self.kind == SERVER:
            return "Weaviate workspace"
        return "private workspace" if self.kind == "private" else f"shared workspace {self.name!r}"

    def path(self, root: Path) -> Path:
        """Its store file under data directory ``root``."""
        return root / self.kind / f"{self.name}.sqlite"
