"""How quickly the lab answers: first page, and a Recommend rerun when a slider moves.

    python -m benchmarks.bench_lab [--runs 20]

1. Start-up: a fresh Python process runs the lab's first page (``app.py``, the Start page) with
   Streamlit's AppTest (the server-side script run a browser waits for, MovieLens sample loaded
   into a new workspace) and reports the seconds and whether torch was imported (it must not be).
2. Recommend at ~10k items (movies, 9,742): with a demo-style persona, p50/p95 of the server-side
   rerun after the limit slider moves, vector-only (agent ranking off) and with the local agent.
3. Explore (movies), in a fresh process per view (whole catalog, the persona's neighbourhood):
   the first visit of a new workspace, a second visit of the same workspace, and the first visit
   of another new workspace holding the same sample (the catalog's 2-D projection is computed once
   per catalog, not per workspace).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

FIRST_PAGE = f"""
import json, sys, time
t = time.perf_counter()
from streamlit.testing.v1 import AppTest
imported = time.perf_counter()
at = AppTest.from_file({APP!r}, default_timeout=60).run()
done = time.perf_counter()
print(json.dumps({{"seconds": done - t, "script": done - imported, "torch": "torch" in sys.modules,
                   "error": bool(at.exception)}}))
"""


def first_page() -> dict:
    out = subprocess.run([sys.executable, "-c", FIRST_PAGE], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


class RecommendSession:
    """One lab session on Recommend (movies, a demo-style persona in a new shared workspace), whose
    :meth:`rerun` moves the limit slider and times the server-side rerun."""

    def __init__(self, agent_ranking: bool) -> None:
        from streamlit.testing.v1 import AppTest

        from core import Persona, PersonaInteraction, WorkspaceRef
        from lab.resources import workspaces

        shared = f"bench-{time.time_ns()}"
        ws = workspaces().open(WorkspaceRef.shared(shared), create=True)
        agent = ws.agent("Movies")
        agent.add_persona(Persona(persona_id="bench", properties={"name": "Bench"}))
        agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=m, weight=w) for m, w in
                                ((260, 1.0), (1196, 1.0), (2571, 1.0), (1214, 0.8), (541, 0.8), (2424, -1.0))])
        self.at = at = AppTest.from_file(APP, default_timeout=120)
        at.session_state["lab.ws"] = WorkspaceRef.shared(shared).key
        at.session_state["lab.persona"] = "Bench"
        at.run()
        at.switch_page("pages/3_recommend.py").run()
        toggle = next(t for t in at.toggle if "agent" in t.label.lower())
        toggle.set_value(agent_ranking).run()
        self.slider = next(s for s in at.slider if s.label == "limit")
        self.n = 0

    def rerun(self) -> float:
        """Seconds of one rerun after the limit slider moved."""
        self.n += 1
        self.slider.set_value(10 + self.n % 5)
        t = time.perf_counter()
        self.at.run()
        seconds = time.perf_counter() - t
        assert not self.at.exception, self.at.exception
        return seconds


def recommend_reruns(runs: int, agent_ranking: bool) -> list[float]:
    session = RecommendSession(agent_ranking)
    return [session.rerun() for _ in range(runs)]


EXPLORE = f"""
import json, sys, time
from streamlit.testing.v1 import AppTest
from core import Persona, PersonaInteraction, WorkspaceRef
from lab.resources import workspaces

VIEW = sys.argv[1]

def visit(shared):
    at = AppTest.from_file({APP!r}, default_timeout=120)
    at.session_state["lab.ws"] = WorkspaceRef.shared(shared).key
    at.session_state["lab.persona"] = "Bench"
    at.session_state["lab.explore.view"] = VIEW  # ignored by a lab without the view switch
    at.run()
    t = time.perf_counter()
    at.switch_page("pages/5_explore.py").run()
    assert not at.exception, at.exception
    return time.perf_counter() - t

seconds = {{}}
for n, shared in enumerate(("bench-a", "bench-b")):
    agent = workspaces().open(WorkspaceRef.shared(shared), create=True).agent("Movies")
    agent.add_persona(Persona(persona_id="bench", properties={{"name": "Bench"}}))
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=m, weight=w) for m, w in
                            ((260, 1.0), (1196, 1.0), (2571, 1.0), (1214, 0.8), (541, 0.8), (2424, -1.0))])
    seconds["first" if n == 0 else "other workspace"] = visit(shared)
    if n == 0:
        seconds["second"] = visit(shared)
print(json.dumps(seconds))
"""
EXPLORE_VIEWS = ("Whole catalog", "Persona's neighbourhood")


def explore_visits(view: str) -> dict:
    """Seconds of the Explore page's first visit, a second visit and another workspace's first visit,
    in a fresh process, showing ``view``."""
    out = subprocess.run([sys.executable, "-c", EXPLORE, view], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    os.environ["PERSONALIZATION_LAB_DATA"] = tempfile.mkdtemp(prefix="bench-lab-")  # never the user's workspaces
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("first-page", "recommend", "explore"), help="run one measurement")
    args = parser.parse_args()
    print("| measurement | value |\n|---|---|")
    if args.only in (None, "first-page"):
        first = [first_page() for _ in range(3)]
        seconds = ", ".join(f"{r['seconds']:.2f} s (script run {r['script']:.2f} s)" for r in first)
        print(f"| first page, fresh process (3 runs) | {seconds}; "
              f"torch imported: {any(r['torch'] for r in first)}; errors: {any(r['error'] for r in first)} |")
    if args.only in (None, "recommend"):
        for ranking in (False, True):
            ms = sorted(t * 1000 for t in recommend_reruns(args.runs, ranking))
            p50, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
            label = "local agent on" if ranking else "vector-only (agent off)"
            print(f"| Recommend rerun after a slider move, 9,742 items, {label} | p50 {p50:.0f} ms, p95 {p95:.0f} ms |")
    if args.only in (None, "explore"):
        for view in EXPLORE_VIEWS:
            visits = [explore_visits(view) for _ in range(2)]
            for what in ("first", "second", "other workspace"):
                print(f"| Explore, {view.lower()} (movies, a persona with 6 interactions), {what} visit, fresh "
                      "process (2 runs) | " + ", ".join(f"{v[what]:.2f} s" for v in visits) + " |")


if __name__ == "__main__":
    main()
