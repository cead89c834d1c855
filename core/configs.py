"""Every engine config in one place: frozen pydantic models, validated at construction.

A config is valid when built or never: unknown fields are rejected, numbers are range-checked
(numpy numbers are accepted and stored as plain ``int`` / ``float``), and each error is an
:class:`~core.errors.InvalidInputError` naming the class, the field and the bad value. Per-call
options live in :mod:`core.models.options`.

``model_dump(mode="json")`` of a config is what a response's ``config`` trace step records;
``Config.model_validate(dump)`` rebuilds it. :class:`LLMConfig` leaves ``api_key`` out of its
repr and of every dump (a replay reads the key from the environment again), and masks any
credentials in ``base_url`` (``user:password@``, query values) in its repr and JSON dumps.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from pydantic import BeforeValidator, Field, ValidationInfo, field_serializer, field_validator

from core.errors import InvalidInputError
from core.models.fields import Config, Flag, Int, OptionalInt, OptionalReal, Real
from core.models.options import BlendWeights

DEFAULT_HALF_LIFE_DAYS = 30.0
"""Days for a full-weight interaction to halve at ``decay_rate`` 1 (see :mod:`core.retrieval.profile`)."""
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CACHE_DIR = Path("~/.cache/personalization-lab/llm")


class StrategyConfig(Config):
    """Tunables shared by the retrieval strategies (see :mod:`core.retrieval.strategies`)."""

    negative_weight: Real(0, None) = 0.5
    """``beta``: how much dislikes subtract."""
    max_interests: Int(1, 100) = 3
    items_per_interest: Int(1) = 4
    kmeans_iterations: Int(1, 1000) = 10


class PipelineConfig(Config):
    """Engine-wide tunables of the vector stage (per-call options live in ``GetObjectsOptions``)."""

    half_life_days: Real(positive=True, unit="of days") = DEFAULT_HALF_LIFE_DAYS
    property_weight: Real(0, None) = 0.1
    popularity_weight: Real(0, 10) = 0.5
    cold_start_popularity_weight: Real(0, None) = 2.0
    """Cold start: the weight of popularity, the base of the list (see :mod:`core.retrieval.cold_start`)."""
    cold_start_bm25_weight: Real(0, None) = 0.1
    """Cold start: how much a BM25 match of the persona's terms lifts an item."""
    pool_factor: Int(1, 1000) = 3
    min_pool: Int(1, 100_000) = 30
    strategy: StrategyConfig = Field(default_factory=StrategyConfig)


class AnnConfig(Config):
    """The embedded store's approximate candidate stage (:mod:`core.store.embedded.ann`; thresholds measured
    by ``benchmarks/bench_ann.py``). Candidates come from a faiss index and are re-scored exactly."""

    enabled: Flag = True
    """False: always exact. Without faiss installed the store is exact whatever this says."""
    kind: Literal["auto", "hnsw", "ivf"] = "auto"
    """``hnsw``: HNSW over 8-bit codes; ``ivf``: IVF over 8-bit codes (builds ~4x faster); ``auto``: hnsw
    below ``ivf_rows`` rows, else ivf."""
    ivf_rows: Int(1) = 500_000
    min_rows: Int(1) = 200_000
    """A one-query search (centroid, near_vectors) uses the index from this many rows."""
    min_rows_multi: Int(1) = 50_000
    """A several-query search (knn, multi_interest, the local agent's batched searches) uses it from this many rows."""
    few_rows: Int(0) = 20_000
    """Exact (over the passing rows only) when a filter leaves at most this many rows."""
    ef_search: Int(1, 4096) = 128
    nprobe: Int(1, 4096) = 32
    hnsw_m: Int(4, 128) = 16
    build: Literal["background", "sync"] = "background"
    """``background``: the first search that wants an index starts its build and is answered exactly, as is
    every search until it is ready; ``sync``: that search waits for the build (tests, scripts)."""
    tail_rows: Int(1) = 50_000
    """Rows appended after a build are scanned exactly; this many start a rebuild."""


class AgentConfig(Config):
    """Tunables of agent ranking (see :mod:`core.ranking.pipeline`)."""

    pool_factor: Int(1, 1000) = 3
    min_pool: Int(1, 1000) = 20
    max_searches: Int(0, 20) = 3
    planning: Flag = True
    search_limit: OptionalInt(1, 1000) = None
    """Results per extra search (default: ``limit``), times the search's own ``depth`` (usually 1)."""
    hybrid_alpha: Real(0, 1) = 0.5


LOCAL_COMPONENTS = ("like", "dislike", "instruction", "popularity", "property", "fit", "conflict")
"""The local agent's fusion components, in the column order of its weights."""
LOCAL_LABELS = ("like similarity", "dislike penalty", "instruction similarity", "popularity", "property match",
                "instruction fit", "instruction conflict")
LOCAL_SIGNS = np.array([1.0, -1.0, 1.0, 1.0, 1.0, 1.0, -1.0])
_INSTRUCTION_ONLY = ("instruction similarity", "instruction fit", "instruction conflict")


BLEND_MMR_LAMBDA = 0.95
"""The local agent's MMR trade-off over a ``blend`` pool: its relevance already ranks close to the
held-out likes, and diversity at 0.8 cost NDCG@10 (movies validation, 300 users, paired against
vector-only: 0.8 -0.0036, 0.9 -0.0013, 0.95 -0.0000)."""


class LocalRankerConfig(Config):
    """Fusion weights (all >= 0), the MMR trade-off and the smallest contribution worth a mention."""

    like: Real(0, None) = 1.0
    dislike: Real(0, None) = 1.0
    instruction: Real(0, None) = 3.0
    popularity: Real(0, None) = 0.5
    property: Real(0, None) = 0.1
    fit: Real(0, None) = 1.0
    """Weight of the share of the concepts the instruction asks for that an item's catalog values carry."""
    conflict: Real(0, None) = 2.0
    """Penalty for carrying a catalog value the instruction rules out."""
    instruction_with_values: Real(0, None) = 0.5
    """The instruction similarity's weight (instead of ``instruction``) when the instruction was matched to
    catalog values of the candidates: fit and conflict then carry what it asks, and the persona orders
    what fits."""
    mmr_lambda: Real(0, 1) = 0.8
    mention_threshold: Real(0, None) = 0.01

    def weights(self, instruction_given: bool, values_matched: bool = False) -> np.ndarray:
        """The weight of each of :data:`LOCAL_COMPONENTS`; the instruction's three are 0 without an
        instruction, and its similarity weighs ``instruction_with_values`` when ``values_matched``."""
        on = 1.0 if instruction_given else 0.0
        similarity = self.instruction_with_values if values_matched else self.instruction
        w = [self.like, self.dislike, similarity * on, self.popularity, self.property, self.fit * on,
             self.conflict * on]
        return np.array(w, dtype=np.float64)

    def formula(self, instruction_given: bool, values_matched: bool = False) -> str:
        """The relevance formula with these weights, as the rationale quotes it (no instruction terms without one)."""
        terms = [f"{'−' if sign < 0 else '+'} {w:g} × {label}"
                 for label, sign, w in zip(LOCAL_LABELS, LOCAL_SIGNS, self.weights(instruction_given, values_matched))
                 if w or label not in _INSTRUCTION_ONLY]
        return " ".join(terms).lstrip("+ ")


def _text_or_none(value: Any, info: ValidationInfo) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{info.field_name} must be a string or None, got {type(value).__name__}")
    return value.strip() or None if value else None


def _model_name(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"model must be a non-empty model name, got {value!r}")
    return value


OptionalText = Annotated[str | None, BeforeValidator(_text_or_none)]
MASK = "***"


def mask_url(url: str | None) -> str | None:
    """``url`` with its password and every query value replaced by ``***`` (for reprs, logs and dumps)."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:  # not a URL we can take apart: show nothing of it
        return MASK
    host = parts.netloc.rpartition("@")[2]
    userinfo = f"{user}:{MASK}@" if password is not None else (f"{MASK}@" if user else "")
    query = urlencode([(k, MASK) for k, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, userinfo + host, parts.path, query, ""))


class LLMConfig(Config):
    """Which OpenAI-compatible server and model to use, and how patiently.

    ``api_key`` never appears in ``repr``/``str`` and is excluded from ``model_dump``.
    """

    api_key: OptionalText = Field(default=None, repr=False, exclude=True)
    base_url: OptionalText = None
    model: Annotated[str, BeforeValidator(_model_name)] = DEFAULT_MODEL
    timeout_s: Real(positive=True, unit="of seconds") = 20.0
    """The most one attempt may take, from connecting to the last byte of the reply."""
    max_retries: Int(0, 10) = 2
    backoff_s: Real(0, None) = 0.5
    deadline_s: OptionalReal(0.001) = None
    """The most one call may take over all its attempts and waits; None: ``timeout_s`` per attempt
    plus the backoff waits (see :attr:`deadline`)."""
    max_reply_bytes: Int(1024) = 1_000_000
    """The largest reply body read; a larger one is refused after this many bytes (a rerank reply of
    30 candidates with reasons is about 5 KB)."""
    cache_max_bytes: Int(0) = 50_000_000
    """The size the reply cache is kept under by evicting its least recently used entries."""
    use_json_schema: Flag = True
    """Ask for a strict JSON schema first; False starts in JSON mode (``json_object``). A server that
    rejects a format is asked with the next one, down to plain text (see :mod:`core.ranking.llm.client`)."""
    cache_dir: Path | None = None
    per_minute: OptionalInt(1) = None
    per_day: OptionalInt(1) = None
    max_tokens: OptionalInt(1) = None
    """Completion tokens per call (sent as ``max_tokens``); None leaves it to the server. A cap makes
    the cost of a run boundable up front (:mod:`core.eval.agent_cost`)."""

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _cache_dir(cls, value: Any) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise InvalidInputError(f"cache_dir must be a path or None, got {type(value).__name__}")
        return Path(value).expanduser()

    @field_serializer("base_url", when_used="json")
    def _masked_base_url(self, value: str | None) -> str | None:
        return mask_url(value)

    def __repr_args__(self):
        for name, value in super().__repr_args__():
            yield name, mask_url(value) if name == "base_url" else value

    @property
    def deadline(self) -> float:
        """Seconds one call may take in all: ``deadline_s``, or every attempt's timeout plus the backoff."""
        if self.deadline_s is not None:
            return self.deadline_s
        return self.timeout_s * (self.max_retries + 1) + self.backoff_s * (2 ** self.max_retries - 1)

    @classmethod
    def from_env(cls, **overrides: Any) -> LLMConfig:
        """Read OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL and PERSONALIZATION_LLM_CACHE; overrides win."""
        env = os.environ
        values = {"api_key": env.get("OPENAI_API_KEY") or None, "base_url": env.get("OPENAI_BASE_URL") or None,
                  "model": env.get("OPENAI_MODEL") or DEFAULT_MODEL,
                  "cache_dir": Path(env.get("PERSONALIZATION_LLM_CACHE") or DEFAULT_CACHE_DIR)}
        return cls(**{**values, **overrides})

    @property
    def configured(self) -> bool:
        """True with an API key, or with a base URL alone (a keyless local server)."""
        return bool(self.api_key or self.base_url)

    @property
    def server(self) -> str:
        """The server's host (and port) for messages: no path, query or credentials."""
        parts = urlsplit(self.base_url or DEFAULT_BASE_URL)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


__all__ = ["AgentConfig", "BLEND_MMR_LAMBDA", "BlendWeights", "DEFAULT_BASE_URL", "DEFAULT_HALF_LIFE_DAYS", "DEFAULT_CACHE_DIR", "DEFAULT_MODEL", "LLMConfig", "LOCAL_COMPONENTS",
           "LOCAL_LABELS", "LOCAL_SIGNS", "LocalRankerConfig", "PipelineConfig", "StrategyConfig"]
