"""Workspaces for a room: memory per workspace, 30 at once, first page and Explore visits.

    python -m benchmarks.bench_workspaces [--sessions 30] [--reruns 5] [--skip-browser]

1. Memory per additional private workspace on the movies sample (9,742 items), each with a demo
   persona and one recommendation served: the resident set (RSS) growth per workspace, in a fresh
   process, for today's design (samples shared read-only, one small file per workspace) and for
   the former one (every workspace an in-memory store with its own copy of the sample).
2. ``--sessions`` lab sessions (AppTest) at once, each in its own private workspace with a demo
   persona on Recommend: total RSS of the process, and the p50 of a Recommend rerun after the limit
   slider moves (per session; the median and the worst session are printed).
3. Explore: the server-side run of the Explore page in a first session, then in a second session of
   another workspace (the 2-D map is computed once per catalog per process).
4. First page on a fresh server: ``streamlit run app.py`` started, Chromium (Debian's, through
   playwright) opens ``/`` and waits for the Start page's heading; seconds from the start of the
   server process.

Every workspace lives in a temporary data directory, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

MEMORY = """
import gc, json, sys, tempfile
from datetime import datetime, timezone
sys.path.insert(0, {root!r})
from core import (EmbeddedStore, Persona, PersonaInteraction, PersonalizationAgent, SampleLibrary, Workspaces,
                  install_sample_agent, to_uuid)

def rss():
    gc.collect()
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

def use(agent):
    pid = to_uuid("bench")
    agent.add_persona(Persona(persona_id=pid, properties={{"name": "Bench"}}))
    now = datetime.now(timezone.utc)
    agent.add_interactions([PersonaInteraction(persona_id=pid, item_id=m, weight=1.0, created_at=now)
                            for m in (260, 1196, 2571, 1214, 541)])
    agent.get_objects(pid, limit=10, use_agent_ranking=True)

mode, count = {mode!r}, {count}
kept = []
if mode == "shared":
    spaces = Workspaces(tempfile.mkdtemp(), SampleLibrary())
    new = lambda: spaces.create_private().agent("Movies")
else:
    new = lambda: install_sample_agent(EmbeddedStore(":memory:"), "movies")
first = new(); use(first); kept.append(first)
base = rss()
for _ in range(count):
    agent = new(); use(agent); kept.append(agent)
print(json.dumps({{"base_mb": base, "per_workspace_mb": (rss() - base) / count}}))
"""


def memory(mode: str, count: int = 30) -> dict:
    out = subprocess.run([sys.executable, "-c", MEMORY.format(root=str(ROOT), mode=mode, count=count)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def room(sessions: int, reruns: int) -> tuple[float, list[float]]:
    from streamlit.testing.v1 import AppTest

    tests = []
    for _ in range(sessions):
        at = AppTest.from_file(APP, default_timeout=120)
        at.switch_page("pages/3_recommend.py").run()
        next(b for b in at.button if b.label.startswith("Add the demo persona")).click().run()
        assert not at.exception, at.exception
        tests.append(at)
    total = rss_mb()
    p50s = []
    for at in tests:
        slider = next(s for s in at.slider if s.label == "limit")
        times = []
        for n in range(reruns):
            slider.set_value(10 + (n + 1) % 5)
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
        p50s.append(statistics.median(times) * 1000)
    return total, p50s


def explore_visits() -> list[float]:
    from streamlit.testing.v1 import AppTest

    seconds = []
    for _ in range(2):
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        t = time.perf_counter()
        at.switch_page("pages/5_explore.py").run()
        seconds.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return seconds


def first_page_on_a_fresh_server(data_dir: str) -> float:
    import socket
    import urllib.request

    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PERSONALIZATION_LAB_DATA": data_dir}
    env.pop("OPENAI_API_KEY", None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            expect(page.get_by_role("heading", name="Personalization Lab").first).to_be_visible(timeout=120_000)
            seconds = time.perf_counter() - start
            browser.close()
        return seconds
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="bench-workspaces-")
    os.environ["PERSONALIZATION_LAB_DATA"] = data
    os.environ.pop("OPENAI_API_KEY", None)
    try:
        print("| measurement | value |\n|---|---|")
        for mode, label in (("shared", "samples shared, one file per workspace (now)"),
                            ("copy", "a copy of the sample per workspace (before)")):
            m = memory(mode)
            print(f"| memory per additional workspace, movies, {label} | {m['per_workspace_mb']:.2f} MB "
                  f"(first workspace: process at {m['base_mb']:.0f} MB) |")
        total, p50s = room(args.sessions, args.reruns)
        print(f"| {args.sessions} lab sessions at once, each its own workspace on Recommend | process RSS "
              f"{total:.0f} MB; rerun p50 per session: median {statistics.median(p50s):.0f} ms, "
              f"worst {max(p50s):.0f} ms |")
        first, second = explore_visits()
        print(f"| Explore page, server-side run | first visit {first:.2f} s, second visit (another workspace) "
              f"{second:.2f} s |")
        if not args.skip_browser:
            print(f"| first page on a fresh server (start to Start page heading in Chromium) | "
                  f"{first_page_on_a_fresh_server(tempfile.mkdtemp(dir=data)):.1f} s |")
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
