"""Stopping a stream promptly, even while it waits for its next item."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, suppress
from typing import TypeVar

T = TypeVar("T")


async def until_stopped(stream: AsyncGenerator[T, None], stop: asyncio.Event) -> AsyncIterator[T]:
    """Yield from `stream` until it ends or `stop` is set.

    On stop, the pending read is cancelled and the stream closed at once, so the
    HTTP request behind it is closed while the backend is still thinking.
    """
    stop_wait = asyncio.ensure_future(stop.wait())
    try:
        async with aclosing(stream):
            while True:
                next_item = asyncio.ensure_future(anext(stream))
                await asyncio.wait({next_item, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
                if not next_item.done():
                    next_item.cancel()
                    with suppress(asyncio.CancelledError, StopAsyncIteration):
                        await next_item
                    return
                try:
                    item = next_item.result()
                except StopAsyncIteration:
                    return
                yield item
    finally:
        stop_wait.cancel()
