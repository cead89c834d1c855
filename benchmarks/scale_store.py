"""Reopen, memory, disk and single writes of a cached catalog, for ``benchmarks.bench_scale``.

- **Reopen**: a fresh ``python`` process imports ``core``, opens the store file and asks
  ``get_objects`` once (vector-only, the agent's default strategy); it reports the seconds from
  opening to that first answer, a second (warm) answer, and its ``VmRSS`` / ``VmHWM`` from
  ``/proc/self/status`` after them. The file is in the page cache (a cold disk is slower).
- **Disk**: the SQLite file plus every sibling file or folder it has (``<db>*``).
- **Single writes** on a copy of the cached store (so the cache stays as built): one ``add_items`` of
  1 item and one ``add_interactions`` of 1 row (a new persona's like), each followed by the next
  ``get_objects``, against steady ``get_objects`` timed between the writes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.scale_catalog import BENCH_PERSONA, COLLECTION, DIMS, NOW, Catalog, item
from core import EmbeddedStore, PersonaInteraction, PersonalizationAgent, generate_uuid5

ROOT = Path(__file__).resolve().parent.parent

_REOPEN = """
import json, sys, time
t0 = time.perf_counter()
from datetime import datetime, timezone
from core import EmbeddedStore, PersonalizationAgent
t1 = time.perf_counter()
store = EmbeddedStore(sys.argv[1])
agent = PersonalizationAgent(store=store, reference_collection=sys.argv[2])
now = datetime.fromisoformat(sys.argv[4])
first = agent.get_objects(sys.argv[3], limit=10, use_agent_ranking=False, now=now)
t2 = time.perf_counter()
agent.get_objects(sys.argv[3], limit=10, use_agent_ranking=False, now=now)
t3 = time.perf_counter()
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
kb = lambda key: int(status[key].split()[0])
strategy = next(s.details.get("strategy") for s in first.trace if s.name == "vector_search")
print(json.dumps({"import_s": t1 - t0, "first_s": t2 - t1, "warm_s": t3 - t2, "rss_kb": kb("VmRSS"),
                  "hwm_kb": kb("VmHWM"), "strategy": strategy, "returned": len(first.objects)}))
"""


def reopen(catalog: Catalog, repeats: int = 3) -> dict:
    """Median (and first) of ``repeats`` fresh-process reopens (module docstring)."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", _REOPEN, str(catalog.path), COLLECTION, BENCH_PERSONA,
                              NOW.isoformat()], cwd=ROOT, capture_output=True, text=True, check=False)
        if out.returncode:
            raise RuntimeError(f"the reopen process failed: {out.stderr.strip()[-2000:]}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {key: statistics.median(r[key] for r in runs)
           for key in ("import_s", "first_s", "warm_s", "rss_kb", "hwm_kb")}
    return {**med, "first_run_s": runs[0]["first_s"], "strategy": runs[0]["strategy"], "repeats": repeats,
            "returned": runs[0]["returned"]}


def disk_bytes(db: Path) -> tuple[int, list[str]]:
    """Bytes of ``db`` and its siblings ``<db>*`` (folders counted recursively), and their names."""
    total, names = 0, []
    for entry in sorted(db.parent.glob(db.name + "*")):
        names.append(entry.name)
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        total += sum(p.stat().st_size for p in files)
    return total, names


def copy_store(db: Path, folder: Path) -> Path:
    """A copy of ``db`` and its siblings in ``folder`` (the store must not be open for writing)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for entry in db.parent.glob(db.name + "*"):
        if entry.name.endswith("-shm"):  # shared-memory index of the WAL: rebuilt by the copy's first opener
            continue
        (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, folder / entry.name)
    return folder / db.name


def _ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def single_writes(catalog: Catalog, scratch: Path, repeats: int = 5, steady_runs: int = 10) -> list[dict]:
    """Per strategy: the median single-write times and next/steady ``get_objects`` (module docstring)."""
    db = copy_store(catalog.path, scratch / "writes")
    try:
        store = EmbeddedStore(db)
        agent = PersonalizationAgent(store=store, reference_collection=COLLECTION)
        rows = [_write_round(store, agent, catalog, strategy, repeats, steady_runs)
                for strategy in ("centroid", "blend")]
        store.close()
        return rows
    finally:
        shutil.rmtree(scratch / "writes", ignore_errors=True)


def _write_round(store, agent, catalog: Catalog, strategy: str, repeats: int, steady_runs: int) -> dict:
    def ask() -> float:
        t = time.perf_counter()
        agent.get_objects(BENCH_PERSONA, limit=10, use_agent_ranking=False, now=NOW, strategy=strategy)
        return time.perf_counter() - t

    ask()
    times: dict[str, list[float]] = {"steady": [], "add_items": [], "after_items": [], "add_interactions": [],
                                     "after_interactions": []}
    rng = np.random.default_rng([catalog.seed, 13, len(strategy)])
    base = catalog.n + (0 if strategy == "centroid" else repeats)  # new items' numbers, distinct per round
    for k in range(repeats):
        times["steady"] += [ask() for _ in range(steady_runs)]
        v = rng.normal(size=(1, DIMS)).astype(np.float32)
        t = time.perf_counter()
        store.add_items(COLLECTION, [item(base + k)], v / np.linalg.norm(v))
        times["add_items"].append(time.perf_counter() - t)
        times["after_items"].append(ask())
        times["steady"] += [ask() for _ in range(steady_runs)]
        row = PersonaInteraction(persona_id=f"writer-{strategy}-{k}", weight=1.0, created_at=NOW,
                                 item_id=generate_uuid5(int(rng.integers(catalog.n))))
        t = time.perf_counter()
        agent.add_interactions([row], now=NOW)
        times["add_interactions"].append(time.perf_counter() - t)
        times["after_interactions"].append(ask())
    out = {key: _ms(value) for key, value in times.items()}
    out.update(strategy=strategy, repeats=repeats)
    return out


def peak_rss_mb() -> float:
    """This process's peak resident set (``VmHWM``) in MiB."""
    with open(f"/proc/{os.getpid()}/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
