"""Exact search for the stub: vector distance, Okapi BM25 and hybrid fusion over the filtered objects.

The stub searches *exactly*: filters are applied first (pre-filtering) and every remaining object
is scored, so there is no HNSW approximation and no flat-search cutoff. Weaviate's answers on the
same data can differ only where its approximate index would miss a neighbour.

* Vector: cosine distance ``1 - cos`` (``dot``: ``-a.b``; ``l2-squared``: squared Euclidean),
  ascending, over the target vector named in the request (or the collection's only one).
* BM25: Okapi BM25 with the collection's ``k1``/``b`` (default 1.2 / 0.75) per property, summed over
  the properties searched (all text / text[] properties if none are named; ``title^2`` weighs a
  property), query tokens lower-cased words minus the ``en`` stopword preset. IDF
  ``ln(1 + (N - n + 0.5) / (n + 0.5))`` with N the objects in the collection. Objects with no
  matching token are not results.
* Hybrid: relativeScoreFusion (the default): each side's scores min-max normalised to [0, 1] over
  its top ``max(100, limit + offset)`` results (all equal -> 1), fused as
  ``alpha * vector + (1 - alpha) * bm25``; rankedFusion: ``sum weight / (60 + rank)``.
"""

from __future__ import annotations

import math

from .filters import tokens
from .schema import Collection, StoredObject

EN_STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with"])
HYBRID_CANDIDATES = 100


def distance(metric: str, a: list[float], b: list[float]) -> float:
    """The distance Weaviate reports for ``metric`` between two vectors."""
    if len(a) != len(b):
        raise ValueError(f"vector lengths don't match: {len(a)} vs {len(b)}")
    dot = sum(x * y for x, y in zip(a, b))
    if metric == "cosine":
        norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
        return 1.0 - (dot / norm if norm else 0.0)
    if metric == "dot":
        return -dot
    if metric == "l2-squared":
        return sum((x - y) ** 2 for x, y in zip(a, b))
    if metric == "manhattan":
        return sum(abs(x - y) for x, y in zip(a, b))
    raise ValueError(f"distance metric {metric!r} is not supported by this test stub")


def by_vector(coll: Collection, objs: list[StoredObject], vector: list[float], target: str,
              max_distance: float | None = None) -> list[tuple[StoredObject, float]]:
    """``(object, distance)`` ascending by distance over ``target``; objects without it are skipped."""
    metric = coll.distance_metric(target)
    scored = [(o, distance(metric, vector, o.vectors[target])) for o in objs if target in o.vectors]
    if max_distance is not None:
        scored = [(o, d) for o, d in scored if d <= max_distance]
    return sorted(scored, key=lambda pair: (pair[1], pair[0].doc_id))


def _weighted(names: list[str], coll: Collection) -> list[tuple[str, float]]:
    searchable = [p["name"] for p in coll.config["properties"]
                  if p["dataType"][0] in ("text", "text[]") and p.get("indexSearchable", True)]
    if not names:
        return [(n, 1.0) for n in searchable]
    out = []
    for name in names:
        base, _, weight = name.partition("^")
        if base not in coll.properties:
            raise ValueError(f"no such prop with name '{base}' found in class '{coll.name}' in the schema. "
                             "Check your schema files for which properties in this class are available")
        out.append((base, float(weight) if weight else 1.0))
    return out


def _prop_tokens(obj: StoredObject, prop: str, tokenization: str) -> list[str]:
    value = obj.properties.get(prop)
    values = value if isinstance(value, list) else ([] if value is None else [value])
    return [t for v in values for t in tokens(str(v), tokenization)]


def bm25(coll: Collection, objs: list[StoredObject], query: str, properties: list[str],
         require_all: bool = False) -> list[tuple[StoredObject, float]]:
    """``(object, score)`` descending by Okapi BM25 of ``query`` over ``properties``."""
    params = coll.config["invertedIndexConfig"]["bm25"]
    k1, b = float(params["k1"]), float(params["b"])
    every = list(coll.objects.values())
    scores: dict[str, float] = {}
    seen: dict[str, set[str]] = {}
    for prop, weight in _weighted(properties, coll):
        tokenization = coll.properties[prop].get("tokenization", "word")
        terms = [t for t in dict.fromkeys(tokens(query, tokenization)) if t not in EN_STOPWORDS]
        docs = {o.uuid: _prop_tokens(o, prop, tokenization) for o in every}
        avgdl = (sum(len(t) for t in docs.values()) / len(docs)) if docs else 0.0
        for term in terms:
            n = sum(1 for toks in docs.values() if term in toks)
            idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
            for obj in objs:
                toks = docs[obj.uuid]
                tf = toks.count(term)
                if tf:
                    norm = tf + k1 * (1 - b + b * len(toks) / avgdl)
                    scores[obj.uuid] = scores.get(obj.uuid, 0.0) + weight * idf * tf * (k1 + 1) / norm
                    seen.setdefault(obj.uuid, set()).add(term)
    if require_all:
        all_terms = {t for t in tokens(query) if t not in EN_STOPWORDS}
        scores = {u: s for u, s in scores.items() if seen.get(u, set()) >= all_terms}
    by_uuid = {o.uuid: o for o in objs}
    return sorted(((by_uuid[u], s) for u, s in scores.items()), key=lambda p: (-p[1], p[0].doc_id))


def relative_score_fusion(keyword: list[tuple[StoredObject, float]], vector: list[tuple[StoredObject, float]],
                          alpha: float) -> list[tuple[StoredObject, float]]:
    """Weaviate's relativeScoreFusion of BM25 scores and vector distances (alpha weighs the vector side)."""
    fused: dict[str, float] = {}
    objs: dict[str, StoredObject] = {}
    sides = [(keyword, 1.0 - alpha, False), (vector, alpha, True)]
    for results, weight, is_distance in sides:
        if not results or weight == 0:
            continue
        values = [(-v if is_distance else v) for _, v in results]
        low, high = min(values), max(values)
        for (obj, _), value in zip(results, values):
            normalized = (value - low) / (high - low) if high > low else 1.0
            fused[obj.uuid] = fused.get(obj.uuid, 0.0) + weight * normalized
            objs[obj.uuid] = obj
    return sorted(((objs[u], s) for u, s in fused.items()), key=lambda p: (-p[1], p[0].doc_id))


def ranked_fusion(keyword: list[tuple[StoredObject, float]], vector: list[tuple[StoredObject, float]],
                  alpha: float) -> list[tuple[StoredObject, float]]:
    """Weaviate's rankedFusion: ``weight / (60 + rank)`` summed over both result lists."""
    fused: dict[str, float] = {}
    objs: dict[str, StoredObject] = {}
    for results, weight in ((keyword, 1.0 - alpha), (vector, alpha)):
        for rank, (obj, _) in enumerate(results):
            fused[obj.uuid] = fused.get(obj.uuid, 0.0) + weight / (60 + rank)
            objs[obj.uuid] = obj
    return sorted(((objs[u], s) for u, s in fused.items()), key=lambda p: (-p[1], p[0].doc_id))

