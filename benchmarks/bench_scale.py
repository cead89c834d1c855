"""Issue 13's measurements at 10k / 100k / 1M items, through the public API only; prints Markdown.

    python -m benchmarks.bench_scale --sizes 10000 100000 1000000 [--runs N]
        [--only strategies,reopen,writes,install,memory] [--vectors clustered uniform] [--cache DIR]

Catalogs (:mod:`benchmarks.scale_catalog`): seeded 384-d unit vectors, ``clustered`` (1,000
Gaussian clusters) and ``uniform``, items with ``year`` and ``genres`` (a filter keeping ~30 %), a
community of 2,000 personas x 20 likes, a trained behaviour model, and the persona ``bench``
(20 likes, 5 dislikes). Built once and cached under ``--cache`` (default ``/tmp/h4-scale``), keyed
by kind, size and seed; the build's time is printed when it happens. Sections (``--only``):

- ``strategies``: p50/p95 of ``get_objects`` per strategy and the local agent, without and with
  the filter, next to numpy and faiss exact top-k over the same matrix (:mod:`benchmarks.scale_latency`);
- ``reopen``: a fresh process's seconds from opening the file to the first answer;
- ``memory``: that process's RSS against the vectors' size, the store's disk size, this process's peak;
- ``writes``: one ``add_items`` of 1 item, one ``add_interactions`` of 1 row, the next ``get_objects``
  after each against steady (:mod:`benchmarks.scale_store`);
- ``install``: ``add_items`` items/s and ``add_interactions`` rows/s against a raw ``executemany`` of the
  same rows into the same schema (:mod:`benchmarks.scale_install`).

Nothing here is asserted; run it under ``nice`` and read the load line: timings on a shared machine
move by tens of percent, the ratios (same run, interleaved) less.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import scale_install, scale_latency, scale_store
from benchmarks.scale_catalog import DIMS, FILTER_CONDITIONS, KINDS, Catalog, catalog
from core import set_blas_threads

SECTIONS = ("strategies", "reopen", "writes", "install", "memory")


def table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A Markdown table; ``align``: one of ``l``/``r`` per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---" if a == "l" else "---:" for a in align]
    return "\n".join("| " + " | ".join(map(str, r)) + " |" for r in [header, rule, *rows])


def strategies_tables(catalogs: list[Catalog], runs: int) -> str:
    head = ["items", "vectors", "strategy", "filter", "p50 ms", "p95 ms", "numpy p50", "faiss p50", "p50/numpy",
            "p50/numpy 1 thread", "p50/faiss", "path", "recall@10", "recall path"]
    floor_head = ["items", "vectors", "filter", "kept", "numpy p50", "numpy p95", "numpy 1 thread p50",
                  "numpy 1 thread p95", "faiss p50", "faiss p95"]
    rows, floor_rows = [], []
    for c in catalogs:
        recall = scale_latency.recall_rows(c)  # first: it waits for the ANN indexes and saves them beside the
        found, floors = scale_latency.strategy_rows(c, runs)  # vector files, so the timed store reads them
        rows += [[f"{c.n:,}", c.kind, r["strategy"], "30 %" if r["filter"] else "none", f"{r['p50']:.2f}",
                  f"{r['p95']:.2f}", f"{r['numpy_p50']:.2f}", f"{r['faiss_p50']:.2f}", f"{r['vs_numpy']:.2f}",
                  f"{r['vs_numpy1']:.2f}", f"{r['vs_faiss']:.2f}", r["path"],
                  f"{recall[(r['strategy'], r['filter'])][0]:.3f}", recall[(r['strategy'], r['filter'])][1]]
                 for r in found]
        floor_rows += [[f"{c.n:,}", c.kind, "30 %" if f["filter"] else "none", f"{f['kept']:.1%}",
                        f"{f['numpy_p50']:.2f}", f"{f['numpy_p95']:.2f}", f"{f['numpy 1 thread_p50']:.2f}",
                        f"{f['numpy 1 thread_p95']:.2f}", f"{f['faiss_p50']:.2f}",
                        f"{f['faiss_p95']:.2f}"] for f in floors]
        print(f"  strategies done: {c.n:,} {c.kind} ({load()})", file=sys.stderr, flush=True)
    return (f"### get_objects per strategy ({runs} runs each, interleaved; limit 10; filter: "
            f"{' and '.join(FILTER_CONDITIONS)})\n\n" + table(head, rows, "rllrrrrrrrrl") +
            "\n\nThe floors (exact top-k of the pool of 30 over the same matrix, same run):\n\n" +
            table(floor_head, floor_rows, "rllrrrrrrr"))


def reopen_tables(catalogs: list[Catalog], repeats: int, sections: set[str]) -> str:
    out = []
    reopen_rows, memory_rows = [], []
    for c in catalogs:
        r = scale_store.reopen(c, repeats)
        vectors_mb = c.n * DIMS * 4 / 2**20
        disk, names = scale_store.disk_bytes(c.path)
        reopen_rows.append([f"{c.n:,}", c.kind, f"{r['first_s']:.2f}", f"{r['first_run_s']:.2f}",
                            f"{r['warm_s'] * 1000:.1f}", f"{r['import_s']:.2f}", r["strategy"]])
        memory_rows.append([f"{c.n:,}", c.kind, f"{vectors_mb:,.0f}", f"{r['rss_kb'] / 1024:,.0f}",
                            f"{r['rss_kb'] / 1024 / vectors_mb:.2f}", f"{r['hwm_kb'] / 1024:,.0f}",
                            f"{disk / 2**20:,.0f}", ", ".join(names)])
    if "reopen" in sections:
        out.append(f"### Reopen (fresh process, median of {repeats}; file in the page cache)\n\n" + table(
            ["items", "vectors", "open → first answer s", "first of the runs s", "next answer ms", "import core s",
             "strategy"], reopen_rows, "rlrrrrl"))
    if "memory" in sections:
        out.append("### Memory and disk (the reopened process after two answers; disk: `<db>*`)\n\n" + table(
            ["items", "vectors", "vectors MiB", "RSS MiB", "RSS / vectors", "peak RSS MiB", "disk MiB", "files"],
            memory_rows, "rlrrrrrl"))
    return "\n\n".join(out)


def writes_table(catalogs: list[Catalog], scratch: Path) -> str:
    rows = []
    for c in catalogs:
        for r in scale_store.single_writes(c, scratch):
            rows.append([f"{c.n:,}", c.kind, r["strategy"], f"{r['steady']:.2f}", f"{r['add_items']:.1f}",
                         f"{r['after_items']:.2f}", f"{r['after_items'] / r['steady']:.2f}",
                         f"{r['add_interactions']:.1f}", f"{r['after_interactions']:.2f}",
                         f"{r['after_interactions'] / r['steady']:.2f}"])
        repeats = r["repeats"]
    return (f"### Single writes (on a copy of the store; medians of {repeats} rounds; get_objects vector-only)\n\n" +
            table(["items", "vectors", "strategy", "steady ms", "add_items(1) ms", "next ms", "next / steady",
                   "add_interactions(1) ms", "next ms", "next / steady"], rows, "rllrrrrrrr"))


def install_table(catalogs: list[Catalog], scratch: Path, cap: int, interactions: int) -> str:
    rows = []
    for c in catalogs:
        m = min(c.n, cap)
        r = scale_install.install(c.kind, c.seed, m, interactions, scratch)
        rows.append([f"{m:,}", c.kind, f"{r['items_per_s']:,.0f}", f"{r['raw_items_per_s']:,.0f}",
                     f"{r['items_per_s'] / r['raw_items_per_s']:.2f}", f"{interactions:,}", f"{r['rows_per_s']:,.0f}",
                     f"{r['raw_rows_per_s']:,.0f}", f"{r['rows_per_s'] / r['raw_rows_per_s']:.2f}"])
        tables = f"items: {', '.join(r['item_tables'])}; interactions: {', '.join(r['interaction_tables'])}"
    return (f"### Install into a new store vs raw executemany into the same schema (medians of {r['repeats']}; "
            f"raw tables {tables})\n\n" +
            table(["items", "vectors", "add_items items/s", "raw items/s", "store / raw", "interactions",
                   "add_interactions rows/s", "raw rows/s", "store / raw"], rows, "rlrrrrrrr"))


def builds_table(catalogs: list[Catalog]) -> str:
    rows = [[f"{c.n:,}", c.kind, "cached" if c.built["cached"] else "this run", f"{c.built['items_s']:.1f}",
             f"{c.n / max(c.built['items_s'], 1e-9):,.0f}", f"{c.built['interactions_s']:.1f}",
             f"{c.built['train_s']:.1f}", f"{c.built['total_s']:.1f}"] for c in catalogs]
    return "### Catalogs (built in chunks of 50,000 items)\n\n" + table(
        ["items", "vectors", "build", "add_items s", "items/s", "interactions s", "train s", "total s"], rows,
        "rllrrrrr")


def load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated, of {','.join(SECTIONS)}")
    parser.add_argument("--vectors", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/h4-scale"))
    parser.add_argument("--reopen-repeats", type=int, default=3)
    parser.add_argument("--install-items", type=int, default=50_000, help="items per install run (at most the size)")
    parser.add_argument("--install-interactions", type=int, default=100_000)
    parser.add_argument("--blas-threads", default="auto", metavar="N|auto",
                        help="set every BLAS library's threads first (core.set_blas_threads); auto: leave them")
    args = parser.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    if not sections <= set(SECTIONS):
        parser.error(f"--only takes {','.join(SECTIONS)}, got {args.only!r}")
    if args.blas_threads != "auto":
        set_blas_threads(int(args.blas_threads))
    started = time.perf_counter()
    print(f"## bench_scale {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n\n`python -m benchmarks.bench_scale "
          f"{' '.join(sys.argv[1:] if argv is None else argv)}`; {load()} at start; nice {os.nice(0)}; "
          f"{os.cpu_count()} cores; {blas()}\n", flush=True)
    catalogs = []
    for n in args.sizes:
        for kind in args.vectors:
            catalogs.append(catalog(kind, n, args.seed, args.cache,
                                    log=lambda *a, **k: print(*a, file=sys.stderr, **k)))
    print(builds_table(catalogs) + "\n", flush=True)
    scratch = args.cache / "scratch"
    if "strategies" in sections:
        print(strategies_tables(catalogs, args.runs) + "\n", flush=True)
    if sections & {"reopen", "memory"}:
        print(reopen_tables(catalogs, args.reopen_repeats, sections) + "\n", flush=True)
    if "writes" in sections:
        print(writes_table(catalogs, scratch) + "\n", flush=True)
    if "install" in sections:
        print(install_table(catalogs, scratch, args.install_items, args.install_interactions) + "\n", flush=True)
    print(f"{load()} at the end; {time.perf_counter() - started:.0f} s in all; this process's peak RSS "
          f"{scale_store.peak_rss_mb():,.0f} MiB", flush=True)


def blas() -> str:
    """The BLAS libraries numpy uses and their thread counts (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    found = [f"{i.get('internal_api')} {i.get('num_threads')} threads" for i in threadpool_info()
             if i.get("user_api") == "blas"]
    return "BLAS " + ", ".join(found) if found else "BLAS: none found"


if __name__ == "__main__":
    main()
