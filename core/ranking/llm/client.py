"""The LLM edge: configuration and the one function that talks to an OpenAI-compatible server.

:class:`LLMClient.complete` is the agent's only I/O. In order, it

1. answers from the disk cache when it can (a cached :class:`CallRecord`, zero requests);
2. asks the process-wide :class:`CallBudget` (a refusal sends nothing);
3. calls ``chat.completions.create`` through the official ``openai`` client (its own retries off)
   over a :class:`~core.ranking.llm.transport.BoundedTransport`: each attempt ends within
   ``timeout_s`` or what is left of the call's :attr:`~core.configs.LLMConfig.deadline`, whichever
   is sooner, and reads at most ``max_reply_bytes``;
4. asks for a strict JSON-schema ``response_format`` while the server accepts one, then JSON mode
   (``json_object``, with the schema as ``schema``: llama-cpp-python's server, which answers
   ``json_schema`` with HTTP 500, turns that into a grammar), then plain text: a server that rejects a format (HTTP 400, 422 or 500 naming
   ``response_format``/``json_schema``) is asked once more with the next, and the client remembers
   that for later calls (the prompts always describe the JSON in text);
5. retries 429, 5xx, timeouts and connection errors with exponential backoff, up to
   ``max_retries`` times, while the deadline leaves time;
6. records one :class:`CallRecord` and caches the reply if ``keep(text)`` says it is sound (every
   non-empty reply without ``keep``): a failure is never cached.

When no usable reply comes (every attempt failed, a body that is not JSON or nested too deeply, a
completion without a choice or with empty content) it raises :class:`LLMUnavailable` whose reason
says what happened and never holds the API key or a piece of it (:func:`~core.ranking.llm.scrub.scrub`).
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
from core.ranking.llm.scrub import scrub

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import openai

PLACEHOLDER_KEY = "no-key-needed"
"""Sent to keyless local servers (Ollama, vLLM, LM Studio): the client insists on some key."""
REPLY_FORMATS = ("json_schema", "json_object", "text")
"""The ``response_format`` asked for, best first; a server that rejects one gets the next."""
_RETRYABLE = {408, 409, 429}
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Failure(NamedTuple):
    reason: str
    retryable: bool = False
    retry_after: float | None = None
    format_rejected: bool = False


class LLMClient:
    """One OpenAI-compatible endpoint behind one call: :meth:`complete`.

    Create it once per process and share it: it owns the :class:`CallBudget` (pass ``budget`` to
    share one across clients) and remembers which reply format the server takes.
    """

    def __init__(self, config: LLMConfig, *, budget: CallBudget | None = None, cache: ResponseCache | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.perf_counter) -> None:
        if not config.configured:
            raise LLMUnavailable("no LLM configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a keyless "
                                 "local server (Ollama, vLLM, LM Studio)")
        self.config = config
        self.budget = budget if budget is not None else CallBudget(config.per_minute, config.per_day)
        self.cache = cache if cache is not None else ResponseCache(config.cache_dir, config.cache_max_bytes)
        self.reply_format = REPLY_FORMATS[0] if config.use_json_schema else REPLY_FORMATS[1]
        self._sleep, self._clock = sleep, clock
        import httpx
        import openai  # imported here: it takes ~1 s, and most processes never call an LLM

        from core.ranking.llm.transport import BoundedTransport
        self._api = openai
        http = httpx.Client(transport=BoundedTransport(config.max_reply_bytes), trust_env=False)
        self._openai = openai.OpenAI(api_key=config.api_key or PLACEHOLDER_KEY,
                                     base_url=config.base_url or DEFAULT_BASE_URL,
                                     timeout=config.timeout_s, max_retries=0, http_client=http)

    @property
    def use_json_schema(self) -> bool:
        """Whether the next call asks for a strict JSON schema (False once the server rejected one)."""
        return self.reply_format == "json_schema"

    def complete(self, messages: list[dict[str, str]], schema_kind: str, ctx: RankContext, stage: str, *,
                 keep: Callable[[str], bool] | None = None) -> str:
        """The reply text for ``messages`` (cached, or fetched); :class:`LLMUnavailable` if none can be had."""
        start = self._clock()
        messages = [{**m, "content": _sendable(m.get("content"))} for m in messages]
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
        response, attempts, failure = self._request(messages, schema_kind, start + self.config.deadline)
        text, prompt_tokens, completion_tokens = _reply(response)
        if failure is None and not text.strip():
            failure = f"the LLM server at {self.config.server} sent {_emptiness(response)}"
        ctx.record(CallRecord(stage, self._clock() - start, attempts=attempts, prompt_tokens=prompt_tokens,
                              completion_tokens=completion_tokens, error=failure))
        if failure is not None:
            raise LLMUnavailable(failure)
        if keep(text) if keep is not None else True:
            self.cache.put(key, text)
        return text

    def _request(self, messages: list[dict[str, str]], schema_kind: str, deadline: float) -> tuple[Any, int, str | None]:
        """(response, attempts, None) or (None, attempts, reason) after retries and backoff, by ``deadline``."""
        attempts = retries = 0
        while True:
            left = deadline - self._clock()
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            if left <= 0:
                return None, attempts, f"{self._out_of_time()}{suffix}"
            attempts += 1
            response, failure = self._attempt(messages, schema_kind, min(self.config.timeout_s, left))
            if failure is None:
                return response, attempts, None
            if failure.format_rejected:
                continue
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            if not failure.retryable or retries >= self.config.max_retries:
                return None, attempts, failure.reason + suffix
            delay = self.config.backoff_s * 2 ** retries
            if failure.retry_after is not None:
                if failure.retry_after > self.config.timeout_s:
                    return None, attempts, f"{failure.reason}; the server asks to wait {failure.retry_after:g} s{suffix}"
                delay = max(delay, failure.retry_after)
            if delay >= deadline - self._clock():
                return None, attempts, f"{failure.reason}{suffix}; no time left for a retry within {self._deadline()}"
            retries += 1
            self._sleep(delay)

    def _attempt(self, messages: list[dict[str, str]], schema_kind: str, timeout: float) -> tuple[Any, _Failure | None]:
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": messages, "timeout": timeout}
        if self.reply_format == "json_schema":
            kwargs["response_format"] = response_format_schema(schema_kind)
        elif self.reply_format == "json_object":  # the schema rides along: llama.cpp's servers enforce it
            kwargs["response_format"] = {"type": "json_object",
                                         "schema": response_format_schema(schema_kind)["json_schema"]["schema"]}
        if self.config.max_tokens is not None:
            kwargs["max_tokens"] = self.config.max_tokens
        openai = self._api
        try:
            return self._openai.chat.completions.create(**kwargs), None
        except openai.APITimeoutError:
            # the call's deadline cut this attempt short, or (within rounding) the attempt's own timeout
            limit = f"the timeout of {self.config.timeout_s:g} s" if timeout >= 0.99 * self.config.timeout_s \
                else f"the {timeout:.3g} s left of {self._deadline()}"
            return None, _Failure(f"the LLM server at {self.config.server} did not answer within {limit}",
                                  retryable=True)
        except openai.APIConnectionError as exc:
            return None, self._connection_failure(exc)
        except openai.APIStatusError as exc:
            return None, self._status_failure(exc)
        except openai.OpenAIError as exc:
            return None, _Failure(f"the LLM server's reply could not be read ({type(exc).__name__})")
        except RecursionError:
            return None, _Failure(f"the LLM server at {self.config.server} sent a reply nested too deeply to read")
        except ValueError as exc:  # the SDK's JSON decoding of a 200 body
            return None, _Failure(f"the LLM server at {self.config.server} sent a reply that is not valid JSON "
                                  f"({type(exc).__name__})")

    def _connection_failure(self, exc: openai.APIConnectionError) -> _Failure:
        from core.ranking.llm.transport import ReplyTooLarge
        cause = exc.__cause__
        if isinstance(cause, ReplyTooLarge):
            return _Failure(f"the LLM server at {self.config.server} sent too large a reply: {cause}")
        name = type(cause).__name__ if cause else "connection error"
        return _Failure(f"could not connect to the LLM server at {self.config.server} ({name})", retryable=True)

    def _status_failure(self, exc: openai.APIStatusError) -> _Failure:
        status, detail = exc.status_code, self._detail(exc)
        # llama-cpp-python's server answers a schema it does not know with HTTP 500 naming response_format
        if status in (400, 422, 500) and self.reply_format != "text" and _about_schema(detail, exc):
            rejected, self.reply_format = self.reply_format, REPLY_FORMATS[REPLY_FORMATS.index(self.reply_format) + 1]
            log.info("%s rejected response_format %s (HTTP %s); asking for %s from now on", self.config.server,
                     rejected, status, self.reply_format)
            return _Failure(f"HTTP {status}: response_format {rejected} rejected", format_rejected=True)
        reason = f"the LLM server at {self.config.server} answered HTTP {status}" + (f": {detail}" if detail else "")
        retryable = status in _RETRYABLE or status >= 500
        return _Failure(reason, retryable, _retry_after(exc) if retryable else None)

    def _detail(self, exc: openai.APIStatusError) -> str:
        body = exc.body
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else error
        text = " ".join(str(message).split())[:200] if message else ""
        return scrub(text, self.config.api_key)

    def _deadline(self) -> str:
        return f"the deadline of {self.config.deadline:g} s"

    def _out_of_time(self) -> str:
        return f"the LLM server at {self.config.server} did not answer within {self._deadline()}"

    def __repr__(self) -> str:
        return f"LLMClient({self.config!r}, reply_format={self.reply_format!r})"


def _sendable(text: Any) -> Any:
    """``text`` with lone surrogates (which no UTF-8 request can carry) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if isinstance(text, str) else text


def _about_schema(detail: str, exc: openai.APIStatusError) -> bool:
    text = f"{detail} {getattr(exc, 'param', '') or ''}".lower()
    return any(w in text for w in ("response_format", "json_schema", "json_object", "response format",
                                   "structured output"))


def _retry_after(exc: openai.APIStatusError) -> float | None:
    try:
        value = float(exc.response.headers.get("retry-after", ""))
    except (TypeError, ValueError, AttributeError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _reply(response: Any) -> tuple[str, int | None, int | None]:
    """Reply text (``""`` when missing) and token counts from a chat completion (None: no response)."""
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, TypeError, KeyError):
        content = None
    usage = getattr(response, "usage", None)
    tokens = [getattr(usage, name, None) for name in ("prompt_tokens", "completion_tokens")]
    tokens = [t if isinstance(t, int) and not isinstance(t, bool) and t >= 0 else None for t in tokens]
    return (content if isinstance(content, str) else "", *tokens)


def _emptiness(response: Any) -> str:
    """What was missing from a 200 reply without text: the choices, or the content of the first."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        return "a completion without any choice"
    finish = getattr(choices[0], "finish_reason", None)
    return "an empty reply" + (f" (finish_reason {finish!r})" if isinstance(finish, str) else "")

