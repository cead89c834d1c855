"""The data directory of workspaces: open, create, protect, reset, delete, fork, close when idle.

:class:`Workspaces` keeps at most one open store per workspace file in a process (every session
of that workspace shares it), wrapped per caller in an :class:`~core.store.overlay.OverlayStore`
over the process's shared sample catalogs. A workspace unused for ``idle_seconds`` is closed by
:meth:`Workspaces.close_idle` and reopened from its file on the next :meth:`Workspaces.open`;
files are only removed by :meth:`Workspaces.delete` and :meth:`Workspaces.reset`, which people ask for.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.configs import AnnConfig
from core.errors import AccessDeniedError, NotFoundError, StoreError
from core.store.embedded.store import EmbeddedStore
from core.store.embedded.vector_files import directory_of
from core.store.overlay import OverlayStore, SharedCatalogs
from core.workspaces import passcodes
from core.workspaces.refs import KINDS, WorkspaceRef, default_data_dir
from core.workspaces.workspace import Workspace

TOUCH_EVERY_S = 60.0
"""How often (at most) a workspace's last-activity time is written to its metadata file."""


@dataclass
class _Entry:
    store: EmbeddedStore
    last_used: float
    lock: threading.RLock = field(default_factory=threading.RLock)


class Workspaces:
    """The workspaces under ``root`` (default :func:`~core.workspaces.refs.default_data_dir`)."""

    def __init__(self, root: str | Path | None = None, shared: SharedCatalogs | None = None, *,
                 idle_seconds: float = 1800.0, clock: Callable[[], float] = time.monotonic,
                 ann: AnnConfig | None = None) -> None:
        self.root = Path(root).expanduser() if root else default_data_dir()
        self.shared = shared
        self.idle_seconds = float(idle_seconds)
        self.ann = ann  # each workspace store's vector search settings (core.store.embedded.ann_mode)
        self._clock = clock
        self._open: dict[WorkspaceRef, _Entry] = {}
        self._touched: dict[WorkspaceRef, float] = {}
        self._lock = threading.RLock()
        try:
            for kind in KINDS:
                (self.root / kind).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot use {self.root} as the workspace data directory: {exc}; set "
                             "PERSONALIZATION_LAB_DATA to a writable folder") from exc

    # metadata -------------------------------------------------------------------------
    def _meta_path(self, ref: WorkspaceRef) -> Path:
        return ref.path(self.root).with_suffix(".json")

    def meta(self, ref: WorkspaceRef) -> dict[str, Any]:
        """What the workspace's metadata file says (``{}`` for a workspace without one)."""
        try:
            return json.loads(self._meta_path(ref).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"the metadata of {ref.label} ({self._meta_path(ref)}) is unreadable: {exc}") from exc

    def _write_meta(self, ref: WorkspaceRef, meta: dict[str, Any]) -> None:
        path = self._meta_path(ref)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash leaves the old file or the new one

    def exists(self, ref: WorkspaceRef) -> bool:
        return ref.path(self.root).is_file() or self._meta_path(ref).is_file()

    def refs(self) -> list[WorkspaceRef]:
        """Every workspace in the data directory."""
        found = []
        for kind in KINDS:
            names = {p.name.rsplit(".", 1)[0] for p in (self.root / kind).glob("*.json")} | \
                    {p.stem for p in (self.root / kind).glob("*.sqlite")}
            for name in sorted(names):
                try:
                    found.append(WorkspaceRef(kind, name))
                except ValueError:  # a stray file that is not a workspace
                    continue
        return found

    # opening --------------------------------------------------------------------------
    def create_private(self) -> Workspace:
        """A new, empty private workspace."""
        ref = WorkspaceRef.new_private()
        self._write_meta(ref, {"created_at": _now(), "last_active": _now()})
        return self.open(ref)

    def open(self, ref: WorkspaceRef, *, passcode: str | None = None, create: bool = False) -> Workspace:
        """Workspace ``ref``: writable, or read-only when it is protected and no passcode is given.

        A wrong passcode raises :class:`~core.errors.AccessDeniedError`; a workspace that does not
        exist raises :class:`~core.errors.NotFoundError` unless ``create`` (shared ones only).
        """
        read_only = None
        if self.protected(ref):
            if passcode is None:
                read_only = f"{ref.label} is protected by a passcode; enter it to make changes"
            elif not self.check_passcode(ref, passcode):
                raise AccessDeniedError(f"wrong passcode for {ref.label}")
        with self._lock:
            if not self.exists(ref):
                if not (create and ref.kind == "shared"):
                    raise NotFoundError(f"there is no {ref.label} {'' if ref.kind == 'shared' else ref.name + ' '}"
                                        f"in {self.root}; it may have been deleted")
                self._write_meta(ref, {"created_at": _now(), "last_active": _now()})
            entry = self._entry(ref)
        self._touch(ref)
        return Workspace(ref, OverlayStore(entry.store, self.shared, read_only=read_only), ref.path(self.root),
                         entry.lock)

    def _entry(self, ref: WorkspaceRef) -> _Entry:
        entry = self._open.get(ref)
        if entry is None:
            entry = self._open[ref] = _Entry(EmbeddedStore(ref.path(self.root), ann=self.ann), self._clock())
        entry.last_used = self._clock()
        return entry

    def _touch(self, ref: WorkspaceRef) -> None:
        now = self._clock()
        if now - self._touched.get(ref, -TOUCH_EVERY_S) >= TOUCH_EVERY_S:
            self._touched[ref] = now
            meta = self.meta(ref)
            meta["last_active"] = _now()
            self._write_meta(ref, meta)

    def close(self, ref: WorkspaceRef) -> None:
        """Close ``ref``'s store if it is open (it reopens on the next :meth:`open`)."""
        with self._lock:
            entry = self._open.pop(ref, None)
            if entry is not None:
                with entry.lock:
                    entry.store.close()

    def close_idle(self) -> list[WorkspaceRef]:
        """Close every workspace unused for ``idle_seconds``; the ones closed."""
        now = self._clock()
        with self._lock:
            idle = [ref for ref, entry in self._open.items() if now - entry.last_used >= self.idle_seconds]
            for ref in idle:
                self.close(ref)
        return idle

    def open_refs(self) -> list[WorkspaceRef]:
        """The workspaces whose stores are open in this process now."""
        with self._lock:
            return list(self._open)

    def close_all(self) -> None:
        for ref in self.open_refs():
            self.close(ref)

    # passcodes ------------------------------------------------------------------------
    def protected(self, ref: WorkspaceRef) -> bool:
        return bool(self.meta(ref).get("passcode"))

    def check_passcode(self, ref: WorkspaceRef, passcode: str) -> bool:
        record = self.meta(ref).get("passcode")
        return record is None or passcodes.matches(passcode, record)

    def set_passcode(self, ref: WorkspaceRef, new: str | None, *, current: str | None = None) -> None:
        """Protect shared workspace ``ref`` with ``new`` (None: remove the protection); ``current``
        must be the passcode it has now, if any."""
        if ref.kind != "shared":
            raise AccessDeniedError("only shared workspaces take a passcode: a private workspace is reached by "
                                    "its id alone")
        self.authorize(ref, current)
        meta = self.meta(ref)
        meta["passcode"] = passcodes.digest(new) if new is not None else None
        self._write_meta(ref, meta)

    def authorize(self, ref: WorkspaceRef, passcode: str | None, admin_passcode: str | None = None) -> None:
        """Raise :class:`AccessDeniedError` unless ``ref`` is unprotected or a passcode given is right."""
        if admin_passcode is not None and passcodes.admin_matches(admin_passcode):
            return
        if self.protected(ref) and (passcode is None or not self.check_passcode(ref, passcode)):
            raise AccessDeniedError(f"{ref.label} is protected: {'the passcode is wrong' if passcode else 'give its passcode'}")

    # changing what is on disk --------------------------------------------------------------
    def files(self, ref: WorkspaceRef) -> list[Path]:
        """The workspace's store files that exist (the SQLite file, its WAL companions and its vector files'
        directory, a cache SQLite rebuilds)."""
        path = ref.path(self.root)
        return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), directory_of(path)) if p.exists()]

    def size_bytes(self, ref: WorkspaceRef) -> int:
        return sum(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size
                   for p in self.files(ref))

    def reset(self, ref: WorkspaceRef, *, passcode: str | None = None, admin_passcode: str | None = None) -> None:
        """Empty ``ref`` (its personas, interactions and uploaded catalogs go; its name and passcode stay)."""
        self._check_exists(ref)
        self.authorize(ref, passcode, admin_passcode)
        with self._lock:
            self.close(ref)
            for path in self.files(ref):
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()

    def delete(self, ref: WorkspaceRef, *, passcode: str | None = None, admin_passcode: str | None = None) -> None:
        """Remove ``ref`` and everything in it from disk."""
        self.reset(ref, passcode=passcode, admin_passcode=admin_passcode)
        self._meta_path(ref).unlink(missing_ok=True)
        self._touched.pop(ref, None)

    def fork(self, source: WorkspaceRef) -> WorkspaceRef:
        """A new private workspace holding a copy of everything in ``source`` (anyone may copy a shared one)."""
        self._check_exists(source)
        target = WorkspaceRef.new_private()
        self.copy_file(source, target.path(self.root))
        self._write_meta(target, {"created_at": _now(), "last_active": _now(), "forked_from": source.key})
        return target

    def copy_file(self, source: WorkspaceRef, dest: Path) -> None:
        """A consistent copy of ``source``'s store file at ``dest`` (SQLite's online backup; no half file)."""
        tmp = dest.with_name(dest.name + ".tmp")
        with self._lock:
            self._entry(source)  # creates the file of a workspace that was reset and not used since
        # a connection of its own reads everything committed, WAL included, while others keep writing
        origin, target = sqlite3.connect(source.path(self.root)), sqlite3.connect(tmp)
        try:
            origin.backup(target)
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"could not copy {source.label}: {exc}; nothing was created") from exc
        finally:
            origin.close()
            target.close()
        os.replace(tmp, dest)

    def _check_exists(self, ref: WorkspaceRef) -> None:
        if not self.exists(ref):
            raise NotFoundError(f"there is no {ref.label} {ref.name!r} in {self.root}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
