"""Tools attached to a Playground chat and to a RAG system: the loop runs, its steps are kept and re-sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_server import api_server
from tests.support.collections import CORPUS, build_collection
from workshop_app.db.chats import ReplyStatus
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.rag.systems import RagSpec, create_rag_system, prepare, stream_answer
from workshop_app.services.tools import store
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.workshops.policy import Actor

TOOL_MODEL = "qwen2.5:0.5b"
PLAIN_MODEL = "llava:7b"  # completion and vision: cannot call tools
WEATHER = {
    "name": "get_weather",
    "description": "Weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
}
CALCULATOR = {
    "name": "calc",
    "description": "Arithmetic.",
    "implementation": {"kind": "builtin", "builtin": "calculator"},
}


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Chats, tools and RAG systems live in the session database."""


@pytest.fixture
def person() -> Actor:
    return actor_of(make_user(Role.ATTENDEE, "tooler"))


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    """The messages of every chat request, as they went to Ollama."""
    requests: list[list[dict[str, Any]]] = []
    real = OllamaBackend.chat_stream

    def recording(self, model, messages, options=None, tools=None, extras=None):
        requests.append([dict(message) for message in messages])
        return real(self, model, messages, options, tools, extras)

    monkeypatch.setattr(OllamaBackend, "chat_stream", recording)
    return requests


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": arguments}}


async def _reply(actor: Actor, chat_id: int) -> list[Any]:
    return [event async for event in chats.stream_chat_reply(actor, chat_id)]


async def test_a_chat_with_a_tool_keeps_its_calls_results_and_trace_and_resends_them(
    fake_ollama: FakeOllama, person: Actor, sent: list[list[dict[str, Any]]]
) -> None:
    tool = store.create_tool(person, WEATHER)
    settings = ChatSettings(TOOL_MODEL, tool_ids=(tool.id, tool.id))
    fake_ollama.script_chat(
        TOOL_MODEL,
        [
            {"tool_calls": [call("get_weather", town="Oslo")]},  # wrong argument name: an error result, not a crash
            {"tool_calls": [call("get_weather", city="Oslo")]},
            {"content": "Sunny in Oslo."},
        ],
    )
    chat_id = chats.send_message(person, None, settings, "Weather in Oslo?")
    events = await _reply(person, chat_id)

    streamed = [event for event in events if isinstance(event, TraceStep)]
    assert [(step.tool, step.arguments, step.result) for step in streamed] == [
        ("get_weather", {"town": "Oslo"}, ""),
        ("get_weather", {"city": "Oslo"}, "It is sunny in Oslo."),
    ]
    view = chats.get_chat(person, chat_id)  # as a reload sees it
    assert view.chat.tool_ids == [tool.id]
    user, reply = view.messages
    assert (reply.content, reply.status) == ("Sunny in Oslo.", ReplyStatus.DONE)
    trace = [TraceStep.from_dict(step) for step in reply.tool_trace]
    assert trace == streamed and "'city' is a required property" in trace[0].error
    assert [(m["role"], m.get("tool_name"), m["content"]) for m in reply.tool_messages] == [
        ("assistant", None, ""),
        ("tool", "get_weather", f"Error: {trace[0].error}"),
        ("assistant", None, ""),
        ("tool", "get_weather", "It is sunny in Oslo."),
    ]
    assert reply.tool_messages[2]["tool_calls"] == [call("get_weather", city="Oslo")]
    assert '> Tool `get_weather` with `{"city": "Oslo"}` → It is sunny in Oslo.' in chats.export_markdown(
        person, chat_id
    )

    sent.clear()
    chats.send_message(person, chat_id, settings, "And in Bergen?")
    await _reply(person, chat_id)
    assert sent[0] == [
        {"role": "user", "content": "Weather in Oslo?"},
        *reply.tool_messages,
        {"role": "assistant", "content": "Sunny in Oslo."},
        {"role": "user", "content": "And in Bergen?"},
    ]

    sent.clear()  # tools taken off: the model reads the answers alone, and no tools are offered
    chats.send_message(person, chat_id, ChatSettings(TOOL_MODEL), "Thanks!")
    await _reply(person, chat_id)
    assert [m["role"] for m in sent[0]] == ["user", "assistant", "user", "assistant", "user"]
    assert chats.get_chat(person, chat_id).chat.tool_ids == []


async def test_a_model_that_cannot_call_tools_is_refused_and_the_retry_works_with_one_that_can(
    fake_ollama: FakeOllama, person: Actor
) -> None:
    tool = store.create_tool(person, CALCULATOR)
    chat_id = chats.send_message(person, None, ChatSettings(PLAIN_MODEL, tool_ids=(tool.id,)), "What is 6*7?")
    with pytest.raises(InvalidInput, match=f"{PLAIN_MODEL} cannot call tools") as refusal:
        await _reply(person, chat_id)
    assert "tools capability" in (refusal.value.hint or "")
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 0
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert (reply.status, reply.error) == (ReplyStatus.INCOMPLETE, refusal.value.message)

    fake_ollama.script_chat(TOOL_MODEL, [{"tool_calls": [call("calc", expression="6*7")]}, {"content": "42."}])
    chats.prepare_regenerate(person, chat_id, ChatSettings(TOOL_MODEL, tool_ids=(tool.id,)))
    await _reply(person, chat_id)
    reply = chats.get_chat(person, chat_id).messages[-1]
    assert (reply.content, reply.status, reply.tool_trace[0]["result"]) == ("42.", ReplyStatus.DONE, "42")


async def test_a_tool_the_person_may_not_read_cannot_be_attached(fake_ollama: FakeOllama, person: Actor) -> None:
    someone_elses = store.create_tool(actor_of(make_user(Role.ATTENDEE, "owner")), WEATHER)
    with pytest.raises(Forbidden):
        chats.send_message(person, None, ChatSettings(TOOL_MODEL, tool_ids=(someone_elses.id,)), "Weather?")
    assert chats.list_chats(person) == []


async def _corpus_system(actor: Actor, chat_model: str, tool_ids: tuple[int, ...]) -> int:
    collection, _job = await build_collection(actor, CORPUS)
    return create_rag_system(actor, RagSpec("Farm helper", chat_model, [collection.id], tool_ids=tool_ids)).id  # type: ignore[return-value]


async def test_a_rag_answer_calls_the_systems_tools_and_traces_them(fake_ollama: FakeOllama, person: Actor) -> None:
    tool = store.create_tool(person, CALCULATOR)
    system_id = await _corpus_system(person, "llama3.2:1b", (tool.id,))
    fake_ollama.script_chat(
        "llama3.2:1b",
        [{"tool_calls": [call("calc", expression="3 * 150")]}, {"content": "Three llamas carry 450 kg [1]."}],
    )

    system, inspection = await prepare(person, system_id, "How much can three pack llamas carry?")
    events = [event async for event in stream_answer(person, system, inspection)]

    steps = [event for event in events if isinstance(event, TraceStep)]
    assert [(step.tool, step.arguments, step.result, step.error) for step in steps] == [
        ("calc", {"expression": "3 * 150"}, "450", "")
    ]
    assert (
        "".join(event.content for event in events if not isinstance(event, TraceStep))
        == "Three llamas carry 450 kg [1]."
    )
    assert events[-1].done and system.tool_ids == [tool.id]

    fake_ollama.script_chat("llama3.2:1b", [{"tool_calls": [call("calc", expression="2 ** 10")]}, {"content": "1024."}])
    _, key = create_api_key(person, "rag tools")
    with api_server() as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            response = await client.post(
                f"/api/v1/rag-systems/{system_id}/answer",
                json={"question": "2 to the 10th?"},
                headers={"Authorization": f"Bearer {key}"},
            )
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "1024."
    assert [(c["tool"], c["arguments"], c["result"]) for c in response.json()["tool_calls"]] == [
        ("calc", {"expression": "2 ** 10"}, "1024")
    ]


async def test_rag_tools_must_be_readable_and_need_a_tool_model(fake_ollama: FakeOllama, person: Actor) -> None:
    someone_elses = store.create_tool(actor_of(make_user(Role.ATTENDEE, "owner")), CALCULATOR)
    with pytest.raises(Forbidden):
        await _corpus_system(person, "llama3.2:1b", (someone_elses.id,))

    system_id = await _corpus_system(person, PLAIN_MODEL, (store.create_tool(person, CALCULATOR).id,))
    system, inspection = await prepare(person, system_id, "What can a llama carry?")
    with pytest.raises(InvalidInput, match=f"{PLAIN_MODEL} cannot call tools"):
        [event async for event in stream_answer(person, system, inspection)]
