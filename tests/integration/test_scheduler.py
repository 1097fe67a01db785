"""The fair scheduler, through the chat service over real sockets to the fake Ollama."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, aclosing

import pytest
import redis
from prometheus_client import REGISTRY

from tests.fakes.ollama_server import FakeOllama
from tests.support.fairness import GREEDY, run_fairness
from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from tests.support.peak_streams import peak_streams  # noqa: F401  (fixture)
from workshop_app.services.chat.replies import stream_reply, stream_reply_queued
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.scheduler import HostQueue, HostScheduler, QueueUpdate, Turn, scheduler_for
from workshop_app.services.ollama.shared_queue import SharedHostScheduler
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
    assert positions == [3, 2, 1, 0]  # 0: its turn began
    assert first_chunk_after == [3, 2, 1, 0]


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


async def test_a_group_is_one_action_whose_requests_stream_side_by_side(
    slow_fake: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, ollama_parallelism=4, user_concurrency=1)
    slow_fake.config.reply_tokens = 20  # keep every admitted reply streaming while the test looks
    async with AsyncExitStack() as requests:

        async def first_event(n: int, text: str, group: str | None = None) -> object:
            events = await requests.enter_async_context(
                aclosing(stream_reply_queued(MODEL, ask(text), client_ip=person(n), group=group))
            )
            return await anext(events)

        columns = [await first_event(1, f"column {c}", group="compare-1") for c in range(3)]
        assert not any(isinstance(event, QueueUpdate) for event in columns)  # all three got a slot at once
        # The group is the person's one action: their plain request waits although a slot is free.
        assert await first_event(1, "and another thing") == QueueUpdate(1)
        assert scheduler_for(slow_fake.url).load().in_flight == 3
        # Someone else takes that free slot.
        assert not isinstance(await first_event(2, "me too"), QueueUpdate)
        assert slow_fake.stats.active_streams == 4


async def _enter(requests: AsyncExitStack, scheduler: HostQueue, user: str, group: str | None = None) -> Turn:
    return await requests.enter_async_context(scheduler.turn(user, group))


Workers = Callable[[int, int], Awaitable[tuple[HostQueue, HostQueue]]]


@pytest.fixture(params=["one process", pytest.param("two workers on Redis", marks=pytest.mark.redis)])
def workers(request: pytest.FixtureRequest) -> Workers:
    """The queue two people's requests go through: this process's, or one shared by two workers."""

    async def make(parallelism: int, per_user: int) -> tuple[HostQueue, HostQueue]:
        if request.param == "one process":
            local = HostScheduler("http://host.test", parallelism, per_user)
            return local, local
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        first, second = (SharedHostScheduler("http://host.test", parallelism, per_user, url, 30) for _ in range(2))
        return first, second

    return make


async def settled(*queues: HostQueue) -> None:
    """Every worker has read the queue's latest state (each step's own reply updates only its worker)."""
    for queue in queues:
        await queue.current_load()


async def test_a_groups_later_requests_yield_to_another_users_waiting_request(workers: Workers) -> None:
    others, comparisons = await workers(2, 1)
    async with AsyncExitStack() as other, AsyncExitStack() as first_column, AsyncExitStack() as later:
        busy = await _enter(other, others, "busy")
        columns = [await _enter(first_column if c == 0 else later, comparisons, "comparer", "g") for c in range(3)]
        await settled(others, comparisons)
        assert [busy.position, *(column.position for column in columns)] == [0, 0, 1, 2]
        # Another person asks after the comparison, yet queues ahead of its later columns.
        asking = await _enter(later, others, "asker")
        await settled(others, comparisons)
        assert [asking.position, columns[1].position, columns[2].position] == [1, 2, 3]
        await other.aclose()  # a slot frees up: it goes to the other person, not to the comparison
        await settled(others, comparisons)
        assert [asking.position, columns[1].position, columns[2].position] == [0, 1, 2]
        await first_column.aclose()  # the comparison's own slot passes to its next column
        await settled(others, comparisons)
        assert [columns[1].position, columns[2].position] == [0, 1]
        assert (await comparisons.current_load()).in_flight == 2


async def test_a_groups_later_requests_take_slots_nobody_else_may_use(workers: Workers) -> None:
    others, comparisons = await workers(3, 1)
    async with AsyncExitStack() as requests:
        running = await _enter(requests, others, "eager")
        second = await _enter(requests, others, "eager")  # waits for the eager person's limit, not for a slot
        columns = [await _enter(requests, comparisons, "comparer", "g") for _ in range(2)]
        await settled(others, comparisons)
        assert [running.position, second.position, *(column.position for column in columns)] == [0, 1, 0, 0]
