"""Crash injection: ``kill -9`` a process while it writes, then check the store file it leaves.

    python scripts/crash_injection.py [--trials 8] [--seed 0] [--json]

Each trial starts a child process (this script with ``--child``) on a store file that already holds
collection ``Main`` (generation 0 of a catalog, with its agent and 100 personas), kills it with
SIGKILL and checks the file. **Random kills** (``--trials`` per workload, at a random moment of its
first 2 s of work), the child printing ``ack <k>`` after each write returned:

- ``interactions``: batches of 2,000 interactions, one ``add_interactions`` call each (batch ``k`` at
  time ``k`` s);
- ``import``: new catalogs ``C<k>`` with their agents (``import_catalog_agent``, 300-900 items);
- ``replace``: ``Main`` replaced by generation ``k`` through the CLI (``import FILE --replace``).

**Targeted kills** pause the child at a phase of a replace (CLI) and of a new import, through
hooks the child puts around the store's methods, and kill it there: ``staged`` (the hidden
collection created), ``filled`` (its items stored), ``agent`` (its agent attached), ``publishing``
(inside the publishing transaction: renamed and, for a replace, the old one deleted, not committed)
and ``published`` (committed, not yet acknowledged).

Checks after each kill: ``PRAGMA integrity_check`` is ok; no acknowledged write is lost; no batch is
partial (a batch's interactions all there or none; a visible catalog complete with its agent;
``Main`` exactly one whole generation, the acknowledged one or the next); no staged collection is
left once the file is reopened; and the reopened index equals SQLite (ids, properties and vectors
of every collection as in its ``items`` rows, one FTS row per item).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: ``core`` is the repository's
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
BATCH = 2000
PERSONAS = 100
WORKLOADS = ("interactions", "import", "replace")
PHASES = ("staged", "filled", "agent", "publishing", "published")


def catalog_rows(tag: str, k: int) -> list[dict]:
    """Catalog ``k`` of ``tag``: 300-900 rows with unit 8-d vectors, the same in every process."""
    rng = np.random.default_rng(k * 7919 + len(tag))
    vectors = rng.normal(size=(300 + k * 53 % 600, 8))
    return [{"id": f"{tag}{k}-{n}", "title": f"{tag} {k} item {n}", "gen": k, "vector": v.round(6).tolist()}
            for n, v in enumerate(vectors)]


def _write_catalog(folder: Path, tag: str, k: int) -> Path:
    path = folder / f"{tag}{k}.json"
    path.write_text(json.dumps(catalog_rows(tag, k)), encoding="utf-8")
    return path


def _import_args(db: str, path: Path, collection: str, *, replace: bool) -> list[str]:
    return ["--db", db, "import", str(path), "-c", collection, "--id-column", "id", "--text-columns", "title",
            "--vector-column", "vector", *(["--replace"] if replace else [])]


# -- the child ---------------------------------------------------------------------------------

def _pause_at(phase: str | None) -> None:
    """Make the store stop for good (until killed) at ``phase`` of a staged build (see the module)."""
    from core.store.embedded.store import EmbeddedStore
    if phase is None:
        return
    state = {"publishing": False}

    def stop_here(name: str) -> None:
        if name == phase:
            print(f"at {phase}", flush=True)
            time.sleep(3600)

    def after(method: str, name: str, when=lambda self, *a, **k: True) -> None:
        original = getattr(EmbeddedStore, method)

        def hooked(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            if when(self, *args, **kwargs):
                stop_here(name)
            return result
        setattr(EmbeddedStore, method, hooked)

    staged = lambda self, collection, *a, **k: "_staged_" in collection  # noqa: E731
    after("stage_collection", "staged")
    after("add_items", "filled", staged)
    after("set_agent_config", "agent", staged)
    after("_changed", "publishing", lambda self, *a: state["publishing"])
    original = EmbeddedStore.publish_collection

    def publish(self, *args, **kwargs):
        state["publishing"] = True
        original(self, *args, **kwargs)
        state["publishing"] = False
        stop_here("published")
    EmbeddedStore.publish_collection = publish


def _child(db: str, workload: str, phase: str | None) -> None:
    from core import EmbeddedStore, import_catalog_agent, read_catalog, to_uuid
    from core.cli import main as cli
    from core.store.base import StoredInteraction
    _pause_at(phase)
    folder = Path(tempfile.mkdtemp(prefix="child-", dir=Path(db).parent))  # the parent's folder: gone with it
    store = EmbeddedStore(db)
    people, ids = [to_uuid(f"persona {p}") for p in range(PERSONAS)], [i.uuid for i in store.iter_items("Main")]
    print("ready", flush=True)
    for k in range(1, 10_000) if phase is None else [1]:
        if workload == "interactions":
            store.add_interactions("Main", [StoredInteraction(people[j % PERSONAS], ids[(k * 7 + j) % len(ids)],
                                                              round((j % 21) / 10 - 1, 1), EPOCH + timedelta(seconds=k))
                                            for j in range(BATCH)])
        elif workload == "import":
            parsed = read_catalog(_write_catalog(folder, "C", k), id_column="id", text_columns=["title"],
                                  vector_column="vector")
            import_catalog_agent(store, f"C{k}", parsed)
        elif cli(_import_args(db, _write_catalog(folder, "Main", k), "Main", replace=True)) != 0:
            raise SystemExit("the CLI import failed")
        print(f"ack {k}", flush=True)


# -- the parent --------------------------------------------------------------------------------

def setup(db: Path) -> None:
    """``Main``: generation 0 with its agent, and the 100 personas the interaction batches use."""
    from core import EmbeddedStore, Persona, PersonalizationAgent, to_uuid
    from core.cli import main as cli
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli(_import_args(str(db), _write_catalog(db.parent, "Main", 0), "Main", replace=False)) == 0
    store = EmbeddedStore(db)
    agent = PersonalizationAgent(store, "Main")
    for p in range(PERSONAS):
        agent.add_persona(Persona(persona_id=to_uuid(f"persona {p}"), properties={}))
    store.close()


def trial(db: Path, workload: str, *, delay: float | None = None, phase: str | None = None) -> dict:
    """One child killed after ``delay`` seconds of work, or at ``phase``; what it acknowledged, and the checks."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", workload, "--db", str(db)]
    errors = db.parent / "child.err"  # a file, not a pipe nobody reads: the CLI's progress output goes there
    with errors.open("w") as err:
        child = subprocess.Popen(command + (["--phase", phase] if phase else []), cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=err, text=True)
    lines = [child.stdout.readline().strip()]
    if lines[0] != "ready":
        raise RuntimeError(f"the child did not start: {lines[0]!r} {errors.read_text()[-2000:]}")
    if phase is None:
        time.sleep(delay)
    else:
        while lines[-1] != f"at {phase}":  # the CLI's own output may come first
            if not (line := child.stdout.readline()):
                raise RuntimeError(f"the child never reached {phase}: {lines} {errors.read_text()[-2000:]}")
            lines.append(line.strip())
    alive = child.poll() is None
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    lines += child.stdout.read().splitlines()
    acked = [int(line.split()[1]) for line in lines if line.startswith("ack ")]
    problems = check(db, workload, max(acked, default=0), phase)
    return {"workload": workload, "phase": phase, "delay": delay, "acked": len(acked), "killed_running": alive,
            "problems": problems}


def check(db: Path, workload: str, acked: int, phase: str | None = None) -> list[str]:
    """Everything wrong with the file after a kill (empty: nothing); after a kill at ``phase``, the new
    catalog (``C1``, or generation 1 of ``Main``) must be there exactly when the kill came after the commit."""
    from core import EmbeddedStore
    with sqlite3.connect(db) as raw:
        problems = [] if raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok" else ["integrity_check failed"]
    store = EmbeddedStore(db)  # a fresh process's view: drops what a killed child left staged
    try:
        with sqlite3.connect(db) as raw:
            problems += _file_problems(store, raw, workload, acked)
        return problems + _catalog_problems(store, workload, acked, phase)
    finally:
        store.close()


def _file_problems(store, raw: sqlite3.Connection, workload: str, acked: int) -> list[str]:
    """Staged leftovers, an index unlike SQLite, partial or lost interaction batches."""
    problems = ["a staged collection survived the reopening"] if raw.execute(
        "SELECT COUNT(*) FROM collections WHERE staging IS NOT NULL").fetchone()[0] else []
    for name in store.list_collections():
        problems += _index_matches(store, raw, name)
    if workload == "interactions":
        start = int(EPOCH.timestamp())
        counts = dict(raw.execute("SELECT CAST(created_at AS INTEGER), COUNT(*) FROM interactions GROUP BY 1"))
        problems += [f"batch {k - start} holds {n} rows" for k, n in counts.items() if n != BATCH]
        problems += [f"acknowledged batch {k} lost" for k in range(1, acked + 1) if start + k not in counts]
    return problems


def _catalog_problems(store, workload: str, acked: int, phase: str | None) -> list[str]:
    """Catalogs not whole or without their agent, lost, or of the wrong generation."""
    problems, collections = [], store.list_collections()
    for name in collections:
        stored = store.iter_items(name)
        tag, k = ("Main", stored[0].properties["gen"] if stored else 0) if name == "Main" else ("C", int(name[1:]))
        if [i.properties["original_id"] for i in stored] != [r["id"] for r in catalog_rows(tag, k)]:
            problems.append(f"{name} holds {len(stored)} items, not catalog {tag}{k} whole")
        if not store.has_agent(name):
            problems.append(f"{name} has no agent")
    main = store.iter_items("Main", limit=1) if "Main" in collections else []
    gen = main[0].properties["gen"] if main else None
    if workload == "import":
        made = [int(c[1:]) for c in collections if c[0] == "C"]
        problems += [f"acknowledged C{k} lost" for k in range(1, acked + 1) if k not in made]
        problems += [f"C{k} appeared, {acked} was the last acknowledged" for k in made if k > acked + 1]
    if gen is None:
        problems.append("Main is lost")
    elif workload == "replace" and gen not in (acked, acked + 1):
        problems.append(f"Main holds generation {gen}; {acked} was the last acknowledged")
    if phase is not None and ("C1" in collections or gen == 1) != (phase == "published"):
        problems.append(f"killed at {phase}, the new catalog is {'missing' if phase == 'published' else 'there'}")
    return problems


def _index_matches(store, raw: sqlite3.Connection, name: str) -> list[str]:
    cid = raw.execute("SELECT id FROM collections WHERE name=?", (name,)).fetchone()[0]
    rows = raw.execute("SELECT uuid, properties, vector FROM items WHERE cid=? ORDER BY row", (cid,)).fetchall()
    items = store.iter_items(name)
    same = [str(i.uuid) for i in items] == [r[0] for r in rows] and \
        [i.properties for i in items] == [json.loads(r[1]) for r in rows] and (not rows or np.array_equal(
            store.get_vectors(name, [i.uuid for i in items]),
            np.frombuffer(b"".join(r[2] for r in rows), np.float32).reshape(len(rows), -1)))
    fts = raw.execute(f"SELECT COUNT(*) FROM fts_{cid}").fetchone()[0]
    return [] if same and fts == len(rows) else [f"{name}: the index differs from SQLite ({len(items)} vs "
                                                 f"{len(rows)} rows, {fts} FTS rows)"]


def run(trials: int = 8, seed: int = 0) -> dict:
    """Every random and targeted trial, each on a fresh file; the summary and every trial's record."""
    rng = random.Random(seed)
    plan = [(w, rng.uniform(0.05, 2.0), None) for w in WORKLOADS for _ in range(trials)]
    plan += [(w, None, p) for w in ("replace", "import") for p in PHASES]
    records = []
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        for n, (workload, delay, phase) in enumerate(plan):
            db = Path(tmp) / f"trial{n}" / "store.db"
            db.parent.mkdir()
            setup(db)
            records.append(trial(db, workload, delay=delay, phase=phase))
    random_ = [r for r in records if r["phase"] is None]
    return {"random_trials": len(random_), "targeted_trials": len(records) - len(random_),
            "acknowledged_writes": sum(r["acked"] for r in records),
            "killed_while_running": sum(r["killed_running"] for r in records),
            "trials_with_problems": sum(bool(r["problems"]) for r in records),
            "problems": [p for r in records for p in r["problems"]], "trials": records}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=8, help="random kills per workload")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the whole report, every trial, as one JSON line")
    parser.add_argument("--child", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.db, args.child, args.phase)
        return
    report = run(args.trials, args.seed)
    if args.json:
        print(json.dumps(report))
        return
    print(json.dumps({k: v for k, v in report.items() if k != "trials"}, indent=2))
    for r in report["trials"]:
        when = r["phase"] or f"after {r['delay']:.2f} s"
        print(f"{r['workload']:<12} {when:<16} acked {r['acked']:>3}  {r['problems'] or 'ok'}")

if __name__ == "__main__":
    main()
