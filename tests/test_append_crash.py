"""``kill -9`` while ``add_items`` appends to a file store whose index is on its vector files (the data is
written during the transaction, the header after the commit: core/store/embedded/file_append.py).

After each kill: every acknowledged batch is there, no batch is there in part, the reopened index (mapped
from the files, or repaired from SQLite) equals SQLite row for row (ids and vector bytes), and the next
append goes on from there."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core import CollectionSpec, EmbeddedStore, Item, to_uuid

pytestmark = pytest.mark.slow  # a few child processes, ~20 s
ROOT = Path(__file__).resolve().parents[1]
BATCH, DIMS = 2000, 64
CHILD = f"""
import sys, numpy as np
from core import EmbeddedStore, Item, to_uuid
store = EmbeddedStore(sys.argv[1])
store.count("C")  # the index on its files: appends go through them
start = int(sys.argv[2])
print("ready", flush=True)
for k in range(start, start + 10_000):
    rng = np.random.default_rng(k)
    store.add_items("C", [Item(uuid=to_uuid(f"b{{k}}-{{j}}"), properties={{"title": f"batch {{k}}", "k": k}})
                          for j in range({BATCH})], rng.normal(size=({BATCH}, {DIMS})).astype(np.float32))
    print(f"ack {{k}}", flush=True)
"""


def batch_rows(db: Path) -> dict[int, int]:
    with sqlite3.connect(db) as raw:
        return dict(raw.execute("SELECT json_extract(properties, '$.k'), COUNT(*) FROM items GROUP BY 1"))


def index_equals_sqlite(db: Path) -> bool:
    store = EmbeddedStore(db)
    with sqlite3.connect(db) as raw:
        rows = raw.execute("SELECT uuid, vector FROM items ORDER BY row").fetchall()
    index = store._index("C")
    return [str(u) for u in index.uuids] == [r[0] for r in rows] and np.array_equal(
        index.matrix("default"), np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), DIMS))


def test_a_kill_during_appends_loses_no_acknowledged_batch_and_leaves_the_files_right(tmp_path):
    db = tmp_path / "s.db"
    store = EmbeddedStore(db)
    store.create_collection(CollectionSpec("C", DIMS, text_fields=("title",)))
    store.add_items("C", [Item(uuid=to_uuid(f"seed{j}"), properties={"title": "seed", "k": 0}) for j in range(BATCH)],
                    np.random.default_rng(0).normal(size=(BATCH, DIMS)).astype(np.float32))
    store.close()
    acked_all, start = [], 1
    for delay in (0.9, 1.7, 2.6):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(start)], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        acked = [int(line.split()[1]) for line in child.stdout.read().splitlines() if line.startswith("ack ")]
        acked_all += acked
        counts = batch_rows(db)
        assert all(n == BATCH for n in counts.values()), counts  # no batch in part
        assert set(acked_all) <= set(counts)  # none acknowledged lost
        assert index_equals_sqlite(db)
        start = max(counts) + 1
    assert acked_all  # the kills came while batches were being appended, not before the first
    EmbeddedStore(db).add_items("C", [Item(uuid=to_uuid("last"), properties={"title": "last", "k": start})],
                                np.ones((1, DIMS), np.float32))
    assert index_equals_sqlite(db) and batch_rows(db)[start] == 1
