"""The approximate stage's faiss indexes kept next to the vector files, so a reopened store answers on them at once.

A build over a collection's file-backed matrix is written to ``<db>.vectors/ann-c<cid>-<kind>-<name>-<key>.faiss``
(:func:`faiss.write_index`: a temp file, fsync, rename, fsync of the directory), ``<key>`` a digest of what the
build covered: the collection's ``token``, the files' generation (whose first rows are never rewritten),
the row count, the collection's ``item_version`` and the vector name. A later process computes the key of the
index it holds and reads only the file of that key: a file of another state (rows appended or rewritten
since, another collection with that key number) has another name and is never read, and is deleted when a
newer build of the same collection and vector is written. A file that faiss cannot read, or that holds
another row count or dimension, is deleted and the index is built again. Nothing here is needed for an
answer: when the directory cannot be written the index lives in memory only, as without files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnHome:
    """Where the index of one collection's matrix is kept, and what its file's key is made of."""

    dir: Path
    cid: int
    key: dict

    def path(self, name: str, kind: str, rows: int) -> Path:
        digest = hashlib.sha256(json.dumps({**self.key, "name": name, "kind": kind, "rows": rows},
                                           sort_keys=True).encode()).hexdigest()[:24]
        return self.dir / f"{self.prefix(name, kind)}{digest}.faiss"

    def prefix(self, name: str, kind: str) -> str:
        return f"ann-c{self.cid}-{kind}-{hashlib.sha256(name.encode()).hexdigest()[:8]}-"


def home_of(index: Any) -> AnnHome | None:
    """The :class:`AnnHome` of an index mapped from vector files, or None (an in-memory index)."""
    backing = getattr(index, "backing", None)
    meta, files = getattr(backing, "meta", None), getattr(backing, "files", None)
    origin = getattr(index, "origin", None)
    if not getattr(backing, "persisted", False) or not isinstance(meta, dict) or files is None or origin is None:
        return None
    key = {"token": meta.get("token"), "gen": meta.get("gen"), "item_version": origin.item_version}
    return AnnHome(Path(files.dir), int(meta["cid"]), key)


def load(faiss: Any, home: AnnHome, name: str, kind: str, rows: int, dims: int) -> tuple[Any, int] | None:
    """The saved index of this key and its file's size, or None (no file; a file faiss cannot read or of
    another shape is deleted)."""
    path = home.path(name, kind, rows)
    if not path.exists():
        return None
    try:
        size = path.stat().st_size
        index = faiss.read_index(str(path))
        if index.ntotal != rows or index.d != dims:
            raise ValueError(f"it holds {index.ntotal} rows of {index.d} dimensions, not {rows} of {dims}")
        return index, size
    except FileNotFoundError:  # deleted meanwhile by a newer build's writer
        return None
    except Exception as exc:  # torn, from another faiss, another shape: built again
        log.warning("ANN index file %s is not usable (%s): it is built again", path.name, exc)
        _unlink(path)
        return None


def save(faiss: Any, home: AnnHome, name: str, kind: str, rows: int, index: Any) -> Path | None:
    """Write ``index`` under its key (atomically) and delete older files of this collection, kind and vector."""
    final = home.path(name, kind, rows)
    temp = home.dir / f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        faiss.write_index(index, str(temp))
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, final)
        directory = os.open(home.dir, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except Exception as exc:  # no space, a read-only directory: the index stays in memory
        log.warning("ANN index could not be saved to %s (%s)", home.dir, exc)
        _unlink(temp)
        return None
    for old in home.dir.glob(home.prefix(name, kind) + "*.faiss"):
        if old != final:
            _unlink(old)
    return final


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
