"""A chat reply stopped by its owner from somewhere other than the tab writing it: another tab or the REST API.

The reply here streams in a task of this test, as it does in the tab that sent the message;
the stop comes through the service or the REST API without any handle on that task, as it
does from a second tab. Across workers on Redis: tests/integration/test_replies_stopped_across_workers.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.writing_replies import (
    MODEL,
    Writing,
    key_of,
    local_rest,
    next_reply_served,
    slow_down,
    writing_reply,
)
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings, ReplySaved
from workshop_app.services.chat.running_replies import CHAT_REPLY, stop_reply
from workshop_app.services.core import running_streams
from workshop_app.services.core.errors import NotFound, SharedStoreUnavailable
from workshop_app.services.core.running_streams import streams_running, until_streams_ended
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.workshops.policy import Actor


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Chats live in the session database."""


@pytest.fixture
def owner() -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "writer"))


@pytest.fixture
def slow(fake_ollama: FakeOllama) -> FakeOllama:
    slow_down(fake_ollama)
    return fake_ollama


@pytest.fixture
async def writing(slow: FakeOllama, owner: Actor) -> AsyncIterator[Writing]:
    async with writing_reply(owner) as reply:
        yield reply


async def test_the_owner_stops_a_reply_from_another_tab_and_it_is_kept_as_stopped(
    writing: Writing, owner: Actor, slow: FakeOllama
) -> None:
    assert await streams_running(owner, CHAT_REPLY, str(writing.chat_id))
    await asyncio.wait_for(stop_reply(owner, writing.chat_id), 3)
    saved = chats.get_chat(owner, writing.chat_id).messages[-1]
    assert (saved.role, saved.status) == ("assistant", ReplyStatus.STOPPED), "saved before the stop answered"
    await writing.ended()
    assert saved.content == writing.text and len(saved.content) < 100 * 3
    last = writing.events[-1]
    assert isinstance(last, ReplySaved) and last.reply.status == ReplyStatus.STOPPED, "the writing tab shows it"
    assert not await streams_running(owner, CHAT_REPLY, str(writing.chat_id))
    await asyncio.sleep(0.2)
    assert slow.stats.cancelled_streams == 1, "the request to the model was closed"
    await asyncio.wait_for(next_reply_served(owner, slow), 5)  # one request at a time: its turn was given back


async def test_nobody_else_can_stop_it_and_a_chat_without_a_reply_has_nothing_to_stop(
    writing: Writing, owner: Actor
) -> None:
    other = actor_of(make_user(Role.INSTRUCTOR, "neighbour"))
    with pytest.raises(NotFound):
        await stop_reply(other, writing.chat_id)
    assert not await streams_running(other, CHAT_REPLY, str(writing.chat_id))
    quiet = chats.send_message(owner, None, ChatSettings(MODEL), "Nothing asked yet")
    with pytest.raises(NotFound):
        await stop_reply(owner, quiet)
    await asyncio.sleep(0.3)
    assert writing.task is not None and not writing.task.done(), "the reply writes on"
    assert await streams_running(owner, CHAT_REPLY, str(writing.chat_id))


async def test_another_tab_waiting_for_the_reply_hears_when_it_ended(writing: Writing, owner: Actor) -> None:
    follower = asyncio.create_task(until_streams_ended(owner, CHAT_REPLY, str(writing.chat_id)))
    await asyncio.sleep(0.3)
    assert not follower.done()
    await stop_reply(owner, writing.chat_id)
    await asyncio.wait_for(follower, 3)
    await until_streams_ended(owner, CHAT_REPLY, str(writing.chat_id))  # nothing running: at once


async def test_the_rest_api_stops_the_owners_reply_and_answers_with_it_as_saved(writing: Writing, owner: Actor) -> None:
    async with local_rest() as client:
        answer = await client.post(f"/api/v1/chats/{writing.chat_id}/stop", headers=key_of(owner))
    assert answer.status_code == 200, answer.text
    await writing.ended()
    body = answer.json()
    assert body["chat_id"] == writing.chat_id
    assert (body["reply"]["status"], body["reply"]["content"]) == ("stopped", writing.text)
    stored = chats.get_chat(owner, writing.chat_id).messages[-1]
    assert (stored.id, stored.status) == (body["reply"]["id"], ReplyStatus.STOPPED)


async def test_the_rest_api_refuses_to_stop_another_persons_reply_or_a_quiet_chat(
    writing: Writing, owner: Actor
) -> None:
    stranger = key_of(actor_of(make_user(Role.ATTENDEE, "stranger")))
    async with local_rest() as client:
        refused = await client.post(f"/api/v1/chats/{writing.chat_id}/stop", headers=stranger)
        unknown = await client.post("/api/v1/chats/999999/stop", headers=key_of(owner))
    assert (refused.status_code, refused.json()["error"]) == (404, "NotFound")
    assert unknown.status_code == 404
    assert writing.task is not None and not writing.task.done(), "the reply writes on"
    async with local_rest() as client:
        assert (await client.post(f"/api/v1/chats/{writing.chat_id}/stop", headers=key_of(owner))).status_code == 200
    async with local_rest() as client:
        again = await client.post(f"/api/v1/chats/{writing.chat_id}/stop", headers=key_of(owner))
    assert again.status_code == 404, "a stopped reply is no longer being written"


async def test_a_reply_runs_on_when_the_shared_store_is_down_and_its_tab_can_still_stop_it(
    slow: FakeOllama, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Unreachable:
        def start(self, *_args: object, **_kwargs: object) -> None:
            raise SharedStoreUnavailable("connection refused")

    monkeypatch.setattr(running_streams, "get_jobs", Unreachable)
    chat_id = chats.send_message(owner, None, ChatSettings(MODEL), "Tell me a long story")
    stop, pieces = asyncio.Event(), []
    async for event in until_stopped(chats.stream_chat_reply(owner, chat_id), stop):
        pieces.append(event.content if isinstance(event, ChatChunk) else "")
        if len("".join(pieces)) >= 3:
            stop.set()
    saved = chats.get_chat(owner, chat_id).messages[-1]
    assert (saved.status, saved.content) == (ReplyStatus.STOPPED, "".join(pieces))
