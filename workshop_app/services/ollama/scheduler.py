"""A fair queue in front of each Ollama host.

Ollama serves only a few requests at once (its OLLAMA_NUM_PARALLEL) and queues the
rest first-come-first-served, so one attendee who fires twenty requests would block
the room. Here at most the host's parallelism is in flight; waiting requests are
admitted round-robin across users, least recently served first, and no user has more
than `per_user` actions in flight. A waiting request sees its live queue position and
leaves the queue when its caller stops waiting (Stop, a closed tab, a cancelled task).

An action is one request, or one group of requests that belong together (the columns
of a comparison, `turn(user, group)`), so a comparison is one action against the
per-user limit while its requests may run side by side. The rule, per free slot:
1. Leaders first: a request that would start an action (a plain request, or the first
   waiting request of a group with nothing in flight) is admitted round-robin across
   users, if its user has fewer than `per_user` actions in flight.
2. Only when no leader can take the slot does a group's further request ride along
   with its group already in flight (round-robin across users again).
A comparison therefore takes its turn like one request, and its extra requests use
only slots no other user's waiting request could take right now. A group with nothing
in flight (its running requests have ended) leads again through rule 1, so a busy room
can slow its later requests down to one at a time but never starve them. Queue
positions follow the same order: every waiting leader, then the riders.

When the host goes down (`fail_waiting`), every waiting request gets the outage error at
once instead of waiting for a slot that will not come.

The queue lives in the app process (one per event loop): with several app processes,
each keeps its own share of the host's parallelism.

A host's parallelism is WORKSHOP_OLLAMA_PARALLELISM, unless the host says how many
sequences it decodes at once (the built-in engine's `slots` in /api/version): admitting
fewer leaves the engine's slots idle, admitting more only queues inside the engine,
first-come-first-served, where fairness cannot reach.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from workshop_app.services.operations.metrics import set_queue_length
from workshop_app.settings import get_settings


@dataclass(eq=False)
class _Ticket:
    user: str
    serial: int
    group: object
    admitted: bool = False
    released: bool = False
    error: BaseException | None = None
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
        self._running: dict[str, Counter[object]] = {}  # user -> admitted requests per action in flight
        self._last_served: dict[str, int] = {}
        self._serials = itertools.count()
        self._in_flight = 0

    @asynccontextmanager
    async def turn(self, user: str, group: str | None = None) -> AsyncIterator[Turn]:
        """Queue a request for `user`; leaving the block frees its place or its slot.

        Requests of `user` with the same `group` count as one action (see the module's rule).
        """
        serial = next(self._serials)
        ticket = _Ticket(user, serial, serial if group is None else group)
        self._waiting.setdefault(user, deque()).append(ticket)
        self._dispatch()
        try:
            yield Turn(self, ticket)
        finally:
            self._leave(ticket)

    def fail_waiting(self, error: Callable[[], BaseException]) -> None:
        """Every waiting request leaves the queue with its own `error()` (the host is down)."""
        for queue in list(self._waiting.values()):
            for ticket in list(queue):
                self._remove_waiting(ticket)
                ticket.error = error()
                ticket.changed.set()
        set_queue_length(self.url, self.load().waiting)

    def resize(self, parallelism: int) -> None:
        """Serve up to `parallelism` at once from now on; requests in flight beyond it finish undisturbed."""
        self.parallelism = parallelism
        self._dispatch()

    def load(self) -> QueueLoad:
        return QueueLoad(self.url, self.parallelism, self._in_flight, sum(len(q) for q in self._waiting.values()))

    def position(self, ticket: _Ticket) -> int:
        """1-based place among the waiting requests, in the order they would be admitted."""
        return 0 if ticket.admitted else self._order().index(ticket) + 1

    def _order(self) -> list[_Ticket]:
        """Waiting requests in the order they would be admitted: leaders, then riders."""
        leaders, riders = self._lines()
        return leaders + riders

    def _lines(self) -> tuple[list[_Ticket], list[_Ticket]]:
        """Leaders (each starts an action) and riders (each joins its group's action), each round-robin."""
        leaders: dict[str, list[_Ticket]] = {}
        riders: dict[str, list[_Ticket]] = {}
        for user, queue in self._waiting.items():
            seen: set[object] = set(self._running.get(user, ()))
            for ticket in queue:
                (riders if ticket.group in seen else leaders).setdefault(user, []).append(ticket)
                seen.add(ticket.group)
        return self._rounds(leaders), self._rounds(riders)

    def _rounds(self, waiting: dict[str, list[_Ticket]]) -> list[_Ticket]:
        """Each user's n-th request in the n-th round, least recently served user first."""
        users = sorted(waiting, key=lambda user: (self._last_served.get(user, -1), waiting[user][0].serial))
        rounds = itertools.zip_longest(*(waiting[user] for user in users))
        return [ticket for round_ in rounds for ticket in round_ if ticket is not None]

    def _next(self) -> _Ticket | None:
        """The request the next free slot goes to (the module's rule), if any may start."""
        leaders, riders = self._lines()
        leader = next((t for t in leaders if len(self._running.get(t.user, ())) < self.per_user), None)
        return leader or next((t for t in riders if t.group in self._running.get(t.user, ())), None)

    def _dispatch(self) -> None:
        while self._in_flight < self.parallelism and (ticket := self._next()) is not None:
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
        self._running.setdefault(ticket.user, Counter())[ticket.group] += 1
        self._last_served[ticket.user] = next(self._serials)

    def _leave(self, ticket: _Ticket) -> None:
        if ticket.released:
            return
        ticket.released = True
        if ticket.error is not None:
            return  # already out of the queue
        if ticket.admitted:
            self._in_flight -= 1
            actions = self._running[ticket.user]
            actions[ticket.group] -= 1
            if not actions[ticket.group]:
                del actions[ticket.group]
            if not actions:
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
        """Yield the queue position each time it changes; return once admitted, raise if the queue failed."""
        shown = None
        while True:
            self._ticket.changed.clear()  # before reading, so no change is missed
            if self._ticket.error is not None:
                raise self._ticket.error
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
_HOST_SLOTS: dict[str, int] = {}
"""Slots a host reported about itself (the built-in engine), by URL; the others use the setting."""


def set_host_slots(url: str, slots: int | None) -> None:
    """Record what a host reported (None: it reports nothing, so the setting applies)."""
    if slots is None:
        _HOST_SLOTS.pop(url, None)
    else:
        _HOST_SLOTS[url] = slots


def scheduler_for(url: str) -> HostScheduler:
    """The scheduler of one host, created from settings on first use in this event loop.

    Its parallelism follows the host's reported slots whenever they are known or change.
    """
    schedulers = _SCHEDULERS.setdefault(asyncio.get_running_loop(), {})
    settings = get_settings()
    parallelism = _HOST_SLOTS.get(url, settings.ollama_parallelism)
    scheduler = schedulers.get(url)
    if scheduler is None:
        scheduler = schedulers[url] = HostScheduler(url, parallelism, settings.user_concurrency)
    elif scheduler.parallelism != parallelism:
        scheduler.resize(parallelism)
    return scheduler


class QueueBusy:
    """The router's measure of a host's load: requests in flight plus those waiting for it."""

    def count(self, url: str) -> int:
        load = scheduler_for(url).load()
        return load.in_flight + load.waiting


def queue_loads() -> list[QueueLoad]:
    """Load of every host that has a scheduler in this event loop."""
    return [scheduler.load() for scheduler in _SCHEDULERS.get(asyncio.get_running_loop(), {}).values()]
