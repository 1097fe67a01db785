"""LangChain's `langchain-ollama` pointed at the gateway, on the fake: tools, structured output, reasoning."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_ollama import ChatOllama
from pydantic import BaseModel

from tests.fakes.ollama_server import FakeOllama
from tests.support.api_server import api_server
from tests.support.gateway_people import KeyHolder, key_holder

CHAT_MODEL = "qwen2.5:0.5b"
THINKING_MODEL = "qwen3:0.6b"


class Cat(BaseModel):
    name: str
    age: int


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"It is sunny in {city}."


@pytest.fixture
def gateway(fake_ollama: FakeOllama, migrated_database: str) -> Iterator[str]:
    with api_server() as url:
        yield url


@pytest.fixture
def person() -> KeyHolder:
    return key_holder(models=(CHAT_MODEL, THINKING_MODEL))


def chat_model(gateway: str, person: KeyHolder, model: str = CHAT_MODEL, **settings: object) -> ChatOllama:
    return ChatOllama(base_url=f"{gateway}/ollama", model=model, client_kwargs={"headers": person.headers}, **settings)


def test_bound_tools_come_back_as_tool_calls_and_results_go_back(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    call = {"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
    fake_ollama.script_chat(CHAT_MODEL, [{"tool_calls": [call]}, {"tool_calls": [call]}])
    llm = chat_model(gateway, person).bind_tools([get_weather])
    question = HumanMessage("What is the weather in Oslo?")

    asked = llm.invoke([question])
    assert isinstance(asked, AIMessage)
    assert [(c["name"], c["args"]) for c in asked.tool_calls] == [("get_weather", {"city": "Oslo"})]

    streamed: AIMessageChunk | None = None
    for chunk in llm.stream([question]):
        streamed = chunk if streamed is None else streamed + chunk
    assert streamed is not None and [c["name"] for c in streamed.tool_calls] == ["get_weather"]

    result = ToolMessage(get_weather.invoke(asked.tool_calls[0]["args"]), tool_call_id=asked.tool_calls[0]["id"])
    answer = llm.invoke([question, asked, result])
    assert str(answer.content).startswith("Echo: What is the weather in Oslo?") and not answer.tool_calls


def test_structured_output_returns_the_pydantic_model(gateway: str, person: KeyHolder, fake_ollama: FakeOllama) -> None:
    cat = chat_model(gateway, person).with_structured_output(Cat).invoke("Invent a cat.")
    assert isinstance(cat, Cat)
    assert fake_ollama.stats.last_chat["format"]["required"] == ["name", "age"]  # the schema went to the host


def test_reasoning_arrives_in_the_messages_reasoning_content(gateway: str, person: KeyHolder) -> None:
    reply = chat_model(gateway, person, THINKING_MODEL, reasoning=True).invoke("What is 2+2?")
    assert reply.additional_kwargs["reasoning_content"].startswith("Thinking about: What is 2+2?")
    assert str(reply.content).startswith("Echo: What is 2+2?")
