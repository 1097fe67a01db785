"""Bounding a reply: it ends with an error when it goes quiet or runs past the ceiling, at one timer's cost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from workshop_app.services.core.streaming import bounded


class Quiet(Exception):
    pass


class Late(Exception):
    pass


async def _pieces(count: int, then_wait_s: float = 0.0) -> AsyncGenerator[int, None]:
    for number in range(count):
        await asyncio.sleep(0)
        yield number
    await asyncio.sleep(then_wait_s)


def _bound(stream: AsyncGenerator[int, None], gap_s: float, ceiling_s: float) -> AsyncGenerator[int, None]:
    until = asyncio.get_running_loop().time() + ceiling_s
    return bounded(stream, gap_s=gap_s, until=until, gap_error=Quiet, late_error=Late)


async def test_a_long_reply_sets_no_timer_per_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stall timeout and the ceiling watch every token of every reply; a timer each was a per-token cost."""
    loop = asyncio.get_running_loop()
    timers = 0
    call_at = loop.call_at

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal timers
        timers += 1
        return call_at(*args, **kwargs)

    monkeypatch.setattr(loop, "call_at", counting)
    received = [n async for n in _bound(_pieces(200), gap_s=30, ceiling_s=300)]

    assert received == list(range(200))
    assert timers <= 2


async def test_a_reply_that_goes_quiet_ends_with_the_stall_error_and_is_closed() -> None:
    closed = asyncio.Event()

    async def freezes() -> AsyncGenerator[int, None]:
        try:
            yield 0
            await asyncio.sleep(30)
            yield 1
        finally:
            closed.set()

    received: list[int] = []
    started = asyncio.get_running_loop().time()
    with pytest.raises(Quiet):
        async for n in _bound(freezes(), gap_s=0.1, ceiling_s=10):
            received.append(n)

    assert received == [0]
    assert asyncio.get_running_loop().time() - started < 1
    assert closed.is_set()


async def test_a_reply_that_keeps_talking_past_the_ceiling_ends_with_the_ceiling_error() -> None:
    async def endless() -> AsyncGenerator[int, None]:
        number = 0
        while True:
            await asyncio.sleep(0.01)
            yield number
            number += 1

    started = asyncio.get_running_loop().time()
    with pytest.raises(Late):
        async for _ in _bound(endless(), gap_s=0.1, ceiling_s=0.3):
            pass

    assert 0.25 < asyncio.get_running_loop().time() - started < 1


async def test_a_slow_consumer_is_not_counted_as_a_quiet_model() -> None:
    received: list[int] = []
    async for n in _bound(_pieces(3), gap_s=0.05, ceiling_s=10):
        await asyncio.sleep(0.1)  # the client reads slowly: not the model's silence
        received.append(n)

    assert received == [0, 1, 2]
