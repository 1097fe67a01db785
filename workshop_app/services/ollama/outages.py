"""Hosts a request found down, shared through Redis so every app process stops sending to them at once.

A worker whose request is refused or dropped by a host records it here (when
WORKSHOP_REDIS_URL is set) for one health interval (at least 5 s); the other workers read the record
before routing their next request and count the host down too, failing their queue for
it. After that, each worker's own health checks decide again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from workshop_app.services.core.redis_clients import command_client
from workshop_app.settings import get_settings

log = logging.getLogger(__name__)

KEY = "workshop:host-down:"
MIN_REPORT_S = 5
"""Shortest time a report lasts, so every worker sees it even with very frequent health checks."""

_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()
_reports: set[asyncio.Task] = set()


def _client() -> aioredis.Redis | None:
    url = get_settings().redis_url
    if url is None:
        return None
    loop = asyncio.get_running_loop()
    if loop not in _CLIENTS:
        _CLIENTS[loop] = command_client(url)
    return _CLIENTS[loop]


def report(url: str, reason: str) -> None:
    """Tell the other workers (in the background) that `url` refused or dropped a request."""
    client = _client()
    if client is None:
        return
    ttl = max(MIN_REPORT_S, round(get_settings().ollama_health_interval))
    task = asyncio.get_running_loop().create_task(_write(client, url, reason, ttl))
    _reports.add(task)
    task.add_done_callback(_reports.discard)


async def _write(client: aioredis.Redis, url: str, reason: str, ttl: int) -> None:
    try:
        await client.set(KEY + url, reason, ex=ttl)
    except RedisError as error:
        log.warning("could not share that %s is down: %s", url, error)


async def reported(urls: Sequence[str]) -> dict[str, str]:
    """The hosts among `urls` that some worker found down lately, with the reason."""
    client = _client()
    if client is None or not urls:
        return {}
    try:
        values = await client.mget([KEY + url for url in urls])
    except RedisError as error:
        log.warning("could not read shared host outages: %s", error)
        return {}
    return {url: value.decode() for url, value in zip(urls, values, strict=True) if value is not None}
