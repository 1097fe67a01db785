"""A task cancelled while it sends a command to Redis is cancelled, whatever the moment the cancel comes.

On Python 3.11 the Redis client's send, bounded by `asyncio.wait_for`, dropped a cancel that came
just as the send completed: the shared queue's listener then ran on past its event loop's
shutdown (which waited for ever), and a request whose client had left could run on. Every moment
of a command is tried by cancelling after 0, 1, 2, ... turns of the event loop.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from workshop_app.services.core.redis_clients import command_client
from workshop_app.services.sharing.rate_limits import storage_for
from workshop_app.settings import Settings

pytestmark = pytest.mark.redis

TURNS = 12  # a command's send and reply take fewer turns of the loop than this


async def outcomes_of_cancelling(command) -> list[str]:  # type: ignore[no-untyped-def]
    """How a task that runs `command` and then waits ends when cancelled after each number of turns."""
    outcomes = []
    for turns in range(TURNS):

        async def step() -> None:
            await command()
            await asyncio.sleep(3600)  # what runs on if the cancel was lost (a listener's next wait)

        task = asyncio.ensure_future(step())
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1)
        outcomes.append("cancelled" if task in done and task.cancelled() else f"ran on after {turns} turns")
        task.cancel()
    return outcomes


async def test_a_command_client_loses_no_cancel(redis_url: str) -> None:
    client = command_client(redis_url)
    await client.ping()
    assert await outcomes_of_cancelling(client.ping) == ["cancelled"] * TURNS
    await client.aclose()


async def test_the_rate_limiters_redis_storage_loses_no_cancel(redis_url: str) -> None:
    storage = storage_for(Settings(redis_url=redis_url))

    async def read_a_counter() -> None:
        await storage.get("cancel-probe")

    await read_a_counter()
    assert await outcomes_of_cancelling(read_a_counter) == ["cancelled"] * TURNS
