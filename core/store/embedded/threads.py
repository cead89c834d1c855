"""BLAS threads chosen by work size around the store's scans.

A scan of a few thousand rows finishes before a second BLAS thread has done much, and on a machine
whose cores are busy a second thread waits for a core while the first idles. Measured on this 2-core
machine under load (``python -m benchmarks.bench_ann --threads``, load average 12-13): a 10k-row
one-query scan took 0.55 ms on one thread and 32 ms on two; 20 queries over 10k rows 32 vs 40 ms;
from 100k rows a one-query scan (memory-bound) was faster on two threads (0.87x at 100k, 0.54-0.73x
at 1M) while a 20-query product stayed 1.1-1.5x faster on one (on an idle machine two threads halve
it; no idle window was available to measure). So a scan of fewer than :data:`ONE_THREAD_BELOW` rows
runs on one thread, whatever the queries; larger ones keep the process's setting.

The BLAS libraries are found once with threadpoolctl (optional: without it nothing changes) and the
count is set through their own ``set_num_threads`` — a ``threadpool_limits`` context re-inspects
every loaded library on each entry, which costs more than the small scan it would limit. The thread
count is process-wide: concurrent scans share one counter, the first small one in lowers it and the
last one out restores it (a large scan running meanwhile runs on one thread too).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any

ONE_THREAD_BELOW = 50_000
"""Rows below which a scan runs on one BLAS thread."""

_lock = threading.Lock()
_state: dict[str, Any] = {"libs": None, "active": 0, "saved": []}


def _libraries() -> list[Any]:
    if _state["libs"] is None:
        try:
            from threadpoolctl import ThreadpoolController
            _state["libs"] = [c for c in ThreadpoolController().lib_controllers if c.user_api == "blas"]
        except Exception:  # not installed, or a library it cannot drive: leave BLAS as it is
            _state["libs"] = []
    return _state["libs"]


@contextmanager
def blas_threads(rows: int):
    """One BLAS thread inside the block when the scan reads fewer than :data:`ONE_THREAD_BELOW` rows."""
    if rows >= ONE_THREAD_BELOW:
        yield
        return
    with _lock:
        libs = _libraries()
        if libs and _state["active"] == 0:
            _state["saved"] = [lib.num_threads for lib in libs]
            for lib in libs:
                lib.set_num_threads(1)
        _state["active"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["active"] -= 1
            if libs and _state["active"] == 0:
                for lib, count in zip(libs, _state["saved"]):
                    lib.set_num_threads(count)
