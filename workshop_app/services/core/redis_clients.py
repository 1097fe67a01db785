"""Redis clients with bounded waits, so a Redis that hangs fails a step in seconds as a Redis that is down does.

Commands get a read timeout; a pub/sub listener gets none (it waits for messages by design) but still a
connect timeout. Every feature that shares state through Redis makes its clients here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis
import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.connection import parse_url

REPLY_WITHIN_S = 5.0
"""The longest a command waits for Redis: its scripts take milliseconds, so this is far beyond a busy burst."""
CONNECT_WITHIN_S = 10.0
"""A frozen Redis still accepts connections (its kernel does), so this only bounds an unreachable machine; it is
long enough for a burst of new connections whose first attempt the kernel dropped and retried."""

COMMAND_TIMEOUTS: dict[str, Any] = {"socket_timeout": REPLY_WITHIN_S, "socket_connect_timeout": CONNECT_WITHIN_S}


class _CancelSafeSend:
    """A connection whose send is bounded by `asyncio.timeout`, not `asyncio.wait_for`.

    redis-py bounds a send with `wait_for` when the connection has a timeout; on Python 3.11,
    `wait_for` drops a cancel that arrives just as the send completes (fixed in 3.12). The task
    then ran on: a listener past its event loop's shutdown, which then waited for ever, or a
    request its client had left.
    """

    socket_timeout: float | None

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        bound, self.socket_timeout = self.socket_timeout, None  # the library then sends without wait_for
        try:
            async with asyncio.timeout(bound):
                await super().send_packed_command(command, check_health)  # type: ignore[misc]
        except TimeoutError:
            raise redis.exceptions.TimeoutError("Timeout writing to socket") from None
        finally:
            self.socket_timeout = bound


_CANCEL_SAFE: dict[type[Any], type[Any]] = {}


def command_pool(url: str) -> aioredis.ConnectionPool:
    """Connections for commands on an event loop: bounded waits, and a cancel is never lost while a command is sent."""
    options = parse_url(url)
    kind = options.pop("connection_class", aioredis.Connection)  # TCP, TLS or a Unix socket, as the URL says
    safe = _CANCEL_SAFE.setdefault(kind, type(f"CancelSafe{kind.__name__}", (_CancelSafeSend, kind), {}))
    return aioredis.ConnectionPool(connection_class=safe, **{**options, **COMMAND_TIMEOUTS})


def command_client(url: str) -> aioredis.Redis:
    """For commands and scripts on an event loop (a client belongs to the loop that first uses it)."""
    return aioredis.Redis.from_pool(command_pool(url))


def blocking_command_client(url: str) -> redis.Redis:
    """For commands from a thread or a synchronous caller."""
    return redis.Redis.from_url(url, **COMMAND_TIMEOUTS)


def listening_client(url: str) -> aioredis.Redis:
    """For pub/sub subscriptions, which wait for messages without a read timeout."""
    return aioredis.Redis.from_url(url, socket_timeout=None, socket_connect_timeout=CONNECT_WITHIN_S)


def raise_if_stopping(error: BaseException) -> None:
    """Re-raise the cancel when a Redis error came while this task was being cancelled.

    A connection's cleanup can fail as a cancel unwinds it; a loop that retries on Redis errors
    would take that error for an outage and run on for ever, holding its event loop's shutdown.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error
