"""An append to a collection's vector files whose data is written while its SQLite transaction runs.

``add_items`` appends its batch's ids, row keys and vectors to the files only once its transaction
committed: a header must never promise rows that SQLite does not have. Writing and fsyncing a 10k-item
batch (15 MB) then cost a tenth of a bulk import, while the disk had been idle during the inserts.
:class:`EarlyAppend` writes the data in a thread during the transaction (``write`` and ``fsync`` release
the GIL: the inserts go on meanwhile) and holds the files' lock from then until, after the commit, the
header counts the rows (:meth:`EarlyAppend.finish`), or, when the transaction failed, the bytes are cut off
again (:meth:`EarlyAppend.close`). The header is written after the commit, as before, so the files never
count a row SQLite lacks; bytes past the header's count are in no reader's mapping (a header only grows
within a generation), and a crash before the header leaves only such bytes: the next append cuts them off
(:meth:`~core.store.embedded.vector_files.VectorFiles.append_data`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from core.store.embedded.buffers import Arrays
from core.store.embedded.vector_files import FileBacking, release

log = logging.getLogger(__name__)


class EarlyAppend:
    """``block`` written after the ``n`` rows of ``backing``'s files, in a thread started here."""

    def __init__(self, backing: FileBacking, n: int, block: Arrays, state: dict) -> None:
        self.backing, self.n, self.block, self.state = backing, n, block, state
        self._meta: dict | None = None  # the header the data went after, once written (the lock is held then)
        self._handle: Any = None
        self._thread = threading.Thread(target=self._write, name="vector-file-append", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        files, handle = self.backing.files, None
        try:
            handle = files.acquire()
            meta = files.meta(self.backing.meta["cid"])
            if (meta is not None and meta["gen"] == self.backing.meta["gen"] and meta["count"] == self.n
                    and all(meta.get(k) == v for k, v in self.state.items()) and files.append_data(meta, self.block)):
                self._meta, self._handle = meta, handle
                return
        except Exception:  # noqa: BLE001 - the append after the commit does it the plain way
            log.exception("the early append to the vector files failed; appending after the commit")
        if handle is not None:
            release(handle)

    def finish(self) -> tuple[dict, Arrays] | None:
        """After the commit: the header counting the rows and the files' arrays, or None (nothing was written
        early, or the header failed: the caller appends the plain way). Releases the lock either way."""
        self._thread.join()
        if self._meta is None:
            return None
        written, self._meta = self._meta, None  # from here never cut off: the header may count the rows
        try:
            meta = self.backing.files.header(written, self.block, self.state)
            arrays = self.backing.files.map(meta, self.n + len(self.block))
            return (meta, arrays) if arrays is not None else None
        except OSError as exc:  # the files are then checked against SQLite, as after a crash
            log.warning("could not write the vector files' header: %s", exc)
            return None
        finally:
            self.close()

    def close(self) -> None:
        """Cut off data the header does not count (a failed transaction) and release the lock; idempotent."""
        self._thread.join()
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            if self._meta is not None:
                self.backing.files.cut(self._meta)
        except OSError as exc:  # the next append cuts them, or writes a new generation
            log.warning("could not cut the vector files back to their header: %s", exc)
        finally:
            self._meta = None
            release(handle)
