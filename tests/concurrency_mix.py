"""The concurrency runs of ``tests/test_store_concurrency.py``: many threads on one store, several processes
on one file. Also a command, for longer runs and their figures (JSON):

    python -m tests.concurrency_mix [--threads 30] [--seconds 60] [--processes 4] [--process-seconds 10]

1. **Threads** (:func:`thread_mix`): ``--threads`` threads share one store file, as the lab's server
   does, holding the workshop catalog and its agent, for ``--seconds``. Half of them read —
   ``get_objects`` (with and without the local agent) for personas nobody changes, and
   ``near_vectors`` — a quarter write interactions for their own persona, the rest append items.
   A result is *wrong* when a recommendation list is longer than its limit, repeats or invents an
   item (not in the store), shows an item its persona liked (they are excluded) or has ranks other
   than 1..n; when a search does not return its limit of hits (the store has more items), in
   descending score order, without repeats; when a writer does not see its own interaction as its
   persona's latest right after writing it; when an appender does not find its new item, and
   find it as its own nearest neighbour (score 1), right after adding it. Any exception is an error.
   At the end a fresh store on the file must hold every item that was added, as SQLite does.
2. **Processes** (:func:`process_mix`): ``--processes`` processes on one file, each adding an item
   every 50 ms for the same period and polling what the others added, and liking one of each new
   batch it sees (which fails if its store has not noticed the item). Every process must see every
   other's items; a *stale read* is a poll that started after an item's ``add_items`` returned and
   did not see it (the store checks for other processes' commits before it answers: there must be
   none); an item's *lag* is the time from that return to the start of the poll that saw it.

"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import numpy as np

from core import (EmbeddedStore, Item, Persona, PersonaInteraction, PersonalizationAgent, install_sample_agent,
                  to_uuid)

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "Dishes"
LIMIT = 5


class Tally:
    """Operations, errors and wrong results counted by many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ops: dict[str, int] = {}
        self.errors: list[str] = []
        self.wrong: list[str] = []

    def done(self, kind: str, problem: str | None) -> None:
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1
            if problem:
                self.wrong.append(f"{kind}: {problem}")

    def failed(self, kind: str, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(f"{kind}: {exc!r}")


def _unit(rng: np.random.Generator, dims: int) -> np.ndarray:
    v = rng.normal(size=dims).astype(np.float32)
    return v / np.linalg.norm(v)


def _read(store: EmbeddedStore, agent: PersonalizationAgent, persona: UUID, liked: set[UUID],
          rng: np.random.Generator, n: int) -> tuple[str, str | None]:
    if n % 3 == 2:
        hits = store.near_vectors(COLLECTION, _unit(rng, 384), 7)[0]
        scores = [h.score for h in hits]
        ids = [h.uuid for h in hits]
        bad = len(hits) != 7 or scores != sorted(scores, reverse=True) or len(set(ids)) != 7 or \
            store.missing_items(COLLECTION, ids)
        return "near_vectors", f"{len(hits)} hits {scores}" if bad else None
    response = agent.get_objects(persona, limit=LIMIT, use_agent_ranking=n % 3 == 1, explain_results=False)
    ids = [o.uuid for o in response.objects]
    bad = len(ids) > LIMIT or len(set(ids)) != len(ids) or store.missing_items(COLLECTION, ids) or \
        liked & set(ids) or [o.personalized_rank for o in response.objects] != list(range(1, len(ids) + 1))
    return "get_objects", f"ids {ids}" if bad else None


def _write(store: EmbeddedStore, agent: PersonalizationAgent, persona: UUID, items: list[UUID],
           rng: np.random.Generator, n: int) -> tuple[str, str | None]:
    item = items[int(rng.integers(len(items)))]
    at = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=n)  # each thread's times only grow
    agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=item, weight=0.5, created_at=at)])
    latest = store.recent_interactions(COLLECTION, persona, 1)
    return "add_interactions", None if latest and latest[0].item_id == item else f"latest {latest} after {item}"


def _append(store: EmbeddedStore, name: str, items: list[UUID], rng: np.random.Generator,
            n: int) -> tuple[str, str | None]:
    vector = _unit(rng, 384)
    item = Item(uuid=to_uuid(f"{name}-{n}"), properties={"title": f"new dish {name}-{n}", "cuisine": "new"})
    store.add_items(COLLECTION, [item], vector[None, :])
    found = store.get_items(COLLECTION, [item.uuid])
    nearest = store.near_vectors(COLLECTION, vector, 1)[0]
    items.append(item.uuid)  # list.append is atomic: the writers may like it from now on
    ok = item.uuid in found and nearest and nearest[0].uuid == item.uuid and nearest[0].score > 0.999
    return "add_items", None if ok else f"{item.uuid}: found {list(found)}, nearest {nearest}"


def thread_mix(path: str | Path, *, threads: int = 30, seconds: float = 60.0, seed: int = 0) -> dict:
    """Run the thread mix on a new store file at ``path`` (see the module docstring); its figures."""
    store = EmbeddedStore(path)
    agent = install_sample_agent(store, "workshop", COLLECTION)
    items = [i.uuid for i in store.iter_items(COLLECTION)]
    start_count = len(items)
    tally = Tally()
    readers, writers = threads // 2, threads // 4
    liked: dict[UUID, set[UUID]] = {}
    for k in range(readers + writers):
        persona = to_uuid(f"thread persona {k}")
        agent.add_persona(Persona(persona_id=persona, properties={}))
        if k < readers:
            liked[persona] = set(items[3 * k % start_count:3 * k % start_count + 3])
            agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=i, weight=1.0)
                                    for i in liked[persona]])
    agent.train_behaviour()  # the first training imports scikit-learn (seconds): a warm server has done it
    stop = time.monotonic() + seconds

    def work(k: int) -> None:
        rng, n, persona = np.random.default_rng(seed * 1000 + k), 0, to_uuid(f"thread persona {k}")
        while time.monotonic() < stop:
            kind = "read" if k < readers else "write" if k < readers + writers else "append"
            try:
                if kind == "read":
                    kind, problem = _read(store, agent, persona, liked[persona], rng, n)
                elif kind == "write":
                    kind, problem = _write(store, agent, persona, items, rng, n)
                else:
                    kind, problem = _append(store, f"t{k}", items, rng, n)
                tally.done(kind, problem)
            except Exception as exc:  # counted, never raised: the run goes on
                tally.failed(kind, exc)
            n += 1

    workers = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    expected = set(items)
    store.close()
    reopened = EmbeddedStore(path)
    stored = {i.uuid for i in reopened.iter_items(COLLECTION)}
    reopened.close()
    if stored != expected:
        tally.wrong.append(f"after reopening: {len(stored)} items, {len(expected)} were added")
    return {"threads": threads, "seconds": seconds, "ops": tally.ops, "errors": len(tally.errors),
            "wrong": len(tally.wrong), "examples": (tally.errors + tally.wrong)[:5], "items": len(stored)}


def process_mix(path: str | Path, *, processes: int = 4, seconds: float = 10.0) -> dict:
    """Run ``processes`` processes on a new store file at ``path`` (see the module docstring); their figures."""
    store = EmbeddedStore(path)
    install_sample_agent(store, "workshop", COLLECTION)
    store.close()
    command = [sys.executable, "-m", "tests.concurrency_mix", "--db", str(path)]
    children = [subprocess.Popen([*command, "--child", str(k)], cwd=ROOT, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True) for k in range(processes)]
    for child in children:  # every process has opened the store: all add items over the same period
        assert child.stdout.readline().strip() == "ready"
    tell(children, [time.time() + seconds] * processes)
    added = [int(child.stdout.readline().split()[1]) for child in children]  # "added <n>" once each has stopped
    tell(children, [sum(added) - n for n in added])  # how many of the others' items each must see
    reports = [json.loads(child.stdout.read().strip().splitlines()[-1]) for child in children]
    for child in children:
        child.wait(timeout=60)
    committed = {u: t for r in reports for u, t in r["committed"].items()}
    lags, stale, missed = [], 0, 0
    for r in reports:
        starts = np.array([t for t, _ in r["polls"]])
        seen = {u: t for t, new in r["polls"] for u in new}
        theirs = [u for u in committed if u not in r["committed"]]
        missed += sum(u not in seen for u in theirs)
        lags += [seen[u] - committed[u] for u in theirs if u in seen]
        # a poll that started after an item's add_items had returned must have seen it (or an earlier one did)
        stale += sum(seen[u] > starts[np.searchsorted(starts, committed[u], side="right")]
                     for u in theirs if u in seen and committed[u] < starts[-1])
    return {"processes": processes, "seconds": seconds, "items_added": len(committed), "missed": missed,
            "stale_reads": int(stale), "errors": sum(len(r["errors"]) for r in reports),
            "examples": [e for r in reports for e in r["errors"]][:5],
            **{f"lag_{q}": round(float(np.percentile(lags, q)), 4) if lags else None for q in (50, 99)},
            "lag_max": round(max(lags), 4) if lags else None}


def tell(children: list[subprocess.Popen], values: list[float]) -> None:
    for child, value in zip(children, values):
        child.stdin.write(f"{value}\n")
        child.stdin.flush()


def _child(path: str, number: int) -> dict:
    """One process of :func:`process_mix`: add an item every 50 ms until the time the parent sends, see
    and like the others' items until it has seen as many as the parent says they added (at most 10 s more).
    Reports when each of its items was committed (add_items returned) and when each poll started and what
    it saw new."""
    store = EmbeddedStore(path)
    agent = PersonalizationAgent(store, COLLECTION)
    persona = to_uuid(f"process persona {number}")
    agent.add_persona(Persona(persona_id=persona, properties={}))
    offset, committed, polls, expected = store.count(COLLECTION), {}, [], None  # before anyone adds an item
    print("ready", flush=True)
    stop, rng, errors = float(sys.stdin.readline()), np.random.default_rng(number), []
    while expected is None or (sum(map(len, (n for _, n in polls))) < expected and time.time() < stop + 10):
        try:
            if time.time() < stop:
                item = Item(uuid=to_uuid(f"p{number}-{len(committed)}"),
                            properties={"title": f"dish {number}-{len(committed)}", "process": number})
                store.add_items(COLLECTION, [item], _unit(rng, 384)[None, :])
                committed[str(item.uuid)] = time.time()
            elif expected is None:
                print(f"added {len(committed)}", flush=True)
                expected = int(sys.stdin.readline())
            started = time.time()
            new = store.iter_items(COLLECTION, offset=offset)
            offset += len(new)
            theirs = [i.uuid for i in new if i.properties.get("process", number) != number]
            polls.append((started, [str(u) for u in theirs]))
            if theirs:  # fails if this process's store has not noticed the item
                agent.add_interactions([PersonaInteraction(persona_id=persona, item_id=theirs[-1], weight=1.0)])
        except Exception as exc:  # reported, not raised: the others go on
            errors.append(repr(exc))
        time.sleep(0.05)
    store.close()
    return {"process": number, "committed": committed, "polls": polls, "errors": errors[:5]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--process-seconds", type=float, default=10.0)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(_child(args.db, args.child)), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="concurrency-") as tmp:
        threads = thread_mix(Path(tmp) / "threads.db", threads=args.threads, seconds=args.seconds)
        print(json.dumps({"thread_mix": threads}, indent=2), flush=True)
        procs = process_mix(Path(tmp) / "processes.db", processes=args.processes, seconds=args.process_seconds)
        print(json.dumps({"process_mix": procs}, indent=2))


if __name__ == "__main__":
    main()
