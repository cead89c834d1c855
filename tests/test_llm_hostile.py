"""The LLM edge against hostile OpenAI-compatible servers (issue 11): every bad reply is a fallback.

Each hostile reply comes from ``devtools/fake_openai.py`` (a real HTTP server on 127.0.0.1) to the
real ``openai`` client, through the whole agent pipeline. Whatever the server does, the request
returns ``limit`` distinct items, ``fallback`` is set with a reason naming what happened, it ends
within the call's deadline plus 5 s, the failure is not cached (asking again sends again), and
neither the API key (nor a piece of it) nor credentials in ``base_url`` show anywhere.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace

import pytest

from core import LLMConfig
from core.ranking.base import RankContext
from core.ranking.llm.cache import ResponseCache, cache_key
from core.ranking.llm.client import LLMClient
from core.ranking.llm.parse import MAX_DEPTH, find_json, parse_rerank
from core.ranking.llm.ranker import LLMRanker
from core.ranking.llm.scrub import scrub

from devtools.fake_openai import FakeOpenAI, Reply

from .test_agent_ranking import PLAN, RERANK, ask, llm_agent, workshop_store  # noqa: F401  (a fixture)
from .test_eval_llm import text_model  # noqa: F401  (autouse: the text model loads before any fake server runs)
from .test_llm_agent import ALIASES, ORDER, PERSONA, candidate, make_pool, ranking_reply

KEY = "AbCdEfGh12345678ZyXwVuTs"
"""A key without the ``sk-`` prefix: scrubbing must not depend on the format."""
DEADLINE_S = 3.0
DEEP = "[" * 100_000 + "]" * 100_000
LIMIT = 4


def completion(**fields) -> bytes:
    return json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": "m", **fields}).encode()


HOSTILE = {
    "nested content": (Reply(DEEP), "placed none of the offered items"),
    "nested ranking": (Reply('{"ranking": ' + "[" * 5000 + "]" * 5000 + "}"), "placed none of the offered items"),
    "nested body": (Reply(body=b'{"choices": ' + DEEP.encode() + b"}"), "nested too deeply"),
    "invalid JSON body": (Reply(body=b'{"choices": [ nope'), "not valid JSON"),
    "empty choices": (Reply(body=completion(choices=[])), "without any choice"),
    "empty content": (Reply(""), "empty reply"),
    "20 MB reply": (Reply(json.dumps({"ranking": [{"id": "c1", "reason": "x" * 20_000_000}]})), "too large a reply"),
    "slow drip": (Reply(RERANK, drip_s=0.05), "did not answer within"),
    "unknown ids only": (Reply(json.dumps({"ranking": [{"id": "c999"}], "rationale": "x"})), "placed none"),
    "key echoed": (Reply(status=401, error=f"Incorrect API key provided: {KEY[:4]}****{KEY[-10:]}; {KEY}"), "HTTP 401"),
}


def hostile_agent(workshop_store, fake_llm, tmp_path, **config):
    return llm_agent(workshop_store, fake_llm, tmp_path, **{"api_key": KEY, "deadline_s": DEADLINE_S, **config})


def cached_texts(tmp_path) -> set[str]:
    return {json.loads(p.read_text(encoding="utf-8"))["text"] for p in (tmp_path / "cache").rglob("*.json")}


def assert_no_secret(text: str, secret: str = KEY) -> None:
    pieces = {secret[i:i + 8] for i in range(len(secret) - 7)}
    assert not any(piece in text for piece in pieces), text


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("stage", ["plan", "rerank"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_reply_is_a_fallback_with_its_reason_within_the_deadline_and_never_cached(
        workshop_store, fake_llm, tmp_path, caplog, case, stage):
    reply, reason = HOSTILE[case]
    agent = hostile_agent(workshop_store, fake_llm, tmp_path)
    fake_llm.script(*([Reply(PLAN)] if stage == "rerank" else []), reply)
    caplog.set_level(logging.DEBUG)
    started = time.perf_counter()
    response = ask(agent, limit=LIMIT)
    elapsed = time.perf_counter() - started
    assert elapsed < DEADLINE_S + 5, elapsed
    assert response.fallback and response.ranker == "local agent (no LLM)"
    assert reason in response.fallback_reason, response.fallback_reason
    assert len({o.uuid for o in response.objects}) == LIMIT == len(response.objects)
    assert cached_texts(tmp_path) == ({PLAN} if stage == "rerank" else set())
    sent = len(fake_llm.requests)
    again = ask(agent, limit=LIMIT)
    assert again.fallback and len(fake_llm.requests) > sent  # the failure was not replayed from the cache
    trace = json.dumps([s.details for s in response.trace], default=str)
    for text in (response.fallback_reason, trace, caplog.text):
        assert_no_secret(text)


@pytest.mark.integration
def test_a_slow_drip_is_cut_at_the_deadline_across_retries(fake_llm):
    fake_llm.script(Reply(RERANK, drip_s=0.2))  # about 100 s for the whole reply
    cfg = LLMConfig(api_key=KEY, base_url=fake_llm.url, model="m", timeout_s=1.5, max_retries=3, backoff_s=0.01,
                    deadline_s=2.5)
    client = LLMClient(cfg)
    ctx, started = RankContext(), time.perf_counter()
    with pytest.raises(Exception, match="did not answer within") as info:
        client.complete([{"role": "user", "content": "hi"}], "rerank", ctx, "rerank")
    elapsed = time.perf_counter() - started
    assert 2.4 < elapsed < 2.5 + 1.0, elapsed  # two attempts: 1.5 s, then the 1 s left
    assert ctx.calls[0].attempts == 2 and "deadline of 2.5 s" in info.value.reason


@pytest.mark.integration
def test_credentials_in_the_base_url_are_masked_in_reprs_dumps_reasons_and_logs(fake_llm, caplog):
    password, token = "pa55w0rd-hunter2", "t0ken-s3cret-value"
    url = fake_llm.url.replace("http://", f"http://user:{password}@")
    cfg = LLMConfig(base_url=url, model="m", max_retries=0)
    masked = LLMConfig(base_url=f"https://llm.example.com/v1?api_key={token}&team=a")
    caplog.set_level(logging.DEBUG)
    fake_llm.script(Reply(status=500, error="boom"))
    client = LLMClient(cfg)
    with pytest.raises(Exception, match="HTTP 500") as info:
        client.complete([{"role": "user", "content": "hi"}], "plan", RankContext(), "plan")
    shown = [repr(cfg), str(cfg), repr(client), json.dumps(cfg.model_dump(mode="json")), info.value.reason,
             caplog.text, repr(masked), json.dumps(masked.model_dump(mode="json"))]
    assert all(password not in text and token not in text for text in shown), shown
    assert "user:***@127.0.0.1" in repr(cfg) and "api_key=***&team=***" in repr(masked)
    assert cfg.base_url == url  # the real value is still what the client uses


# -- the pieces, pure --------------------------------------------------------------------------

@pytest.mark.parametrize("key", [KEY, "sk-proj-0123456789abcdef", "gsk_live_51HqLxY", "ab12cd34ef56"])
def test_scrub_masks_the_key_and_every_piece_of_it_of_eight_characters(key):
    text = f"key {key}, cut {key[:4]}...{key[-8:]}, inside x{key[2:11]}y, short {key[:7]} ok"
    scrubbed = scrub(text, key)
    assert_no_secret(scrubbed, key)
    assert scrubbed.startswith("key ***, cut ") and scrubbed.endswith(" ok")
    assert key.startswith("sk-") or f"short {key[:7]} ok" in scrubbed  # seven characters are no leak


def test_deep_or_huge_json_is_no_json_and_never_raises():
    assert find_json("[" * 100_000) is None and find_json(DEEP) is None
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert find_json(nested) == json.loads(nested)[0]  # the part within the limit, found as in prose
    order, _, _, warnings, chosen = parse_rerank('{"ranking": [' + "[" * 50 + "]" * 50 + "]}", ALIASES, ORDER, 3)
    assert order == ORDER[:3] and chosen == 0 and "reply was not JSON" in warnings[0]
    big = json.dumps({"ranking": [{"id": "c2"}], "pad": "x" * 200_000})
    assert parse_rerank(big, ALIASES, ORDER, 2).warnings[0].startswith("reply of 200,")


def test_the_cache_stays_under_its_cap_evicting_the_least_recently_used(tmp_path):
    cache = ResponseCache(tmp_path, max_bytes=10_000)
    keys = [cache_key("m", [{"role": "user", "content": str(i)}], "plan") for i in range(30)]
    assert not cache.put(keys[0], "x" * 2_000)  # over a tenth of the cap: not stored
    for n, key in enumerate(keys):
        assert cache.put(key, f"reply {n} " + "y" * 500)
        assert cache.get(keys[0]) is not None  # kept fresh by being read
        time.sleep(0.002)  # distinct modification times
    assert cache.size() <= 10_000
    assert cache.get(keys[0]) is not None and cache.get(keys[1]) is None  # read often vs. never read
    assert cache.get(keys[-1]) is not None


@pytest.mark.integration
def test_a_lone_surrogate_in_an_item_or_the_instruction_is_sent_as_a_replacement_character(fake_llm, tmp_path):
    fake_llm.script(Reply(ranking_reply("c3", "c1")))
    third = candidate(3)
    pool = make_pool(2) + [replace(third, title="bad \ud800 title", properties={"title": "bad \ud800 title"})]
    cfg = LLMConfig(api_key=KEY, base_url=fake_llm.url, model="m", cache_dir=tmp_path)
    decision = LLMRanker(cfg).rerank(PERSONA, "something \udfff light", pool, 2, True, RankContext())
    assert decision.order == [pool[2].uuid, pool[0].uuid]
    sent = fake_llm.requests[0].messages[1]["content"]
    assert "bad \ufffd title" in sent and "something \ufffd light" in sent
    assert len(list(tmp_path.rglob("*.json"))) == 1  # cached under a key of the sendable text
