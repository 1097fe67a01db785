"""The gateway's edges: refusals in each API's own shape that the official clients show, JSON on every
path, Ollama's /api/version and /api/ps, and malformed bodies refused with a sentence before Ollama sees them."""

from __future__ import annotations

import asyncio

import httpx
import ollama
import openai
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.integration.test_gateway import (  # noqa: F401  (gateway: the fixture)
    CHAT_MODEL,
    EMBED_MODEL,
    HIDDEN_MODEL,
    attendee,
    gateway,
    ollama_client,
    openai_client,
)
from workshop_app.services.ollama.client import OllamaBackend


def hello() -> list[dict[str, str]]:
    return [{"role": "user", "content": "hello"}]


def test_the_ollama_client_shows_the_gateways_explanation(gateway: str) -> None:
    client = ollama_client(gateway, attendee().key)
    with pytest.raises(ollama.ResponseError) as refused:
        client.chat(model=HIDDEN_MODEL, messages=hello())
    assert refused.value.status_code == 403
    assert refused.value.error == f"Your workshop does not use {HIDDEN_MODEL}. Pick one of the models in the list."

    with pytest.raises(ollama.ResponseError) as unknown_key:
        ollama_client(gateway, "owk_not-a-key").list()
    assert unknown_key.value.status_code == 401 and "This API key is not valid." in str(unknown_key.value)


def test_the_openai_client_shows_the_gateways_explanation(gateway: str) -> None:
    client = openai_client(gateway, attendee().key)
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(model=HIDDEN_MODEL, messages=hello())  # type: ignore[arg-type]
    assert f"Your workshop does not use {HIDDEN_MODEL}." in refused.value.message
    assert refused.value.body == {
        "message": f"Your workshop does not use {HIDDEN_MODEL}. Pick one of the models in the list.",
        "type": "permission_error",
        "code": "forbidden",
    }
    with pytest.raises(openai.AuthenticationError) as unknown_key:
        openai_client(gateway, "owk_not-a-key").models.list()
    assert "This API key is not valid." in unknown_key.value.message


def test_an_error_mid_stream_carries_its_sentence_to_both_clients(gateway: str, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "error_mid_stream"
    key = attendee().key
    with pytest.raises(ollama.ResponseError) as native:
        list(ollama_client(gateway, key).chat(model=CHAT_MODEL, messages=hello(), stream=True))
    assert "reported an error" in native.value.error
    with pytest.raises(openai.APIError) as compatible:
        client = openai_client(gateway, key)
        list(client.chat.completions.create(model=CHAT_MODEL, messages=hello(), stream=True))  # type: ignore[arg-type]
    assert "reported an error" in compatible.value.message


@pytest.mark.parametrize("path", ["/ollama/api/copy", "/ollama/api/pull", "/ollama/nothing", "/ollama", "/ollama/"])
def test_every_other_ollama_path_answers_json_in_ollamas_shape(gateway: str, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = httpx.request(method, f"{gateway}{path}", json={"model": CHAT_MODEL})
        assert response.status_code == 404 and response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"error"} and "does not offer" in response.json()["error"]


@pytest.mark.parametrize("path", ["/v1/completions", "/v1/images/generations", "/v1/models/x/y", "/v1"])
def test_every_other_openai_path_answers_json_in_openais_shape(gateway: str, path: str) -> None:
    response = httpx.post(f"{gateway}{path}", json={})
    assert response.status_code == 404 and response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "not_found_error" and "does not offer" in error["message"]


def test_the_ollama_client_reads_version_and_the_workshops_loaded_models(gateway: str, fake_ollama: FakeOllama) -> None:
    key = attendee().key
    client = ollama_client(gateway, key)
    assert client.ps().models == [], "nothing is loaded yet"
    client.chat(model=CHAT_MODEL, messages=hello())
    asyncio.run(OllamaBackend(fake_ollama.url).set_residency(HIDDEN_MODEL, "5m"))  # loaded, but not the workshop's
    running = client.ps().models
    assert [model.model for model in running] == [CHAT_MODEL]
    assert running[0].size and running[0].details is not None and running[0].details.family

    version = httpx.get(f"{gateway}/ollama/api/version", headers={"Authorization": f"Bearer {key}"})
    assert version.status_code == 200
    assert version.json() == httpx.get(f"{fake_ollama.url}/api/version").json()


CHAT = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": "hi"}]}
MALFORMED = [
    ("/ollama/api/chat", {**CHAT, "options": 5}, "options"),
    ("/ollama/api/chat", {**CHAT, "options": "abc"}, "options"),
    ("/ollama/api/chat", {**CHAT, "options": [1, 2]}, "options"),
    ("/ollama/api/chat", {**CHAT, "messages": [1, 2]}, "messages.0"),
    ("/ollama/api/chat", {**CHAT, "messages": [{"role": "user", "content": 123}]}, "messages.0.content"),
    ("/ollama/api/chat", {**CHAT, "options": {"top_k": -5}}, "options.top_k"),
    ("/ollama/api/chat", {**CHAT, "options": {"num_ctx": 1e12}}, "options.num_ctx"),
    ("/ollama/api/chat", {**CHAT, "options": {"temperature": "hot"}}, "options.temperature"),
    ("/ollama/api/chat", {**CHAT, "options": {"seed": 99189525922286534656}}, "options.seed"),
    ("/ollama/api/chat", {**CHAT, "options": {"num_gpu": 99}}, "options.num_gpu"),
    ("/ollama/api/chat", {**CHAT, "options": {"repeat_penalty": -1}}, "options.repeat_penalty"),
    ("/ollama/api/generate", {"model": CHAT_MODEL, "prompt": 5}, "prompt"),
    ("/ollama/api/embed", {"model": EMBED_MODEL, "input": [1, 2]}, "input"),
    ("/ollama/api/chat", "abc", "body"),
    ("/ollama/api/chat", [1, 2], "body"),
    ("/v1/chat/completions", {**CHAT, "messages": [1, 2]}, "messages.0"),
    ("/v1/chat/completions", {**CHAT, "messages": [{"role": "user", "content": 123}]}, "messages.0.content"),
    ("/v1/chat/completions", {**CHAT, "temperature": "hot"}, "temperature"),
    ("/v1/chat/completions", {**CHAT, "max_tokens": 1e30}, "max_tokens"),
    ("/v1/embeddings", {"model": EMBED_MODEL, "input": "x", "encoding_format": "int8"}, "encoding_format"),
]


@pytest.mark.parametrize(("path", "body", "where"), MALFORMED)
def test_a_malformed_body_is_refused_with_a_sentence_before_ollama_sees_it(
    gateway: str, fake_ollama: FakeOllama, path: str, body: object, where: str
) -> None:
    response = httpx.post(f"{gateway}{path}", json=body, headers={"Authorization": f"Bearer {attendee().key}"})
    assert response.status_code == 400
    error = response.json()["error"]
    sentence = error["message"] if path.startswith("/v1") else error
    assert sentence.startswith("Invalid request — ") and where in sentence and sentence.endswith(".")
    assert not fake_ollama.stats.requests.get("/api/chat") and not fake_ollama.stats.requests.get("/api/embed")


def test_a_notebooks_other_sampling_options_reach_ollama(gateway: str, fake_ollama: FakeOllama) -> None:
    sampling = {"repeat_penalty": 1.1, "min_p": 0.05, "repeat_last_n": 64, "mirostat": 2, "penalize_newline": False}
    ollama_client(gateway, attendee().key).chat(model=CHAT_MODEL, messages=hello(), options=sampling)
    assert sampling.items() <= fake_ollama.stats.last_chat_options.items()
    openai_client(gateway, attendee().key).chat.completions.create(
        model=CHAT_MODEL,
        messages=hello(),
        presence_penalty=0.5,
        frequency_penalty=-0.5,  # type: ignore[arg-type]
    )
    assert {"presence_penalty": 0.5, "frequency_penalty": -0.5}.items() <= fake_ollama.stats.last_chat_options.items()


def test_a_body_that_is_not_json_is_refused_in_each_shape(gateway: str) -> None:
    headers = {"Authorization": f"Bearer {attendee().key}", "Content-Type": "application/json"}
    native = httpx.post(f"{gateway}/ollama/api/chat", content=b"{not json", headers=headers)
    assert native.status_code == 400
    assert native.json() == {"error": "The request body is not valid JSON. See /docs for this request's schema."}
    compatible = httpx.post(f"{gateway}/v1/chat/completions", content=b"{not json", headers=headers)
    assert compatible.status_code == 400 and compatible.json()["error"]["type"] == "invalid_request_error"


def test_the_openai_client_sends_text_parts_and_gets_a_reply(gateway: str) -> None:
    parts = [{"type": "text", "text": "in "}, {"type": "text", "text": "parts"}]
    reply = openai_client(gateway, attendee().key).chat.completions.create(
        model=CHAT_MODEL,
        messages=[{"role": "user", "content": parts}],  # type: ignore[list-item]
    )
    assert reply.choices[0].message.content.startswith("Echo: in parts")
