"""Baselines fitted and run in a child process, so their long numeric calls never stall a server.

EASE inverts an items × items matrix in one LAPACK call (40 s to minutes for the 9,742 movies on
this 2-core machine). Run in a thread of the lab's process, that call holds OpenBLAS, which
serves one caller's parallel work at a time: another session's vector search, a small BLAS call,
waited for it for up to 110 s (``benchmarks/bench_eval_page.py``). :func:`run_baseline` fits and
ranks in a fresh interpreter instead (``python -m core.eval.isolated``: not ``multiprocessing``,
whose spawned child would re-run the Streamlit page that happens to be ``__main__``). The child
reads the request (plain rows, the catalog's ids, the users) from stdin and writes length-prefixed
pickled messages to stdout: progress, then the ranked lists or an error. The parent kills it on
cancel and scores the lists with :meth:`~core.eval.runner.Evaluation.scored`, exactly as an
in-process baseline is scored.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from core.errors import CancelledError, InvalidInputError, PersonalizationError
from core.eval.baselines import BASELINES
from core.eval.runner import Cancel, Evaluation, Progress, RunResult
from core.eval.splits import LogRow

POLL_S = 0.1
REPORT_EVERY = 25
"""Users between two progress messages from the child."""
ROOT = Path(__file__).resolve().parents[2]
NICENESS = 10
_HEADER = struct.Struct("!Q")


def _write(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: BinaryIO) -> Any:
    """The next message, or None at the end of the stream."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    return pickle.loads(stream.read(_HEADER.unpack(header)[0]))


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    """The child's side: fit the requested baseline, send ``("progress", n)`` as users are ranked,
    then ``("done", lists, the model's settings)`` or ``("error", message)``."""
    try:
        name, rows, catalog, users, k, options = _read(source)
        model = BASELINES[name]([LogRow(u, i, v) for u, i, v in rows], catalog, **options)
        lists = {}
        for n, user in enumerate(users):
            lists[user] = model.recommend(user, k)
            if (n + 1) % REPORT_EVERY == 0:
                _write(sink, ("progress", n + 1))
        _write(sink, ("done", lists, dict(model.params)))
    except PersonalizationError as exc:
        _write(sink, ("error", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it there
        _write(sink, ("error", f"{type(exc).__name__}: {exc}"))


def _pump(stream: BinaryIO, inbox: queue.Queue) -> None:
    while (message := _read(stream)) is not None:
        inbox.put(message)
    inbox.put(None)


def run_baseline(evaluation: Evaluation, name: str, *, progress: Progress | None = None, cancel: Cancel | None = None,
                 **options: Any) -> RunResult:
    """:meth:`Evaluation.baseline` with the fitting and ranking done in a child process."""
    if name not in BASELINES:
        raise InvalidInputError(f"unknown baseline {name!r}; baselines: {', '.join(BASELINES)}")
    label, users = BASELINES[name].name, list(evaluation.users)
    rows = [(r.user, r.item, r.value) for r in evaluation.split.training_rows()]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-m", "core.eval.isolated"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=errors, cwd=ROOT, env=env)
        inbox: queue.Queue = queue.Queue()
        threading.Thread(target=_pump, args=(child.stdout, inbox), name=f"baseline-{name}", daemon=True).start()
        try:
            _write(child.stdin, (name, rows, list(evaluation.catalog), users, evaluation.k, options))
            child.stdin.close()
            lists, params = _receive(child, inbox, label, len(users), errors, progress, cancel)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(10)
    if progress is not None:
        progress(len(users), len(users))
    return evaluation.scored(label, {"baseline": name, **params, **options}, lists, time.perf_counter() - start)


def _receive(child: subprocess.Popen, inbox: queue.Queue, label: str, total: int, errors: BinaryIO,
             progress: Progress | None, cancel: Cancel | None) -> tuple[dict, dict]:
    done = 0
    while True:
        if cancel is not None and cancel():
            raise CancelledError(f"evaluation of {label} cancelled after {done} of {total} users")
        try:
            message = inbox.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if message is None:
            child.wait(10)
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip().splitlines()[-1:]
            raise PersonalizationError(f"the process fitting the {label} baseline ended without a result (exit code "
                                       f"{child.returncode}{': ' + tail[0] if tail else '; out of memory?'})")
        if message[0] == "progress":
            done = message[1]
            if progress is not None:
                progress(done, total)
        elif message[0] == "error":
            raise PersonalizationError(message[1])
        else:
            return message[1], message[2]


if __name__ == "__main__":
    os.nice(NICENESS)  # batch work: the server's sessions come first when the cores are busy
    serve(sys.stdin.buffer, sys.stdout.buffer)
