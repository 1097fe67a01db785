"""With tools attached, a chat on the built-in engine asks for its teaching option (a tool call first);
a chat on Ollama does not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.scheduler import set_host_slots
from workshop_app.services.ollama.types import BUILTIN_ENGINE
from workshop_app.services.tools import store

MODEL = "qwen2.5:0.5b"
WEATHER = {
    "name": "get_weather",
    "description": "Weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
}


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Chats and tools live in the session database."""


@pytest.fixture
def sent_options(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any] | None]:
    """The options of every chat request, as they went to the host."""
    sent: list[dict[str, Any] | None] = []
    real = OllamaBackend.chat_stream

    def recording(self, model, messages, options=None, tools=None, extras=None):
        chosen = {name: value for name, value in (options or {}).items() if name != "num_predict"}  # the reply cap
        sent.append(chosen or None)
        return real(self, model, messages, options, tools, extras)

    monkeypatch.setattr(OllamaBackend, "chat_stream", recording)
    return sent


@pytest.fixture
def builtin(fake_ollama: FakeOllama) -> Iterator[FakeOllama]:
    fake_ollama.config.engine = BUILTIN_ENGINE
    fake_ollama.config.slots = 2
    yield fake_ollama
    set_host_slots(fake_ollama.url, None)


async def chat_with_tool(options: dict[str, str] | None = None) -> None:
    person = actor_of(make_user(Role.ATTENDEE, "teach"))
    tool = store.create_tool(person, WEATHER)
    settings = ChatSettings(MODEL, options=options or {}, tool_ids=(tool.id,))
    chat_id = chats.send_message(person, None, settings, "Weather in Oslo?")
    async for _ in chats.stream_chat_reply(person, chat_id):
        pass


async def test_a_chat_with_tools_on_the_engine_asks_for_a_tool_call_first(
    builtin: FakeOllama, sent_options: list
) -> None:
    builtin.script_chat(MODEL, [{"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}])
    await chat_with_tool({"temperature": "0.1"})
    assert sent_options[0] == {"temperature": 0.1, "tool_choice": "required"}
    assert len(sent_options) == 2, "after the tool's result the model was asked again"


async def test_a_chat_with_tools_on_ollama_is_left_to_the_model(fake_ollama: FakeOllama, sent_options: list) -> None:
    await chat_with_tool()
    assert sent_options == [None]
