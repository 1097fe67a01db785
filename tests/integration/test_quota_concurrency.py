"""A daily token quota holds when an attendee fires many requests at once, on one worker and on Redis.

Every model request reserves its estimated prompt plus the longest reply it may produce
(num_predict / max_tokens, else WORKSHOP_MAX_REPLY_TOKENS, shrunk to what is left) before
it is sent, atomically, and settles to Ollama's counts after. So the day's total is at most
the quota plus what the prompt estimates fell short of Ollama's prompt counts, summed over
the requests; the fake counts prompt words, which the estimate never undercounts, so here
the total must stay within the quota itself.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from tests.fakes.ollama_server import FakeOllama
from tests.support.api_server import api_server
from tests.support.gateway_people import KeyHolder, chat_request, key_holder
from tests.support.redis import redis_server
from workshop_app.services.core.errors import RateLimited
from workshop_app.services.sharing.rate_limits import Allowance, MemoryLedger, RateLimiter, RedisLedger, storage_for
from workshop_app.settings import get_settings

QUOTA = 300
PARALLEL = 24


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def gateway(
    request: pytest.FixtureRequest, fake_ollama: FakeOllama, migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The gateway on one worker, its counters in its memory or in a real Redis server."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        monkeypatch.setenv("WORKSHOP_REDIS_URL", url)
    get_settings.cache_clear()
    with api_server() as base:
        yield base
    if request.param == "redis":
        assert redis.Redis.from_url(url).keys("workshop:tokens:*"), "the token counts should live in Redis"
    get_settings.cache_clear()


def used_tokens(api: str, stream: bool, text: str) -> int:
    """Prompt plus reply tokens, as the answer reports them (Ollama's eval counts, OpenAI's usage)."""
    if not stream:
        parts = [json.loads(text)]
    elif api == "ollama":
        parts = [json.loads(line) for line in text.splitlines() if line]
    else:
        parts = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]
    for part in parts:
        if api == "ollama" and part.get("done"):
            return part["prompt_eval_count"] + part["eval_count"]
        if api == "openai" and part.get("usage"):
            return part["usage"]["total_tokens"]
    raise AssertionError(f"no token counts in {text[:300]!r}")


async def test_parallel_requests_on_both_apis_cannot_overrun_the_quota(gateway: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.01  # replies overlap, as in a busy room
    person: KeyHolder = key_holder(tokens_per_day=QUOTA)
    kinds = itertools.product(("ollama", "openai"), (False, True), (None, 20))  # API, streamed, max_tokens
    shapes = list(itertools.islice(itertools.cycle(kinds), PARALLEL))

    async def one(
        client: httpx.AsyncClient, n: int, api: str, stream: bool, max_tokens: int | None
    ) -> tuple[str, bool, httpx.Response]:
        path, body = chat_request(api, f"question number {n} about tokens", stream=stream, max_tokens=max_tokens)
        return api, stream, await client.post(path, json=body, headers=person.headers)

    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        answers = await asyncio.gather(*(one(client, n, *shape) for n, shape in enumerate(shapes)))

    statuses = [response.status_code for _, _, response in answers]
    assert set(statuses) <= {200, 429}, statuses
    served = [(api, stream, response) for api, stream, response in answers if response.status_code == 200]
    refused = [(api, response) for api, _, response in answers if response.status_code == 429]
    assert served and refused, statuses
    for api, response in refused:
        error = response.json()["error"]
        message = error if api == "ollama" else error["message"]  # each API's own error shape
        assert "tokens" in message and response.headers["Retry-After"]
    used = sum(used_tokens(api, stream, response.text) for api, stream, response in served)
    assert used <= QUOTA, f"{len(served)} answered requests used {used} tokens of a {QUOTA}-token quota"
    assert fake_ollama.stats.requests.get("/api/chat", 0) == len(served), "refused requests never reach Ollama"


async def test_a_reservation_shrinks_an_open_reply_to_what_is_left_and_refuses_a_fixed_one() -> None:
    limiter = RateLimiter(storage_for(get_settings()), MemoryLedger())
    allowance = Allowance(None, 100)
    first = await limiter.admit("user:a", allowance, prompt_tokens=10, reply_tokens=50, exact=True)
    assert (first.tokens, first.reply_tokens) == (60, 50)
    second = await limiter.admit("user:a", allowance, prompt_tokens=10, reply_tokens=4096)
    assert (second.tokens, second.reply_tokens) == (40, 30), "an open reply gets what is left"
    await limiter.settle(first, 15)  # the first reply was short: 45 tokens come back
    with pytest.raises(RateLimited, match="needs at least 60 tokens"):
        await limiter.admit("user:a", allowance, prompt_tokens=10, reply_tokens=50, exact=True)
    assert await limiter.tokens_left("user:a", allowance) == 45


def reserve_many(url: str, who: str, count: int) -> int:
    """With its own event loop and Redis connection, as another worker: `count` reservations of 10 + 10 tokens."""

    async def run() -> int:
        limiter = RateLimiter(storage_for(get_settings()), RedisLedger(url))
        allowance = Allowance(None, QUOTA)

        async def one() -> bool:
            try:
                await limiter.admit(who, allowance, prompt_tokens=10, reply_tokens=10, exact=True)
            except RateLimited:
                return False
            return True

        return sum(await asyncio.gather(*(one() for _ in range(count))))

    return asyncio.run(run())


@pytest.mark.redis
def test_workers_reserving_at_once_through_redis_get_exactly_the_quota(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    with ThreadPoolExecutor(4) as workers:
        granted = sum(workers.map(lambda _: reserve_many(redis_url, "user:many", 40), range(4)))
    assert granted == QUOTA // 20  # 160 attempts of 20 tokens: exactly 15 fit in 300
    assert int(redis.Redis.from_url(redis_url).get("workshop:tokens:user:many")) == QUOTA
