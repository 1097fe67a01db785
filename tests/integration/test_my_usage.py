"""My usage: the figures a person sees are the ones the quota and the rate limit enforce."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import ollama
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_server import api_server
from tests.support.limit_counters import redis_url, storage  # noqa: F401  (fixtures)
from workshop_app.db.users import Role, User
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import Forbidden, RateLimited, Unauthorized
from workshop_app.services.operations.metrics import recent_requests
from workshop_app.services.sharing.rate_limits import allowance_for, get_limiter, requester_key
from workshop_app.services.sharing.usage import my_usage, usage_for
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop
from workshop_app.settings import get_settings

MODEL = "qwen2.5:0.5b"
OTHER_MODEL = "llama3.2:1b"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def chat(user: User, model: str = MODEL) -> int:
    """One reply through the real path; the tokens Ollama counted for it."""
    stats = [chunk async for chunk in stream_reply(model, ask("hello there"), user_id=user.id)][-1].stats
    assert stats is not None
    return stats.prompt_tokens + stats.completion_tokens


@pytest.fixture
def limited(fake_ollama: FakeOllama, migrated_database: str, monkeypatch: pytest.MonkeyPatch) -> FakeOllama:
    """The fake behind a 1,000-token quota and 4 requests a minute."""
    monkeypatch.setenv("WORKSHOP_DAILY_TOKEN_QUOTA", "1000")
    monkeypatch.setenv("WORKSHOP_RATE_LIMIT", "4/minute")
    get_settings.cache_clear()
    return fake_ollama


async def test_the_figures_are_what_the_quota_and_the_rate_limit_count(limited: FakeOllama, storage: str) -> None:
    person = make_user(Role.ATTENDEE, "counted")
    spent = [await chat(person), await chat(person), await chat(person, OTHER_MODEL)]
    usage = await my_usage(actor_of(person))
    left = await get_limiter().tokens_left(requester_key(person.id, None), allowance_for(person.id))

    assert usage.tokens_used == sum(spent) == 1000 - left
    assert usage.standing.tokens_per_day == 1000
    assert [(m.model, m.requests, m.tokens) for m in usage.models] == [
        (MODEL, 2, spent[0] + spent[1]),
        (OTHER_MODEL, 1, spent[2]),
    ]
    assert usage.requests == 3
    assert (usage.standing.requests_used, usage.standing.requests_limit.amount) == (3, 4)
    assert usage.standing.requests_per == "minute"
    now = datetime.now(UTC)
    assert now + timedelta(hours=23, minutes=59) < usage.tokens_reset_at <= now + timedelta(hours=24)
    assert now < usage.requests_free_at <= now + timedelta(minutes=1)
    assert usage.since_quota_day and usage.since <= min(r.started_at.replace(tzinfo=UTC) for r in _rows(person))

    await chat(person)  # the fourth request: the window is full, and the page says so
    assert (await my_usage(actor_of(person))).standing.requests_used == 4
    with pytest.raises(RateLimited, match="4 per minute"):
        await chat(person)


async def test_a_used_up_quota_reads_as_used_up_and_is_refused(limited: FakeOllama, storage: str) -> None:
    person = make_user(Role.ATTENDEE, "spender")
    spent = await chat(person)
    await get_limiter().charge_tokens(requester_key(person.id, None), 1000 - spent, allowance_for(person.id))
    assert (await my_usage(actor_of(person))).tokens_used == 1000
    with pytest.raises(RateLimited, match="today's 1,000 tokens"):
        await chat(person)


async def test_a_workshops_own_limits_are_the_ones_shown(limited: FakeOllama) -> None:
    teacher = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = create_workshop(teacher, WorkshopDraft(title="Own limits", requests_per_minute=2, tokens_per_day=500))
    person = make_user(Role.ATTENDEE, "member", workshop_id=workshop.id)
    await chat(person)
    usage = await my_usage(actor_of(person))
    assert (usage.standing.tokens_per_day, usage.standing.requests_limit.amount) == (500, 2)


async def test_waits_in_the_queue_are_recorded_when_the_slot_is_handed_out(limited: FakeOllama) -> None:
    limited.config.token_delay, limited.config.reply_tokens = 0.05, 10  # each reply holds the one slot ~0.5 s
    first, second = make_user(Role.ATTENDEE, "early"), make_user(Role.ATTENDEE, "late")
    first_chat = asyncio.create_task(chat(first))
    while not limited.stats.requests.get("/api/chat"):
        await asyncio.sleep(0.01)
    await asyncio.gather(first_chat, chat(second))

    early, late = await my_usage(actor_of(first)), await my_usage(actor_of(second))
    assert (early.waits.requests, early.waits.waited, early.waits.longest_s) == (1, 0, 0.0)
    assert (late.waits.requests, late.waits.waited) == (1, 1)
    assert 0.3 < late.waits.longest_s == late.waits.median_s < 5
    assert _rows(second)[0].wait_ms == pytest.approx(late.waits.longest_s * 1000)


async def test_only_the_person_their_instructors_and_admins_see_their_usage(limited: FakeOllama) -> None:
    teacher = make_user(Role.INSTRUCTOR, "teacher")
    workshop = create_workshop(actor_of(teacher), WorkshopDraft(title="Whose usage"))
    person = make_user(Role.ATTENDEE, "seen", workshop_id=workshop.id)
    neighbour = make_user(Role.ATTENDEE, "neighbour", workshop_id=workshop.id)
    other_teacher = make_user(Role.INSTRUCTOR, "elsewhere")
    await chat(person)

    for viewer in (person, teacher, make_user(Role.ADMIN, "admin")):
        assert (await usage_for(actor_of(viewer), person.id)).requests == 1
    for stranger in (neighbour, other_teacher):
        with pytest.raises(Forbidden, match="only your own usage"):
            await usage_for(actor_of(stranger), person.id)
    with pytest.raises(Unauthorized):
        await my_usage(None)


def _rows(person: User) -> list:
    return [row for row in recent_requests(limit=200) if row.user_id == person.id]


@pytest.fixture
def api(limited: FakeOllama) -> Iterator[str]:
    with api_server() as url:
        yield url


def _key(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_key(actor_of(user), 'notebook')[1]}"}


def test_the_rest_api_shows_a_person_their_own_usage_and_nobody_elses(api: str) -> None:
    person, other = make_user(Role.ATTENDEE, "rest"), make_user(Role.ATTENDEE, "other")
    headers = _key(person)
    reply = ollama.Client(host=f"{api}/ollama", headers=headers).chat(MODEL, ask("count me"))
    spent = reply.prompt_eval_count + reply.eval_count

    mine = httpx.get(f"{api}/api/v1/me/usage", headers=headers)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert (
        body["tokens"]["used"] == spent and body["tokens"]["quota"] == 1000 and body["tokens"]["left"] == 1000 - spent
    )
    assert body["requests"] == {**body["requests"], "used": 1, "limit": 4, "per": "minute"}
    assert body["models"] == [{"model": MODEL, "requests": 1, "tokens": spent}]
    assert body["queue"]["requests"] == 1 and body["user_id"] == person.id
    assert httpx.get(f"{api}/api/v1/users/{person.id}/usage", headers=headers).json()["tokens"] == body["tokens"]

    nobody = httpx.get(f"{api}/api/v1/me/usage")
    assert nobody.status_code == 401 and nobody.json()["error"] == "Unauthorized"
    refused = httpx.get(f"{api}/api/v1/users/{other.id}/usage", headers=headers)
    assert refused.status_code == 403 and refused.json()["message"] == "You may see only your own usage."
    assert httpx.get(f"{api}/api/v1/users/{2**40}/usage", headers=headers).status_code == 422
