"""A chat reply (or another stream: a comparison) written by one worker, stopped through another on the same Redis.

This test process is the worker writing the reply (its tab's websocket landed here); the
other worker is a second registry on the same Redis, or a real app process serving the
REST API. The stop is published to this worker, which ends the stream as the tab's Stop does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_workers import ApiWorker, api_worker
from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from tests.support.ports import free_port
from tests.support.running_streams import MODELS, attendee, comparison, comparison_served, reading
from tests.support.writing_replies import key_of, local_rest, next_reply_served, slow_down, writing_reply
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ReplySaved
from workshop_app.services.chat.running_replies import CHAT_REPLY
from workshop_app.services.core.jobs import JobStatus
from workshop_app.services.core.redis_jobs import RedisJobs
from workshop_app.services.core.running_streams import streams_running

pytestmark = pytest.mark.redis

LEASE_S = 2.0


@pytest.fixture
def shared(
    redis_url: str, fake_ollama: FakeOllama, migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """This process as a worker of a scaled-out app on an emptied Redis, its model slow to answer."""
    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("WORKSHOP_REDIS_URL", redis_url)
    monkeypatch.setenv("WORKSHOP_JOB_LEASE_S", str(LEASE_S))
    reset_settings_caches()
    slow_down(fake_ollama)
    yield redis_url
    monkeypatch.delenv("WORKSHOP_REDIS_URL")
    reset_settings_caches()


@pytest.fixture(scope="module")
def other_worker(
    redis_url: str, fake_server: FakeOllama, migrated_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiWorker]:
    env = {"WORKSHOP_REDIS_URL": redis_url, "WORKSHOP_OLLAMA_URLS": fake_server.url, "WORKSHOP_ENGINE": "off"}
    with api_worker(env, tmp_path_factory.mktemp("other") / "worker.log") as worker:
        yield worker


async def test_another_registry_on_the_same_redis_sees_the_reply_and_stops_it_once_saved(
    shared: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = actor_of(make_user(Role.ATTENDEE, "writer"))
    save = chats._save_reply
    monkeypatch.setattr(chats, "_save_reply", lambda *args: time.sleep(0.5) or save(*args))  # a busy database
    async with writing_reply(owner) as writing:
        elsewhere = RedisJobs(shared, 0.3)  # it announces the stop again every 0.1 s until the reply ended
        found = await elsewhere.find(owner, CHAT_REPLY, str(writing.chat_id))
        assert found is not None and found.active
        assert await elsewhere.find(actor_of(make_user(Role.ADMIN, "admin")), CHAT_REPLY, str(writing.chat_id)) is None
        cancelled = await asyncio.wait_for(elsewhere.cancel(owner, found.id), 5)
        assert cancelled.status == JobStatus.CANCELLED
        saved = chats.get_chat(owner, writing.chat_id).messages[-1]
        assert (saved.role, saved.status) == ("assistant", ReplyStatus.STOPPED), "kept before the stop answered"
        await writing.ended()
    assert saved.content == writing.text
    assert isinstance(writing.events[-1], ReplySaved)
    assert not await streams_running(owner, CHAT_REPLY, str(writing.chat_id))


async def test_the_rest_api_of_another_worker_stops_the_reply_this_one_writes(
    shared: str, other_worker: ApiWorker, fake_ollama: FakeOllama
) -> None:
    owner = actor_of(make_user(Role.ATTENDEE, "writer"))
    stranger = key_of(actor_of(make_user(Role.ATTENDEE, "stranger")))
    async with writing_reply(owner) as writing, httpx.AsyncClient(base_url=other_worker.url, timeout=10) as client:
        refused = await client.post(f"/api/v1/chats/{writing.chat_id}/stop", headers=stranger)
        assert refused.status_code == 404 and not writing.task.done()  # type: ignore[union-attr]
        stopped = await client.post(f"/api/v1/chats/{writing.chat_id}/stop", headers=key_of(owner))
        assert stopped.status_code == 200, stopped.text
        await writing.ended()
    reply = stopped.json()["reply"]
    assert (reply["status"], reply["content"]) == ("stopped", writing.text)
    assert len(writing.text) < 300, "stopped long before its end"
    await asyncio.sleep(0.2)
    assert fake_ollama.stats.cancelled_streams == 1, "the request to the model was closed"
    await asyncio.wait_for(next_reply_served(owner, fake_ollama), 5)  # the shared queue's slot was given back


async def test_the_rest_api_of_another_worker_lists_and_stops_a_comparison_this_one_streams(
    shared: str, other_worker: ApiWorker, fake_ollama: FakeOllama
) -> None:
    owner, stranger = attendee("comparer"), key_of(attendee("stranger"))
    async with reading(comparison(owner)) as tab, httpx.AsyncClient(base_url=other_worker.url, timeout=10) as client:
        [listed] = (await client.get("/api/v1/streams", headers=key_of(owner))).json()
        assert (listed["kind"], listed["subject"]) == ("comparison", ", ".join(MODELS))
        assert (await client.get("/api/v1/streams", headers=stranger)).json() == []
        refused = await client.post(f"/api/v1/streams/{listed['id']}/stop", headers=stranger)
        assert refused.status_code == 404 and not tab.task.done()  # type: ignore[union-attr]
        stopped = await client.post(f"/api/v1/streams/{listed['id']}/stop", headers=key_of(owner))
        assert (stopped.status_code, stopped.json()["status"]) == (200, "cancelled"), stopped.text
        await tab.ended()
        assert (await client.get("/api/v1/streams", headers=key_of(owner))).json() == []
    assert len(tab.text) < 100, "stopped long before its end"
    await asyncio.sleep(0.2)
    assert fake_ollama.stats.active_streams == 0, "every request to the model was closed"
    fake_ollama.config.token_delay, fake_ollama.config.reply_tokens = 0.0, 5
    await asyncio.wait_for(comparison_served(owner), 5)  # the shared queue's slots were given back


async def test_a_stop_while_redis_is_down_is_a_clear_503(
    fake_ollama: FakeOllama, migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = actor_of(make_user(Role.ATTENDEE, "writer"))
    monkeypatch.setenv("WORKSHOP_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_settings_caches()
    try:
        async with local_rest() as client:
            answer = await client.post("/api/v1/chats/1/stop", headers=key_of(owner))
    finally:
        monkeypatch.delenv("WORKSHOP_REDIS_URL")
        reset_settings_caches()
    assert answer.status_code == 503 and "Redis" in answer.json()["message"]
