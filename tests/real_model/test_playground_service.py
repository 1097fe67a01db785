"""Chat on a real model through the Playground's service path: streaming, Stop, repeatability, slots."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.real_model.conftest import CHAT_MODEL
from tests.support.accounts import actor_of, make_user
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.scheduler import scheduler_for
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.workshops.policy import Actor

pytestmark = pytest.mark.real_model

LONG = {"num_predict": "400", "temperature": "0.8"}
"""A reply that runs for seconds on this CPU unless stopped."""


@pytest.fixture
def person(real_engine: str) -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "learner"))


async def chunks_of(
    person: Actor, chat_id: int, stop: asyncio.Event | None = None, stop_after: int = 0
) -> list[ChatChunk]:
    received: list[ChatChunk] = []
    events = chats.stream_chat_reply(person, chat_id)
    async for event in until_stopped(events, stop) if stop else events:
        if isinstance(event, ChatChunk):
            received.append(event)
            if stop and len([c for c in received if c.content]) == stop_after:
                stop.set()
    return received


async def test_a_reply_streams_in_pieces_and_is_kept_with_its_figures(person: Actor) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(CHAT_MODEL, "Answer in one sentence."), "What is a llama?")
    received = await chunks_of(person, chat_id)
    assert len([chunk for chunk in received if chunk.content]) >= 3, "the reply arrives in several pieces"
    assert received[-1].done and received[-1].stats is not None and received[-1].stats.completion_tokens > 0
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.status == ReplyStatus.DONE and reply.model == CHAT_MODEL
    assert reply.content.strip() and reply.content == "".join(chunk.content for chunk in received)
    assert reply.stats["tokens_per_second"] > 0


async def test_stop_frees_the_engine_for_the_next_request(person: Actor, real_engine: str) -> None:
    slots = (await get_monitor().refresh())[0].server.slots or 1
    started = time.monotonic()
    # Fill every slot of the engine with a long reply, then stop each after a few pieces.
    others = [actor_of(make_user(Role.ATTENDEE, f"other{n}")) for n in range(slots)]
    long = ChatSettings(CHAT_MODEL, options=LONG)
    chat_ids = [chats.send_message(who, None, long, f"Tell a long story {n}") for n, who in enumerate(others)]
    pairs = list(zip(others, chat_ids, strict=True))
    stopped = await asyncio.gather(*(chunks_of(who, cid, asyncio.Event(), stop_after=3) for who, cid in pairs))
    assert all(not chunks[-1].done for chunks in stopped), "every reply was cut short by Stop"
    assert all(chats.get_chat(who, cid).messages[-1].status == ReplyStatus.STOPPED for who, cid in pairs)
    stopping_took = time.monotonic() - started

    # Were the stopped replies still generating, a new request would wait for one of them (400 tokens).
    chat_id = chats.send_message(person, None, ChatSettings(CHAT_MODEL, options={"num_predict": "8"}), "Say hi")
    asked = time.monotonic()
    events = chats.stream_chat_reply(person, chat_id)
    first = None
    async for event in events:
        if isinstance(event, ChatChunk) and event.content and first is None:
            first = time.monotonic() - asked
    assert first is not None and first < 3.0, f"first piece after {first} s (stopping took {stopping_took:.1f} s)"
    assert scheduler_for(real_engine).load().in_flight == 0


async def test_temperature_zero_and_a_seed_give_the_same_reply_twice(person: Actor) -> None:
    settings = ChatSettings(CHAT_MODEL, options={"temperature": "0", "seed": "42", "num_predict": "24"})
    replies = []
    for _ in range(2):
        chat_id = chats.send_message(person, None, settings, "Name three colours.")
        await chunks_of(person, chat_id)
        replies.append(chats.get_chat(person, chat_id).messages[-1].content)
    assert replies[0] and replies[0] == replies[1]


async def test_the_fair_queue_admits_as_many_as_the_engine_has_slots(real_engine: str, person: Actor) -> None:
    state = (await get_monitor().refresh())[0]
    assert state.server.builtin and state.server.slots
    assert scheduler_for(real_engine).parallelism == state.server.slots
