"""One way for a page to stream a reply: start, redraw, stop, clean up and fail alike on every page.

The Playground, Compare, RAG and tool playground pages all stream a model's reply into a
background handler. They differ only in what they save first, what they show per item and how
they settle; `stream_reply` does the rest once, so a fix to stopping or cleaning up reaches
every page. Stop signals live here too: one per tab and page with a reply in flight. A tab's
events all reach the worker that holds its websocket, so a process-local registry is enough for
the tab's own Stop; every reply is also a running stream its owner may stop from another tab,
worker or the REST API (services/core/running_streams.py): a page whose stream runs elsewhere
says so and offers to stop it (`StreamingPage.running_elsewhere`).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import reflex as rx

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.jobs import JobKind
from workshop_app.services.core.running_streams import stop_streams, streams_running, until_streams_ended
from workshop_app.services.core.streaming import batched, until_stopped
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.feedback import toasts_errors

REDRAW_WINDOW_S = 0.05  # a streaming reply is redrawn at most 20 times a second
Item = TypeVar("Item")

_SIGNALS: dict[tuple[str, str], asyncio.Event] = {}


def _nothing(*_: object) -> None:
    return None


@dataclass
class Reply(Generic[Item]):
    """A reply a page has started: what it streams and the page's hooks, each run with the state locked."""

    items: AsyncGenerator[Item, None]
    show: Callable[[Item], None]  # one item onto the page, in order
    failed: Callable[[WorkshopError], None] = _nothing  # a typed error ended it (the toast follows)
    ended: Callable[[], Awaitable[None] | None] = _nothing  # however it ended, after `streaming` is off


class Page(Protocol):
    """What `stream_reply` needs of a page state (a `StreamingPage` and `AuthState`, or its background proxy)."""

    streaming: bool
    queue_position: int
    router: Any

    def get_full_name(self) -> str: ...

    async def acting_off_loop(self) -> Actor: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> Any: ...


Watched = tuple[JobKind, str | None]
"""The kind of stream a page shows, and on what (None: any), for the notice that one of them runs elsewhere."""


class StreamingPage(rx.State, mixin=True):
    """Mixed into a page state that streams: whether a reply is in flight, its queue place, and Stop;
    and whether one of the person's streams of this page runs in another tab, worker or script, to stop it."""

    streaming: bool = False
    queue_position: int = 0  # the reply's place in the host's queue; 0 once it is served (or on pages without one)
    running_elsewhere: bool = False

    @rx.event
    def stop(self):
        stop_stream(self)

    def _watched(self) -> Watched | None:
        """What a stream elsewhere would be streaming for this page to mention it (None: nothing)."""
        return None

    def _ended_elsewhere(self) -> rx.event.EventSpec | None:
        """Show what the stream elsewhere left, once it ended (by default the notice just goes)."""
        self.running_elsewhere = False
        return None

    def _look_elsewhere(self) -> rx.event.EventSpec | None:
        """Look (in the background: the shared registry is a Redis read) whether one of the person's streams of
        this page runs elsewhere, and follow it until it ends."""
        if self._watched() is None or self.streaming:
            self.running_elsewhere = False
            return None
        return type(self).follow_elsewhere

    @rx.event
    @toasts_errors
    async def stop_elsewhere(self):
        """Stop the stream running elsewhere, as its own tab's Stop would; had it ended, the toast says so."""
        if self.running_elsewhere and (watched := self._watched()) is not None:
            await stop_streams(self.acting(), *watched)  # type: ignore[attr-defined]
            return self._ended_elsewhere()
        return None

    @rx.event(background=True)
    @toasts_errors
    async def follow_elsewhere(self):
        """Say whether a stream of this page runs elsewhere; once it ends, show what it left."""
        async with self:
            actor, watched = await self.acting_off_loop(), self._watched()  # type: ignore[attr-defined]
        running = watched is not None and bool(await streams_running(actor, *watched))
        async with self:
            if self._watched() != watched or self.streaming:
                return None  # the page moved on meanwhile
            self.running_elsewhere = running
        if watched is None or not running:
            return None
        await until_streams_ended(actor, *watched)
        async with self:
            if self.running_elsewhere and self._watched() == watched and not self.streaming:
                return self._ended_elsewhere()
        return None


def _tab(page: Page) -> tuple[str, str]:
    return page.router.session.client_token, page.get_full_name()


def stop_stream(page: Page) -> None:
    """Stop this tab's reply on this page, if one is in flight (another page's reply streams on)."""
    signal = _SIGNALS.get(_tab(page))
    if signal is not None:
        signal.set()


@toasts_errors
async def stream_reply(page: Page, start: Callable[[Actor], Awaitable[Reply[Any] | None]]) -> None:
    """Run one reply on `page`, from a background handler: `start` reads the form and saves first.

    A second reply in the same tab and page is refused while one streams. The person is read
    off the event loop and `start` runs with the state locked (None: nothing to send); the
    reply is then redrawn at most once per `REDRAW_WINDOW_S`, so a room pressing Send at once
    does not queue on the worker's loop behind each other's reads and per-token redraws.
    Stop closes the stream (and the request behind it) at once. However it ends, `streaming`
    and the queue place are reset and the page's `ended` hook runs; a typed error keeps what
    was shown and becomes a toast.
    """
    if (started := await _started(page, start)) is None:
        return
    reply, tab, stop = started
    try:
        async for batch in batched(until_stopped(reply.items, stop), REDRAW_WINDOW_S):
            async with page:
                for item in batch:
                    reply.show(item)
    except WorkshopError as error:
        async with page:
            reply.failed(error)
        raise
    finally:
        _SIGNALS.pop(tab, None)
        async with page:
            page.streaming, page.queue_position = False, 0
            if inspect.isawaitable(settled := reply.ended()):
                await settled


async def _started(
    page: Page, start: Callable[[Actor], Awaitable[Reply[Any] | None]]
) -> tuple[Reply[Any], tuple[str, str], asyncio.Event] | None:
    """With the state locked: refuse a second reply, read the person off the loop, let the page save first."""
    async with page:
        if page.streaming:
            return None
        reply = await start(await page.acting_off_loop())
        if reply is None:
            return None
        tab, page.streaming = _tab(page), True
        stop = _SIGNALS[tab] = asyncio.Event()
    return reply, tab, stop
