"""Pacing a stream for a page: the first piece at once, then at most one redraw per window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

import pytest

from workshop_app.services.core.streaming import batched, until_stopped


async def _pieces(count: int, gap_s: float, *, then_fail: bool = False) -> AsyncGenerator[int, None]:
    for number in range(count):
        if number:
            await asyncio.sleep(gap_s)
        yield number
    if then_fail:
        raise RuntimeError("the model went away")


async def _timed(stream: AsyncGenerator[list[int], None]) -> list[tuple[float, list[int]]]:
    loop = asyncio.get_running_loop()
    return [(loop.time(), batch) async for batch in stream]


async def test_a_fast_stream_arrives_whole_in_order_in_few_redraws_a_window_apart():
    window = 0.1
    started = asyncio.get_running_loop().time()
    received = await _timed(batched(_pieces(60, 0.004), window))

    assert [n for _, batch in received for n in batch] == list(range(60))
    assert received[0][1] == [0]  # the first token is not held back
    assert received[0][0] - started < window
    gaps = [later - earlier for (earlier, _), (later, _) in zip(received, received[1:], strict=False)]
    assert all(gap >= window * 0.99 for gap in gaps[:-1])  # the rest goes out as soon as the stream ends
    assert len(received) < 60 / 3


async def test_a_slow_stream_shows_every_piece_as_it_arrives():
    received = await _timed(batched(_pieces(4, 0.08), 0.02))

    assert [batch for _, batch in received] == [[0], [1], [2], [3]]


async def test_a_piece_held_for_the_window_is_shown_when_the_window_ends_even_if_the_model_pauses():
    async def burst_then_pause() -> AsyncGenerator[str, None]:
        yield "Hel"
        yield "lo"
        await asyncio.sleep(1.0)
        yield "!"

    started = asyncio.get_running_loop().time()
    received = await _timed(batched(burst_then_pause(), 0.05))

    assert [batch for _, batch in received] == [["Hel"], ["lo"], ["!"]]
    assert received[1][0] - started < 0.5


async def test_the_stream_reads_on_while_the_page_shows_a_batch():
    events: list[str] = []

    async def chat_then_reply() -> AsyncGenerator[str, None]:
        yield "the chat"
        events.append("request to the model")
        yield "reply"

    async for batch in batched(chat_then_reply(), 0.05):
        if batch == ["the chat"]:
            await asyncio.sleep(0.05)  # a slow redraw
            events.append("chat shown")

    assert events == ["request to the model", "chat shown"]


async def test_pieces_before_a_failure_are_delivered_then_the_failure_is_raised():
    delivered: list[int] = []
    with pytest.raises(RuntimeError, match="went away"):
        async for batch in batched(_pieces(5, 0.0, then_fail=True), 0.05):
            delivered += batch

    assert delivered == [0, 1, 2, 3, 4]


async def test_leaving_early_closes_the_source_stream():
    closed = asyncio.Event()

    async def endless() -> AsyncGenerator[int, None]:
        try:
            number = 0
            while True:
                yield number
                number += 1
                await asyncio.sleep(0.01)
        finally:
            closed.set()

    async with aclosing(batched(endless(), 0.05)) as stream:
        async for batch in stream:
            assert batch == [0]
            break

    assert closed.is_set()


async def test_a_long_reply_costs_no_task_per_token_on_its_way_to_the_page():
    """Stop and pacing wrap every reply the Playground shows; a task per token was most of their CPU cost."""
    loop = asyncio.get_running_loop()
    created = 0
    default_factory = loop.get_task_factory()

    def counting(loop: asyncio.AbstractEventLoop, coro, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal created
        created += 1
        return default_factory(loop, coro, **kwargs) if default_factory else asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)
    try:
        paced = batched(until_stopped(_pieces(200, 0.0), asyncio.Event()), 0.01)
        received = [n async for batch in paced for n in batch]
    finally:
        loop.set_task_factory(default_factory)

    assert received == list(range(200))
    assert created <= 3  # the stop's watcher and one reader for the whole reply


async def test_stop_ends_a_paced_reply_while_it_waits_for_the_model():
    stop = asyncio.Event()
    closed = asyncio.Event()

    async def thinking() -> AsyncGenerator[int, None]:
        try:
            yield 0
            await asyncio.sleep(30)
            yield 1
        finally:
            closed.set()

    received: list[list[int]] = []
    async with asyncio.timeout(5):
        async for batch in batched(until_stopped(thinking(), stop), 0.01):
            received.append(batch)
            stop.set()

    assert received == [[0]]
    assert closed.is_set()
