"""Each collection's index arrays in files next to the SQLite file, memory-mapped on open.

``<db>.vectors/`` holds, per collection key ``cid``, one *generation* of raw files, written once and
then only appended to: ``c<cid>-<gen>.ids`` (16-byte ids), ``.rows`` (int64 SQLite row keys) and
``.v<k>`` (float32, row-major, the k-th named vector), plus ``c<cid>.json``, the header: the
generation, how many rows the files hold, the last row's key and id, the collection's
``token`` and ``item_version`` and its named vectors. The header is replaced atomically (a temp
file and a rename; for a new generation also fsyncs of both and of the directory) after the data it
describes is fsynced, so it never promises rows that are not there; a file shorter than the header says
is torn and not used, bytes past it are cut off by the next append (``add_items`` writes its data
during its transaction and its header after the commit: :mod:`core.store.embedded.file_append`).

SQLite stays the truth. Before files are used they are checked against it
(:mod:`core.store.embedded.index_io`): token, item_version and vectors equal, and the last row
(key, id and vector bytes) and a few sampled ones as SQLite has them; rows SQLite has beyond
the files are read from it and appended. Anything else (a crash between the files and the commit,
a file from an older state, a write by an older engine, a torn file) makes a new generation from
SQLite. Files are changed under an ``flock`` of ``<db>.vectors/lock`` (other processes share
them); a generation in use by a reader is never truncated or rewritten, only unlinked (its
mapping stays valid).
"""

from __future__ import annotations

import fcntl
import json
import logging
import mmap
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from core.store.embedded.buffers import Arrays, MemoryBacking

log = logging.getLogger(__name__)
FORMAT = 1


def directory_of(db_path: str | os.PathLike) -> Path:
    """Where the vector files of the store file ``db_path`` live (whoever removes or sizes a store file: this too)."""
    return Path(f"{os.fspath(db_path)}.vectors")


class VectorFiles:
    """The ``<db>.vectors`` directory of one store file (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @classmethod
    def beside(cls, db_path: str) -> VectorFiles | None:
        """The files' directory, or None (logged) when it cannot be written: the store keeps its index in memory."""
        directory = directory_of(db_path)
        try:
            directory.mkdir(exist_ok=True)
            probe = directory / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            log.warning("vector files at %s cannot be written (%s): indexes are kept in memory only", directory, exc)
            return None
        return cls(directory)

    @contextmanager
    def lock(self) -> Iterator[None]:
        handle = self.acquire()
        try:
            yield
        finally:
            release(handle)

    def acquire(self) -> Any:
        """The files' lock, held until :func:`release` of what this returns (:meth:`lock` for a block)."""
        handle = open(self.dir / "lock", "a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except BaseException:
            handle.close()
            raise
        return handle

    def meta(self, cid: int) -> dict | None:
        """The header of collection ``cid``'s files, or None (missing, unreadable, another format)."""
        try:
            meta = json.loads((self.dir / f"c{cid}.json").read_text())
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("cid") == cid else None

    def _paths(self, meta: dict) -> list[tuple[Path, np.dtype, int]]:
        stem = self.dir / f"c{meta['cid']}-{meta['gen']}"
        return [(stem.with_suffix(".ids"), np.dtype(np.uint8), 16), (stem.with_suffix(".rows"), np.dtype(np.int64), 1),
                *((stem.with_suffix(f".v{k}"), np.dtype(np.float32), dims)
                  for k, dims in enumerate(meta["vectors"].values()))]

    def map(self, meta: dict, n: int) -> Arrays | None:
        """The first ``n`` rows of the files, memory-mapped read-only (None when a file is missing or short)."""
        arrays = []
        try:
            for path, dtype, width in self._paths(meta):
                size = n * width * dtype.itemsize
                if path.stat().st_size < size:
                    return None
                arrays.append(_mapped(path, dtype, size).reshape(n, width) if width > 1 or dtype == np.uint8
                              else _mapped(path, dtype, size))
        except OSError:
            return None
        return Arrays(arrays[0], arrays[1], dict(zip(meta["vectors"], arrays[2:])))

    def append(self, meta: dict, block: Arrays, state: dict) -> dict | None:
        """Append ``block`` after the ``meta['count']`` rows (under :meth:`lock`); the new header, or None when the
        files are shorter than that (the caller writes a new generation)."""
        return self.header(meta, block, state) if self.append_data(meta, block) else None

    def append_data(self, meta: dict, block: Arrays) -> bool:
        """Write ``block``'s rows after the ``meta['count']`` rows and fsync them (under :meth:`lock`; the header is
        :meth:`header`'s). Bytes past those rows (an append that failed or crashed before its header) are cut
        off first: no header ever counted them, so no reader maps them."""
        try:
            self.cut(meta)
            for (path, _, _), part in zip(self._paths(meta), [block.ids, block.rows,
                                                              *(block.matrices[n] for n in meta["vectors"])]):
                with open(path, "r+b") as handle:
                    handle.seek(0, os.SEEK_END)
                    handle.write(_buffer(part))
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError as exc:
            log.warning("could not append to the vector files of collection %s: %s", meta["cid"], exc)
            return False
        return True

    def cut(self, meta: dict) -> None:
        """Truncate the files to the ``meta['count']`` rows (OSError when one is shorter: it is torn)."""
        for path, dtype, width in self._paths(meta):
            size = meta["count"] * width * dtype.itemsize
            if path.stat().st_size < size:
                raise OSError(f"{path.name} is shorter than its header says")
            if path.stat().st_size > size:
                os.truncate(path, size)

    def header(self, meta: dict, block: Arrays, state: dict) -> dict:
        """The header of ``meta``'s files grown by ``block`` (written after its data: :meth:`append_data`).

        Not fsynced (an append's header, unlike a new generation's): its data already is, so whichever header
        a power loss leaves (this one, the one before it, or a torn one) never counts rows that are not on disk;
        an older one makes the next open read the missing rows from SQLite, a torn one a new generation. The
        two fsyncs (the file and the directory) were 5-15 ms of every 10k-item ``add_items``."""
        return self._commit({**meta, **state, "count": meta["count"] + len(block)}, block, durable=False)

    def write(self, cid: int, vectors: dict[str, int], chunks: Iterable[Arrays], state: dict) -> dict | None:
        """A new generation from ``chunks`` (under :meth:`lock`), its header, or None (logged) on a write failure."""
        meta = {"format": FORMAT, "cid": cid, "gen": secrets.token_hex(4), "vectors": dict(vectors), "count": 0,
                "last_row": 0, "last_uuid": None}
        paths = self._paths(meta)
        temps = [path.with_name(path.name + ".tmp") for path, _, _ in paths]
        last = None
        try:
            handles = [open(t, "wb") for t in temps]
            try:
                for chunk in chunks:
                    for handle, part in zip(handles, [chunk.ids, chunk.rows, *(chunk.matrices[n] for n in vectors)]):
                        handle.write(_buffer(part))
                    meta["count"] += len(chunk)
                    last = chunk if len(chunk) else last
                for handle in handles:
                    handle.flush()
                    os.fsync(handle.fileno())
            finally:
                for handle in handles:
                    handle.close()
            for temp, (path, _, _) in zip(temps, paths):
                os.replace(temp, path)
            old = self.meta(cid)
            meta = self._commit({**meta, **state}, last)
        except OSError as exc:
            log.warning("could not write the vector files of collection %s: %s", cid, exc)
            for temp in temps:
                temp.unlink(missing_ok=True)
            return None
        if old is not None and old["gen"] != meta["gen"]:
            self._unlink(old)
        return meta

    def _commit(self, meta: dict, last: Arrays | None, durable: bool = True) -> dict:
        if last is not None and len(last):
            meta["last_row"], meta["last_uuid"] = int(last.rows[-1]), last.ids[-1].tobytes().hex()
        temp = self.dir / f"c{meta['cid']}.json.tmp"
        with open(temp, "w") as handle:
            handle.write(json.dumps(meta))
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, self.dir / f"c{meta['cid']}.json")
        if durable:
            _fsync_dir(self.dir)
        return meta

    def remove(self, cid: int) -> None:
        """Delete collection ``cid``'s files (the header first: what is left is never used)."""
        try:
            with self.lock():
                (self.dir / f"c{cid}.json").unlink(missing_ok=True)
                for stray in [*self.dir.glob(f"c{cid}-*"), *self.dir.glob(f"ann-c{cid}-*")]:  # ann: its faiss indexes
                    stray.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete the vector files of collection %s: %s", cid, exc)

    def _unlink(self, meta: dict) -> None:
        for path, _, _ in self._paths(meta):
            path.unlink(missing_ok=True)

    def size(self) -> int:
        """Bytes on disk."""
        return sum(p.stat().st_size for p in self.dir.iterdir() if p.is_file())


class FileBacking:
    """Appends an index's rows to its collection's files (:mod:`core.store.embedded.buffers` says what for)."""

    persisted = True

    def __init__(self, files: VectorFiles, meta: dict) -> None:
        self.files, self.meta = files, meta

    def extend(self, current: Arrays, block: Arrays, state: dict,
               early: Any = None) -> tuple[FileBacking | MemoryBacking, Arrays]:
        """``current`` and ``block`` as files (``early``: an :class:`~.file_append.EarlyAppend` of the block)."""
        n, cid = len(current), self.meta["cid"]
        if early is not None and (done := early.finish()) is not None:
            return FileBacking(self.files, done[0]), done[1]
        with self.files.lock():
            meta = self.files.meta(cid)
            same = meta is not None and meta["gen"] == self.meta["gen"] and all(
                meta.get(k) == v for k, v in state.items())
            new = None
            if same and meta["count"] == n:
                new = self.files.append(meta, block, state)
            elif same and meta["count"] >= n + len(block) and self._holds(meta, n, block):
                new = meta  # another process appended these rows already
            if new is None:
                new = self.files.write(cid, self.meta["vectors"], [current, block], state)
            arrays = self.files.map(new, n + len(block)) if new is not None else None
        if arrays is None:
            return MemoryBacking.start(Arrays.joined([current, block]))
        return FileBacking(self.files, new), arrays

    def _holds(self, meta: dict, n: int, block: Arrays) -> bool:
        mapped = self.files.map(meta, n + len(block))
        if mapped is None:
            return False
        return bool((mapped.rows[n:] == block.rows).all() and (mapped.ids[n:] == block.ids).all()
                    and all((mapped.matrices[k][n:] == m).all() for k, m in block.matrices.items()))


def release(handle: Any) -> None:
    """Give up the lock :meth:`VectorFiles.acquire` took."""
    try:
        fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _buffer(part: np.ndarray) -> np.ndarray:
    """The bytes of ``part`` for a write, without a copy when it is contiguous (a 10k-row block is 15 MB)."""
    return np.ascontiguousarray(part).reshape(-1).view(np.uint8)


def _mapped(path: Path, dtype: np.dtype, size: int) -> np.ndarray:
    if size == 0:
        return np.zeros(0, dtype)
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ)
    return np.frombuffer(mapped, dtype=dtype)  # read-only: the mapping is


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
