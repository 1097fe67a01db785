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

Without Redis the queue lives in the app process (one per event loop). With
WORKSHOP_REDIS_URL every worker shares one queue per host, kept by the same rules in
Redis (shared_queue.py), so the host's parallelism and the round-robin hold cluster-wide.

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
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from workshop_app.services.ollama.queue_turns import QueueLoad, QueueUpdate, Ticket, Turn
from workshop_app.services.ollama.shared_queue import SharedHostScheduler
from workshop_app.services.operations.metrics import set_queue_length
from workshop_app.settings import Settings, get_settings

__all__ = [
    "HostQueue",
    "HostScheduler",
    "QueueBusy",
    "QueueLoad",
    "QueueUpdate",
    "Turn",
    "queue_loads",
    "scheduler_for",
    "set_host_slots",
]


class HostQueue(Protocol):
    """The one interface of a host's fair queue, in this process or shared by every worker."""

    url: str
    parallelism: int

    def turn(self, user: str, group: str | None = None) -> AbstractAsyncContextManager[Turn]: ...

    def fail_waiting(self, error: Callable[[], BaseException]) -> None: ...

    def resize(self, parallelism: int) -> None: ...

    def load(self) -> QueueLoad: ...

    async def current_load(self) -> QueueLoad: ...


class HostScheduler:
    """Admission control for one host: `async with scheduler.turn(user) as turn`."""

    def __init__(self, url: str, parallelism: int, per_user: int) -> None:
        self.url = url
        self.parallelism = parallelism
        self.per_user = per_user
        self._waiting: dict[str, deque[Ticket]] = {}
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
        ticket = Ticket(user, serial, serial if group is None else group)
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

    async def current_load(self) -> QueueLoad:
        """The same as `load`: this process holds the whole queue."""
        return self.load()

    def position(self, ticket: Ticket) -> int:
        """1-based place among the waiting requests, in the order they would be admitted."""
        return 0 if ticket.admitted else self._order().index(ticket) + 1

    def _order(self) -> list[Ticket]:
        """Waiting requests in the order they would be admitted: leaders, then riders."""
        leaders, riders = self._lines()
        return leaders + riders

    def _lines(self) -> tuple[list[Ticket], list[Ticket]]:
        """Leaders (each starts an action) and riders (each joins its group's action), each round-robin."""
        leaders: dict[str, list[Ticket]] = {}
        riders: dict[str, list[Ticket]] = {}
        for user, queue in self._waiting.items():
            seen: set[object] = set(self._running.get(user, ()))
            for ticket in queue:
                (riders if ticket.group in seen else leaders).setdefault(user, []).append(ticket)
                seen.add(ticket.group)
        return self._rounds(leaders), self._rounds(riders)

    def _rounds(self, waiting: dict[str, list[Ticket]]) -> list[Ticket]:
        """Each user's n-th request in the n-th round, least recently served user first."""
        users = sorted(waiting, key=lambda user: (self._last_served.get(user, -1), waiting[user][0].serial))
        rounds = itertools.zip_longest(*(waiting[user] for user in users))
        return [ticket for round_ in rounds for ticket in round_ if ticket is not None]

    def _next(self) -> Ticket | None:
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

    def _admit(self, ticket: Ticket) -> None:
        self._remove_waiting(ticket)
        ticket.admitted = True
        ticket.changed.set()
        self._in_flight += 1
        self._running.setdefault(ticket.user, Counter())[ticket.group] += 1
        self._last_served[ticket.user] = next(self._serials)

    def _leave(self, ticket: Ticket) -> None:
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

    def _remove_waiting(self, ticket: Ticket) -> None:
        queue = self._waiting[ticket.user]
        queue.remove(ticket)
        if not queue:
            del self._waiting[ticket.user]


_SCHEDULERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, HostQueue]] = weakref.WeakKeyDictionary()
_HOST_SLOTS: dict[str, int] = {}
"""Slots a host reported about itself (the built-in engine), by URL; the others use the setting."""


def set_host_slots(url: str, slots: int | None) -> None:
    """Record what a host reported (None: it reports nothing, so the setting applies)."""
    if slots is None:
        _HOST_SLOTS.pop(url, None)
    else:
        _HOST_SLOTS[url] = slots


def scheduler_for(url: str) -> HostQueue:
    """The scheduler of one host, created from settings on first use in this event loop.

    With WORKSHOP_REDIS_URL it is the queue every worker shares, else this process's own.
    Its parallelism follows the host's reported slots whenever they are known or change.
    """
    schedulers = _SCHEDULERS.setdefault(asyncio.get_running_loop(), {})
    settings = get_settings()
    parallelism = _HOST_SLOTS.get(url, settings.ollama_parallelism)
    scheduler = schedulers.get(url)
    if scheduler is None:
        scheduler = schedulers[url] = _new_queue(url, parallelism, settings)
    elif scheduler.parallelism != parallelism:
        scheduler.resize(parallelism)
    return scheduler


def _new_queue(url: str, parallelism: int, settings: Settings) -> HostQueue:
    if settings.redis_url is None:
        return HostScheduler(url, parallelism, settings.user_concurrency)
    return SharedHostScheduler(url, parallelism, settings.user_concurrency, settings.redis_url, settings.queue_lease_s)


class QueueBusy:
    """The router's measure of a host's load: requests in flight plus those waiting for it."""

    def count(self, url: str) -> int:
        load = scheduler_for(url).load()
        return load.in_flight + load.waiting

    def crowded(self, url: str) -> bool:
        load = scheduler_for(url).load()
        return load.waiting >= load.parallelism


def queue_loads() -> list[QueueLoad]:
    """Load of every host that has a scheduler in this event loop."""
    return [scheduler.load() for scheduler in _SCHEDULERS.get(asyncio.get_running_loop(), {}).values()]
