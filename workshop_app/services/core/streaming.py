"""Stopping a stream promptly, even while it waits for its next item, pacing its delivery, bounding its waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing, suppress
from typing import TypeVar

T = TypeVar("T")


class _Cut(Exception):
    """The read was cut short by a stop or a deadline."""


class _Read:
    """The read in progress on a stream, which a stop or a deadline cuts short.

    Like asyncio.timeout, cutting cancels the task awaiting the item and takes that
    cancellation back, so watching a stream costs no task or future per item.
    """

    def __init__(self) -> None:
        self.reader: asyncio.Task[object] | None = None  # the task awaiting the next item, while one is
        self.started = 0.0  # the event loop's time when that read began
        self.cut = False

    def cancel(self) -> None:
        if self.reader is not None and not self.cut:
            self.cut = True
            self.reader.cancel()

    async def next(self, stream: AsyncGenerator[T, None], started: float = 0.0) -> T:
        """The stream's next item; raises _Cut if cancel() came first, StopAsyncIteration at the end."""
        self.reader, self.started = asyncio.current_task(), started
        try:
            return await anext(stream)
        except asyncio.CancelledError:
            if self.cut and self.reader is not None and self.reader.uncancel() == 0:
                raise _Cut from None
            raise
        finally:
            self.reader = None


async def until_stopped(stream: AsyncGenerator[T, None], stop: asyncio.Event) -> AsyncGenerator[T, None]:
    """Yield from `stream` until it ends or `stop` is set.

    On stop, the pending read is cancelled and the stream closed at once, so the
    HTTP request behind it is closed while the backend is still thinking.
    """
    read = _Read()
    stop_wait = asyncio.ensure_future(stop.wait())
    stop_wait.add_done_callback(lambda _: read.cancel())
    try:
        async with aclosing(stream):
            while not stop.is_set():
                try:
                    item = await read.next(stream)
                except (StopAsyncIteration, _Cut):
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
    arrived: list[T] = []
    wake = asyncio.Event()  # an item arrived, or the stream ended

    async def read() -> None:  # one reader for the whole stream: no task or future per item
        try:
            async for item in stream:
                arrived.append(item)
                wake.set()
        finally:
            wake.set()

    reader = asyncio.ensure_future(read())
    due = loop.time()  # the first item goes out at once
    alone = True  # after a quiet spell, the first item to arrive goes out at once, without what follows it
    try:
        while True:
            if not arrived and not reader.done():
                wake.clear()
                await wake.wait()
                alone = loop.time() >= due
                continue
            if arrived and not reader.done() and loop.time() < due:
                await asyncio.wait({reader}, timeout=due - loop.time())  # the window, unless the stream ends first
            if arrived and (reader.done() or loop.time() >= due):
                batch = arrived[:1] if alone else arrived[:]
                del arrived[: len(batch)]
                alone = False
                yield batch
                due = loop.time() + window_s
            elif reader.done():
                reader.result()  # the stream's failure, after every item that came before it
                return
    finally:
        reader.cancel()
        with suppress(asyncio.CancelledError, Exception):  # closing: what the read would have raised no longer matters
            await reader
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
    backend or a runaway reply never holds the caller (or a host's slot) longer. One
    timer watches the whole stream (re-armed at most once a gap), not one per item.
    """
    loop = asyncio.get_running_loop()
    read = _Read()
    timer: asyncio.TimerHandle  # the watchdog, armed below

    def watch() -> None:
        nonlocal timer
        now = loop.time()
        if read.reader is not None and (now >= until or now >= read.started + gap_s):
            read.cancel()
            return
        due = read.started + gap_s if read.reader is not None else now + gap_s
        timer = loop.call_at(min(due, until) if until > now else due, watch)

    timer = loop.call_at(min(loop.time() + gap_s, until), watch)
    try:
        async with aclosing(stream):
            while True:
                started = loop.time()
                if started >= until:
                    raise late_error()
                try:
                    item = await read.next(stream, started)
                except StopAsyncIteration:
                    return
                except _Cut:
                    raise (late_error() if loop.time() >= until else gap_error()) from None
                yield item
    finally:
        timer.cancel()
