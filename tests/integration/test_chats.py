"""Chats kept per person: the message is saved before the model is asked, replies however they end."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.errors import BackendError
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

MODEL = "qwen2.5:0.5b"


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Chats live in the session database."""


@pytest.fixture
def person():
    return actor_of(make_user(Role.ATTENDEE, "chatter"))


async def _reply(actor, chat_id: int) -> str:
    return "".join([getattr(event, "content", "") async for event in chats.stream_chat_reply(actor, chat_id)])


async def test_a_reply_is_saved_with_its_timing(fake_ollama: FakeOllama, person) -> None:
    settings = ChatSettings(MODEL, "You answer briefly.", {"temperature": "0.2", "seed": "7", "top_k": ""})
    chat_id = chats.send_message(person, None, settings, "Tell me about llamas")
    streamed = await _reply(person, chat_id)

    view = chats.get_chat(person, chat_id)
    assert view.chat.title == "Tell me about llamas"
    assert view.chat.options == {"temperature": 0.2, "seed": 7}
    user, reply = view.messages
    assert (user.role, user.content) == ("user", "Tell me about llamas")
    assert reply.content == streamed and "Echo: Tell me about llamas" in reply.content
    assert reply.status == ReplyStatus.DONE and reply.model == MODEL
    assert reply.stats["tokens"] > 0 and reply.stats["tokens_per_second"] > 0
    assert 0 < reply.stats["ttft_ms"] <= reply.stats["latency_ms"]


async def test_a_reply_opens_with_the_chat_the_model_reads_and_closes_with_the_reply_as_saved(
    fake_ollama: FakeOllama, person
) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(MODEL, "Be brief."), "Hello there")
    events = [event async for event in chats.stream_chat_reply(person, chat_id)]

    opened, closed = events[0], events[-1]
    assert isinstance(opened, chats.ChatView) and opened.chat.system_prompt == "Be brief."
    assert [(m.role, m.content) for m in opened.messages] == [("user", "Hello there")]
    assert isinstance(closed, chats.ReplySaved)
    kept = chats.get_chat(person, chat_id)
    assert (closed.reply.id, closed.reply.content, closed.reply.stats) == (
        kept.messages[-1].id,
        kept.messages[-1].content,
        kept.messages[-1].stats,
    )
    assert closed.chat.updated_at == kept.chat.updated_at >= opened.chat.updated_at


async def test_the_message_is_saved_before_it_is_sent(fake_ollama: FakeOllama, person) -> None:
    fake_ollama.refuse_connections()
    chat_id = chats.send_message(person, None, ChatSettings(MODEL), "Are you there?")
    assert [m.content for m in chats.get_chat(person, chat_id).messages] == ["Are you there?"]
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 0


async def test_a_failed_stream_keeps_the_partial_reply_marked_incomplete(fake_ollama: FakeOllama, person) -> None:
    fake_ollama.config.fault = "error_mid_stream"
    fake_ollama.config.reply_tokens = 40
    chat_id = chats.send_message(person, None, ChatSettings(MODEL), "Fail halfway")
    received = []
    with pytest.raises(BackendError):
        async for event in chats.stream_chat_reply(person, chat_id):
            received.append(getattr(event, "content", ""))

    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.status == ReplyStatus.INCOMPLETE
    assert reply.content == "".join(received) and reply.content.startswith("Echo: Fail")
    assert reply.error

    fake_ollama.config.fault = None  # retry: the incomplete reply is replaced by a whole one
    chats.prepare_regenerate(person, chat_id, ChatSettings(MODEL))
    await _reply(person, chat_id)
    messages = chats.get_chat(person, chat_id).messages
    assert [m.status for m in messages] == [ReplyStatus.DONE, ReplyStatus.DONE]
    assert "Echo: Fail halfway" in messages[-1].content


async def test_stop_saves_the_text_so_far_as_stopped(fake_ollama: FakeOllama, person) -> None:
    fake_ollama.config.token_delay = 0.1
    fake_ollama.config.reply_tokens = 100
    chat_id = chats.send_message(person, None, ChatSettings(MODEL), "Long story")
    stop, pieces = asyncio.Event(), []
    async for event in until_stopped(chats.stream_chat_reply(person, chat_id), stop):
        pieces.append(getattr(event, "content", ""))
        if len(pieces) == 3:
            stop.set()
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.status == ReplyStatus.STOPPED
    assert reply.content == "".join(pieces)
    await asyncio.sleep(0.2)
    assert fake_ollama.stats.cancelled_streams == 1


async def test_edit_and_resend_replaces_the_message_and_drops_later_turns(fake_ollama: FakeOllama, person) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(MODEL), "First question")
    await _reply(person, chat_id)
    chats.send_message(person, chat_id, ChatSettings(MODEL), "Second question")
    await _reply(person, chat_id)
    first = chats.get_chat(person, chat_id).messages[0]

    chats.edit_message(person, first.id, ChatSettings(MODEL), "Better first question")
    assert [m.content for m in chats.get_chat(person, chat_id).messages] == ["Better first question"]
    await _reply(person, chat_id)
    assert "Echo: Better first question" in chats.get_chat(person, chat_id).messages[-1].content


async def test_the_model_reads_the_system_prompt_and_the_history(fake_ollama: FakeOllama, person) -> None:
    fake_ollama.config.reply_tokens = 3
    chat_id = chats.send_message(person, None, ChatSettings(MODEL, "Be terse."), "one")
    await _reply(person, chat_id)
    chats.send_message(person, chat_id, ChatSettings(MODEL, "Be terse."), "two")
    await _reply(person, chat_id)
    view = chats.get_chat(person, chat_id)
    assert [m.role for m in view.messages] == ["user", "assistant", "user", "assistant"]
    assert view.chat.system_prompt == "Be terse."


def test_rename_search_delete_and_message_delete(person) -> None:
    first = chats.send_message(person, None, ChatSettings(MODEL), "Alpacas and llamas")
    second = chats.send_message(person, None, ChatSettings(MODEL), "Something else")
    chats.send_message(person, second, ChatSettings(MODEL), "a word about vicuñas")

    chats.rename_chat(person, first, "  Camelids   101 ")
    assert [c.title for c in chats.list_chats(person, "camelids")] == ["Camelids 101"]
    assert [c.id for c in chats.list_chats(person, "VICUñas")] == [second]
    assert [c.id for c in chats.list_chats(person)] == [second, first]

    message = chats.get_chat(person, second).messages[-1]
    chats.delete_message(person, message.id)
    assert [m.content for m in chats.get_chat(person, second).messages] == ["Something else"]

    chats.delete_chat(person, first)
    with pytest.raises(NotFound):
        chats.get_chat(person, first)


def test_chats_are_private_to_their_owner(person) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(MODEL), "Mine")
    other = actor_of(make_user(Role.ATTENDEE, "other"))
    assert chats.list_chats(other) == []
    with pytest.raises(Forbidden):
        chats.get_chat(other, chat_id)
    with pytest.raises(Forbidden):
        chats.send_message(other, chat_id, ChatSettings(MODEL), "Not yours")


@pytest.mark.parametrize(
    ("settings", "text", "expected"),
    [
        (ChatSettings(MODEL), "   ", "The message is empty"),
        (ChatSettings(MODEL), "x" * 1_048_576, "The message is 1,048,576 characters long; the limit is 100,000"),
        (ChatSettings(""), "hi", "Choose a model"),
        (ChatSettings(MODEL, options={"temperature": "3"}), "hi", "Temperature must be between 0 and 2"),
        (ChatSettings(MODEL, options={"top_k": "2.5"}), "hi", "Top K must be a whole number"),
        (ChatSettings(MODEL, options={"num_ctx": "lots"}), "hi", "Context length must be a number"),
    ],
)
def test_bad_input_is_refused_before_anything_is_saved(
    person, settings: ChatSettings, text: str, expected: str
) -> None:
    with pytest.raises(InvalidInput, match=expected):
        chats.send_message(person, None, settings, text)
    assert chats.list_chats(person) == []


def test_a_model_the_workshop_does_not_use_is_refused() -> None:
    instructor = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    workshop = create_workshop(instructor, WorkshopDraft("Small models", allowed_models=("llama3.2:1b",)))
    attendee = actor_of(make_user(Role.ATTENDEE, "pupil", workshop_id=workshop.id))
    with pytest.raises(Forbidden, match=f"Your workshop does not use {MODEL}"):
        chats.send_message(attendee, None, ChatSettings(MODEL), "hi")
    assert chats.send_message(attendee, None, ChatSettings("llama3.2:1b"), "hi")


async def test_export_as_markdown_and_json(fake_ollama: FakeOllama, person) -> None:
    fake_ollama.config.reply_tokens = 4
    chat_id = chats.send_message(person, None, ChatSettings(MODEL, "Be kind."), "Hello there")
    await _reply(person, chat_id)

    markdown = chats.export_markdown(person, chat_id)
    assert markdown.startswith("# Hello there\n")
    assert "## You\n\nHello there" in markdown and f"## Assistant ({MODEL})\n\nEcho: Hello there" in markdown
    document = json.loads(chats.export_json(person, chat_id))
    assert document["system_prompt"] == "Be kind."
    assert [m["role"] for m in document["messages"]] == ["user", "assistant"]
    assert document["messages"][1]["status"] == "done"
