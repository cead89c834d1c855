"""Does an evaluation running in the background freeze the lab's other sessions?

    python -m benchmarks.bench_eval_page [--runs 20] [--users 0]

In one process, as in one Streamlit server: session A opens Evaluate on the movies sample (its
ratings log, temporal split, ``--users`` test users, 0 = all; centroid and knn, most popular and
EASE) and clicks Run; while A's job runs in its background thread, session B reruns Recommend
after a slider move (``benchmarks.bench_lab.RecommendSession``, vector-only and with the local
agent, alternately). Printed: B's rerun times with no job running and while the job runs (split
by the job's phase), A's own rerun while it polls, and the job's wall time alone and while B
keeps rerunning.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def evaluate_session(users: int):
    """Session A on Evaluate, movies, its settings made; the AppTest and the Run button's key."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["lab.collection"] = "Movies"
    at.run()
    at.switch_page("pages/7_evaluate.py").run()
    at.number_input(key="lab.eval.users").set_value(users)
    at.multiselect(key="lab.eval.strategies").set_value(["centroid", "knn"])
    at.multiselect(key="lab.eval.baselines").set_value(["most_popular", "ease"]).run()
    assert not at.exception, at.exception
    return at


def start(at) -> object:
    from lab.resources import eval_jobs
    next(b for b in at.button if b.label == "Run the evaluation").click().run()
    job = eval_jobs().get((at.session_state["lab.ws"], "Movies"))
    assert job is not None, [e.value for e in at.error]
    return job


def percentiles(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    return f"p50 {statistics.median(ms):.0f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms, max {ms[-1]:.0f} ms " \
           f"({len(ms)} reruns)"


def main() -> None:
    os.environ["PERSONALIZATION_LAB_DATA"] = tempfile.mkdtemp(prefix="bench-eval-")  # never the user's workspaces
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="B's reruns with no job running, per mode")
    parser.add_argument("--users", type=int, default=0, help="test users of A's evaluation (0: all)")
    args = parser.parse_args()
    from benchmarks.bench_lab import RecommendSession

    b = {False: RecommendSession(False), True: RecommendSession(True)}
    idle = {mode: [session.rerun() for _ in range(args.runs)] for mode, session in b.items()}
    a = evaluate_session(args.users)

    job = start(a)
    busy: dict[tuple[bool, str], list[float]] = defaultdict(list)
    polls = []
    n = 0
    while job.status().running:
        phase = "preparing" if job.status().step is None else "ranking"
        mode = n % 2 == 1
        busy[(mode, phase)].append(b[mode].rerun())
        if n % 5 == 0:
            t = time.perf_counter()
            a.run()
            polls.append(time.perf_counter() - t)
        n += 1
    shared = job.status()
    a.run()
    alone = start(a).wait()
    assert shared.state == alone.state == "done", (shared.error, alone.error)

    print("| measurement | value |\n|---|---|")
    for mode in (False, True):
        label = "local agent on" if mode else "vector-only"
        print(f"| session B: Recommend rerun, {label}, no evaluation running | {percentiles(idle[mode])} |")
        for phase in ("preparing", "ranking"):
            if busy[(mode, phase)]:
                print(f"| session B: Recommend rerun, {label}, while A's evaluation is {phase} | "
                      f"{percentiles(busy[(mode, phase)])} |")
    if polls:
        print(f"| session A: Evaluate rerun while its job runs | {percentiles(polls)} |")
    users = len(job.evaluation.users)
    what = f"movies log, {users} test users, 2 configurations + 2 baselines"
    print(f"| A's job ({what}), alone | {alone.elapsed:.1f} s |")
    print(f"| the same job while session B reruns without pause | {shared.elapsed:.1f} s |")


if __name__ == "__main__":
    main()
