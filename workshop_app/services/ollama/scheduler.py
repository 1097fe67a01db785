"""A fair queue in front of each Ollama host.

Ollama serves only a few requests at once (its OLLAMA_NUM_PARALLEL) and queues the
rest first-come-first-served, so one attendee who fires twenty requests would block
the room. Here at most the host's parallelism is in flight; waiting requests are
admitted round-robin across users, least recently served first, and no user has more
than `per_user` requests in flight. A waiting request sees its live queue position and
leaves the queue when its caller stops waiting (Stop, a closed tab, a cancelled task).

The queue lives in the app process (one per event loop): with several app processes,
each keeps its own share of the host's parallelism.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from workshop_app.services.metrics import set_queue_length
from workshop_app.settings import get_settings


@dataclass(eq=False)
class _Ticket:
    user: str
    serial: int
    admitted: bool = False
    released: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class QueueLoad:
    """What a host is doing right now, for routing and the instructor's dashboard."""

    url: str
    parallelism: int
    in_flight: int
    waiting: int


@dataclass(frozen=True)
class QueueUpdate:
    """A request is waiting for a turn: `position` 1 is next."""

    position: int


class HostScheduler:
    """Admission control for one host: `async with scheduler.turn(user) as turn`."""

    def __init__(self, url: str, parallelism: int, per_user: int) -> None:
        self.url = url
        self.parallelism = parallelism
        self.per_user = per_user
        self._waiting: dict[str, deque[_Ticket]] = {}
        self._running: dict[str, int] = {}
        self._last_served: dict[str, int] = {}
        self._serials = itertools.count()
        self._in_flight = 0

    @asynccontextmanager
    async def turn(self, user: str) -> AsyncIterator[Turn]:
        """Queue a request for `user`; leaving the block frees its place or its slot."""
        ticket = _Ticket(user, next(self._serials))
        self._waiting.setdefault(user, deque()).append(ticket)
        self._dispatch()
        try:
            yield Turn(self, ticket)
        finally:
            self._leave(ticket)

    def load(self) -> QueueLoad:
        return QueueLoad(self.url, self.parallelism, self._in_flight, sum(len(q) for q in self._waiting.values()))

    def position(self, ticket: _Ticket) -> int:
        """1-based place among the waiting requests, in the order they would be admitted."""
        return 0 if ticket.admitted else self._order().index(ticket) + 1

    def _order(self) -> list[_Ticket]:
        """Waiting requests in round-robin order: each user's n-th request in the n-th round."""
        users = sorted(self._waiting, key=lambda user: (self._last_served.get(user, -1), self._waiting[user][0].serial))
        rounds = itertools.zip_longest(*(self._waiting[user] for user in users))
        return [ticket for round_ in rounds for ticket in round_ if ticket is not None]

    def _dispatch(self) -> None:
        while self._in_flight < self.parallelism:
            ticket = next((t for t in self._order() if self._running.get(t.user, 0) < self.per_user), None)
            if ticket is None:
                break
            self._admit(ticket)
        for queue in self._waiting.values():
            for ticket in queue:
                ticket.changed.set()
        set_queue_length(self.url, self.load().waiting)

    def _admit(self, ticket: _Ticket) -> None:
        self._remove_waiting(ticket)
        ticket.admitted = True
        ticket.changed.set()
        self._in_flight += 1
        self._running[ticket.user] = self._running.get(ticket.user, 0) + 1
        self._last_served[ticket.user] = next(self._serials)

    def _leave(self, ticket: _Ticket) -> None:
        if ticket.released:
            return
        ticket.released = True
        if ticket.admitted:
            self._in_flight -= 1
            self._running[ticket.user] -= 1
            if not self._running[ticket.user]:
                del self._running[ticket.user]
        else:
            self._remove_waiting(ticket)
        self._dispatch()

    def _remove_waiting(self, ticket: _Ticket) -> None:
        queue = self._waiting[ticket.user]
        queue.remove(ticket)
        if not queue:
            del self._waiting[ticket.user]


class Turn:
    """One request's place in a host's queue."""

    def __init__(self, scheduler: HostScheduler, ticket: _Ticket) -> None:
        self._scheduler = scheduler
        self._ticket = ticket

    @property
    def position(self) -> int:
        """0 once admitted, else the live 1-based queue position."""
        return self._scheduler.position(self._ticket)

    async def positions(self) -> AsyncIterator[int]:
        """Yield the queue position each time it changes; return once admitted."""
        shown = None
        while True:
            self._ticket.changed.clear()  # before reading, so no change is missed
            if self._ticket.admitted:
                return
            position = self.position
            if position != shown:
                shown = position
                yield position
            await self._ticket.changed.wait()

    async def wait(self) -> None:
        """Wait for admission without watching the position."""
        async for _ in self.positions():
            pass


_SCHEDULERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, HostScheduler]] = (
    weakref.WeakKeyDictionary()
)


def scheduler_for(url: str) -> HostScheduler:
    """The scheduler of one host, created from settings on first use in this event loop."""
    schedulers = _SCHEDULERS.setdefault(asyncio.get_running_loop(), {})
    if url not in schedulers:
        settings = get_settings()
        schedulers[url] = HostScheduler(url, settings.ollama_parallelism, settings.user_concurrency)
    return schedulers[url]


class QueueBusy:
    """The router's measure of a host's load: requests in flight plus those waiting for it."""

    def count(self, url: str) -> int:
        load = scheduler_for(url).load()
        return load.in_flight + load.waiting


def queue_loads() -> list[QueueLoad]:
    """Load of every host that has a scheduler in this event loop."""
    return [scheduler.load() for scheduler in _SCHEDULERS.get(asyncio.get_running_loop(), {}).values()]
