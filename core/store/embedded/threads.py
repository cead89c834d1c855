"""BLAS threads chosen by work size around the store's scans, and the process's one-thread hold.

A scan of a few thousand rows finishes before a second BLAS thread has done much, and on a machine
whose cores are busy a second thread waits for a core while the first idles. Measured on this 2-core
machine under load (``python -m benchmarks.bench_ann --threads``, load average 12-13): a 10k-row
one-query scan took 0.55 ms on one thread and 32 ms on two; 20 queries over 10k rows 32 vs 40 ms;
from 100k rows a one-query scan (memory-bound) was faster on two threads (0.87x at 100k, 0.54-0.73x
at 1M) while a 20-query product stayed 1.1-1.5x faster on one (on an idle machine two threads halve
it; no idle window was available to measure). So a scan of fewer than :data:`ONE_THREAD_BELOW` rows
runs on one thread, whatever the queries; larger ones keep the process's setting.

OpenBLAS's thread count is process-wide, so one holder at a time lowers it and the same holder
restores it (:func:`hold`): a background training's :func:`core.learn.blas.one_blas_thread` (for its
whole run) or a small scan (numpy's BLAS only, through a cached threadpoolctl controller: a fresh
``threadpool_limits`` re-inspects every loaded library, ~0.5 ms, more than the scan). A scan while
another holder holds runs as it finds the setting (one thread during a training); a training that
starts during a scan's hold waits for it (a millisecond) instead of running at the scan's one thread
and then restoring that one thread for good.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

ONE_THREAD_BELOW = 50_000
"""Rows below which a scan runs on one BLAS thread."""

_cond = threading.Condition()
_state: dict[str, Any] = {"holder": None, "numpy": None}


@contextmanager
def hold(kind: str, limit: Callable[[], AbstractContextManager], *, wait: bool = False) -> Iterator[None]:
    """``limit()`` around the block unless another holder holds (``wait``: wait for a ``"scan"`` holder)."""
    with _cond:
        if wait:
            _cond.wait_for(lambda: _state["holder"] != "scan", timeout=10)
        mine = _state["holder"] is None
        if mine:
            _state["holder"] = kind
    if not mine:
        yield
        return
    try:
        with limit():
            yield
    finally:
        with _cond:
            _state["holder"] = None
            _cond.notify_all()


def _numpy_blas() -> Any | None:
    """A threadpoolctl controller of numpy's own BLAS (None without threadpoolctl or a BLAS it knows)."""
    if _state["numpy"] is None:
        try:
            from threadpoolctl import ThreadpoolController
            blas = ThreadpoolController().select(user_api="blas")
            mine = [c for c in blas.lib_controllers if "numpy" in c.filepath]
            _state["numpy"] = blas if not mine else blas.select(filepath=[c.filepath for c in mine])
        except Exception:  # not installed, or a library it cannot drive: leave BLAS as it is
            _state["numpy"] = False
    return _state["numpy"] or None


@contextmanager
def blas_threads(rows: int) -> Iterator[None]:
    """One BLAS thread inside the block when the scan reads fewer than :data:`ONE_THREAD_BELOW` rows."""
    controller = _numpy_blas() if rows < ONE_THREAD_BELOW else None
    if controller is None:
        yield
        return
    with hold("scan", lambda: controller.limit(limits=1, user_api="blas")):
        yield
