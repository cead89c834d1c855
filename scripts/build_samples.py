"""Build the shipped sample catalogs in ``sample_data/`` from the shared public data sets.

Usage::

    python scripts/build_samples.py [--data ../shared/data] [--only movies] [--out sample_data]

Each catalog folder gets ``items.jsonl`` (``{"id": <original id>, "properties": {...}}`` per line),
``vectors.npy`` (float16, row i = line i, L2-normalised before the cast), ``catalog.json``,
license/attribution files and, for the real data sets, ``interactions.csv.gz``; for those,
``catalog.json`` also records how the sample's community model is trained (its ``"behaviour"``
block, :data:`BEHAVIOUR`).

The script is rerunnable: a catalog is written to ``<name>.tmp`` and swapped in at the end, and
vectors are reused when the embedded texts and model are unchanged (``text_sha256``), so a rerun
that only touches licenses or interactions takes seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.io.embedding import DIMS, MODEL_NAME, Embedder

DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "sample_data"
WORKSHOP_SOURCE = Path(__file__).resolve().parent / "workshop_items.json"

MAX_TAGS = 8
# "in netflix queue" is a MovieLens UI artefact (131 uses), not a description of the movie.
IGNORED_MOVIE_TAGS = {"in netflix queue"}

# Goodreads shelves that say how a reader owns or tracks a book, not what the book is about.
GENERIC_SHELVES = {
    "to-read", "currently-reading", "default", "library", "books", "book", "have", "mine", "want",
    "maybe", "borrowed", "finished", "read", "reviewed", "recommended", "paperback", "hardcover",
    "calibre", "nook", "overdrive", "tbr", "unread", "other", "general", "on-hold", "must-read",
    "re-read", "reread", "to-re-read", "abandoned", "dnf", "unfinished", "gave-up-on", "arc",
    "first-reads", "english", "read-in-english", "listened-to", "book-club", "bookclub",
    "book-club-books", "book-group", "series", "part-of-a-series", "first-in-series",
    "stand-alone", "standalone", "bookshelf", "faves", "wish-list", "wishlist", "audible",
}
GENERIC_SHELF_PATTERNS = [re.compile(p) for p in (
    r"^to-(read|buy|re-read)", r"^(re)?read-?(in-)?\d{4}", r"^\d{4}-", r"^\d+-stars?$",
    r"(^|-)own(ed|s)?($|-)", r"(^|-)i-own|books-i-", r"kindle", r"e-?books?", r"audio",
    r"favou?rite", r"library", r"shelfari", r"^my-", r"^on-my-", r"not-finish|didn-t|couldn-t|dnf",
    r"^currently", r"^need-to", r"^want-to", r"^owned",
)]


# --- movies -----------------------------------------------------------------------------------

def split_movie_title(raw: str) -> tuple[str, int | None]:
    """("Toy Story (1995)") -> ("Toy Story", 1995); a trailing ", The" moves to the front."""
    raw = " ".join(str(raw).split())
    match = re.search(r"\s*\((\d{4})(?:\s*[-–]\s*\d{4})?\)$", raw)
    year = int(match.group(1)) if match else None
    title = raw[: match.start()] if match else raw
    article = re.match(r"^(.*), (The|A|An)( \(.*\))?$", title)
    if article:
        title = f"{article.group(2)} {article.group(1)}{article.group(3) or ''}"
    return title.strip(), year


def top_movie_tags(tags: pd.DataFrame) -> dict[int, list[str]]:
    """movieId -> up to MAX_TAGS lowercased tags, most users first (ties alphabetical)."""
    tags = tags.assign(tag=tags["tag"].astype(str).str.strip().str.lower().str.split().str.join(" "))
    tags = tags[(tags["tag"] != "") & ~tags["tag"].isin(IGNORED_MOVIE_TAGS)]
    counts = tags.groupby(["movieId", "tag"]).size().rename("n").reset_index()
    counts = counts.sort_values(["movieId", "n", "tag"], ascending=[True, False, True])
    return {int(m): list(g["tag"].head(MAX_TAGS)) for m, g in counts.groupby("movieId")}


def movie_text(p: dict[str, Any]) -> str:
    parts = [f"{p['title']} ({p['year']})." if p["year"] is not None else f"{p['title']}."]
    if p["genres"]:
        parts.append(f"Genres: {', '.join(p['genres'])}.")
    if p["tags"]:
        parts.append(f"Tags: {', '.join(p['tags'])}.")
    return " ".join(parts)


def build_movies(data: Path) -> tuple[list[dict], dict[str, Any]]:
    src = data / "movielens-latest-small"
    movies = pd.read_csv(src / "movies.csv")
    tags = top_movie_tags(pd.read_csv(src / "tags.csv"))
    records = []
    for row in movies.itertuples(index=False):
        title, year = split_movie_title(row.title)
        genres = [] if row.genres == "(no genres listed)" else str(row.genres).split("|")
        props = {"title": title, "year": year, "genres": genres,
                 "tags": tags.get(int(row.movieId), []), "original_id": int(row.movieId)}
        records.append({"id": int(row.movieId), "properties": props})
    meta = {
        "name": "movies", "title": "MovieLens movies", "collection": "Movies",
        "description": "9,742 movies from MovieLens ml-latest-small with genres and user tags, "
                       "plus the 100,836 real ratings of 610 users for evaluation.",
        "title_property": "title", "text_fields": ["title", "genres", "tags"],
        "text_template": "{title} ({year}). Genres: {genres}. Tags: {tags}.  (empty parts left out)",
        "source": "MovieLens ml-latest-small (GroupLens, generated 2018-09-26)",
        "license": "MovieLens usage license: research and non-commercial use only; redistribute only "
                   "under the same conditions; cite Harper & Konstan 2015.",
    }
    return records, meta


def movie_extras(data: Path, folder: Path) -> dict[str, Any]:
    src = data / "movielens-latest-small"
    ratings = pd.read_csv(src / "ratings.csv")
    write_csv_gz(ratings[["userId", "movieId", "rating", "timestamp"]], folder / "interactions.csv.gz")
    readme = (src / "README.txt").read_text(encoding="utf-8")
    start, end = readme.index("Usage License"), readme.index("Further Information About GroupLens")
    (folder / "LICENSE.txt").write_text(
        "The files in this folder are derived from the MovieLens ml-latest-small data set and are\n"
        "distributed under its usage license, copied below from the data set's README.txt.\n\n"
        + readme[start:end].rstrip() + "\n", encoding="utf-8")
    (folder / "ATTRIBUTION.md").write_text(MOVIES_ATTRIBUTION, encoding="utf-8")
    return {"file": "interactions.csv.gz", "user_column": "userId", "item_column": "movieId",
            "rating_column": "rating", "timestamp_column": "timestamp", "rating_scale": [0.5, 5.0],
            "rows": len(ratings), "users": int(ratings["userId"].nunique())}


MOVIES_ATTRIBUTION = """# MovieLens sample catalog: attribution

Derived from **MovieLens ml-latest-small** (GroupLens Research, University of Minnesota,
<https://grouplens.org/datasets/movielens/>), generated on 2018-09-26.

> F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context.
> ACM Transactions on Interactive Intelligent Systems (TiiS) 5, 4: 19:1–19:19.
> <https://doi.org/10.1145/2827872>

- **Non-commercial.** The data may be used for research purposes only; any commercial or
  revenue-bearing use needs permission from a faculty member of the GroupLens Research Project.
- **Same conditions.** This transformed copy is redistributed under the same license conditions
  (see `LICENSE.txt`); anyone passing it on must keep them.
- No endorsement by the University of Minnesota or GroupLens is stated or implied.

Transformations made by `scripts/build_samples.py`: the year was split from the title (a trailing
", The"/", A"/", An" moved to the front), genres split into a list ("(no genres listed)" → empty),
up to 8 most frequent user tags per movie lowercased and deduplicated ("in netflix queue" dropped),
and item vectors computed with sentence-transformers/all-MiniLM-L6-v2. `interactions.csv.gz` is
the unmodified `ratings.csv` (all 100,836 rows), gzip-compressed.
"""


# --- books ------------------------------------------------------------------------------------

def is_generic_shelf(name: str) -> bool:
    """True for shelves about owning/tracking a book (to-read, kindle, read-in-2015, …)."""
    return (name in GENERIC_SHELVES or not re.search(r"[a-z]", name)
            or any(p.search(name) for p in GENERIC_SHELF_PATTERNS))


def top_shelves(data: Path) -> dict[int, list[str]]:
    """goodreads_book_id -> up to MAX_TAGS topical shelves, most used first."""
    names = pd.read_csv(data / "tags.csv")
    names = names.assign(tag_name=names["tag_name"].astype(str).str.strip().str.lower())
    names = names[~names["tag_name"].map(is_generic_shelf)]
    shelves = pd.read_csv(data / "book_tags.csv").merge(names, on="tag_id")
    shelves = shelves.groupby(["goodreads_book_id", "tag_name"], as_index=False)["count"].sum()
    shelves = shelves.sort_values(["goodreads_book_id", "count", "tag_name"], ascending=[True, False, True])
    return {int(b): list(g["tag_name"].head(MAX_TAGS)) for b, g in shelves.groupby("goodreads_book_id")}


def optional(value: Any, cast: Callable[[Any], Any]) -> Any:
    """``cast(value)``, or None for NaN / missing."""
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else cast(value)


def book_text(p: dict[str, Any]) -> str:
    year = p["year"]
    when = "" if year is None else f" ({-year} BC)" if year < 0 else f" ({year})"
    text = f"{p['title']} by {', '.join(p['authors'][:3])}{when}."
    return text + (f" Shelves: {', '.join(p['shelves'])}." if p["shelves"] else "")


def build_books(data: Path) -> tuple[list[dict], dict[str, Any]]:
    src = data / "goodbooks-10k"
    books = pd.read_csv(src / "books.csv")
    shelves = top_shelves(src)
    records = []
    for row in books.itertuples(index=False):
        props = {
            "title": " ".join(str(row.title).split()),
            "authors": list(dict.fromkeys(a.strip() for a in str(row.authors).split(",") if a.strip())),
            "year": optional(row.original_publication_year, int),
            "shelves": shelves.get(int(row.goodreads_book_id), []),
            "average_rating": float(row.average_rating), "ratings_count": int(row.ratings_count),
            "image_url": optional(row.image_url, str), "language_code": optional(row.language_code, str),
            "original_id": int(row.book_id),
        }
        records.append({"id": int(row.book_id), "properties": props})
    meta = {
        "name": "books", "title": "Goodreads books", "collection": "Books",
        "description": "The 10,000 most-rated Goodreads books (goodbooks-10k) with authors, year and "
                       "reader shelves, plus about 980,000 real ratings for evaluation.",
        "title_property": "title", "text_fields": ["title", "authors", "shelves"],
        "text_template": "{title} by {authors} ({year}). Shelves: {shelves}.  (first three authors; "
                         "negative years as BC; empty parts left out)",
        "source": "goodbooks-10k by Zygmunt Zając, https://github.com/zygmuntz/goodbooks-10k",
        "license": "CC BY-SA 4.0: attribute zygmuntz/goodbooks-10k and share derivatives alike.",
    }
    return records, meta


def book_extras(data: Path, folder: Path) -> dict[str, Any]:
    src = data / "goodbooks-10k"
    ratings = pd.read_csv(src / "ratings_v1.csv")
    ratings = ratings.drop_duplicates(["user_id", "book_id"], keep="last")
    write_csv_gz(ratings[["user_id", "book_id", "rating"]], folder / "interactions.csv.gz")
    (folder / "LICENSE.txt").write_text((src / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "ATTRIBUTION.md").write_text(BOOKS_ATTRIBUTION, encoding="utf-8")
    return {"file": "interactions.csv.gz", "user_column": "user_id", "item_column": "book_id",
            "rating_column": "rating", "timestamp_column": None, "rating_scale": [1, 5],
            "rows": len(ratings), "users": int(ratings["user_id"].nunique())}


BOOKS_ATTRIBUTION = """# Goodreads sample catalog: attribution

Derived from **goodbooks-10k** by Zygmunt Zając (<https://github.com/zygmuntz/goodbooks-10k>),
licensed under the Creative Commons Attribution-ShareAlike 4.0 International License
(<http://creativecommons.org/licenses/by-sa/4.0/>). The book metadata and shelves were collected
from Goodreads.

This derived catalog is shared under the same **CC BY-SA 4.0** license (see `LICENSE.txt`).

Changes made by `scripts/build_samples.py`: authors split into a list, `original_publication_year`
kept as `year`, up to 8 most used reader shelves per book kept after dropping shelves about owning
or tracking a book (to-read, favorites, kindle, read-in-2015, …), other columns dropped, item
vectors computed with sentence-transformers/all-MiniLM-L6-v2. `interactions.csv.gz` is
`ratings_v1.csv` with duplicate (user, book) pairs reduced to the last one. `image_url` values
point to Goodreads; no images are redistributed.
"""


# --- workshop ---------------------------------------------------------------------------------

WORKSHOP_COURSES = {"starter", "soup", "salad", "main", "side", "dessert", "drink"}
WORKSHOP_DIETS = {"vegetarian", "vegan", "gluten-free"}


def check_dish(dish: dict[str, Any]) -> None:
    """Reject a hand-written dish with a missing field or a label outside the vocabulary."""
    wanted = {"original_id", "name", "cuisine", "course", "diet", "spicy", "description"}
    if set(dish) != wanted:
        raise ValueError(f"dish {dish.get('original_id')!r} has fields {sorted(dish)}, expected {sorted(wanted)}")
    if dish["course"] not in WORKSHOP_COURSES:
        raise ValueError(f"dish {dish['original_id']!r}: course {dish['course']!r} not in {sorted(WORKSHOP_COURSES)}")
    if not set(dish["diet"]) <= WORKSHOP_DIETS:
        raise ValueError(f"dish {dish['original_id']!r}: diet {dish['diet']!r} not within {sorted(WORKSHOP_DIETS)}")
    if "vegan" in dish["diet"] and "vegetarian" not in dish["diet"]:
        raise ValueError(f"dish {dish['original_id']!r} is vegan but not marked vegetarian")


COURSE_WORDS = {"main": "main course", "side": "side dish"}


def dish_text(p: dict[str, Any]) -> str:
    labels = [*p["diet"], *(["spicy"] if p["spicy"] else [])]
    course = COURSE_WORDS.get(p["course"], p["course"])
    text = f"{p['name']}: {p['cuisine']} {course}. {p['description']}"
    return text + (f" ({', '.join(labels)})" if labels else "")


def build_workshop(_data: Path) -> tuple[list[dict], dict[str, Any]]:
    dishes = json.loads(WORKSHOP_SOURCE.read_text(encoding="utf-8"))
    for dish in dishes:
        check_dish(dish)
    ids = [d["original_id"] for d in dishes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate dish ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    order = ["name", "cuisine", "course", "diet", "spicy", "description", "original_id"]
    records = [{"id": d["original_id"], "properties": {k: d[k] for k in order}} for d in dishes]
    meta = {
        "name": "workshop", "title": "Workshop dishes", "collection": "Workshop",
        "description": f"{len(records)} hand-written dishes from {len({d['cuisine'] for d in dishes})} "
                       "cuisines, with course, diet and "
                       "spiciness: small, clearly clustered and quick to try.",
        "title_property": "name", "text_fields": ["name", "cuisine", "course", "diet", "description"],
        "text_template": "{name}: {cuisine} {course}. {description} ({diet}, spicy)  (\"main course\", "
                         "\"side dish\"; labels left out when empty)",
        "source": "written by hand for this project (scripts/workshop_items.json)",
        "license": "Written for this project; no third-party data.",
    }
    return records, meta


def workshop_extras(_data: Path, folder: Path) -> None:
    (folder / "ATTRIBUTION.md").write_text(
        "# Workshop sample catalog\n\nWritten by hand for this project (source: "
        "`scripts/workshop_items.json`); no third-party data, ships under the project's own license.\n"
        "Dishes are loosely modelled on the kind of catalog the Weaviate food-recommender demo uses;\n"
        "names, labels and descriptions are our own. Diet labels are a best effort for the classic\n"
        "recipe, not dietary advice.\n", encoding="utf-8")


# --- the community's behaviour model ----------------------------------------------------------

# What catalog.json's "behaviour" block says (core.io.samples.SampleInfo.behaviour: the arguments
# SampleLibrary gives core.train_behaviour for the sample's community). They are data, not rerun by
# this script: each was chosen on the validation part of the sample's own log by the command in its
# "how" (the test part never read), whose tuning took 1,072 s (movies) and 2,018 s (books) on the
# 2-core build machine, too long for a build; the numbers are what those runs printed (README,
# "Learned behaviour vectors against EASE"). After a change to a log, the model or the blend grid
# (core.MODEL_GRID, core.WEIGHT_GRID), rerun the command and copy its choice here.
BEHAVIOUR: dict[str, dict[str, Any]] = {
    "movies": {
        "dims": 256, "l2": 250.0,
        "blend": {"content": 0.2, "behaviour": 1.0, "popularity": 0.0, "ramp": 3.0, "query": "graded",
                  "history": 1000},
        "tuning": {
            "metric": "ndcg", "validation": 0.1393, "default_validation": 0.13897, "engine_validation": 0.13933,
            "points": 96, "users": 593, "model": {"dims": 256, "l2": 250.0},
            "how": "python -m core evaluate movies --relevant-rating 4 --validation-fraction 0.2 --tune-blend "
                   "(temporal split; the validation part of each user's training ratings; test never read)",
        },
    },
    "books": {
        "dims": 1536, "l2": 50.0,
        "blend": {"content": 0.1, "behaviour": 1.0, "popularity": 0.0, "ramp": 3.0, "query": "binary",
                  "history": 1000},
        "tuning": {
            "metric": "ndcg", "validation": 0.1851, "default_validation": 0.13518, "engine_validation": 0.18511,
            "points": 96, "users": 1000, "model": {"dims": 1536, "l2": 50.0},
            "how": "python -m core evaluate books --split random --users 1000 --min-interactions 20 "
                   "--relevant-rating 4 --validation-fraction 0.2 --tune-blend (the validation part of each "
                   "user's training ratings; test never read)",
        },
    },
}


# --- writing ----------------------------------------------------------------------------------

def write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    """Gzip with a zero mtime so rebuilding from the same data gives identical bytes."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(frame.to_csv(index=False).encode("utf-8"))


def text_digest(texts: list[str]) -> str:
    """``text_sha256``: what the vectors were computed from (the model and every text, in order)."""
    return hashlib.sha256("\n".join([MODEL_NAME, *texts]).encode("utf-8")).hexdigest()


def embed_texts(texts: list[str], cached: Path) -> tuple[np.ndarray, str]:
    """float16 unit vectors for ``texts``, reusing ``cached`` vectors when the texts are unchanged."""
    digest = text_digest(texts)
    meta_path, vec_path = cached / "catalog.json", cached / "vectors.npy"
    if (meta_path.exists() and vec_path.exists()
            and json.loads(meta_path.read_text(encoding="utf-8")).get("text_sha256") == digest):
        print(f"  reusing vectors from {vec_path}", file=sys.stderr)
        return np.load(vec_path), digest
    started = time.time()
    def progress(done: int, total: int) -> None:
        print(f"\r  embedded {done}/{total}", end="", file=sys.stderr)

    vectors = Embedder().embed(texts, progress=progress)
    print(f"\n  {len(texts)} texts in {time.time() - started:.0f} s", file=sys.stderr)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float16), digest


BUILDERS = {
    "movies": (build_movies, movie_text, movie_extras),
    "books": (build_books, book_text, book_extras),
    "workshop": (build_workshop, dish_text, workshop_extras),
}


def build(name: str, data: Path, out: Path) -> None:
    """Build one catalog folder into ``out/name`` (via ``out/name.tmp``)."""
    build_items, to_text, extras = BUILDERS[name]
    print(f"{name}: reading {data}", file=sys.stderr)
    records, meta = build_items(data)
    vectors, digest = embed_texts([to_text(r["properties"]) for r in records], out / name)
    tmp = out / f"{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with open(tmp / "items.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    np.save(tmp / "vectors.npy", vectors)
    interactions = extras(data, tmp)
    meta.update({"id_property": "original_id", "embedding_model": MODEL_NAME, "dims": DIMS,
                 "count": len(records), "interactions": interactions, "text_sha256": digest,
                 "built_by": "scripts/build_samples.py"})
    if name in BEHAVIOUR:
        meta["behaviour"] = BEHAVIOUR[name]
    (tmp / "catalog.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.rmtree(out / name, ignore_errors=True)
    os.replace(tmp, out / name)
    print(f"{name}: wrote {len(records)} items to {out / name}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where catalogs are written")
    parser.add_argument("--only", choices=sorted(BUILDERS), action="append", help="build just these")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for name in args.only or list(BUILDERS):
        build(name, args.data.resolve(), args.out.resolve())


if __name__ == "__main__":
    main()
