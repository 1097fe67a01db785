"""What today's Ollama can do, through the gateway, with the official `ollama` and `openai` clients on the fake.

Thinking, structured output, images, tool calls while streaming and generate's own fields
reach the host and come back in each API's shape; bad input is a clear 400 in that shape,
before anything waits for a turn; embeddings count toward the token quota.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import ollama
import openai
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.api_server import api_server
from tests.support.gateway_people import KeyHolder, key_holder
from workshop_app.settings import get_settings

CHAT_MODEL = "qwen2.5:0.5b"
THINKING_MODEL = "qwen3:0.6b"
VISION_MODEL = "llava:7b"
EMBED_MODEL = "nomic-embed-text:latest"
MODELS = (CHAT_MODEL, THINKING_MODEL, VISION_MODEL, EMBED_MODEL)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
PNG_B64 = base64.b64encode(PNG).decode()
CAT_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
ASK = [{"role": "user", "content": "What is 2+2?"}]


@pytest.fixture
def gateway(fake_ollama: FakeOllama, migrated_database: str) -> Iterator[str]:
    with api_server() as url:
        yield url


@pytest.fixture
def person() -> KeyHolder:
    return key_holder(models=MODELS)


def ollama_client(gateway: str, person: KeyHolder) -> ollama.Client:
    return ollama.Client(host=f"{gateway}/ollama", headers=person.headers)


def openai_client(gateway: str, person: KeyHolder) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway}/v1", api_key=person.key, max_retries=0)


# -- Ollama's shape ------------------------------------------------------------------------


def test_a_thinking_models_reasoning_streams_back_apart_from_the_answer(gateway: str, person: KeyHolder) -> None:
    client = ollama_client(gateway, person)
    parts = list(client.chat(model=THINKING_MODEL, messages=ASK, think=True, stream=True))
    thought = "".join(part.message.thinking or "" for part in parts)
    answer = "".join(part.message.content for part in parts)
    assert thought.startswith("Thinking about: What is 2+2?") and answer.startswith("Echo: What is 2+2?")
    assert parts[-1].done and parts[-1].eval_count >= len(parts) - 1  # the reasoning's tokens are counted too

    whole = client.chat(model=THINKING_MODEL, messages=ASK, think="high")
    assert whole.message.thinking == thought and whole.message.content == answer
    generated = client.generate(model=THINKING_MODEL, prompt="2+2?", think="low")
    assert generated.thinking.startswith("Thinking about: 2+2?") and generated.response.startswith("Echo: 2+2?")
    assert not client.chat(model=THINKING_MODEL, messages=ASK, think=False).message.thinking


def test_think_to_a_model_without_the_capability_is_ollamas_400_before_any_turn(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    client = ollama_client(gateway, person)
    for ask in (
        lambda: client.chat(model=CHAT_MODEL, messages=ASK, think=True),
        lambda: client.generate(model=CHAT_MODEL, prompt="hi", think="medium"),
    ):
        with pytest.raises(ollama.ResponseError) as refused:
            ask()
        assert (refused.value.status_code, refused.value.error) == (400, f'"{CHAT_MODEL}" does not support thinking')
    assert not fake_ollama.stats.requests.get("/api/chat") and not fake_ollama.stats.requests.get("/api/generate")
    assert client.chat(model=CHAT_MODEL, messages=ASK, think=False).message.content  # false is no request to think


def test_a_json_schema_format_reaches_the_model_and_the_reply_fits_it(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    client = ollama_client(gateway, person)
    reply = client.chat(model=CHAT_MODEL, messages=[{"role": "user", "content": "Invent a cat."}], format=CAT_SCHEMA)
    cat = json.loads(reply.message.content)
    assert isinstance(cat["name"], str) and isinstance(cat["age"], int)
    assert fake_ollama.stats.last_chat["format"] == CAT_SCHEMA
    assert isinstance(json.loads(client.generate(model=CHAT_MODEL, prompt="a cat", format="json").response), dict)


@pytest.mark.parametrize(
    "schema",
    [{"type": "objekt"}, {"type": "object", "properties": {"age": {"type": "integer", "minimum": "zero"}}}],
)
def test_a_format_that_is_not_valid_json_schema_is_refused_naming_it(
    gateway: str, person: KeyHolder, schema: dict
) -> None:
    with pytest.raises(ollama.ResponseError) as refused:
        ollama_client(gateway, person).chat(model=CHAT_MODEL, messages=ASK, format=schema)
    assert refused.value.status_code == 400 and "not a valid JSON schema" in refused.value.error
    answer = httpx.post(
        f"{gateway}/v1/chat/completions",
        headers=person.headers,
        json={
            "model": CHAT_MODEL,
            "messages": ASK,
            "response_format": {"type": "json_schema", "json_schema": {"name": "cat", "schema": schema}},
        },
    )
    assert answer.status_code == 400 and "not a valid JSON schema" in answer.json()["error"]["message"]


def test_an_image_reaches_a_vision_model(gateway: str, person: KeyHolder, fake_ollama: FakeOllama) -> None:
    client = ollama_client(gateway, person)
    seen = {"role": "user", "content": "What is this?", "images": [PNG_B64]}
    assert client.chat(model=VISION_MODEL, messages=[seen]).message.content.startswith("Echo: What is this? [1 image]")
    generated = client.generate(model=VISION_MODEL, prompt="Describe", images=[PNG, PNG])
    assert generated.response.startswith("Echo: Describe [2 images]")


@pytest.mark.parametrize(
    ("model", "image", "problem"),
    [
        (VISION_MODEL, base64.b64encode(b"%PDF-1.7 not a picture").decode(), "not a PNG, JPEG, GIF or WebP"),
        (VISION_MODEL, "@@not base64@@", "not valid base64"),
        (VISION_MODEL, base64.b64encode(PNG + bytes(4096)).decode(), "the limit is"),
        (CHAT_MODEL, PNG_B64, f'"{CHAT_MODEL}" does not support vision'),
    ],
)
def test_an_image_that_is_not_one_too_large_or_for_a_blind_model_is_refused(
    gateway: str,
    person: KeyHolder,
    fake_ollama: FakeOllama,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    image: str,
    problem: str,
) -> None:
    monkeypatch.setenv("WORKSHOP_MAX_IMAGE_BYTES", "4096")
    get_settings.cache_clear()
    try:
        message = {"role": "user", "content": "What is this?", "images": [image]}
        answer = httpx.post(
            f"{gateway}/ollama/api/chat", headers=person.headers, json={"model": model, "messages": [message]}
        )
    finally:
        get_settings.cache_clear()
    assert answer.status_code == 400 and problem in answer.json()["error"]
    assert not fake_ollama.stats.requests.get("/api/chat")


def test_tool_calls_arrive_while_streaming(gateway: str, person: KeyHolder, fake_ollama: FakeOllama) -> None:
    call = {"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
    fake_ollama.script_chat(CHAT_MODEL, [{"content": "Let me look.", "tool_calls": [call]}])
    client = ollama_client(gateway, person)
    parts = list(client.chat(model=CHAT_MODEL, messages=ASK, tools=[WEATHER_TOOL], stream=True))
    calls = [c for part in parts if not part.done for c in part.message.tool_calls or []]
    assert [(c.function.name, c.function.arguments) for c in calls] == [("get_weather", {"city": "Oslo"})]
    assert "".join(part.message.content for part in parts) == "Let me look."


def test_generate_passes_raw_suffix_system_and_keep_alive_to_the_hosts_generate(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    client = ollama_client(gateway, person)
    answer = client.generate(
        model=CHAT_MODEL, prompt="def add(a, b):", suffix="\n    return c", raw=True, system="Code.", keep_alive="10m"
    )
    assert answer.response.startswith("Echo: def add(a, b):")
    sent = fake_ollama.stats.last_generate
    assert (sent["raw"], sent["suffix"], sent["system"], sent["keep_alive"]) == (True, "\n    return c", "Code.", "10m")
    assert fake_ollama.stats.requests.get("/api/generate") == 1 and not fake_ollama.stats.requests.get("/api/chat")


def test_a_suffix_for_a_model_that_cannot_insert_is_ollamas_400_before_any_turn(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    client = ollama_client(gateway, person)
    ask = {"model": THINKING_MODEL, "prompt": "def add(a, b):", "suffix": "    return c"}
    for stream in (False, True):
        with pytest.raises(ollama.ResponseError) as refused:
            list(client.generate(**ask, stream=True)) if stream else client.generate(**ask)
        assert (refused.value.status_code, refused.value.error) == (400, f'"{THINKING_MODEL}" does not support insert')
    raw = httpx.post(f"{gateway}/ollama/api/generate", json=ask, headers=person.headers)
    assert (raw.status_code, raw.json()) == (400, {"error": f'"{THINKING_MODEL}" does not support insert'})
    assert not fake_ollama.stats.requests.get("/api/generate")


def test_keep_alive_and_options_reach_the_host_but_forever_is_refused(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    client = ollama_client(gateway, person)
    client.chat(model=CHAT_MODEL, messages=ASK, keep_alive=120, options={"seed": 7, "stop": ["."], "min_p": 0.1})
    assert fake_ollama.stats.last_chat["keep_alive"] == 120
    assert {"seed": 7, "stop": ["."], "min_p": 0.1}.items() <= fake_ollama.stats.last_chat_options.items()
    with pytest.raises(ollama.ResponseError) as refused:
        client.chat(model=CHAT_MODEL, messages=ASK, keep_alive=-1)
    assert refused.value.status_code == 400 and "keep_alive" in refused.value.error


def test_embeddings_count_toward_the_token_quota(gateway: str, fake_ollama: FakeOllama) -> None:
    person = key_holder(tokens_per_day=50, models=(EMBED_MODEL,))
    text = " ".join(["word"] * 30)  # the fake reads 30 tokens
    first = httpx.post(
        f"{gateway}/ollama/api/embed", headers=person.headers, json={"model": EMBED_MODEL, "input": text}
    )
    assert first.status_code == 200 and first.json()["prompt_eval_count"] == 30
    again = openai_client(gateway, person)
    with pytest.raises(openai.RateLimitError) as refused:
        again.embeddings.create(model=EMBED_MODEL, input=text)
    assert "tokens" in refused.value.message
    assert fake_ollama.stats.embed_calls == 1


# -- OpenAI's shape ------------------------------------------------------------------------


def test_openai_reasoning_comes_back_as_reasoning_fields(gateway: str, person: KeyHolder) -> None:
    client = openai_client(gateway, person)
    whole = client.chat.completions.create(model=THINKING_MODEL, messages=ASK, reasoning_effort="low")
    message = whole.choices[0].message.model_dump()
    assert message["reasoning"].startswith("Thinking about: What is 2+2?")
    assert message["reasoning_content"] == message["reasoning"] and message["content"].startswith("Echo:")

    chunks = list(
        client.chat.completions.create(model=THINKING_MODEL, messages=ASK, reasoning_effort="high", stream=True)
    )
    thought = "".join((chunk.choices[0].delta.model_dump().get("reasoning") or "") for chunk in chunks)
    assert thought == message["reasoning"]
    plain = client.chat.completions.create(model=THINKING_MODEL, messages=ASK, reasoning_effort="none")
    assert "reasoning" not in plain.choices[0].message.model_dump(exclude_none=True)

    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=CHAT_MODEL, messages=ASK, reasoning_effort="medium")
    assert refused.value.status_code == 400
    assert refused.value.body["message"] == f'"{CHAT_MODEL}" does not support thinking'


def test_openai_response_formats_become_json_replies(gateway: str, person: KeyHolder) -> None:
    client = openai_client(gateway, person)
    schema_format = {"type": "json_schema", "json_schema": {"name": "cat", "schema": CAT_SCHEMA, "strict": True}}
    cat = json.loads(
        client.chat.completions.create(model=CHAT_MODEL, messages=ASK, response_format=schema_format)
        .choices[0]
        .message.content
    )
    assert isinstance(cat["name"], str) and isinstance(cat["age"], int)
    loose = client.chat.completions.create(model=CHAT_MODEL, messages=ASK, response_format={"type": "json_object"})
    assert isinstance(json.loads(loose.choices[0].message.content or ""), dict)


def test_openai_image_parts_reach_a_vision_model_and_web_urls_are_refused(gateway: str, person: KeyHolder) -> None:
    client = openai_client(gateway, person)

    def ask(url: str) -> openai.types.chat.ChatCompletion:
        parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": url}}]
        return client.chat.completions.create(model=VISION_MODEL, messages=[{"role": "user", "content": parts}])

    seen = ask(f"data:image/png;base64,{PNG_B64}").choices[0].message.content or ""
    assert seen.startswith("Echo: What is this? [1 image]")
    with pytest.raises(openai.BadRequestError) as refused:
        ask("https://example.com/cat.png")
    assert "data URL" in refused.value.body["message"]
    with pytest.raises(openai.BadRequestError) as refused:
        ask("data:image/png;base64," + base64.b64encode(b"GIF? no, text").decode())
    assert "not a PNG, JPEG, GIF or WebP" in refused.value.body["message"]


def test_openai_usage_comes_in_a_last_chunk_only_when_asked(gateway: str, person: KeyHolder) -> None:
    client = openai_client(gateway, person)
    asked = list(
        client.chat.completions.create(
            model=CHAT_MODEL, messages=ASK, stream=True, stream_options={"include_usage": True}, max_tokens=5
        )
    )
    assert asked[-1].choices == [] and asked[-1].usage is not None and asked[-1].usage.completion_tokens == 5
    assert asked[-2].choices[0].finish_reason == "length"
    assert all(chunk.usage is None for chunk in asked[:-1])
    unasked = list(client.chat.completions.create(model=CHAT_MODEL, messages=ASK, stream=True))
    assert all(chunk.usage is None for chunk in unasked) and unasked[-1].choices[0].finish_reason == "stop"


def test_openai_stop_seed_and_a_named_tool_choice_reach_the_host(
    gateway: str, person: KeyHolder, fake_ollama: FakeOllama
) -> None:
    client = openai_client(gateway, person)
    other = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    whole = client.chat.completions.create(
        model=CHAT_MODEL,
        messages=ASK,
        tools=[other, WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        stop=["\n\n"],
        seed=42,
    )
    (made,) = whole.choices[0].message.tool_calls or []
    assert made.function.name == "get_weather" and whole.choices[0].finish_reason == "tool_calls"
    assert [tool["function"]["name"] for tool in fake_ollama.stats.last_chat["tools"]] == ["get_weather"]
    assert {
        "seed": 42,
        "stop": ["\n\n"],
        "tool_choice": "required",
    }.items() <= fake_ollama.stats.last_chat_options.items()
    client.chat.completions.create(model=CHAT_MODEL, messages=ASK, tools=[WEATHER_TOOL], tool_choice="none")
    assert not fake_ollama.stats.last_chat.get("tools"), "tool_choice none offers no tools"


def test_embed_passes_dimensions_and_truncate_and_a_hosts_400_stays_a_400(gateway: str, person: KeyHolder) -> None:
    client = ollama_client(gateway, person)
    short = client.embed(model=EMBED_MODEL, input=["one", "two"], dimensions=8, keep_alive="1m").embeddings
    assert [len(vector) for vector in short] == [8, 8]
    assert (
        len(
            openai_client(gateway, person)
            .embeddings.create(model=EMBED_MODEL, input="x", dimensions=4)
            .data[0]
            .embedding
        )
        == 4
    )
    with pytest.raises(ollama.ResponseError) as refused:
        client.embed(model=EMBED_MODEL, input="word " * 3000, truncate=False)
    assert refused.value.status_code == 400 and "context length" in refused.value.error
