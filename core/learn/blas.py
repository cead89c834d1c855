"""One BLAS thread for the whole process while a background training or evaluation job runs.

numpy's and scipy's OpenBLAS each keep a pool of worker threads, one per core, and serve one
caller's parallel work at a time: a background training then takes both cores, and a request's
vector search waits behind its matrix products. :func:`one_blas_thread` sets every loaded BLAS
library to one thread (``threadpoolctl``, a dependency of scikit-learn): the training runs on its
own thread only, and the requests, whose BLAS calls then run on their own threads too, keep the
other core (measured in the README, "The community").

The setting is process-wide (OpenBLAS has one per library), and threadpoolctl lets one thread at a
time hold it (the one that set it lifts it when its block ends; another thread's limit meanwhile does
nothing, and would restore the wrong value at its end). So one training at a time holds the limit,
in its own thread, and a training overlapping it leaves the setting alone: it runs at one thread
while the first one does, then with the BLAS libraries' own threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


_lock = threading.Lock()
_held = False


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Every BLAS library of the process at one thread inside the block, unless another block holds the
    limit already (module docstring)."""
    global _held
    with _lock:
        mine, _held = not _held, True
    if not mine:
        yield
        return
    try:
        import scipy.linalg  # noqa: F401  loads scipy's own OpenBLAS now, so that the limit reaches it
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        with _lock:
            _held = False


def blas_threads() -> dict[str, int]:
    """The thread count of each loaded BLAS library, by its file name (what :func:`one_blas_thread` changes)."""
    from threadpoolctl import threadpool_info

    return {info["filepath"].rsplit("/", 1)[-1]: info["num_threads"] for info in threadpool_info()
            if info["user_api"] == "blas"}
