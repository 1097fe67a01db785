"""The fair queue shared through a real Redis by several app workers, each a separate process
with its own scheduler (tests/support/queue_worker.py), in front of one fake host."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import redis

from tests.fakes.ollama_server import FakeOllama
from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from tests.support.peak_streams import peak_streams  # noqa: F401  (fixture)
from tests.support.ports import free_port
from tests.support.redis import redis_server
from workshop_app.services.ollama.errors import QueueUnavailable
from workshop_app.services.ollama.shared_queue import SharedHostScheduler
from workshop_app.settings import get_settings

pytestmark = pytest.mark.redis

LEASE_S = 1.5


@pytest.fixture
def shared(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Settings every worker reads: the shared Redis (emptied first) and a short lease."""
    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("WORKSHOP_REDIS_URL", redis_url)
    monkeypatch.setenv("WORKSHOP_QUEUE_LEASE_S", str(LEASE_S))
    get_settings.cache_clear()
    yield redis_url
    get_settings.cache_clear()


def configure(monkeypatch: pytest.MonkeyPatch, **values: int) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"WORKSHOP_{name.upper()}", str(value))


class Worker:
    """One worker process and the events it printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.events: list[dict[str, Any]] = []
        self._reading = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, url: str, person: str, requests: int) -> Worker:
        env = {**os.environ, "PYTHONPATH": os.getcwd()}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.queue_worker", url, person, str(requests),
            stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.events.append(json.loads(line))

    def times(self, event: str) -> list[float]:
        return [e["at"] for e in self.events if e["event"] == event]

    async def until(self, seen: Callable[[Worker], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not seen(self):
            assert time.monotonic() < deadline, self.events
            await asyncio.sleep(0.01)

    async def finished(self) -> None:
        assert await asyncio.wait_for(self.process.wait(), 60) == 0
        await self._reading


async def test_a_light_attendee_on_another_worker_is_served_before_the_greedy_ones_next_request(
    shared: str, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, peak_streams: list[int]
) -> None:
    configure(monkeypatch, ollama_parallelism=1)
    fake_ollama.config.reply_tokens, fake_ollama.config.token_delay = 10, 0.05  # a reply takes about 0.5 s
    greedy = await Worker.start(fake_ollama.url, "greedy", 6)
    await greedy.until(lambda w: len(w.times("admitted")) == 1 and len(w.times("queued")) == 5)
    light = await Worker.start(fake_ollama.url, "light", 1)
    await light.finished()
    await greedy.finished()
    positions = [e["position"] for e in light.events if e["event"] == "queued"]
    assert positions == [1], "ahead of the requests the other worker holds for the greedy attendee"
    (queued,), (admitted,) = light.times("queued"), light.times("admitted")
    assert not [t for t in greedy.times("admitted") if queued < t < admitted], "the next free slot was the light one's"
    assert peak_streams[0] == 1, "two workers together never send the host more than its parallelism"


async def test_two_busy_workers_together_send_the_host_no_more_than_its_parallelism(
    shared: str, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, peak_streams: list[int]
) -> None:
    configure(monkeypatch, ollama_parallelism=2, user_concurrency=2)
    fake_ollama.config.reply_tokens, fake_ollama.config.token_delay = 20, 0.05  # each worker is busy for 2 s
    workers = [await Worker.start(fake_ollama.url, person, 4) for person in ("first", "second")]
    for worker in workers:
        await worker.finished()
    assert peak_streams[0] == 2, "each worker alone may use both slots, but not both workers at once"


async def test_a_killed_worker_frees_its_slot_within_the_lease(
    shared: str, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, ollama_parallelism=1)
    fake_ollama.config.reply_tokens, fake_ollama.config.token_delay = 400, 0.05  # a reply of 20 s
    doomed = await Worker.start(fake_ollama.url, "doomed", 1)
    await doomed.until(lambda w: bool(w.times("admitted")))
    survivor = await Worker.start(fake_ollama.url, "survivor", 1)
    await survivor.until(lambda w: bool(w.times("queued")))
    killed = time.time()
    doomed.process.send_signal(signal.SIGKILL)
    await survivor.until(lambda w: bool(w.times("admitted")), timeout=10)
    freed_after = survivor.times("admitted")[0] - killed
    # The lease runs out within LEASE_S of the last renewal, and the survivor steps in as it does.
    assert freed_after <= LEASE_S + 0.3, freed_after
    fake_ollama.config.token_delay = 0.0  # let the survivor's reply end quickly
    await survivor.finished()


async def test_while_redis_is_unreachable_a_new_request_fails_with_a_clear_503() -> None:
    queue = SharedHostScheduler("http://host.test", 1, 1, f"redis://127.0.0.1:{free_port()}/0", LEASE_S)
    with pytest.raises(QueueUnavailable) as refused:
        async with queue.turn("someone"):
            pass
    assert refused.value.status_code == 503
    assert "shared queue for http://host.test cannot be reached" in refused.value.message


async def test_a_redis_restart_lets_the_running_request_finish_and_the_queue_recovers() -> None:
    port = free_port()
    with ExitStack() as first_run:
        queue = SharedHostScheduler("http://host.test", 1, 1, first_run.enter_context(redis_server(port)), LEASE_S)
        for _ in range(3):  # the queue has seen a few steps before Redis restarts and counts afresh
            async with queue.turn("earlier"):
                pass
        async with queue.turn("before") as turn:
            await turn.wait()
            first_run.close()  # Redis stops while the request runs; leaving the queue must not fail it
    with pytest.raises(QueueUnavailable):
        async with queue.turn("during"):
            pass
    with redis_server(port):
        async with queue.turn("after") as turn:
            await asyncio.wait_for(turn.wait(), 5)
            assert (await queue.current_load()).in_flight == 1
