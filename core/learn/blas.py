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

import os
from collections.abc import Iterator
from contextlib import contextmanager

from core.errors import InvalidInputError
from core.store.embedded.threads import hold

BLAS_THREADS_ENV = "PERSONALIZATION_BLAS_THREADS"
"""The environment variable a server's BLAS thread count is read from (:func:`blas_threads_from_env`)."""


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Every BLAS library of the process at one thread inside the block, unless another block holds the
    limit already (module docstring; the hold is shared with the store's small scans,
    :func:`core.store.embedded.threads.hold`)."""
    import scipy.linalg  # noqa: F401  loads scipy's own OpenBLAS now, so that the limit reaches it
    from threadpoolctl import threadpool_limits

    with hold("training", lambda: threadpool_limits(limits=1, user_api="blas"), wait=True):
        yield


def blas_threads() -> dict[str, int]:
    """The thread count of each loaded BLAS library, by its file name (what :func:`one_blas_thread` changes).

    An OpenMP-threaded OpenBLAS (faiss's own, once the store's ANN stage has loaded faiss) is left out:
    its count is each calling thread's OpenMP setting, not the process's."""
    from threadpoolctl import threadpool_info

    return {info["filepath"].rsplit("/", 1)[-1]: info["num_threads"] for info in threadpool_info()
            if info["user_api"] == "blas" and info.get("threading_layer") != "openmp"}


def set_blas_threads(threads: int) -> dict[str, int]:
    """Every loaded BLAS library of the process at ``threads`` threads from now on; the counts after.

    ``1`` suits a shared or busy server (the lab reads ``$PERSONALIZATION_BLAS_THREADS``): a request's
    products are small and memory-bound, and OpenBLAS serves one caller's parallel work at a time, so
    with its worker pool every concurrent request, and every request while another process keeps a
    core busy, waits for the pool. On an idle machine the pool is faster (README, "Latency"). A
    :func:`one_blas_thread` block running meanwhile restores, at its end, the count it found at its start.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InvalidInputError(f"BLAS threads must be a positive integer, got {threads!r}")
    import scipy.linalg  # noqa: F401  loads scipy's own OpenBLAS now, so that the setting reaches it
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")  # not a with-block: the setting stays
    return blas_threads()


def blas_threads_from_env(default: int | None) -> int | None:
    """The thread count ``$PERSONALIZATION_BLAS_THREADS`` asks for: a positive integer, or ``auto`` for
    the BLAS libraries' own choice (None); ``default`` when it is unset or blank."""
    raw = os.environ.get(BLAS_THREADS_ENV, "").strip()
    if not raw:
        return default
    if raw.lower() == "auto":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInputError(f"${BLAS_THREADS_ENV} must be a positive integer or 'auto', got {raw[:40]!r}")
    return int(raw)
