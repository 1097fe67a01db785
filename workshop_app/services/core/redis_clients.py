"""Redis clients with bounded waits, so a Redis that hangs fails a step in seconds as a Redis that is down does.

Commands get a read timeout; a pub/sub listener gets none (it waits for messages by design) but still a
connect timeout. Every feature that shares state through Redis makes its clients here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis
import redis.asyncio as aioredis

REPLY_WITHIN_S = 5.0
"""The longest a command waits for Redis: its scripts take milliseconds, so this is far beyond a busy burst."""
CONNECT_WITHIN_S = 10.0
"""A frozen Redis still accepts connections (its kernel does), so this only bounds an unreachable machine; it is
long enough for a burst of new connections whose first attempt the kernel dropped and retried."""

COMMAND_TIMEOUTS: dict[str, Any] = {"socket_timeout": REPLY_WITHIN_S, "socket_connect_timeout": CONNECT_WITHIN_S}


def command_client(url: str) -> aioredis.Redis:
    """For commands and scripts on an event loop (a client belongs to the loop that first uses it)."""
    return aioredis.Redis.from_url(url, **COMMAND_TIMEOUTS)


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
