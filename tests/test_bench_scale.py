"""Smoke test of ``benchmarks/bench_scale.py``: run as a script on a tiny catalog, its tables are complete.

Tests never import ``benchmarks`` (tests/test_boundaries.py), so the script runs in a subprocess, as
a user runs it, and its Markdown is parsed: every section's table has the expected columns, one row
per strategy and filter (the registry's strategies and the local agent), and positive numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import STRATEGIES

ROOT = Path(__file__).resolve().parent.parent


def tables(markdown: str) -> dict[str, list[dict[str, str]]]:
    """``{first words of the heading or of the sentence above: rows as dicts}`` of every Markdown table."""
    out, title, lines = {}, "", markdown.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("### ") or (line and not line.startswith("|")):
            title = line.lstrip("# ").strip()
        if line.startswith("|") and k + 1 < len(lines) and lines[k + 1].startswith("| ---"):
            head = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            for row in lines[k + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(head, (c.strip() for c in row.strip("|").split("|")))))
            out[title] = rows
    return out


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def one(found: dict[str, list[dict[str, str]]], start: str) -> list[dict[str, str]]:
    matches = [rows for title, rows in found.items() if title.startswith(start)]
    assert len(matches) == 1, (start, list(found))
    return matches[0]


@pytest.mark.slow
def test_bench_scale_prints_every_table_on_a_tiny_catalog(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_scale", "--sizes", "500", "--runs", "3", "--vectors", "clustered",
         "--cache", str(tmp_path / "cache"), "--reopen-repeats", "1", "--install-items", "300",
         "--install-interactions", "1000"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr[-3000:]
    found = tables(out.stdout)

    latency = one(found, "get_objects per strategy")
    assert [(r["strategy"], r["filter"]) for r in latency] == [
        (s, f) for s in (*STRATEGIES, "local agent") for f in ("none", "30 %")]
    for r in latency:
        assert r["items"] == "500" and r["vectors"] == "clustered" and r["path"]
        for column in ("p50 ms", "p95 ms", "numpy p50", "faiss p50", "p50/numpy", "p50/numpy 1 thread", "p50/faiss"):
            assert number(r[column]) > 0, (column, r)
        assert number(r["p95 ms"]) >= number(r["p50 ms"])
        assert 0 <= number(r["recall@10"]) <= 1 and r["recall path"]
    # 500 items: every search is exact, so the lists match the exact store's
    assert {r["recall path"] for r in latency} <= {"exact", "exact-subset", "exact-pruned"}
    assert all(number(r["recall@10"]) == 1 for r in latency)
    floors = one(found, "The floors")
    assert [r["filter"] for r in floors] == ["none", "30 %"]
    assert number(floors[0]["kept"]) == 100 and 20 < number(floors[1]["kept"]) < 40  # the filter keeps ~30 %

    reopen, = one(found, "Reopen")
    assert number(reopen["open → first answer s"]) > 0 and reopen["strategy"] == "blend"  # a model was trained
    memory, = one(found, "Memory and disk")
    assert number(memory["RSS MiB"]) > 0 and number(memory["disk MiB"]) >= 0 and "store.db" in memory["files"]
    writes = one(found, "Single writes")
    assert [r["strategy"] for r in writes] == ["centroid", "blend"]
    for r in writes:
        assert all(number(r[c]) > 0 for c in ("steady ms", "add_items(1) ms", "add_interactions(1) ms",
                                              "next / steady"))
    install, = one(found, "Install into a new store")
    assert install["items"] == "300" and install["interactions"] == "1,000"
    assert all(number(install[c]) > 0 for c in ("add_items items/s", "raw items/s", "add_interactions rows/s",
                                                "raw rows/s"))
    build, = one(found, "Catalogs")
    assert build["build"] == "this run" and number(build["total s"]) > 0
    assert not list((tmp_path / "cache" / "scratch").glob("*/*")), "the scratch copies are deleted"
