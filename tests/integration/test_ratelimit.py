"""Rate limits and daily token quotas, on in-process memory and on a real Redis server."""

from __future__ import annotations

import asyncio

import httpx
import limits
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.limit_counters import redis_url, storage  # noqa: F401  (fixtures)
from tests.support.ports import free_port
from workshop_app.api.errors import install_error_handlers
from workshop_app.db.users import Role
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import RateLimited
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.operations.metrics import recent_requests
from workshop_app.services.sharing.rate_limits import Allowance, get_limiter, requester_key
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop, update_workshop
from workshop_app.settings import get_settings, load_settings

MODEL = "qwen2.5:0.5b"
THREE_PER_SECOND = Allowance(limits.parse("3/second"), 0)


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def _database(migrated_database: str) -> None:
    """Chats through the service record their requests in the session database."""


async def test_the_window_moves_so_there_is_no_burst_at_its_edge(storage: str) -> None:
    """Three a second, then the same with a 3-s window: its margins (1.5 s) outlast a busy machine's lag."""
    limiter, who = get_limiter(), requester_key(1, None)
    for _ in range(3):
        await limiter.admit(who, THREE_PER_SECOND)
    with pytest.raises(RateLimited) as refused:
        await limiter.admit(who, THREE_PER_SECOND)
    assert refused.value.status_code == 429
    assert refused.value.retry_after_s == 1
    assert "3 per second" in refused.value.message and "1 s" in refused.value.hint

    slower, who = Allowance(limits.parse("3 per 3 seconds"), 0), requester_key(2, None)
    await limiter.admit(who, slower)
    first_left = asyncio.get_running_loop().time() + 3
    await asyncio.sleep(1.5)
    await limiter.admit(who, slower)
    await limiter.admit(who, slower)
    with pytest.raises(RateLimited) as refused:
        await limiter.admit(who, slower)
    assert "3 per 3 seconds" in refused.value.message and 1 <= refused.value.retry_after_s <= 2
    await asyncio.sleep(first_left + 0.1 - asyncio.get_running_loop().time())
    await limiter.admit(who, slower)  # the first request left the window; the other two are still in it
    with pytest.raises(RateLimited):
        await limiter.admit(who, slower)


async def test_people_are_counted_separately_and_signed_out_callers_by_address(storage: str) -> None:
    limiter = get_limiter()
    for _ in range(3):
        await limiter.admit(requester_key(1, "10.0.0.1"), THREE_PER_SECOND)
    with pytest.raises(RateLimited):
        await limiter.admit(requester_key(1, "10.0.0.2"), THREE_PER_SECOND)
    await limiter.admit(requester_key(2, "10.0.0.1"), THREE_PER_SECOND)
    await limiter.admit(requester_key(None, "10.0.0.1"), THREE_PER_SECOND)
    for _ in range(3):
        await limiter.admit(requester_key(None, "10.0.0.3"), THREE_PER_SECOND)
    with pytest.raises(RateLimited):
        await limiter.admit(requester_key(None, "10.0.0.3"), THREE_PER_SECOND)


async def test_a_used_up_token_quota_refuses_until_tomorrow(storage: str) -> None:
    limiter, who, allowance = get_limiter(), requester_key(1, None), Allowance(None, 100)
    await limiter.charge_tokens(who, 60, allowance)
    assert await limiter.tokens_left(who, allowance) == 40
    await limiter.admit(who, allowance)
    await limiter.charge_tokens(who, 60, allowance)  # the reply that crosses the quota still counts
    assert await limiter.tokens_left(who, allowance) == 0
    with pytest.raises(RateLimited, match="today's 100 tokens") as refused:
        await limiter.admit(who, allowance)
    assert 23 * 3600 < refused.value.retry_after_s <= 24 * 3600
    await limiter.admit(requester_key(2, None), allowance)


async def test_a_workshop_can_set_its_own_figures() -> None:
    default = Allowance(limits.parse("100/minute"), 1000)
    assert default.overridden(5, None) == Allowance(limits.RateLimitItemPerMinute(5), 1000)
    assert default.overridden(None, 50) == Allowance(default.requests, 50)


@pytest.mark.usefixtures("_database")
async def test_a_workshops_own_rate_applies_to_its_attendees(fake_ollama: FakeOllama) -> None:
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(instructor), WorkshopDraft(title="Tight limits", requests_per_minute=1))
    attendee, outsider = (
        make_user(Role.ATTENDEE, "inside", workshop_id=workshop.id),
        make_user(Role.ATTENDEE, "outside"),
    )
    [_ async for _ in stream_reply(MODEL, ask("first"), user_id=attendee.id)]
    with pytest.raises(RateLimited, match="1 per minute"):
        [_ async for _ in stream_reply(MODEL, ask("second"), user_id=attendee.id)]
    for n in range(2):  # outside the workshop, the configured 100/minute applies
        [_ async for _ in stream_reply(MODEL, ask(f"q{n}"), user_id=outsider.id)]


@pytest.mark.usefixtures("_database")
async def test_an_instructor_raising_the_workshops_rate_lets_the_next_request_through(fake_ollama: FakeOllama) -> None:
    instructor = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = create_workshop(instructor, WorkshopDraft(title="Raised limits", requests_per_minute=1))
    attendee = make_user(Role.ATTENDEE, "inside", workshop_id=workshop.id)
    [_ async for _ in stream_reply(MODEL, ask("first"), user_id=attendee.id)]
    with pytest.raises(RateLimited):
        [_ async for _ in stream_reply(MODEL, ask("second"), user_id=attendee.id)]
    update_workshop(instructor, workshop.id, WorkshopDraft(title="Raised limits", requests_per_minute=5))
    [_ async for _ in stream_reply(MODEL, ask("third"), user_id=attendee.id)]


@pytest.mark.usefixtures("_database")
async def test_chats_beyond_the_rate_are_refused_before_reaching_ollama(
    storage: str, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_RATE_LIMIT", "2/minute")
    get_settings.cache_clear()
    hits_before = _rate_limit_hits("requests")
    for n in range(2):
        [_ async for _ in stream_reply(MODEL, ask(f"q{n}"), client_ip="10.1.0.1")]
    with pytest.raises(RateLimited) as refused:
        [_ async for _ in stream_reply(MODEL, ask("one more"), client_ip="10.1.0.1")]
    assert 1 <= refused.value.retry_after_s <= 60
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 2
    assert _rate_limit_hits("requests") == hits_before + 1


def _rate_limit_hits(limit: str) -> float:
    return REGISTRY.get_sample_value("workshop_rate_limit_hits_total", {"limit": limit}) or 0.0


@pytest.mark.usefixtures("_database")
async def test_ollamas_eval_counts_use_up_the_daily_quota(
    storage: str, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_DAILY_TOKEN_QUOTA", "1000")
    get_settings.cache_clear()
    who, allowance = requester_key(None, "10.2.0.1"), Allowance.from_settings()
    chunks = [c async for c in stream_reply(MODEL, ask("count me"), client_ip="10.2.0.1")]
    stats = chunks[-1].stats
    used = stats.prompt_tokens + stats.completion_tokens
    assert stats.completion_tokens > 0
    assert await get_limiter().tokens_left(who, allowance) == 1000 - used
    await get_limiter().charge_tokens(who, 1000 - used, allowance)
    with pytest.raises(RateLimited, match="tokens"):
        [_ async for _ in stream_reply(MODEL, ask("over quota"), client_ip="10.2.0.1")]
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 1


@pytest.mark.usefixtures("_database")
async def test_a_stopped_reply_counts_the_pieces_it_streamed(storage: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 50
    stop, received = asyncio.Event(), 0
    async for _ in until_stopped(stream_reply(MODEL, ask("stop soon"), client_ip="10.3.0.1"), stop):
        received += 1
        if received == 3:
            stop.set()
    allowance = Allowance.from_settings()
    used = allowance.tokens_per_day - await get_limiter().tokens_left(requester_key(None, "10.3.0.1"), allowance)
    assert used == 3
    assert recent_requests(MODEL, limit=1)[0].completion_tokens == 3  # the record says the same


async def test_the_api_answers_429_with_retry_after(storage: str) -> None:
    api = FastAPI()
    install_error_handlers(api)

    @api.get("/limited")
    async def limited() -> dict[str, str]:
        await get_limiter().admit("ip:10.4.0.1", Allowance(limits.parse("1/minute"), 0))
        return {"ok": "yes"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
        assert (await client.get("/limited")).status_code == 200
        refused = await client.get("/limited")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == "RateLimited" and "Wait" in refused.json()["hint"]


async def test_an_unreachable_redis_lets_requests_through_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WORKSHOP_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    try:
        for _ in range(3):
            await get_limiter().admit("user:1", Allowance(limits.parse("1/minute"), 10))
    finally:
        get_settings.cache_clear()
    assert "rate-limit storage unavailable" in caplog.text


@pytest.mark.parametrize("value", ["lots", "100/fortnight", "-3/minute"])
def test_a_bad_rate_limit_setting_is_explained(value: str) -> None:
    settings, problems = load_settings(rate_limit=value)
    assert settings is None
    assert problems[0].variable == "WORKSHOP_RATE_LIMIT" and "100/minute" in problems[0].reason
