"""Turns as the Playground takes them: the question saved and the chat read back in one call (`ask`),
then the reply streamed from that view and saved as plain rows; on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.postgres import postgres_server
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.engine import get_engine
from workshop_app.db.migrations import upgrade_database
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings, EditedMessage, NewMessage, Regeneration
from workshop_app.services.core.errors import Forbidden
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.workshops.policy import Actor
from workshop_app.settings import get_settings

MODEL = "qwen2.5:0.5b"
SETTINGS = ChatSettings(MODEL, "Be terse.", {"temperature": "0.3"})


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    """The messages of every chat request the platform sent to the host, as sent."""
    requests: list[list[dict[str, Any]]] = []
    original = OllamaBackend.chat_stream

    def recording(self: OllamaBackend, model: str, messages: list[dict[str, Any]], *args: Any) -> AsyncGenerator:
        requests.append(copy.deepcopy(messages))
        return original(self, model, messages, *args)

    monkeypatch.setattr(OllamaBackend, "chat_stream", recording)
    return requests


async def _streamed(actor: Actor, view: chats.ChatView) -> list[Any]:
    return [event async for event in chats.stream_chat_reply(actor, view)]


async def _stopped_after(actor: Actor, view: chats.ChatView, pieces: int) -> str:
    """Stream the reply and press Stop after `pieces` pieces of text; the text the page showed."""
    stop, shown = asyncio.Event(), []
    async for event in until_stopped(chats.stream_chat_reply(actor, view), stop):
        if isinstance(event, ChatChunk) and event.content:
            shown.append(event.content)
            if len(shown) == pieces:
                stop.set()
    return "".join(shown)


async def _several_turns(fake: FakeOllama, sent: list[list[dict[str, Any]]]) -> None:
    """Three turns (the second stopped), a regeneration and an edit, each checked as the page and the model see it."""
    person = actor_of(make_user(Role.ATTENDEE, "turns"))
    fake.config.reply_tokens = 3
    first = chats.ask(person, NewMessage(None, SETTINGS, "  first question  "))
    chat_id = first.chat.id
    assert isinstance(chat_id, int)
    assert (first.chat.title, first.chat.options) == ("first question", {"temperature": 0.3})
    assert [(m.role, m.content) for m in first.messages] == [("user", "first question")]
    events = await _streamed(person, first)
    assert not any(isinstance(event, chats.ChatView) for event in events)  # the page has it: not sent twice
    saved = events[-1]
    assert isinstance(saved, chats.ReplySaved)
    assert (saved.reply.role, saved.reply.status, saved.reply.model) == ("assistant", ReplyStatus.DONE, MODEL)
    assert saved.reply.stats["tokens"] > 0 and 0 < saved.reply.stats["ttft_ms"] <= saved.reply.stats["latency_ms"]
    assert saved.chat.title == "first question" and saved.chat.updated_at >= first.chat.updated_at
    answer = saved.reply.content

    fake.config.reply_tokens, fake.config.token_delay = 60, 0.05
    stopped = await _stopped_after(person, chats.ask(person, NewMessage(chat_id, SETTINGS, "second question")), 3)
    fake.config.reply_tokens, fake.config.token_delay = 3, 0.0
    third = chats.ask(person, NewMessage(chat_id, SETTINGS, "third question"))
    assert [(m.role, m.status) for m in third.messages] == [
        ("user", ReplyStatus.DONE),
        ("assistant", ReplyStatus.DONE),
        ("user", ReplyStatus.DONE),
        ("assistant", ReplyStatus.STOPPED),
        ("user", ReplyStatus.DONE),
    ]
    assert third.messages[3].content == stopped
    await _streamed(person, third)
    read = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": answer},
        {"role": "user", "content": "second question"},
        {"role": "assistant", "content": stopped},
        {"role": "user", "content": "third question"},
    ]
    assert sent[-1] == read

    again = chats.ask(person, Regeneration(chat_id, SETTINGS))
    assert [m.content for m in again.messages] == [m["content"] for m in read[1:]]
    await _streamed(person, again)
    assert sent[-1] == read

    edited = chats.ask(person, EditedMessage(third.messages[0].id or 0, SETTINGS, "better first question"))
    assert [(m.role, m.content) for m in edited.messages] == [("user", "better first question")]
    await _streamed(person, edited)
    kept = chats.get_chat(person, chat_id).messages
    assert [m.role for m in kept] == ["user", "assistant"] and "Echo: better first question" in kept[1].content
    assert kept[0].id < kept[1].id and kept[0].created_at <= kept[1].created_at  # type: ignore[operator]


async def test_several_turns_with_a_stopped_reply_read_as_the_model_reads_them(
    migrated_database: str, fake_ollama: FakeOllama, sent: list[list[dict[str, Any]]]
) -> None:
    await _several_turns(fake_ollama, sent)


async def test_a_reply_is_not_streamed_into_someone_elses_chat(
    migrated_database: str, fake_ollama: FakeOllama, sent: list[list[dict[str, Any]]]
) -> None:
    owner = actor_of(make_user(Role.ATTENDEE, "owner"))
    view = chats.ask(owner, NewMessage(None, SETTINGS, "mine"))
    other = actor_of(make_user(Role.ATTENDEE, "other"))
    with pytest.raises(Forbidden):
        await _streamed(other, view)
    assert sent == [] and [m.role for m in chats.get_chat(owner, view.chat.id or 0).messages] == ["user"]


@pytest.fixture
def on_postgres(migrated_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's database is a fresh, migrated PostgreSQL for the test, SQLite again afterwards."""
    with postgres_server() as url:
        monkeypatch.setenv("WORKSHOP_DATABASE_URL", url)
        reset_settings_caches()
        upgrade_database(get_settings())
        yield
        get_engine().dispose()  # the server stops with no connection left open
        monkeypatch.delenv("WORKSHOP_DATABASE_URL")
        reset_settings_caches()


@pytest.mark.postgres
async def test_several_turns_on_postgres(
    on_postgres: None, fake_ollama: FakeOllama, sent: list[list[dict[str, Any]]]
) -> None:
    assert not get_settings().is_sqlite
    await _several_turns(fake_ollama, sent)
