"""Attendees' own `ollama` and `openai` clients through the gateway, on the built-in engine's real models."""

from __future__ import annotations

import math
from collections.abc import Iterator

import ollama
import openai
import pytest

from tests.real_model.conftest import CHAT_MODEL, EMBED_MODEL
from tests.support.accounts import actor_of, make_user
from tests.support.api_server import api_server
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

pytestmark = pytest.mark.real_model

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
QUESTION = {"role": "user", "content": "What is the weather in Oslo?"}
HELLO = {"role": "user", "content": "Say hello."}
COUNT = {"role": "user", "content": "Count to five."}
SHORT = {"num_predict": 24}
GREEDY = {**SHORT, "temperature": 0}
"""The same answer every run: a sampled one was sometimes "." and the end, too short to show streaming."""
CALL_ROOM = {"num_predict": 64}
"""Enough tokens for the JSON of one call (max_tokens below)."""
TEACHING = {"tool_choice": "required"}


@pytest.fixture
def key(real_engine: str) -> Iterator[str]:
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    draft = WorkshopDraft(title="Real", allowed_models=(CHAT_MODEL, EMBED_MODEL))
    workshop = create_workshop(actor_of(instructor), draft)
    person = make_user(Role.ATTENDEE, "coder", workshop_id=workshop.id)
    _, secret = create_api_key(actor_of(person), "notebook")
    yield secret


@pytest.fixture
def gateway(real_engine: str) -> Iterator[str]:
    with api_server() as url:
        yield url


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (math.hypot(*a) * math.hypot(*b))


def test_the_ollama_client_chats_streams_embeds_and_calls_tools(gateway: str, key: str) -> None:
    client = ollama.Client(host=f"{gateway}/ollama", headers={"Authorization": f"Bearer {key}"})
    assert sorted(model.model for model in client.list().models) == sorted([CHAT_MODEL, EMBED_MODEL])

    whole = client.chat(model=CHAT_MODEL, messages=[HELLO], options=SHORT)
    assert whole.message.content.strip() and whole.done and (whole.eval_count or 0) > 0
    parts = list(client.chat(model=CHAT_MODEL, messages=[COUNT], options=GREEDY, stream=True))
    assert len([part for part in parts if part.message.content]) >= 3 and parts[-1].done

    cat, kitten, stocks = client.embed(model=EMBED_MODEL, input=["a cat", "a kitten", "stock prices"]).embeddings
    assert len(cat) == 384 and cosine(cat, kitten) > cosine(cat, stocks)

    asked = client.chat(model=CHAT_MODEL, messages=[QUESTION], tools=[WEATHER], options={**CALL_ROOM, **TEACHING})
    (call,) = asked.message.tool_calls or []
    assert call.function.name == "get_weather" and isinstance(call.function.arguments.get("city"), str)
    result = {"role": "tool", "content": "It is sunny in Oslo.", "tool_name": "get_weather"}
    answer = client.chat(model=CHAT_MODEL, messages=[QUESTION, asked.message, result], tools=[WEATHER], options=SHORT)
    assert answer.message.content.strip() and not answer.message.tool_calls


def test_the_openai_client_chats_streams_embeds_and_calls_tools(gateway: str, key: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key=key, max_retries=0)
    assert sorted(model.id for model in client.models.list()) == sorted([CHAT_MODEL, EMBED_MODEL])

    whole = client.chat.completions.create(model=CHAT_MODEL, messages=[HELLO], max_tokens=24)
    assert whole.choices[0].message.content and whole.usage is not None and whole.usage.completion_tokens > 0
    chunks = list(client.chat.completions.create(model=CHAT_MODEL, messages=[COUNT], max_tokens=24, stream=True))
    assert len([c for c in chunks if c.choices[0].delta.content]) >= 3
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")

    embedded = client.embeddings.create(model=EMBED_MODEL, input=["a cat", "a kitten", "stock prices"])
    vectors = [item.embedding for item in embedded.data]
    assert len(vectors) == 3 and cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])

    asked = client.chat.completions.create(
        model=CHAT_MODEL, messages=[QUESTION], tools=[WEATHER], tool_choice="required", max_tokens=64
    )
    choice = asked.choices[0]
    (call,) = choice.message.tool_calls or []
    assert choice.finish_reason == "tool_calls" and call.function.name == "get_weather" and call.id
    result = {"role": "tool", "tool_call_id": call.id, "content": "It is sunny in Oslo."}
    answer = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[QUESTION, choice.message.model_dump(exclude_none=True), result],
        tools=[WEATHER],
        max_tokens=24,
    )
    assert answer.choices[0].message.content and answer.choices[0].finish_reason in ("stop", "length")
