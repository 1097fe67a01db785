"""LangChain's `langchain-ollama` through the gateway on the built-in engine: tools and structured output."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.tools import tool
from langchain_ollama import ChatOllama
from pydantic import BaseModel

from tests.conftest import reset_settings_caches
from tests.real_model.conftest import CHAT_MODEL
from tests.support.api_server import api_server
from tests.support.gateway_people import key_holder

pytestmark = pytest.mark.real_model


class Cat(BaseModel):
    name: str
    age: int


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"It is sunny in {city}."


@pytest.fixture
def llm(real_engine: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatOllama]:
    # A tool call comes out whole once complete, so the stream stays silent meanwhile: give a busy CPU time.
    monkeypatch.setenv("WORKSHOP_OLLAMA_STALL_TIMEOUT", "300")
    reset_settings_caches()
    person = key_holder(models=(CHAT_MODEL,))
    with api_server() as url:
        yield ChatOllama(
            base_url=f"{url}/ollama", model=CHAT_MODEL, temperature=0, client_kwargs={"headers": person.headers}
        )


def test_bound_tools_give_a_call_of_the_tool(llm: ChatOllama) -> None:
    # The workshop's teaching option makes even a 135M model answer with a call (a small model rarely would).
    asked = llm.bind_tools([get_weather], options={"tool_choice": "required", "num_predict": 64})
    (call,) = asked.invoke("What is the weather in Oslo?").tool_calls
    assert call["name"] == "get_weather" and isinstance(call["args"]["city"], str)


def test_structured_output_returns_the_pydantic_model(llm: ChatOllama) -> None:
    cat = llm.with_structured_output(Cat).invoke("Invent a cat with a name and an age.")
    assert isinstance(cat, Cat)
