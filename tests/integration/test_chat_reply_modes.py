"""Thinking, structured output and images in a kept chat: what reaches Ollama, and what is kept for a reload."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.compare import check_comparison, compare_replies
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.chat.reply_modes import EXAMPLE_SCHEMA, example_schema_text, schema_verdict
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.tools import store
from workshop_app.services.tools.loop import TraceStep

THINKER, SEER, PLAIN = "qwen3:0.6b", "llava:7b", "qwen2.5:0.5b"
SEEING_THINKER = "qwen3-vl:2b"  # in the fake's registry, pulled by the tests that need it
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Today's weather.",
    "implementation": {"kind": "mock", "response": "Sunny."},
}


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Chats live in the session database."""


@pytest.fixture
def person():
    return actor_of(make_user(Role.ATTENDEE, "explorer"))


async def _events(actor, chat_id: int) -> list:
    return [event async for event in chats.stream_chat_reply(actor, chat_id)]


async def test_a_thinking_model_streams_its_reasoning_apart_and_the_chat_keeps_it(
    fake_ollama: FakeOllama, person
) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(THINKER, think=True), "Why is the sky blue?")
    events = await _events(person, chat_id)

    assert fake_ollama.stats.last_chat["think"] is True
    thoughts = "".join(getattr(event, "thinking", "") for event in events)
    assert thoughts.startswith("Thinking about: Why is the sky blue?")
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.thinking == thoughts and "Thinking" not in reply.content
    assert reply.stats["thinking_ms"] >= 0
    assert chats.get_chat(person, chat_id).chat.think is True
    exported = chats.export_markdown(person, chat_id)
    assert f"<details><summary>Thinking</summary>\n\n{thoughts}\n\n</details>" in exported  # folded there too
    assert json.loads(chats.export_json(person, chat_id))["messages"][-1]["thinking"] == thoughts


async def test_thinking_is_refused_for_a_model_without_it_naming_the_model(fake_ollama: FakeOllama, person) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(PLAIN, think=True), "Think hard")
    with pytest.raises(InvalidInput, match=f'"{PLAIN}" does not support thinking'):
        await _events(person, chat_id)
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 0


async def test_a_structured_reply_fits_the_schema_sent_as_format_and_keeps_it(fake_ollama: FakeOllama, person) -> None:
    settings = ChatSettings(PLAIN, schema=example_schema_text())
    chat_id = chats.send_message(person, None, settings, "Describe a llama")
    await _events(person, chat_id)

    assert fake_ollama.stats.last_chat["format"] == EXAMPLE_SCHEMA
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.reply_schema == EXAMPLE_SCHEMA
    assert set(json.loads(reply.content)) == {"name", "legs", "can_fly"}
    assert schema_verdict(reply.reply_schema, reply.content) == ""


async def test_a_reply_that_misses_the_schema_is_told_what_is_wrong(fake_ollama: FakeOllama, person) -> None:
    fake_ollama.script_chat(PLAIN, [{"content": '{"name": "Lama", "legs": "four", "can_fly": false}'}])
    chat_id = chats.send_message(person, None, ChatSettings(PLAIN, schema=example_schema_text()), "A llama")
    await _events(person, chat_id)

    reply = chats.get_chat(person, chat_id).messages[-1]
    assert schema_verdict(reply.reply_schema, reply.content) == "'four' is not of type 'integer' (at legs)"


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ('{"type": "object",', "The schema is not valid JSON"),
        ('{"type": "thing"}', "The schema is not a valid JSON schema"),
        ("[1, 2]", "The schema must be a JSON object"),
    ],
)
def test_a_schema_that_is_not_one_is_refused_before_anything_is_saved(person, schema: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        chats.send_message(person, None, ChatSettings(PLAIN, schema=schema), "Hello")
    assert chats.list_chats(person) == []


async def test_images_reach_a_vision_model_on_the_message_and_are_kept(fake_ollama: FakeOllama, person) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(SEER), "What is in this picture?", (PNG,))
    events = await _events(person, chat_id)

    assert "[1 image]" in "".join(getattr(event, "content", "") for event in events)  # the fake saw it
    question = chats.get_chat(person, chat_id).messages[0]
    assert question.images == [PNG]
    opened = events[0]
    assert isinstance(opened, chats.ChatView) and opened.messages[0].images == [PNG]


async def test_images_are_refused_for_a_model_without_vision(fake_ollama: FakeOllama, person) -> None:
    chat_id = chats.send_message(person, None, ChatSettings(PLAIN), "Look", (PNG,))
    with pytest.raises(InvalidInput, match=f'"{PLAIN}" does not support vision'):
        await _events(person, chat_id)


def test_a_file_that_is_not_an_image_is_refused_before_it_is_saved(person) -> None:
    text = base64.b64encode(b"just some text, not a picture").decode()
    with pytest.raises(InvalidInput, match="not a PNG, JPEG, GIF or WebP"):
        chats.send_message(person, None, ChatSettings(SEER), "Look", (text,))
    assert chats.list_chats(person) == []


async def test_a_comparison_asks_every_model_for_the_schema_and_keeps_it_when_continued(
    fake_ollama: FakeOllama, person
) -> None:
    columns = check_comparison(person, [PLAIN, THINKER], "", {}, "Describe a llama", example_schema_text())
    updates = [update async for update in compare_replies(person, columns, "Describe a llama")]

    assert fake_ollama.stats.requests["/api/chat"] == 2 and fake_ollama.stats.last_chat["format"] == EXAMPLE_SCHEMA
    text = "".join(update.text for update in updates if update.index == 0)
    assert schema_verdict(EXAMPLE_SCHEMA, text) == ""
    timing = next(update.timing for update in updates if update.index == 0 and update.timing is not None)
    chat_id = chats.continue_with(person, columns[0], "Describe a llama", text, timing)
    assert chats.get_chat(person, chat_id).messages[-1].reply_schema == EXAMPLE_SCHEMA


def test_a_comparison_with_a_broken_schema_is_refused(person) -> None:
    with pytest.raises(InvalidInput, match="The schema is not valid JSON"):
        check_comparison(person, [PLAIN, THINKER], "", {}, "Hello", '{"type": ')


def _install(fake: FakeOllama, model: str) -> None:
    assert httpx.post(f"{fake.url}/api/pull", json={"model": model, "stream": False}).status_code == 200


async def test_a_comparison_with_thinking_and_an_image_streams_each_columns_own_reasoning(
    fake_ollama: FakeOllama, person
) -> None:
    _install(fake_ollama, SEEING_THINKER)
    columns = check_comparison(person, [THINKER, SEEING_THINKER], "", {}, "What is this?", think=True)
    updates = thinking_updates = [update async for update in compare_replies(person, columns, "What is this?")]
    assert fake_ollama.stats.last_chat["think"] is True
    for index in (0, 1):
        thought = "".join(update.thinking for update in updates if update.index == index)
        answer = "".join(update.text for update in updates if update.index == index)
        assert thought.startswith("Thinking about: What is this?") and "Thinking" not in answer
    assert columns[0].think and columns[1].think  # "Continue with this answer" keeps the toggle

    seers = check_comparison(person, [SEER, SEEING_THINKER], "", {}, "What is this?", images=(PNG,))
    updates = [update async for update in compare_replies(person, seers, "What is this?", images=(PNG,))]
    for index in (0, 1):
        assert "[1 image]" in "".join(update.text for update in updates if update.index == index)
    assert fake_ollama.stats.requests["/api/chat"] == 4

    # "Continue with this answer" keeps the picture asked about and the column's own reasoning
    thought = "".join(update.thinking for update in thinking_updates if update.index == 1)
    answer = "".join(update.text for update in thinking_updates if update.index == 1)
    timing = next(update.timing for update in thinking_updates if update.index == 1 and update.timing is not None)
    chat_id = chats.continue_with(person, columns[1], "What is this?", answer, timing, thinking=thought, images=(PNG,))
    question, reply = chats.get_chat(person, chat_id).messages
    assert question.images == [PNG] and reply.thinking == thought and thought


@pytest.mark.parametrize(
    ("models", "think", "images", "refusal"),
    [
        ([THINKER, PLAIN], True, (), f'"{PLAIN}" does not support thinking'),
        ([SEER, THINKER], False, (PNG,), f'"{THINKER}" does not support vision'),
    ],
)
async def test_a_comparison_asking_a_model_for_what_it_cannot_do_is_refused_by_name_before_sending(
    fake_ollama: FakeOllama, person, models: list[str], think: bool, images: tuple[str, ...], refusal: str
) -> None:
    columns = check_comparison(person, models, "", {}, "Hello", think=think, images=images)
    with pytest.raises(InvalidInput, match=refusal):
        [update async for update in compare_replies(person, columns, "Hello", images=images)]
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 0


def test_a_comparison_with_a_file_that_is_not_an_image_is_refused(person) -> None:
    with pytest.raises(InvalidInput, match="not a PNG, JPEG, GIF or WebP"):
        check_comparison(person, [SEER, PLAIN], "", {}, "Hello", images=(base64.b64encode(b"hello").decode(),))


async def test_with_tools_attached_think_and_the_schema_still_reach_every_round_and_the_reasoning_is_kept(
    fake_ollama: FakeOllama, person
) -> None:
    tool = store.create_tool(person, WEATHER_TOOL)
    settings = ChatSettings(THINKER, tool_ids=(tool.id,), think=True, schema=example_schema_text())
    fake_ollama.script_chat(THINKER, [{"tool_calls": [{"function": {"name": "get_weather", "arguments": {}}}]}])
    chat_id = chats.send_message(person, None, settings, "Describe a llama")
    events = await _events(person, chat_id)

    assert (fake_ollama.stats.last_chat["think"], fake_ollama.stats.last_chat["format"]) == (True, EXAMPLE_SCHEMA)
    assert fake_ollama.stats.last_chat["tools"][0]["function"]["name"] == "get_weather"
    assert fake_ollama.stats.requests["/api/chat"] == 2  # the call's round, then the answer's
    assert [event.result for event in events if isinstance(event, TraceStep)] == ["Sunny."]
    thoughts = "".join(getattr(event, "thinking", "") for event in events)
    assert thoughts.startswith("Thinking about: Describe a llama")
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert reply.thinking == thoughts and reply.reply_schema == EXAMPLE_SCHEMA
    assert schema_verdict(reply.reply_schema, reply.content) == ""


async def test_with_tools_attached_think_for_a_model_without_it_is_refused_before_sending(
    fake_ollama: FakeOllama, person
) -> None:
    tool = store.create_tool(person, WEATHER_TOOL)
    chat_id = chats.send_message(person, None, ChatSettings(PLAIN, tool_ids=(tool.id,), think=True), "Think hard")
    with pytest.raises(InvalidInput, match=f'"{PLAIN}" does not support thinking'):
        await _events(person, chat_id)
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 0
