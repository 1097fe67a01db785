"""The in-memory rate-limit windows (one worker, no Redis): limits hold, clean-up stays on the event loop."""

from __future__ import annotations

import asyncio
import threading
import time

import limits
import pytest
from limits.aio.strategies import MovingWindowRateLimiter

from workshop_app.services.sharing import rate_limits
from workshop_app.services.sharing.rate_limits import LoopMemoryStorage


async def test_a_room_sending_at_once_hands_nothing_to_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    hops = []

    async def to_thread(work, /, *args, **kwargs):  # asyncio.to_thread, counted and run inline
        hops.append(work)
        return work(*args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    limiter = MovingWindowRateLimiter(LoopMemoryStorage())
    item = limits.parse("100/minute")
    for _ in range(3):
        assert all(await asyncio.gather(*(limiter.hit(item, "requests", f"user:{n}") for n in range(50))))
        await asyncio.sleep(0)  # where a clean-up task would run
    assert hops == []


async def test_the_limit_still_holds_and_expired_entries_are_dropped() -> None:
    storage = LoopMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = limits.parse("2/minute")
    assert await limiter.hit(item, "requests", "user:1")
    assert await limiter.hit(item, "requests", "user:1")
    assert not await limiter.hit(item, "requests", "user:1")
    assert await limiter.hit(item, "requests", "user:2")
    storage.expire(time.time() + 61)
    assert storage.events == {}
    assert await limiter.hit(item, "requests", "user:1")


async def test_a_workshops_own_limits_are_read_in_the_database_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    readers = []

    def read(user_id: int) -> tuple[int | None, int | None]:
        readers.append(threading.current_thread())
        return 7, None

    monkeypatch.setattr(rate_limits, "_read_workshop_figures", read)
    rate_limits.forget_workshop_limits()
    allowance = await rate_limits.allowance_off_loop(4242)
    assert allowance.requests is not None and allowance.requests.amount == 7
    assert readers and readers[0] is not threading.current_thread(), "the event loop's thread waited for the database"
    await rate_limits.allowance_off_loop(4242)
    assert len(readers) == 1, "read again within seconds"
    rate_limits.forget_workshop_limits()
