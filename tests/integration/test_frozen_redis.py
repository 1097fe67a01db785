"""A Redis that hangs (stopped, not gone: no refusal, no answer) fails the sharing core's steps within
seconds, as a Redis that is down does, instead of holding attendees' requests (or, for the job registry,
the whole worker) for as long as it hangs."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import limits
import pytest
import redis

from tests.support.redis import redis_server
from workshop_app.db.users import Role
from workshop_app.services.chat.running_replies import CHAT_REPLY
from workshop_app.services.core.errors import SharedStoreUnavailable
from workshop_app.services.core.jobs import Job, JobStatus
from workshop_app.services.core.redis_clients import REPLY_WITHIN_S
from workshop_app.services.core.redis_jobs import RedisJobs
from workshop_app.services.ollama.errors import QueueUnavailable
from workshop_app.services.ollama.shared_queue import SharedHostScheduler
from workshop_app.services.sharing.rate_limits import Allowance, get_limiter, requester_key
from workshop_app.services.workshops.policy import Actor
from workshop_app.settings import get_settings

pytestmark = pytest.mark.redis

GIVE_UP_WITHIN_S = 20.0
"""What an attendee could bear to wait; a hung Redis without read timeouts holds a request for ever."""


@pytest.fixture
def frozen_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Redis the app has used, then stopped with SIGSTOP (its socket still accepts; nothing answers)."""
    with redis_server() as url:
        monkeypatch.setenv("WORKSHOP_REDIS_URL", url)
        get_settings.cache_clear()
        pid = int(redis.Redis.from_url(url).info()["process_id"])
        try:
            yield url
        finally:
            os.kill(pid, signal.SIGCONT)
            get_settings.cache_clear()


def freeze(url: str) -> None:
    os.kill(int(redis.Redis.from_url(url).info()["process_id"]), signal.SIGSTOP)


async def test_a_new_queue_request_fails_with_a_clear_503_while_redis_hangs(frozen_redis: str) -> None:
    queue = SharedHostScheduler("http://host.test", 1, 1, frozen_redis, 1.5)
    async with queue.turn("earlier") as turn:  # the queue worked before Redis hung
        await turn.wait()
    freeze(frozen_redis)
    started = time.monotonic()
    with pytest.raises(QueueUnavailable) as refused:
        async with asyncio.timeout(GIVE_UP_WITHIN_S):
            async with queue.turn("someone"):
                pass
    assert refused.value.status_code == 503
    assert time.monotonic() - started < GIVE_UP_WITHIN_S


async def test_the_limiter_lets_a_request_through_while_redis_hangs_as_while_it_is_down(frozen_redis: str) -> None:
    limiter, who = get_limiter(), requester_key(1, None)
    allowance = Allowance(limits.parse("100/minute"), 1000)
    await limiter.admit(who, allowance, prompt_tokens=10, reply_tokens=10)
    freeze(frozen_redis)
    async with asyncio.timeout(GIVE_UP_WITHIN_S):
        reservation = await limiter.admit(who, allowance, prompt_tokens=10, reply_tokens=10)
        await limiter.settle(reservation, 5)


async def sleep_on(_job: Job) -> None:
    await asyncio.sleep(3600)


async def test_a_job_stopped_while_redis_hangs_ends_within_seconds(frozen_redis: str) -> None:
    jobs, owner = RedisJobs(frozen_redis, 1.5), Actor(1, Role.ATTENDEE)
    job = await jobs.start(owner, CHAT_REPLY, "7", sleep_on)
    await asyncio.sleep(0.1)
    freeze(frozen_redis)
    async with asyncio.timeout(GIVE_UP_WITHIN_S):  # its end cannot be shared: that is given up, not waited on
        stopped = await jobs.cancel(owner, job.id)
    assert stopped.status == JobStatus.CANCELLED


async def test_a_registry_call_while_redis_hangs_waits_alone_and_the_worker_serves_everyone_else(
    frozen_redis: str,
) -> None:
    """Every tab of a worker shares its event loop: a stream registering itself on a hung Redis must not
    stop the worker's other streams and pages meanwhile; once it failed, the next ones fail at once."""
    jobs, owner = RedisJobs(frozen_redis, 1.5), Actor(1, Role.ATTENDEE)
    assert await jobs.listed(owner, CHAT_REPLY) == []  # the registry worked before Redis hung
    freeze(frozen_redis)
    beats: list[float] = []

    async def another_tab() -> None:
        while True:
            beats.append(time.monotonic())
            await asyncio.sleep(0.05)

    meanwhile = asyncio.create_task(another_tab())
    started = time.monotonic()
    try:
        with pytest.raises(SharedStoreUnavailable):
            await jobs.start(owner, CHAT_REPLY, "1", sleep_on)
        first_failed_after = time.monotonic() - started
        for chat in range(2, 5):
            with pytest.raises(SharedStoreUnavailable):
                await jobs.start(owner, CHAT_REPLY, str(chat), sleep_on)
    finally:
        meanwhile.cancel()
    ended = time.monotonic()
    assert first_failed_after >= REPLY_WITHIN_S / 2, "it did wait for Redis"
    moments = [started, *beats, ended]
    longest_pause = max(later - earlier for earlier, later in zip(moments, moments[1:], strict=False))
    assert longest_pause < REPLY_WITHIN_S / 2, f"the worker stopped for {longest_pause:.1f} s while Redis hung"
    assert ended - started < 2 * REPLY_WITHIN_S, "after one failure the next ones fail at once"
