"""Attendees' own code through the gateway, with the official `ollama` and `openai` clients."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import ollama
import openai
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_server import api_server
from workshop_app.db.users import Role, User
from workshop_app.services.accounts.api_keys import create_api_key, revoke_api_key
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

CHAT_MODEL = "qwen2.5:0.5b"
EMBED_MODEL = "nomic-embed-text:latest"
HIDDEN_MODEL = "llama3.2:1b"


@dataclass(frozen=True)
class Attendee:
    key: str
    key_id: int
    user: User


@pytest.fixture
def gateway(fake_ollama: FakeOllama, migrated_database: str) -> Iterator[str]:
    with api_server() as url:
        yield url


def attendee(requests_per_minute: int | None = None) -> Attendee:
    """An attendee with an API key, in a workshop that uses one chat and one embedding model."""
    instructor = make_user(Role.INSTRUCTOR, "teacher")
    draft = WorkshopDraft(
        title="Gateway", allowed_models=(CHAT_MODEL, EMBED_MODEL), requests_per_minute=requests_per_minute
    )
    workshop = create_workshop(actor_of(instructor), draft)
    person = make_user(Role.ATTENDEE, "coder", workshop_id=workshop.id)
    key, secret = create_api_key(actor_of(person), "notebook")
    return Attendee(secret, key.id, person)


def ollama_client(gateway: str, key: str) -> ollama.Client:
    return ollama.Client(host=f"{gateway}/ollama", headers={"Authorization": f"Bearer {key}"})


def openai_client(gateway: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway}/v1", api_key=key, max_retries=0)


def test_the_ollama_client_lists_chats_and_embeds(gateway: str) -> None:
    client = ollama_client(gateway, attendee().key)
    assert sorted(model.model for model in client.list().models) == sorted([CHAT_MODEL, EMBED_MODEL])

    parts = list(client.chat(model=CHAT_MODEL, messages=[{"role": "user", "content": "hello gateway"}], stream=True))
    assert len(parts) > 2
    assert "".join(part.message.content for part in parts).startswith("Echo: hello gateway")
    assert parts[-1].done and parts[-1].eval_count > 0

    answer = client.generate(model=CHAT_MODEL, prompt="generate me", stream=False)
    assert answer.response.startswith("Echo: generate me")

    vectors = client.embed(model=EMBED_MODEL, input=["one", "two", "three"]).embeddings
    assert len(vectors) == 3 and len(vectors[0]) > 0
    assert client.show(CHAT_MODEL).details is not None


def test_an_error_in_the_middle_of_a_reply_reaches_both_clients(gateway: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "error_mid_stream"
    key = attendee().key
    with pytest.raises(ollama.ResponseError):
        list(
            ollama_client(gateway, key).chat(
                model=CHAT_MODEL, messages=[{"role": "user", "content": "break"}], stream=True
            )
        )
    with pytest.raises(openai.APIError):
        list(
            openai_client(gateway, key).chat.completions.create(
                model=CHAT_MODEL, messages=[{"role": "user", "content": "break"}], stream=True
            )
        )


def test_a_client_that_stops_reading_frees_the_ollama_slot(gateway: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 200
    stream = openai_client(gateway, attendee().key).chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "a long one"}], stream=True
    )
    for n, _ in enumerate(stream):
        if n == 3:
            break
    stream.close()
    deadline = time.monotonic() + 5
    while fake_ollama.stats.cancelled_streams < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_ollama.stats.cancelled_streams == 1
    assert fake_ollama.stats.active_streams == 0


def test_models_outside_the_workshop_are_hidden_and_refused(gateway: str) -> None:
    client = ollama_client(gateway, attendee().key)
    assert HIDDEN_MODEL not in {model.model for model in client.list().models}
    with pytest.raises(ollama.ResponseError) as refused:
        client.chat(model=HIDDEN_MODEL, messages=[{"role": "user", "content": "hi"}])
    assert refused.value.status_code == 403


def test_the_openai_client_lists_streams_and_embeds(gateway: str, fake_ollama: FakeOllama) -> None:
    client = openai_client(gateway, attendee().key)
    assert sorted(model.id for model in client.models.list()) == sorted([CHAT_MODEL, EMBED_MODEL])

    stream = client.chat.completions.create(
        model=CHAT_MODEL, messages=[{"role": "user", "content": "stream please"}], stream=True
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.startswith("Echo: stream please")
    assert chunks[-1].choices[0].finish_reason == "stop"

    whole = client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "all at once"}])
    assert whole.choices[0].message.content.startswith("Echo: all at once")
    assert whole.usage is not None and whole.usage.completion_tokens > 0

    vectors = client.embeddings.create(model=EMBED_MODEL, input=["alpha", "beta"]).data
    native = ollama_client(gateway, attendee().key).embed(model=EMBED_MODEL, input=["alpha", "beta"]).embeddings
    assert len(vectors) == 2
    for got, expected in zip(vectors, native, strict=True):  # float32 on the wire, as OpenAI sends them
        assert got.embedding == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_a_revoked_key_gets_401_on_its_next_request(gateway: str) -> None:
    person = attendee()
    ollama_client(gateway, person.key).list()  # answered (a refusal raises): the gateway now remembers the key
    revoke_api_key(actor_of(person.user), person.key_id)
    with pytest.raises(ollama.ResponseError) as refused:
        ollama_client(gateway, person.key).list()
    assert refused.value.status_code == 401
    with pytest.raises(openai.AuthenticationError):
        openai_client(gateway, person.key).models.list()
    with pytest.raises(openai.AuthenticationError):
        openai_client(gateway, "owk_not-a-key").chat.completions.create(
            model=CHAT_MODEL, messages=[{"role": "user", "content": "hi"}]
        )


def test_the_workshops_rate_limit_answers_429_with_retry_after(gateway: str, fake_ollama: FakeOllama) -> None:
    client = openai_client(gateway, attendee(requests_per_minute=2).key)
    for n in range(2):
        client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": f"q{n}"}])
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model=CHAT_MODEL, messages=[{"role": "user", "content": "one too many"}])
    assert 1 <= int(refused.value.response.headers["Retry-After"]) <= 60
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 2


def test_a_request_without_a_key_gets_401(gateway: str) -> None:
    assert httpx.get(f"{gateway}/v1/models").status_code == 401
    assert httpx.post(f"{gateway}/ollama/api/chat", json={"model": CHAT_MODEL, "messages": []}).status_code == 401


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def test_the_ollama_client_gets_tool_calls_and_sends_results_back(gateway: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.script_chat(
        CHAT_MODEL, [{"tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}]
    )
    client = ollama_client(gateway, attendee().key)
    question = {"role": "user", "content": "Weather in Oslo?"}
    asked = client.chat(model=CHAT_MODEL, messages=[question], tools=[WEATHER_TOOL], stream=False)
    calls = asked.message.tool_calls or []
    assert [(call.function.name, call.function.arguments) for call in calls] == [("get_weather", {"city": "Oslo"})]

    streamed = list(client.chat(model=CHAT_MODEL, messages=[question], tools=[WEATHER_TOOL], stream=True))
    assert not any(part.message.tool_calls for part in streamed)  # unscripted: a plain answer this time
    result = {"role": "tool", "content": "It is sunny in Oslo.", "tool_name": "get_weather"}
    answer = client.chat(model=CHAT_MODEL, messages=[question, asked.message, result, question], tools=[WEATHER_TOOL])
    assert answer.message.content.startswith("Echo: Weather in Oslo?")


def test_the_openai_client_gets_tool_calls_in_its_shape_and_sends_results_back(
    gateway: str, fake_ollama: FakeOllama
) -> None:
    call = [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]
    fake_ollama.script_chat(CHAT_MODEL, [{"tool_calls": call}, {"tool_calls": call}])
    client = openai_client(gateway, attendee().key)
    question = {"role": "user", "content": "Weather in Oslo?"}
    whole = client.chat.completions.create(
        model=CHAT_MODEL, messages=[question], tools=[WEATHER_TOOL], tool_choice="required"
    )
    choice = whole.choices[0]
    assert choice.finish_reason == "tool_calls"
    (made,) = choice.message.tool_calls or []  # forced by tool_choice, which reached the host as the option
    assert (made.type, made.function.name) == ("function", "get_weather")
    assert isinstance(json.loads(made.function.arguments)["city"], str)

    chunks = list(
        client.chat.completions.create(model=CHAT_MODEL, messages=[question], tools=[WEATHER_TOOL], stream=True)
    )
    deltas = [call for chunk in chunks for call in (chunk.choices[0].delta.tool_calls or [])]
    assert [(d.index, d.function.name if d.function else None) for d in deltas] == [(0, "get_weather")]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    result = {"role": "tool", "tool_call_id": made.id, "content": "It is sunny in Oslo."}
    answer = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=[question, choice.message.model_dump(exclude_none=True), result, question],
        tools=[WEATHER_TOOL],
    )
    assert answer.choices[0].finish_reason == "stop" and answer.choices[0].message.content.startswith("Echo: Weather")


def test_openai_tool_messages_become_ollama_ones() -> None:
    from workshop_app.services.gateway.openai_requests import from_openai

    body = from_openai(
        {
            "tool_choice": "required",
            "messages": [
                {"role": "user", "content": "Weather?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "Sunny."},
            ],
        }
    )
    assert body["messages"][1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}],
    }
    assert body["messages"][2] == {"role": "tool", "content": "Sunny.", "tool_name": "get_weather"}
    assert body["options"] == {"tool_choice": "required"}


def test_tool_call_arguments_that_are_not_json_are_refused_with_a_reason(gateway: str) -> None:
    bad = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{oops"}}],
    }
    answer = httpx.post(
        f"{gateway}/v1/chat/completions",
        headers={"Authorization": f"Bearer {attendee().key}"},
        json={
            "model": CHAT_MODEL,
            "messages": [{"role": "user", "content": "hi"}, bad, {"role": "user", "content": "again"}],
        },
    )
    assert (
        answer.status_code == 400 and "not JSON" in answer.text
    )  # the gateway answers invalid input as 400, as both APIs do


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/ollama/api/chat"])
def test_a_message_that_is_not_an_object_is_refused_with_a_reason(gateway: str, path: str) -> None:
    answer = httpx.post(
        f"{gateway}{path}",
        headers={"Authorization": f"Bearer {attendee().key}"},
        json={"model": CHAT_MODEL, "messages": ["hi"], "tools": [WEATHER_TOOL]},
    )
    assert answer.status_code == 400 and "message" in answer.text.lower()
