"""The fair scheduler, through the chat service over real sockets to the fake Ollama."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from tests.fakes.ollama_server import FakeOllama
from tests.support.fairness import GREEDY, run_fairness
from workshop_app.services.chat import stream_reply, stream_reply_queued
from workshop_app.services.ollama.scheduler import QueueUpdate, scheduler_for
from workshop_app.services.streaming import until_stopped
from workshop_app.settings import get_settings

MODEL = "qwen2.5:0.5b"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every request that gets a turn is recorded in the session database."""


@pytest.fixture
def slow_fake(fake_ollama: FakeOllama) -> FakeOllama:
    """Replies of 4 tokens, 30 ms apart: one job takes about a tenth of a second."""
    fake_ollama.config.reply_tokens = 4
    fake_ollama.config.token_delay = 0.03
    return fake_ollama


def configure(monkeypatch: pytest.MonkeyPatch, **values: int) -> None:
    for name, value in values.items():
        monkeypatch.setenv(f"WORKSHOP_{name.upper()}", str(value))
    get_settings.cache_clear()


def person(n: int) -> str:
    """Signed-out callers are told apart by address, just as signed-in ones are by user id."""
    return f"192.0.2.{n}"


async def drain(n: int, text: str = "hi") -> None:
    async for _ in stream_reply(MODEL, ask(text), client_ip=person(n)):
        pass


@pytest.fixture
async def peak_streams(fake_ollama: FakeOllama) -> AsyncIterator[list[int]]:
    """The most replies the fake streamed at once, sampled while the test runs."""
    peak = [0]

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], fake_ollama.stats.active_streams)
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    yield peak
    sampler.cancel()


async def test_an_eager_attendee_does_not_make_the_others_wait(slow_fake: FakeOllama) -> None:
    slow_fake.config.token_delay = 0.04  # a job of ~0.16 s: long enough that set-up jitter stays small beside it
    run = await run_fairness(MODEL, slow_fake.url, burst=20, others=9)
    job = run.job_s
    # Waiting behind the eager attendee: at most the one reply already running (FIFO: ~20 replies).
    assert statistics.median(run.waits_behind_greedy()) <= 1.5 * job, run.summary()
    # Round-robin: each of the nine is served before the eager attendee's next request.
    greedy_done = [t.done for t in run.timings if t.person == GREEDY]
    assert all(sum(done < t.first_token for done in greedy_done) <= 1 for t in run.others), run.summary()
    # In all, the nine queue only behind each other: the median one waits for about 5 replies (FIFO: ~24).
    assert statistics.median(run.waits()) <= 10 * job, run.summary()


async def test_at_most_the_hosts_parallelism_is_in_flight(
    slow_fake: FakeOllama, monkeypatch: pytest.MonkeyPatch, peak_streams: list[int]
) -> None:
    configure(monkeypatch, ollama_parallelism=2)
    await asyncio.gather(*(drain(n) for n in range(1, 7)))
    assert peak_streams[0] == 2


@pytest.mark.parametrize("per_user", [1, 2])
async def test_one_user_gets_at_most_their_share_of_slots(
    slow_fake: FakeOllama, monkeypatch: pytest.MonkeyPatch, peak_streams: list[int], per_user: int
) -> None:
    configure(monkeypatch, ollama_parallelism=4, user_concurrency=per_user)
    await asyncio.gather(*(drain(7, text=f"q{n}") for n in range(4)))
    assert peak_streams[0] == per_user


async def test_a_waiting_request_sees_its_position_count_down(slow_fake: FakeOllama) -> None:
    running = [asyncio.create_task(drain(n)) for n in (1, 2, 3)]
    scheduler = scheduler_for(slow_fake.url)
    while scheduler.load().waiting < 2:
        await asyncio.sleep(0.005)
    assert REGISTRY.get_sample_value("workshop_queue_length", {"host": slow_fake.url}) == 2
    positions, first_chunk_after = [], None
    async for event in stream_reply_queued(MODEL, ask("me next"), client_ip=person(4)):
        if isinstance(event, QueueUpdate):
            positions.append(event.position)
        elif first_chunk_after is None:
            first_chunk_after = list(positions)
    await asyncio.gather(*running)
    assert positions == [3, 2, 1]
    assert first_chunk_after == [3, 2, 1]


async def test_stop_while_waiting_leaves_the_queue_without_reaching_ollama(slow_fake: FakeOllama) -> None:
    slow_fake.config.reply_tokens = 20  # keep the host busy while we stop
    busy = asyncio.create_task(drain(1))
    scheduler = scheduler_for(slow_fake.url)
    while scheduler.load().in_flight < 1:
        await asyncio.sleep(0.005)
    stop = asyncio.Event()
    seen: list[object] = []
    async for event in until_stopped(stream_reply_queued(MODEL, ask("never mind"), client_ip=person(2)), stop):
        seen.append(event)
        stop.set()
    assert seen == [QueueUpdate(1)]
    assert scheduler.load().waiting == 0
    await busy
    assert slow_fake.stats.requests.get("/api/chat", 0) == 1
    assert scheduler.load().in_flight == 0


async def test_the_next_in_line_moves_up_when_someone_leaves(slow_fake: FakeOllama) -> None:
    slow_fake.config.reply_tokens = 20
    busy = asyncio.create_task(drain(1))
    scheduler = scheduler_for(slow_fake.url)
    while scheduler.load().in_flight < 1:
        await asyncio.sleep(0.005)
    leaving = stream_reply_queued(MODEL, ask("first in line"), client_ip=person(2))
    assert await anext(leaving) == QueueUpdate(1)
    staying = stream_reply_queued(MODEL, ask("second in line"), client_ip=person(3))
    assert await anext(staying) == QueueUpdate(2)
    await leaving.aclose()
    assert await anext(staying) == QueueUpdate(1)
    await staying.aclose()
    await busy
