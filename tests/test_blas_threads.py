"""A server's BLAS thread count: ``core.set_blas_threads``, ``$PERSONALIZATION_BLAS_THREADS`` and the lab's
``request_blas``, each test putting back what it found."""

from __future__ import annotations

import re

import pytest

from core import BLAS_THREADS_ENV, InvalidInputError, blas_threads, blas_threads_from_env, set_blas_threads
from core.learn.blas import one_blas_thread
from lab import resources


@pytest.fixture
def restored():
    before = blas_threads()
    yield before
    for threads in set(before.values()):
        set_blas_threads(threads)
    assert {k: v for k, v in blas_threads().items() if k in before} == before  # scipy's may have loaded since
    resources.request_blas.clear()


def test_set_blas_threads_changes_every_library_until_changed_again(restored):
    assert set(set_blas_threads(1).values()) == {1}
    with one_blas_thread():
        assert set(blas_threads().values()) == {1}
    assert set(blas_threads().values()) == {1}  # the block put back the 1 it found
    assert set(set_blas_threads(2).values()) == {2}
    for bad in (0, -1, 1.5, True, "2", None):
        with pytest.raises(InvalidInputError, match="BLAS threads must be a positive integer"):
            set_blas_threads(bad)
    assert set(blas_threads().values()) == {2}  # a refused value changes nothing


@pytest.mark.parametrize("raw, expected", [("", 1), ("  ", 1), ("3", 3), (" 2 ", 2), ("auto", None), ("AUTO", None)])
def test_the_environment_variable_is_read_with_its_default(raw, expected, monkeypatch):
    monkeypatch.setenv(BLAS_THREADS_ENV, raw)
    assert blas_threads_from_env(1) == expected


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5", "\x1b[2J"])
def test_a_bad_environment_value_names_the_variable_and_the_value(raw, monkeypatch):
    monkeypatch.setenv(BLAS_THREADS_ENV, raw)
    with pytest.raises(InvalidInputError, match=r"\$PERSONALIZATION_BLAS_THREADS must be a positive integer or "
                       r"'auto', got " + re.escape(repr(raw))):
        blas_threads_from_env(1)


def test_the_lab_sets_the_blas_threads_the_environment_asks_for(restored, monkeypatch):
    monkeypatch.delenv(BLAS_THREADS_ENV, raising=False)
    resources.request_blas.clear()
    assert resources.request_blas() is None and blas_threads() == restored  # unset: the libraries' own count
    monkeypatch.setenv(BLAS_THREADS_ENV, "1")
    resources.request_blas.clear()
    assert resources.request_blas() is None and set(blas_threads().values()) == {1}
    set_blas_threads(2)
    monkeypatch.setenv(BLAS_THREADS_ENV, "many")
    resources.request_blas.clear()
    problem = resources.request_blas()
    assert "'many'" in problem and "keep their own thread count" in problem and set(blas_threads().values()) == {2}


def test_the_cli_sets_the_blas_threads_the_environment_asks_for(restored, monkeypatch, capsys):
    from core.cli import main
    monkeypatch.setenv(BLAS_THREADS_ENV, "1")
    assert main(["samples"]) == 0 and set(blas_threads().values()) == {1}
    monkeypatch.setenv(BLAS_THREADS_ENV, "lots")
    capsys.readouterr()
    assert main(["samples"]) == 2
    assert "$PERSONALIZATION_BLAS_THREADS must be a positive integer or 'auto', got 'lots'" in capsys.readouterr().err
