"""The lab's cached resources, in one place: the sample library, the workspaces, the shared LLM agent,
the evaluation jobs.

Pages only read widgets, call ``core`` and render; everything expensive is created here once per
server process (``st.cache_resource``). The shipped samples are loaded once into one
:class:`core.SampleLibrary` and read by every workspace; each workspace is a file in the data
directory (``$PERSONALIZATION_LAB_DATA``, see :func:`core.default_data_dir`), so personas,
interactions and uploaded catalogs survive a reload and a server restart. A workspace nobody used
for ``$PERSONALIZATION_LAB_IDLE_MINUTES`` (default 30) is closed and reopened on demand. Evaluation
jobs run in background threads and are found again by workspace and collection (:func:`eval_jobs`).
"""

from __future__ import annotations

import os

import streamlit as st

from core import (InvalidInputError, JobRegistry, LLMConfig, LLMRanker, SampleLibrary, Workspaces, ann_config,
                  blas_threads_from_env, default_data_dir, set_blas_threads, vector_search_from_env)

DEFAULT_SAMPLE = "movies"
IDLE_ENV = "PERSONALIZATION_LAB_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
EVAL_JOBS_ENV = "PERSONALIZATION_LAB_EVAL_JOBS"
DEFAULT_EVAL_JOBS = 1
DEFAULT_BLAS_THREADS = None
"""The libraries' own thread count (one per core) unless ``$PERSONALIZATION_BLAS_THREADS`` says otherwise."""


@st.cache_resource(show_spinner=False)
def request_blas() -> str | None:
    """Once per server: every BLAS library at ``$PERSONALIZATION_BLAS_THREADS`` threads, if it is set. ``1``
    suits a shared or busy server: sessions are served concurrently and OpenBLAS serves one caller's
    parallel work at a time, so each request then waits for the pool (README, "Latency": 2.6x faster at
    10k items under load, slower on an idle machine). A bad value: the message, and nothing is changed."""
    try:
        threads, problem = blas_threads_from_env(DEFAULT_BLAS_THREADS), None
    except InvalidInputError as exc:
        threads, problem = DEFAULT_BLAS_THREADS, f"{exc}; the BLAS libraries keep their own thread count"
    if threads is not None:
        set_blas_threads(threads)
    return problem


@st.cache_resource(show_spinner=False)
def library() -> SampleLibrary:
    """The shipped catalogs, each loaded on first use and shared read-only by every workspace."""
    return SampleLibrary()


@st.cache_resource(show_spinner=False)
def workspaces() -> Workspaces:
    """Every workspace of this server, in the data directory, searched as ``$PERSONALIZATION_VECTOR_SEARCH``
    says (:func:`vector_search`)."""
    mode, _ = vector_search()
    return Workspaces(default_data_dir(), library(), idle_seconds=idle_minutes() * 60, ann=ann_config(mode))


@st.cache_resource(show_spinner=False)
def vector_search() -> tuple[str, str | None]:
    """Once per server: the workspaces' vector search mode (``auto`` unless ``$PERSONALIZATION_VECTOR_SEARCH``
    names another; an index is built in the background and requests are answered exactly until it is ready)
    and the problem with a bad value (then ``auto``)."""
    try:
        return vector_search_from_env(), None
    except InvalidInputError as exc:
        return "auto", f"{exc}; the workspaces use auto"


def idle_minutes() -> float:
    raw = os.environ.get(IDLE_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        value = DEFAULT_IDLE_MINUTES
    return value if value > 0 else DEFAULT_IDLE_MINUTES


def default_collection() -> str:
    """The collection a new workspace opens on: the MovieLens sample's, else any sample's."""
    names = library().names()
    try:
        return library().collection_of(DEFAULT_SAMPLE)
    except LookupError:
        return min(names) if names else ""


@st.cache_resource(show_spinner=False)
def shared_llm() -> LLMRanker | LLMConfig:
    """The LLM agent configured by the server's environment, shared so its call budget and cache
    cover every session; an unconfigured ``LLMConfig`` when there is none (the local agent ranks)."""
    config = LLMConfig.from_env()
    return LLMRanker(config) if config.configured else config


def session_llm(api_key: str, base_url: str | None, model: str | None) -> LLMRanker:
    """A new LLM agent for a key typed into one session (``lab.state`` keeps it in that session's
    memory only, so its call budget and what it learned about the server last as long as the session)."""
    overrides = {"api_key": api_key, "base_url": base_url or None}
    if model:
        overrides["model"] = model
    return LLMRanker(LLMConfig.from_env(**overrides))


@st.cache_resource(show_spinner=False)
def eval_jobs() -> JobRegistry:
    """Every session's evaluation jobs, by ``(workspace key, collection)``: a reload or a second tab of
    the same workspace finds its job. At most ``$PERSONALIZATION_LAB_EVAL_JOBS`` (default 1) run at
    once on the server and the others queue: each job competes with the sessions being served for
    the same Python interpreter, so a second one would slow every page down without finishing sooner."""
    raw = os.environ.get(EVAL_JOBS_ENV, "").strip()
    return JobRegistry(max_running=int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_EVAL_JOBS)
