"""Every wait is bounded: a silent, frozen, killed or refusing Ollama host never leaves a request hanging.

Small settings keep the test fast: the same code runs with the defaults (a 30 s stall
timeout, a 600 s ceiling per request, health checks every 10 s).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.fake_process import FakeProcess, fake_process
from tests.support.redis import redis_server
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401 - fixtures
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.ollama.backends import backend_for, get_monitor
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendStalled, BackendUnavailable, RequestTooLong
from workshop_app.services.ollama.outages import KEY
from workshop_app.services.ollama.scheduler import scheduler_for
from workshop_app.services.operations.metrics import recent_requests
from workshop_app.settings import get_settings

MODEL = "qwen2.5:0.5b"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch, migrated_database: str) -> Iterator[None]:
    """Short bounds: a 1.5 s stall timeout, health checks every 0.3 s that wait 0.5 s, 3 connect attempts."""
    for name, value in {
        "OLLAMA_STALL_TIMEOUT": "1.5",
        "OLLAMA_HEALTH_INTERVAL": "0.3",
        "OLLAMA_PROBE_TIMEOUT": "0.5",
        "OLLAMA_CONNECT_TIMEOUT": "1",
        "OLLAMA_RETRIES": "3",
    }.items():
        monkeypatch.setenv(f"WORKSHOP_{name}", value)
    reset_settings_caches()
    yield
    reset_settings_caches()


@pytest.fixture
def process_fake(quick: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProcess]:
    with fake_process(token_delay=0.05, reply_tokens=400) as fake:
        monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", fake.url)
        reset_settings_caches()
        yield fake


async def reply_of(text: str, who: str) -> str:
    return "".join([chunk.content async for chunk in stream_reply(MODEL, ask(text), client_ip=who)])


class Outcome:
    """When a request ended (seconds on the loop clock) and how."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.error: BaseException | None = None


def watch(text: str, who: str, outcomes: list[Outcome]) -> asyncio.Task:
    outcome = Outcome()
    outcomes.append(outcome)

    async def run() -> None:
        try:
            await reply_of(text, who)
        except WorkshopError as error:
            outcome.error = error
        finally:
            outcome.at = time.monotonic()

    return asyncio.ensure_future(run())


async def until(condition, timeout: float = 5.0) -> None:  # a predicate
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the test's setup"
        await asyncio.sleep(0.02)


async def test_a_reply_that_goes_quiet_ends_with_a_clear_error(fake_ollama: FakeOllama, quick: None) -> None:
    fake_ollama.config.first_token_delay = 30
    started = time.monotonic()
    with pytest.raises(BackendStalled, match="sent nothing for 1.5 s"):
        await reply_of("think for a long time", "10.9.0.1")
    assert time.monotonic() - started < 3
    await until(lambda: fake_ollama.stats.cancelled_streams == 1)  # the request to Ollama was closed


async def test_the_ui_keeps_the_reply_so_far_when_the_model_goes_quiet(fake_ollama: FakeOllama, quick: None) -> None:
    fake_ollama.config.token_delay = 30  # the first piece comes at once, the next never
    person = actor_of(make_user(Role.ATTENDEE, "patient"))
    chat_id = chats.send_message(person, None, ChatSettings(MODEL), "Start then freeze")
    with pytest.raises(BackendStalled):
        async for _ in chats.stream_chat_reply(person, chat_id):
            pass
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.status == ReplyStatus.INCOMPLETE and reply.content == "Echo: "
    assert "sent nothing" in reply.error


async def test_no_request_holds_the_host_past_the_ceiling(
    fake_ollama: FakeOllama, quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_REQUEST_MAX_SECONDS", "1")
    get_settings.cache_clear()
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 400  # 20 s, one piece every 50 ms: never quiet, just long
    started, received = time.monotonic(), []
    with pytest.raises(RequestTooLong, match="stopped after 1 s"):
        async for chunk in stream_reply(MODEL, ask("write a novel"), client_ip="10.9.0.2"):
            received.append(chunk)
    assert 1 <= time.monotonic() - started < 2 and len(received) > 5
    await until(lambda: fake_ollama.stats.cancelled_streams == 1)


async def test_a_reply_is_capped_at_the_longest_reply_setting(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, migrated_database: str
) -> None:
    monkeypatch.setenv("WORKSHOP_MAX_REPLY_TOKENS", "5")
    get_settings.cache_clear()
    fake_ollama.config.reply_tokens = 50
    for options in (None, {"num_predict": -1}, {"num_predict": 1000}):
        chunks = [chunk async for chunk in stream_reply(MODEL, ask("go on and on"), options, client_ip="10.9.0.3")]
        assert chunks[-1].stats.completion_tokens == 5 and chunks[-1].stats.done_reason == "length"
    chunks = [chunk async for chunk in stream_reply(MODEL, ask("short"), {"num_predict": 3}, client_ip="10.9.0.3")]
    assert chunks[-1].stats.completion_tokens == 3


async def test_a_frozen_host_bounds_every_wait(process_fake: FakeProcess) -> None:
    outcomes: list[Outcome] = []
    tasks = [watch("the one in flight", "10.8.0.0", outcomes)]
    url = process_fake.url
    await until(lambda: scheduler_for(url).load().in_flight == 1)
    tasks += [watch(f"waiting {n}", f"10.8.0.{n}", outcomes) for n in range(1, 4)]
    await until(lambda: scheduler_for(url).load().waiting == 3)
    await asyncio.sleep(0.3)  # the first reply is streaming
    process_fake.freeze()
    frozen_at = time.monotonic()
    tasks.append(watch("a new one", "10.8.0.9", outcomes))
    await asyncio.wait_for(asyncio.gather(*tasks), 10)

    waits = [round(outcome.at - frozen_at, 2) for outcome in outcomes]
    assert isinstance(outcomes[0].error, BackendStalled) and waits[0] < 1.5 + 1, waits
    for outcome in outcomes[1:]:
        assert isinstance(outcome.error, BackendUnavailable), outcome.error
        assert outcome.error.message.startswith(f"Cannot reach Ollama at {url}")
    assert max(waits[1:]) < 2, f"queued and new requests waited {waits[1:]} s"


async def test_a_killed_host_fails_its_whole_queue_at_once(process_fake: FakeProcess) -> None:
    outcomes: list[Outcome] = []
    url = process_fake.url
    tasks = [watch("the one in flight", "10.7.0.0", outcomes)]
    await until(lambda: scheduler_for(url).load().in_flight == 1)
    tasks += [watch(f"waiting {n}", f"10.7.0.{n}", outcomes) for n in range(1, 13)]
    await until(lambda: scheduler_for(url).load().waiting == 12)
    await asyncio.sleep(0.3)
    process_fake.kill()
    killed_at = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)

    waits = sorted(round(outcome.at - killed_at, 2) for outcome in outcomes)
    assert all(isinstance(outcome.error, BackendUnavailable) for outcome in outcomes), [o.error for o in outcomes]
    assert waits[-1] < 2, f"each of the 13 requests should get its error within 2 s: {waits}"


async def test_a_host_that_drops_a_request_before_its_first_token_hands_it_to_the_other(
    two_hosts: Hosts,
) -> None:
    a, b = two_hosts.a, two_hosts.b
    assert (await backend_for(MODEL)).url == a.url
    a.config.first_token_delay = 5  # the request waits for its first token on a
    task = asyncio.ensure_future(reply_of("keep me going", "10.6.0.1"))
    await until(lambda: a.stats.active_streams == 1)
    a.refuse_connections()  # a dies: the open request is dropped, new connections are refused
    assert (await asyncio.wait_for(task, 5)).startswith("Echo: keep me going")
    assert b.stats.requests.get("/api/chat", 0) == 1

    replies = await asyncio.gather(*(reply_of(f"next {n}", f"10.6.1.{n}") for n in range(10)))
    assert all(reply.startswith("Echo: next") for reply in replies), "no request should go to the dead host"
    assert b.stats.requests.get("/api/chat", 0) == 11
    rows = recent_requests(MODEL, limit=12)
    assert sorted(row.backend_url for row in rows) == sorted([a.url] + [b.url] * 11), "one dropped attempt on a"


async def test_requests_waiting_for_a_host_that_dies_move_to_the_other(two_hosts: Hosts) -> None:
    a, b = two_hosts.a, two_hosts.b
    await OllamaBackend(a.url).set_residency(MODEL, "5m")  # loaded on a: both requests go there
    await get_monitor().refresh()
    a.config.token_delay = 0.1
    a.config.reply_tokens = 40
    streaming = asyncio.ensure_future(reply_of("the one in flight", "10.4.0.1"))
    await until(lambda: a.stats.active_streams == 1)
    waiting = asyncio.ensure_future(reply_of("the one waiting", "10.4.0.2"))
    await until(lambda: scheduler_for(a.url).load().waiting == 1)
    await asyncio.sleep(0.3)  # the first reply is streaming

    a.refuse_connections()
    assert (await asyncio.wait_for(waiting, 5)).startswith("Echo: the one waiting")
    with pytest.raises(BackendUnavailable):  # it had tokens already: never sent twice
        await asyncio.wait_for(streaming, 5)
    assert b.stats.requests.get("/api/chat", 0) == 1


class ForgetfulHost:
    """Answers one chat per connection, then closes a kept-alive connection when the next request
    arrives on it, unanswered: the race of a host closing an idle connection as a request is sent."""

    PARTS = (
        {"model": MODEL, "message": {"role": "assistant", "content": "hi"}, "done": False},
        {
            "model": MODEL,
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": 1,
            "eval_count": 1,
        },
    )
    REPLY = b"".join(json.dumps(part).encode() + b"\n" for part in PARTS)

    def __init__(self) -> None:
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answered = False
        while True:
            try:
                head = (await reader.readuntil(b"\r\n\r\n")).lower().split(b"\r\n")
            except asyncio.IncompleteReadError:
                break  # the client closed the connection
            length = next(int(line.split(b":")[1]) for line in head if line.startswith(b"content-length"))
            await reader.readexactly(length)
            if answered:
                break  # the second request on this connection: close without a word
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(self.REPLY), self.REPLY)
            )
            await writer.drain()
            answered = True
        writer.close()


async def test_a_connection_the_host_closed_while_idle_is_replaced_not_counted_as_an_outage() -> None:
    host = ForgetfulHost()
    server = await asyncio.start_server(host.serve, "127.0.0.1", 0)
    backend = OllamaBackend(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    outages: list[tuple[str, str, bool]] = []
    backend.on_unavailable = lambda *report: outages.append(report)
    async with server:
        for _ in range(3):
            chunks = [chunk async for chunk in backend.chat_stream(MODEL, ask("hello"))]
            assert "".join(chunk.content for chunk in chunks) == "hi" and chunks[-1].done
        await backend.aclose()
    assert host.connections == 3 and outages == []


@pytest.fixture
def shared_redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Redis for shared state; health checks far apart, so only requests and peers change a host's state."""
    with redis_server() as url:
        monkeypatch.setenv("WORKSHOP_REDIS_URL", url)
        monkeypatch.setenv("WORKSHOP_OLLAMA_HEALTH_INTERVAL", "60")
        reset_settings_caches()
        yield url


@pytest.mark.redis
async def test_a_host_one_worker_found_down_is_avoided_by_every_worker(
    shared_redis: str,
    two_hosts: Hosts,
) -> None:
    a, b = two_hosts.a, two_hosts.b
    assert (await backend_for(MODEL)).url == a.url
    monitor = get_monitor()
    before = {state.url: state for state in monitor.states()}  # both up, the model loaded on neither

    a.refuse_connections()
    assert (await reply_of("first", "10.5.0.1")).startswith("Echo: first")  # refused by a, answered by b
    shared = redis.Redis.from_url(shared_redis)
    await until(lambda: shared.get(KEY + a.url) is not None)  # this worker tells the others through Redis

    monitor._states.update(before)  # another worker: its last checks, a moment ago, found both hosts up
    assert (await backend_for(MODEL)).url == b.url
