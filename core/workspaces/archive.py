"""A whole workspace as one file: export it, import it elsewhere (all or nothing).

The file is a zip holding ``manifest.json`` (format, version, what is inside) and ``store.sqlite``
(an online-backup copy of the workspace's store: its uploaded catalogs with their vectors, its
personas and interactions, the agent configs). Shared samples are not copied: the manifest names
them, and importing checks that this installation ships them. An import is checked completely
(zip, manifest, SQLite integrity, schema, samples) in a temporary file before it becomes a new
workspace; any failure leaves nothing behind.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from core.errors import InvalidInputError
from core.workspaces.refs import WorkspaceRef
from core.workspaces.registry import Workspaces
from core.workspaces.report import describe

FORMAT = "personalization-lab-workspace"
VERSION = 1
MAX_ARCHIVE_BYTES = 2 << 30
_TABLES = {"collections", "items", "item_vectors", "personas", "interactions"}


def export_workspace(workspaces: Workspaces, ref: WorkspaceRef) -> bytes:
    """Workspace ``ref`` as the bytes of one archive file (see the module docstring)."""
    with tempfile.TemporaryDirectory(dir=workspaces.root) as tmp:
        copy = Path(tmp) / "store.sqlite"
        workspaces.copy_file(ref, copy)
        info = describe(workspaces, ref)
        manifest = {"format": FORMAT, "version": VERSION, "exported_at": datetime.now(timezone.utc).isoformat(),
                    "workspace": ref.key,
                    "collections": [{"name": c.name, "shared_sample": c.shared, "items": c.items,
                                     "personas": c.personas, "interactions": c.interactions}
                                    for c in info.collections]}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
            archive.write(copy, "store.sqlite")
    return buffer.getvalue()


def import_workspace(workspaces: Workspaces, data: bytes | BinaryIO | str | Path, *,
                     into: WorkspaceRef | None = None) -> WorkspaceRef:
    """A new workspace (``into``, default a new private one) holding the archive ``data``.

    ``into`` must not exist yet. Raises :class:`~core.errors.InvalidInputError` naming what is wrong
    with the file; nothing is created then.
    """
    target = into or WorkspaceRef.new_private()
    if workspaces.exists(target):
        raise InvalidInputError(f"{target.label} exists already; import into a new one")
    raw = _read_bytes(data)
    fd, tmp_name = tempfile.mkstemp(suffix=".sqlite.tmp", dir=workspaces.root / target.kind)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            manifest = _extract(raw, out)
        _check_store(tmp, manifest, workspaces)
        os.replace(tmp, target.path(workspaces.root))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    workspaces._write_meta(target, {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                    "last_active": None, "imported_from": manifest.get("workspace")})
    return target


def _read_bytes(data: bytes | BinaryIO | str | Path) -> bytes:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, (str, Path)):
        try:
            return Path(data).read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"cannot read the workspace file {data}: {exc}") from exc
    return data.read()


def _extract(raw: bytes, out: BinaryIO) -> dict:
    """The manifest of archive ``raw``, after writing its store to ``out``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise InvalidInputError(f"this is not a workspace file (not a zip archive: {exc}); nothing was imported") from exc
    with archive:
        names = set(archive.namelist())
        if not {"manifest.json", "store.sqlite"} <= names:
            raise InvalidInputError("this is not a workspace file: it needs manifest.json and store.sqlite, it has "
                                    f"{sorted(names)[:10]}; nothing was imported")
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except ValueError as exc:
            raise InvalidInputError(f"the workspace file's manifest.json is not valid JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InvalidInputError(f"manifest.json does not describe a {FORMAT!r} file; nothing was imported")
        if manifest.get("version") != VERSION:
            raise InvalidInputError(f"workspace file version {manifest.get('version')!r} is not supported "
                                    f"(this installation reads version {VERSION}); nothing was imported")
        if archive.getinfo("store.sqlite").file_size > MAX_ARCHIVE_BYTES:
            raise InvalidInputError(f"the workspace's store is over {MAX_ARCHIVE_BYTES >> 30} GiB; nothing was imported")
        with archive.open("store.sqlite") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
    return manifest


def _check_store(path: Path, manifest: dict, workspaces: Workspaces) -> None:
    try:
        db = sqlite3.connect(path)
        try:
            if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise InvalidInputError("the workspace file's store is damaged (SQLite integrity check failed); "
                                        "nothing was imported")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not _TABLES <= tables:
                raise InvalidInputError(f"the workspace file's store lacks tables {sorted(_TABLES - tables)}; "
                                        "nothing was imported")
            collections = db.execute("SELECT c.name, (SELECT COUNT(*) FROM items t WHERE t.cid = c.id)"
                                     " FROM collections c").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInputError(f"the workspace file's store is not a readable SQLite database: {exc}; "
                                "nothing was imported") from exc
    shared = workspaces.shared.names() if workspaces.shared is not None else frozenset()
    wanted = {c["name"] for c in manifest.get("collections", []) if isinstance(c, dict) and c.get("shared_sample")}
    for name, items in collections:
        if name in wanted and name not in shared:
            raise InvalidInputError(f"the workspace uses the sample catalog {name!r}, which this installation does "
                                    f"not ship (it has {sorted(shared)}); nothing was imported")
        if name in shared and items:
            raise InvalidInputError(f"collection {name!r} in the file has its own {items} items, but that name is a "
                                    "shared sample here; nothing was imported")
