"""What the books community's background training costs the lab's other requests.

    python -m benchmarks.bench_background_training [--modes default one-thread one-thread-niced] [--pause 0.05]

For each mode, in a fresh interpreter (the BLAS libraries' settings and the community model are
per process): a :class:`core.SampleLibrary` built with that mode, the movies community loaded (its
model trains at once), a workspace with a persona of 20 movie likes; ``get_objects`` for it
(limit 10, vector-only: the blend) timed back to back with ``--pause`` seconds between calls, first
with nothing else running, then while the books community's model (1,536 dims) trains in the
library's background thread. Modes: ``default`` (the BLAS libraries' own threads, one per core),
``one-thread`` (the training under :func:`core.learn.blas.one_blas_thread`), ``one-thread-niced``
(that, and the training thread at nice 10). Prints one JSON line per mode: p50/p95/max in ms, the
number of requests, the training's own seconds (``meta["seconds"]``), the BLAS thread counts seen
during training, and the load average. ``--alone``: the training with no requests meanwhile.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

MODES = {"default": dict(background_blas_threads=None), "one-thread": dict(background_blas_threads=1),
         "one-thread-niced": dict(background_blas_threads=1, background_niceness=10)}

PROBE = """
import json, os, sys, time
import numpy as np
from core import BEHAVIOUR, EmbeddedStore, OverlayStore, PersonaInteraction, PersonalizationAgent, SampleLibrary
from core.learn.blas import blas_threads
options, pause, alone = json.loads(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "alone"
library = SampleLibrary(**options)
library.community_for("Movies")
workspace = OverlayStore(EmbeddedStore(":memory:"), library)
workspace.attach("Movies", community=True)
agent = PersonalizationAgent.create(workspace, "Movies")
likes = [item.uuid for item in library.store.iter_items("Movies", limit=20)]
agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=u, weight=1.0) for u in likes],
                       create_persona_if_not_exists=True)

def request():
    t = time.perf_counter()
    agent.get_objects("bench", limit=10, use_agent_ranking=False)
    return 1000 * (time.perf_counter() - t)

def summary(ms):
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "max_ms": round(max(ms), 1), "requests": len(ms)}

for _ in range(5):
    request()
idle = []
for _ in range(100):
    idle.append(request()); time.sleep(pause)
library.community_for("Books")   # installs the community here, then trains its model in a background thread
thread, during, seen, started = library.training("Books"), [], set(), time.perf_counter()
while thread.is_alive() and not alone:
    during.append(request())
    seen.add(json.dumps(blas_threads(), sort_keys=True))
    time.sleep(pause)
thread.join()
wall = time.perf_counter() - started
learned = library.store.get_learned("Books", BEHAVIOUR)
print(json.dumps({"options": options, "idle": summary(idle), "during_training": summary(during) if during else None,
                  "training_s": learned.meta["seconds"] if learned else None, "training_wall_s": round(wall, 1),
                  "blas_threads_during": sorted(seen), "blas_threads_after": blas_threads(),
                  "load_average": os.getloadavg()}))
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="*", choices=sorted(MODES), default=list(MODES))
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between two requests")
    parser.add_argument("--alone", action="store_true", help="time the training with no requests meanwhile")
    args = parser.parse_args(argv)
    for mode in args.modes:
        out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(MODES[mode]), str(args.pause),
                              "alone" if args.alone else "requests"],
                             capture_output=True, text=True, check=True)
        print(json.dumps({"mode": mode, **json.loads(out.stdout.strip().splitlines()[-1])}), flush=True)


if __name__ == "__main__":
    main()
