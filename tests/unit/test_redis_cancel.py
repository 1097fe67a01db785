"""A loop that retries on Redis errors still stops when its task is cancelled, even when the connection's
cleanup fails as the cancel unwinds it (else the event loop's shutdown waits on it for ever)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import ConnectionError as RedisConnectionError

from tests.support.ports import free_port
from workshop_app.services.ollama.shared_queue import SharedHostScheduler


class CleanupFails:
    """A pub/sub whose subscribe waits for messages and whose cleanup, on a cancel, fails as a lost connection."""

    @asynccontextmanager
    async def pubsub(self) -> AsyncIterator[CleanupFails]:
        try:
            yield self
        except asyncio.CancelledError:
            raise RedisConnectionError("Connection closed by server.") from None

    async def subscribe(self, _channel: str) -> None:
        await asyncio.sleep(3600)


async def test_the_shared_queues_listener_stops_when_cancelled_though_its_cleanup_fails() -> None:
    queue = SharedHostScheduler("http://host.test", 1, 1, f"redis://127.0.0.1:{free_port()}/0", 1.5)
    queue._listener = CleanupFails()  # type: ignore[assignment]  (before the listener's first step)
    await asyncio.sleep(0.05)
    listener = next(iter(queue._tasks))
    listener.cancel()
    done, _ = await asyncio.wait({listener}, timeout=3)
    assert listener in done and listener.cancelled()
