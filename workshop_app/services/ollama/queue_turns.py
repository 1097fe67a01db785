"""What a request holds while it waits for and uses a host's slot, whichever queue keeps the order.

The in-process queue (scheduler.HostScheduler) and the queue shared by all workers through
Redis (shared_queue.SharedHostScheduler) hand out the same Turn, so callers never know which
one they are in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(eq=False)
class Ticket:
    """One request's state in a queue; `changed` is set whenever any of it may have changed."""

    user: str
    serial: int
    group: object
    admitted: bool = False
    released: bool = False
    error: BaseException | None = None
    place: int = 0  # the shared queue's last known position (the in-process queue computes it)
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


class Positions(Protocol):
    """The queue a ticket waits in, as far as its Turn needs it."""

    def position(self, ticket: Ticket) -> int: ...


class Turn:
    """One request's place in a host's queue."""

    def __init__(self, queue: Positions, ticket: Ticket) -> None:
        self._queue = queue
        self._ticket = ticket

    @property
    def position(self) -> int:
        """0 once admitted, else the live 1-based queue position."""
        return self._queue.position(self._ticket)

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
