"""Which behaviour model: spectral EASE against PureSVD and full EASE, on a sample's validation part.

    python -m benchmarks.behaviour_models movies --dims 64 128 256 512 --l2 100 250 500
    python -m benchmarks.behaviour_models books --dims 512 1024 --l2 25 50 --users 1000

The split is the evaluation's (movies: temporal 80/20 with 20 % of training for validation;
books: random, seeded, users with >= 20 ratings; a rating >= 4 relevant), tuned on validation only.
Every model is fitted on the validation split's training rows as a users × items 0/1 like matrix
and ranks each validation user's unseen items; NDCG@10 is ``core.eval.metrics.ndcg_at_k``.
This scores in bulk numpy, without the engine's request path (no recent-interactions cap, no
decay): it compares the models themselves; the engine's own numbers come from
``python -m core evaluate ... --tune-blend``. Prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import sparse

from core.eval.baselines import _Matrix
from core.eval.metrics import ndcg_at_k
from core.eval.sources import sample_source, split_source
from core.io.samples import load_sample


def setup(sample: str, users: int | None):
    if sample == "books":
        split = split_source(sample_source(sample), "random", validation_fraction=0.2, min_rating=4,
                             min_interactions=20)
    else:
        split = split_source(sample_source(sample), "temporal", validation_fraction=0.2, min_rating=4)
    part = split.for_validation()
    catalog = [item.uuid for item in load_sample(sample).items]
    chosen = sorted((u for u in part.test if part.test[u] and part.train.get(u)), key=str)[:users]
    return part, _Matrix(part.training_rows(), catalog), chosen


def ndcg(m, part, users, scores) -> float:
    return float(np.nanmean([ndcg_at_k(m.top(u, scores(u), 10), part.test[u], 10) for u in users]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sample", choices=("movies", "books"))
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--l2", type=float, nargs="+", default=[250.0, 500.0])
    parser.add_argument("--ease-l2", type=float, nargs="*", default=[500.0])
    parser.add_argument("--users", type=int)
    parser.add_argument("--power-iterations", type=int, default=4)
    args = parser.parse_args()
    from sklearn.utils.extmath import randomized_svd
    part, m, users = setup(args.sample, args.users)
    x = m.x.tocsr().astype(np.float64)
    n = x.shape[1]
    empty = sparse.csr_matrix((1, n))

    def hist(u):
        row = m.user_pos.get(u)
        return x[row] if row is not None else empty
    print(f"{args.sample} validation, {len(users)} users, {x.shape[0]} training users × {n} items\n")
    print("| model | dims | l2 | NDCG@10 | fit s |\n|---|---:|---:|---:|---:|")
    for l2 in args.ease_l2:
        t = time.perf_counter()
        p = np.linalg.inv((x.T @ x).toarray() + l2 * np.eye(n))
        b = -p / np.diag(p)[None, :]
        np.fill_diagonal(b, 0.0)
        fit = time.perf_counter() - t
        print(f"| EASE (full) | {n} | {l2:g} | {ndcg(m, part, users, lambda u: np.asarray(hist(u) @ b).ravel()):.4f} | "
              f"{fit:.1f} |", flush=True)
    for dims in args.dims:
        t = time.perf_counter()
        _, s, vt = randomized_svd(x.astype(np.float32), dims, n_iter=args.power_iterations, random_state=0)
        fit = time.perf_counter() - t
        v = vt.T.astype(np.float64)
        print(f"| PureSVD | {dims} | – | {ndcg(m, part, users, lambda u: np.asarray(hist(u) @ v).ravel() @ v.T):.4f} | "
              f"{fit:.1f} |", flush=True)
        for l2 in args.l2:
            w = s.astype(np.float64) ** 2 / (s.astype(np.float64) ** 2 + l2)
            item = v * w / ((1 - (v * v * w).sum(axis=1)) / l2)[:, None]
            score = ndcg(m, part, users, lambda u: np.asarray(hist(u) @ v).ravel() @ item.T)
            print(f"| spectral EASE (core.learn) | {dims} | {l2:g} | {score:.4f} | {fit:.1f} |", flush=True)


if __name__ == "__main__":
    main()
