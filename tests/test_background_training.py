"""A sample community's background training runs with one BLAS thread for the process, and gives it back.

``threadpoolctl`` reads the real thread counts of the loaded OpenBLAS libraries (numpy's and scipy's).
"""

from __future__ import annotations

import threading

import pytest

from core import BEHAVIOUR, InvalidInputError, SampleLibrary
from core.learn.blas import blas_threads, one_blas_thread


def test_one_blas_thread_limits_every_blas_library_and_restores_them():
    import scipy.linalg  # noqa: F401  both OpenBLAS copies loaded, as in a process that trains

    before = blas_threads()
    assert len(before) >= 2 and max(before.values()) > 1  # this machine's default: one thread per core
    with one_blas_thread():
        assert set(blas_threads().values()) == {1}
    assert blas_threads() == before


def test_a_limit_taken_and_lifted_elsewhere_first_does_not_stop_the_trainings():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # e.g. an evaluation's fit in the main thread
        pass
    seen = []

    def train() -> None:
        with one_blas_thread():
            seen.append(blas_threads())

    thread = threading.Thread(target=train)
    thread.start()
    thread.join(10)
    assert set(seen[0].values()) == {1}


def test_overlapping_trainings_never_leave_the_process_at_one_thread():
    before = blas_threads()
    first_in, second_done, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with one_blas_thread():
            first_in.set()
            second_done.wait(10)
        first_out.set()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with one_blas_thread():
        assert set(blas_threads().values()) == {1}  # the first training's limit holds for the process
        second_done.set()
        first_out.wait(10)
        assert blas_threads() == before  # lifted by the thread that set it
    thread.join(10)
    assert blas_threads() == before  # threadpool_limits here would have restored the 1 it found at its start


@pytest.mark.slow
def test_a_background_community_training_runs_at_one_blas_thread():
    before = blas_threads()
    library = SampleLibrary(background_above=0)  # movies' 100,836 ratings train in the background too
    library.community_for("Movies")
    thread = library.training("Movies")
    seen = set()
    while thread.is_alive():
        seen.add(tuple(sorted(blas_threads().values())))
    thread.join()
    assert any(set(counts) == {1} for counts in seen) and blas_threads() == before
    assert library.store.get_learned("Movies", BEHAVIOUR).meta["trained_on"]["interactions"] == 100_836


def test_the_blas_setting_is_checked():
    with pytest.raises(InvalidInputError, match="background_blas_threads must be 1 or None, got 2"):
        SampleLibrary(background_blas_threads=2)
