"""Stopping a stream promptly, even while it waits for its next item, pacing its delivery, bounding its waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing, suppress
from typing import TypeVar

T = TypeVar("T")


async def until_stopped(stream: AsyncGenerator[T, None], stop: asyncio.Event) -> AsyncGenerator[T, None]:
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


async def batched(stream: AsyncGenerator[T, None], window_s: float) -> AsyncGenerator[list[T], None]:
    """The items of `stream` in lists: the first alone at once, then at most one list per `window_s`.

    A page that redraws per item sends the whole reply so far over the websocket for every
    token; redrawing per list keeps that to a few dozen updates a second however fast the
    model writes, while a slow model's tokens, further apart than the window, still show
    one by one as they arrive. The next item is read while the caller handles a list, so
    a slow redraw never holds up the stream itself (the request to the model starts while
    the page shows the chat). Items that arrived before the stream ended or failed are
    always delivered first.
    """
    loop = asyncio.get_running_loop()
    batch: list[T] = []
    due = loop.time()  # the first item goes out at once
    pending: asyncio.Future[T] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(stream))
            wait_s = max(0.0, due - loop.time()) if batch else None
            await asyncio.wait({pending}, timeout=wait_s)
            if pending.done():
                finished, pending = pending, None
                try:
                    batch.append(finished.result())
                except StopAsyncIteration:
                    if batch:
                        yield batch
                    return
                except BaseException:
                    if batch:
                        yield batch
                    raise
            if batch and loop.time() >= due:
                if pending is None:  # the stream reads on while the page shows this batch
                    pending = asyncio.ensure_future(anext(stream))
                yield batch
                batch, due = [], loop.time() + window_s
    finally:
        if pending is not None:
            pending.cancel()
            with suppress(
                asyncio.CancelledError, Exception
            ):  # closing: what the read would have raised no longer matters
                await pending
        await stream.aclose()


async def bounded(
    stream: AsyncGenerator[T, None],
    *,
    gap_s: float,
    until: float,
    gap_error: Callable[[], BaseException],
    late_error: Callable[[], BaseException],
) -> AsyncGenerator[T, None]:
    """Yield from `stream`, ending it (closing the request behind it) when it goes quiet or runs late.

    `gap_error()` is raised when no item comes within `gap_s`, `late_error()` at the
    event loop's time `until`; either way the pending read is cancelled, so a frozen
    backend or a runaway reply never holds the caller (or a host's slot) longer.
    """
    loop = asyncio.get_running_loop()
    async with aclosing(stream):
        while True:
            left = until - loop.time()
            try:
                async with asyncio.timeout(max(0.0, min(gap_s, left))):
                    item = await anext(stream)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise (late_error() if left <= gap_s else gap_error()) from None
            yield item
