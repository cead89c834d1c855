"""Real-text vectors for the ANN benchmark: ~130k distinct short texts from the shared data, embedded once.

    python -m benchmarks.ann_data [--out /tmp/h2-ann/realtext.npy]

Texts (all distinct, built from facts, as the shipped catalogs are): each goodbooks-10k book's title
and author with each of its 8 most-used shelf tags ("The Hunger Games by Suzanne Collins: dystopian"),
every goodbooks tag name, each MovieLens movie's title with its genres, and each movie title with each
user tag. They cluster like a real catalog does (one title with eight tags; tags that are spelling
variants). Embedded with the project's model (:mod:`core.io.embedding`, all-MiniLM-L6-v2) and cached
as a float32 ``.npy`` outside the repository (it is ~200 MB).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path("/work/shared/data")
CACHE = Path("/tmp/h2-ann/realtext.npy")
TAGS_PER_BOOK = 8


def texts() -> list[str]:
    """The distinct texts, in a fixed order."""
    books = pd.read_csv(DATA / "goodbooks-10k/books.csv", usecols=["goodreads_book_id", "title", "authors"])
    tags = pd.read_csv(DATA / "goodbooks-10k/tags.csv")
    book_tags = pd.read_csv(DATA / "goodbooks-10k/book_tags.csv").merge(tags, on="tag_id")
    top = book_tags.sort_values("count", ascending=False).groupby("goodreads_book_id").head(TAGS_PER_BOOK)
    top = top.merge(books, on="goodreads_book_id")
    out = [f"{t} by {a.split(',')[0]}: {g.replace('-', ' ')}" for t, a, g in zip(top.title, top.authors, top.tag_name)]
    out += [t.replace("-", " ") for t in tags.tag_name]
    movies = pd.read_csv(DATA / "movielens-latest-small/movies.csv")
    out += [f"{t}: {g.replace('|', ', ')}" for t, g in zip(movies.title, movies.genres)]
    mtags = pd.read_csv(DATA / "movielens-latest-small/tags.csv").merge(movies, on="movieId")
    out += [f"{t}, tagged {g}" for t, g in zip(mtags.title, mtags.tag)]
    return list(dict.fromkeys(s.strip() for s in out if isinstance(s, str) and s.strip()))


def load(path: Path = CACHE) -> np.ndarray:
    """The cached vectors (built first when missing: minutes on two cores)."""
    if not path.exists():
        build(path)
    return np.load(path, mmap_mode="r")


def build(path: Path = CACHE) -> np.ndarray:
    from core.io.embedding import default_embedder
    items = texts()
    t = time.perf_counter()
    vectors = default_embedder().embed(items)
    print(f"embedded {len(items):,} texts in {time.perf_counter() - t:.0f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=CACHE)
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
