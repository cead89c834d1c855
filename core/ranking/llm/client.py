"""The LLM edge: configuration and the one function that talks to an OpenAI-compatible server.

:class:`LLMClient.complete` is the agent's only I/O. In order, it

1. answers from the disk cache when it can (a cached :class:`CallRecord`, zero requests);
2. asks the process-wide :class:`CallBudget` (a refusal sends nothing);
3. calls ``chat.completions.create`` through the official ``openai`` client (its own retries off),
   with a strict JSON-schema ``response_format`` while the server accepts one; a server that
   rejects it (HTTP 400, 422 or 500 naming ``response_format``/``json_schema``) is asked once more without it,
   and the client remembers that for later calls (the prompts always describe the JSON in text);
4. retries 429, 5xx, timeouts and connection errors with exponential backoff, up to
   ``max_retries`` times;
5. records one :class:`CallRecord` and caches a non-empty reply.

When every attempt fails it raises :class:`LLMUnavailable` whose reason names the status or the
timeout, never the API key (server messages are scrubbed of it). An empty reply is returned as
``""``: the parser repairs it.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple


from core.configs import DEFAULT_BASE_URL, LLMConfig
from core.ranking.base import CallRecord, LLMUnavailable, RankContext
from core.ranking.llm.budget import CallBudget
from core.ranking.llm.cache import ResponseCache, cache_key
from core.ranking.llm.prompts import response_format_schema

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import openai

PLACEHOLDER_KEY = "no-key-needed"
"""Sent to keyless local servers (Ollama, vLLM, LM Studio): the client insists on some key."""
_RETRYABLE = {408, 409, 429}
_SECRETS = re.compile(r"\bsk-[A-Za-z0-9_\-*.]{3,}|(?<=Bearer )\S+", re.IGNORECASE)


class _Failure(NamedTuple):
    reason: str
    retryable: bool = False
    retry_after: float | None = None
    schema_rejected: bool = False


class LLMClient:
    """One OpenAI-compatible endpoint behind one call: :meth:`complete`.

    Create it once per process and share it: it owns the :class:`CallBudget` (pass ``budget`` to
    share one across clients) and remembers whether the server takes JSON schemas.
    """

    def __init__(self, config: LLMConfig, *, budget: CallBudget | None = None, cache: ResponseCache | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.perf_counter) -> None:
        if not config.configured:
            raise LLMUnavailable("no LLM configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a keyless "
                                 "local server (Ollama, vLLM, LM Studio)")
        self.config = config
        self.budget = budget if budget is not None else CallBudget(config.per_minute, config.per_day)
        self.cache = cache if cache is not None else ResponseCache(config.cache_dir)
        self.use_json_schema = config.use_json_schema
        self._sleep, self._clock = sleep, clock
        import openai  # imported here: it takes ~1 s, and most processes never call an LLM
        self._api = openai
        self._openai = openai.OpenAI(api_key=config.api_key or PLACEHOLDER_KEY,
                                     base_url=config.base_url or DEFAULT_BASE_URL,
                                     timeout=config.timeout_s, max_retries=0)

    def complete(self, messages: list[dict[str, str]], schema_kind: str, ctx: RankContext, stage: str) -> str:
        """The reply text for ``messages`` (cached, or fetched); :class:`LLMUnavailable` if none can be had."""
        start = self._clock()
        key = cache_key(self.config.model, messages, schema_kind)
        hit = self.cache.get(key)
        if hit is not None:
            ctx.record(CallRecord(stage, self._clock() - start, cached=True))
            return hit
        refusal = self.budget.try_acquire()
        if refusal is not None:
            # Appended directly: RankContext.record would count a request that was never sent.
            ctx.calls.append(CallRecord(stage, 0.0, attempts=0, error=refusal))
            raise LLMUnavailable(refusal)
        response, attempts, failure = self._request(messages, schema_kind)
        seconds = self._clock() - start
        if failure is not None:
            ctx.record(CallRecord(stage, seconds, attempts=attempts, error=failure))
            raise LLMUnavailable(failure)
        text, prompt_tokens, completion_tokens = _reply(response)
        ctx.record(CallRecord(stage, seconds, attempts=attempts, prompt_tokens=prompt_tokens,
                              completion_tokens=completion_tokens))
        if text:
            self.cache.put(key, text)
        return text

    def _request(self, messages: list[dict[str, str]], schema_kind: str) -> tuple[Any, int, str | None]:
        """(response, attempts, None) or (None, attempts, reason) after retries and backoff."""
        attempts = retries = 0
        while True:
            attempts += 1
            response, failure = self._attempt(messages, schema_kind)
            if failure is None:
                return response, attempts, None
            if failure.schema_rejected:
                continue
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            if not failure.retryable or retries >= self.config.max_retries:
                return None, attempts, failure.reason + suffix
            delay = self.config.backoff_s * 2 ** retries
            if failure.retry_after is not None:
                if failure.retry_after > self.config.timeout_s:
                    return None, attempts, f"{failure.reason}; the server asks to wait {failure.retry_after:g} s{suffix}"
                delay = max(delay, failure.retry_after)
            retries += 1
            self._sleep(delay)

    def _attempt(self, messages: list[dict[str, str]], schema_kind: str) -> tuple[Any, _Failure | None]:
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages}
        if self.use_json_schema:
            kwargs["response_format"] = response_format_schema(schema_kind)
        if self.config.max_tokens is not None:
            kwargs["max_tokens"] = self.config.max_tokens
        openai = self._api
        try:
            return self._openai.chat.completions.create(**kwargs), None
        except openai.APITimeoutError:
            return None, _Failure(f"the LLM server at {self.config.server} did not answer within the timeout "
                                  f"of {self.config.timeout_s:g} s", retryable=True)
        except openai.APIConnectionError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
            return None, _Failure(f"could not connect to the LLM server at {self.config.server} ({cause})",
                                  retryable=True)
        except openai.APIStatusError as exc:
            return None, self._status_failure(exc)
        except openai.OpenAIError as exc:
            return None, _Failure(f"the LLM server's reply could not be read ({type(exc).__name__})")

    def _status_failure(self, exc: openai.APIStatusError) -> _Failure:
        status, detail = exc.status_code, self._detail(exc)
        # llama-cpp-python's server answers a schema it does not know with HTTP 500 naming response_format
        if status in (400, 422, 500) and self.use_json_schema and _about_schema(detail, exc):
            log.info("%s rejected response_format (HTTP %s); using JSON in text from now on", self.config.server, status)
            self.use_json_schema = False
            return _Failure(f"HTTP {status}: response_format rejected", schema_rejected=True)
        reason = f"the LLM server at {self.config.server} answered HTTP {status}" + (f": {detail}" if detail else "")
        retryable = status in _RETRYABLE or status >= 500
        return _Failure(reason, retryable, _retry_after(exc) if retryable else None)

    def _detail(self, exc: openai.APIStatusError) -> str:
        body = exc.body
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        text = " ".join(str(message).split())[:200] if message else ""
        if self.config.api_key:
            text = text.replace(self.config.api_key, "***")
        return _SECRETS.sub("***", text)

    def __repr__(self) -> str:
        return f"LLMClient({self.config!r}, json_schema={self.use_json_schema})"


def _about_schema(detail: str, exc: openai.APIStatusError) -> bool:
    text = f"{detail} {getattr(exc, 'param', '') or ''}".lower()
    return any(w in text for w in ("response_format", "json_schema", "response format", "structured output"))


def _retry_after(exc: openai.APIStatusError) -> float | None:
    try:
        value = float(exc.response.headers.get("retry-after", ""))
    except (TypeError, ValueError, AttributeError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _reply(response: Any) -> tuple[str, int | None, int | None]:
    """Reply text (``""`` when missing) and token counts from a chat completion."""
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        content = None
    usage = getattr(response, "usage", None)
    return (content if isinstance(content, str) else "", getattr(usage, "prompt_tokens", None),
            getattr(usage, "completion_tokens", None))
