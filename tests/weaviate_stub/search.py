"""Answering a gRPC ``SearchRequest``: filter, search (fetch / near_vector / near_text / bm25 / hybrid), page,
encode. ``near_text`` runs on collections vectorized by ``text2vec-transformers`` (:mod:`.vectorize`).

Fetching without a search orders objects by uuid when there is no filter (Weaviate walks its
objects bucket, keyed by uuid) and by insertion (doc id) with a filter (the inverted index's order);
``after`` is the cursor: objects with a uuid above it, in uuid order, and like Weaviate it may not be
combined with a filter, ``offset`` or a sort. ``limit`` 0 means Weaviate's default of 10.
"""

from __future__ import annotations

from weaviate.proto.v1 import base_search_pb2, search_get_pb2

from . import boost, ranking, vectorize
from .encode import query_vector, search_result
from .filters import check, matches
from .schema import Collection, SchemaError, StoredObject

DEFAULT_LIMIT = 10
Hybrid = base_search_pb2.Hybrid


def filtered(coll: Collection, flt) -> list[StoredObject]:
    """The collection's objects passing ``flt`` (all of them for no filter), in doc-id order."""
    objs = sorted(coll.objects.values(), key=lambda o: o.doc_id)
    if flt is None:
        return objs
    check(flt, coll)
    return [o for o in objs if matches(flt, o, coll)]


def _target(coll: Collection, names: list[str], targets) -> str:
    wanted = list(names) or list(targets.target_vectors)
    available = coll.vector_names
    if not wanted:
        if len(available) != 1:
            raise SchemaError(f"multiple vectors configured for class {coll.name!r}: specify target vector(s) "
                              f"out of {available}")
        return available[0]
    if len(wanted) > 1:
        raise SchemaError("multi-target vector search is not supported by this test stub")
    if wanted[0] not in available:
        raise SchemaError(f"target vector {wanted[0]!r} not found in class {coll.name!r}; "
                          f"available: {available}")
    return wanted[0]


def _near_vector(coll, objs, msg) -> list[tuple[StoredObject, dict]]:
    vector, per_target = query_vector(msg)
    target = _target(coll, list(msg.target_vectors), msg.targets)
    vector = per_target.get(target, vector)
    if vector is None:
        raise SchemaError("near_vector: no vector given")
    return _by_distance(coll, objs, vector, target, msg)


def _by_distance(coll, objs, vector, target: str, msg) -> list[tuple[StoredObject, dict]]:
    """Objects by distance to ``vector``, cut at the message's ``distance`` / ``certainty``."""
    max_distance = msg.distance if msg.HasField("distance") else None
    if msg.HasField("certainty"):
        max_distance = 2 * (1 - msg.certainty)
    ranked = ranking.by_vector(coll, objs, vector, target, max_distance)
    return [(o, {"distance": d, "certainty": 1 - d / 2}) for o, d in ranked]


def _near_text(coll, objs, msg, headers: dict[str, str]) -> list[tuple[StoredObject, dict]]:
    target = _target(coll, list(msg.target_vectors), msg.targets)
    return _by_distance(coll, objs, vectorize.query_vector(coll, msg, target, headers), target, msg)


def _bm25(coll, objs, msg) -> list[tuple[StoredObject, dict]]:
    require_all = msg.HasField("search_operator") and msg.search_operator.operator == \
        base_search_pb2.SearchOperatorOptions.OPERATOR_AND
    ranked = ranking.bm25(coll, objs, msg.query, list(msg.properties), require_all)
    return [(o, {"score": s}) for o, s in ranked]


def _hybrid(coll, objs, msg: base_search_pb2.Hybrid, window: int,
            headers: dict[str, str]) -> list[tuple[StoredObject, dict]]:
    alpha = msg.alpha_param if msg.use_alpha_param else msg.alpha
    require_all = msg.HasField("bm25_search_operator") and msg.bm25_search_operator.operator == \
        base_search_pb2.SearchOperatorOptions.OPERATOR_AND
    keyword = ranking.bm25(coll, objs, msg.query, list(msg.properties), require_all)[:window] if alpha < 1 else []
    vector_side: list = []
    if alpha > 0:
        source = msg.near_vector if msg.HasField("near_vector") else msg
        vector, per_target = query_vector(source)
        target = _target(coll, list(msg.target_vectors), msg.targets)
        vector = per_target.get(target, vector)
        if vector is None and msg.query and vectorize.module_of(coll, target)[0]:  # the module embeds the query
            vector = vectorize.query_text_vector(coll, msg.query, target, headers)
        if vector is None:
            raise SchemaError(f"no vectorizer configured for target vector {target!r} of class {coll.name!r}: "
                              "hybrid search needs a vector (or alpha 0)")
        max_distance = msg.vector_distance if msg.HasField("vector_distance") else None
        vector_side = ranking.by_vector(coll, objs, vector, target, max_distance)[:window]
    fuse = ranking.ranked_fusion if msg.fusion_type == Hybrid.FUSION_TYPE_RANKED else ranking.relative_score_fusion
    return [(o, {"score": s}) for o, s in fuse(keyword, vector_side, alpha)]


def _sort(objs: list[StoredObject], sort_by, coll: Collection) -> list[StoredObject]:
    for sort in reversed(list(sort_by)):
        prop = sort.path[0]
        if prop not in coll.properties and prop not in ("_id", "_creationTimeUnix"):
            raise SchemaError(f"no such prop with name '{prop}' found in class '{coll.name}' in the schema")
        key = {"_id": lambda o: o.uuid, "_creationTimeUnix": lambda o: o.created_ms}.get(
            prop, lambda o, p=prop: (o.properties.get(p) is not None, o.properties.get(p)))
        objs = sorted(objs, key=key, reverse=not sort.ascending)
    return objs


def _fetch(coll: Collection, request: search_get_pb2.SearchRequest) -> list[tuple[StoredObject, dict]]:
    has_filter = request.HasField("filters")
    if request.after:
        if has_filter or request.offset or len(request.sort_by):
            raise SchemaError("explorer: list objects: invalid 'after' parameter: other params cannot be set "
                              "in addition to 'after': offset, sort, where")
        objs = sorted((o for o in coll.objects.values() if o.uuid > request.after.lower()), key=lambda o: o.uuid)
    else:
        objs = filtered(coll, request.filters if has_filter else None)
        objs = _sort(objs, request.sort_by, coll) if len(request.sort_by) else (
            objs if has_filter else sorted(objs, key=lambda o: o.uuid))
    return [(o, {}) for o in objs]


def run(coll: Collection, request: search_get_pb2.SearchRequest, headers: dict[str, str] | None = None, *,
        boosts: bool = False) -> search_get_pb2.SearchReply:
    """The reply to ``request`` over ``coll`` (``headers``: the call's metadata, for vectorizer modules' keys;
    ``boosts``: the stub's version has query-time boosts, >= 1.38)."""
    limit = request.limit or DEFAULT_LIMIT
    window = max(ranking.HYBRID_CANDIDATES, limit + request.offset)
    if any(request.HasField(f) for f in ("near_object", "group_by", "rerank")):
        raise SchemaError("this search is not supported by this test stub (near_vector, near_text, bm25, hybrid "
                          "and fetch are; no near_object, group_by or rerank)")
    if request.HasField("boost") and not boosts:
        raise SchemaError("boost is not supported by this test stub (server < 1.38)")
    if request.HasField("near_text"):
        hits = _near_text(coll, filtered(coll, _filters(request)), request.near_text, headers or {})
    elif request.HasField("near_vector"):
        hits = _near_vector(coll, filtered(coll, _filters(request)), request.near_vector)
    elif request.HasField("bm25_search"):
        hits = _bm25(coll, filtered(coll, _filters(request)), request.bm25_search)
    elif request.HasField("hybrid_search"):
        hits = _hybrid(coll, filtered(coll, _filters(request)), request.hybrid_search, window,
                        headers or {})
    else:
        hits = _fetch(coll, request)
    if request.HasField("boost"):
        if not any(request.HasField(f) for f in ("near_vector", "near_text", "bm25_search", "hybrid_search")):
            raise SchemaError("boost needs a search (near_vector, near_text, bm25 or hybrid) in this test stub")
        primary = [-extra["distance"] if "distance" in extra else extra["score"] for _, extra in hits]
        hits = boost.apply(request.boost, coll, hits, primary, limit + request.offset)
    page = hits[request.offset:request.offset + limit]
    types = {name: spec["dataType"][0] for name, spec in coll.properties.items()}
    return search_get_pb2.SearchReply(took=0.001, results=[search_result(o, coll.name, types, request, extra)
                                                           for o, extra in page])


def _filters(request):
    return request.filters if request.HasField("filters") else None
