"""Who a key or a session belongs to, and a workshop's limits, are remembered for a few seconds and read
again in the background before they lapse, so a room whose answers were remembered together does not
wait for the database all at once every few seconds, and never gets an answer staler than that."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlmodel import select

from tests.support.accounts import actor_of, make_user
from workshop_app.db.engine import session_scope
from workshop_app.db.users import ApiKey, AuthSession, Role
from workshop_app.db.workshops import Workshop
from workshop_app.services.accounts import actor_cache, auth
from workshop_app.services.accounts.api_keys import create_api_key, recent_actor_for_api_key
from workshop_app.services.accounts.auth import now
from workshop_app.services.core import database_threads, ttl_memo
from workshop_app.services.core.errors import Unauthorized
from workshop_app.services.sharing import rate_limits
from workshop_app.services.workshops import lifecycle as workshops

PASSWORD = "correct horse battery staple"


class Clock:
    """The memos' monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, migrated_database: str) -> Iterator[Clock]:
    clock = Clock()
    monkeypatch.setattr(ttl_memo, "monotonic", clock)
    monkeypatch.setattr(ttl_memo, "uniform", lambda _low, high: high)  # read again at 80 % of the time
    actor_cache.forget_everyone()
    rate_limits.forget_workshop_limits()
    yield clock
    actor_cache.forget_everyone()
    rate_limits.forget_workshop_limits()


class Reads:
    """Counts the work handed to the database threads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *modules: object) -> None:
        self.count = 0
        original = database_threads.off_loop

        async def counted(work, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return await original(work, *args, **kwargs)

        for module in modules:
            monkeypatch.setattr(module, "off_loop", counted)


async def settled() -> None:
    """Let background reads finish."""
    for _ in range(50):
        if not ttl_memo._reloads:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("a background read did not finish")


async def test_a_key_in_use_is_checked_again_before_its_answer_lapses(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workshop_app.services.accounts import api_keys

    reads = Reads(monkeypatch, api_keys)
    _, secret = create_api_key(actor_of(make_user(Role.ATTENDEE, "kim")), "notebook")
    await recent_actor_for_api_key(secret)
    assert reads.count == 1

    clock.now += actor_cache.TTL_S * 0.5
    await recent_actor_for_api_key(secret)
    assert reads.count == 1, "a fresh answer is used as it is"

    clock.now += actor_cache.TTL_S * 0.4  # 90 % of the way: due to be checked again
    answered = asyncio.get_running_loop().create_task(recent_actor_for_api_key(secret))
    await asyncio.sleep(0)  # one turn: the answer is there before any database work ran
    assert answered.done() and answered.result().username.startswith("kim") and reads.count == 1
    await settled()
    assert reads.count == 2, "checked again in the background"

    clock.now += actor_cache.TTL_S * 0.5  # past the first answer's end, within the second's
    await recent_actor_for_api_key(secret)
    assert reads.count == 2, "the request after the old answer's end did not wait for the database"


async def test_a_key_revoked_elsewhere_is_refused_once_the_background_check_sees_it(clock: Clock) -> None:
    _, secret = create_api_key(actor_of(make_user(Role.ATTENDEE, "lou")), "notebook")
    await recent_actor_for_api_key(secret)
    with session_scope() as session:  # as another worker process revokes it: this one's memory is not told
        key = session.exec(select(ApiKey).where(ApiKey.key_hash == auth.token_hash(secret))).one()
        key.revoked_at = now()
        session.add(key)

    clock.now += actor_cache.TTL_S * 0.9
    await recent_actor_for_api_key(secret)  # still remembered: within the few seconds another worker may lag
    await settled()
    with pytest.raises(Unauthorized):
        await recent_actor_for_api_key(secret)


async def test_a_session_in_use_is_checked_again_and_one_ended_elsewhere_is_refused(clock: Clock) -> None:
    user = make_user(Role.ATTENDEE, "mia", password=PASSWORD)
    _, token = auth.sign_in(user.username, PASSWORD)
    await auth.recent_actor_for_session(token)

    clock.now += actor_cache.TTL_S * 0.9
    await auth.recent_actor_for_session(token)
    await settled()
    clock.now += actor_cache.TTL_S * 0.5
    assert actor_cache.cached_session_actor(auth.token_hash(token)) is not None, "checked again before it lapsed"

    with session_scope() as session:  # signed out on another worker
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == auth.token_hash(token))).one()
        row.revoked_at = now()
        session.add(row)
    clock.now += actor_cache.TTL_S * 0.35  # due again (at 80 % of the second answer's time), not lapsed
    await auth.recent_actor_for_session(token)
    await settled()
    with pytest.raises(Unauthorized, match="session has ended"):
        await auth.recent_actor_for_session(token)


async def test_a_workshops_limits_are_read_again_ahead_and_a_change_arrives_within_the_time(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = Reads(monkeypatch, rate_limits)
    teacher = actor_of(make_user(Role.INSTRUCTOR, "ned"))
    workshop = workshops.create_workshop(teacher, workshops.WorkshopDraft(title="Limits", requests_per_minute=7))
    attendee = make_user(Role.ATTENDEE, "ola", workshop_id=workshop.id)
    assert (await rate_limits.allowance_off_loop(attendee.id)).requests.amount == 7
    assert reads.count == 1

    with session_scope() as session:  # changed on another worker
        changed = session.get(Workshop, workshop.id)
        assert changed is not None
        changed.requests_per_minute = 3
        session.add(changed)
    clock.now += rate_limits._workshop_figures.ttl_s * 0.9
    assert (await rate_limits.allowance_off_loop(attendee.id)).requests.amount == 7, "remembered, read again behind"
    await settled()
    assert reads.count == 2
    assert (await rate_limits.allowance_off_loop(attendee.id)).requests.amount == 3
    assert reads.count == 2
