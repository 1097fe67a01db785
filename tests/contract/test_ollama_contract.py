"""Ollama's protocol as the platform relies on it, checked on the fake and on the built-in engine.

Only what both must share is asserted: shapes, status codes, error placement, streaming and
the lifecycle of models. What a reply says is the model's business.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.contract.conftest import Target

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
STORY = "Tell me a long story about a dragon."
DETAIL_KEYS = {"format", "family", "families", "parameter_size", "quantization_level"}


def _lines(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.iter_lines() if line]


def _chat(api: httpx.Client, target: Target, **body: Any) -> httpx.Response:
    return api.post(
        "/api/chat",
        json={"model": target.chat_model, "stream": False, "messages": [{"role": "user", "content": STORY}], **body},
    )


def test_root_and_version(api: httpx.Client) -> None:
    assert api.get("/").status_code == 200
    assert isinstance(api.get("/api/version").json()["version"], str)


def test_tags_list_models_with_details(api: httpx.Client, target: Target) -> None:
    models = {model["name"]: model for model in api.get("/api/tags").json()["models"]}
    assert target.chat_model in models
    for model in models.values():
        assert {"name", "model", "modified_at", "size", "digest", "details"} <= model.keys()
        assert model["details"].keys() >= DETAIL_KEYS and model["size"] > 0


def test_show_gives_capabilities_context_length_and_template(api: httpx.Client, target: Target) -> None:
    show = api.post("/api/show", json={"model": target.chat_model}).json()
    assert {"completion", "tools"} <= set(show["capabilities"])
    architecture = show["model_info"]["general.architecture"]
    assert show["model_info"][f"{architecture}.context_length"] > 0
    assert isinstance(show["template"], str) and show["template"] and show["details"].keys() >= DETAIL_KEYS
    embed = api.post("/api/show", json={"model": target.embed_model}).json()
    assert embed["capabilities"] == ["embedding"]


def test_streamed_chat_is_ndjson_pieces_then_one_done_line(api: httpx.Client, target: Target) -> None:
    body = {
        "model": target.chat_model,
        "messages": [{"role": "user", "content": "Tell me a story"}],
        "options": {"num_predict": 8},
    }
    with api.stream("POST", "/api/chat", json=body) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
        lines = _lines(response)
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert all(line["model"] == target.chat_model and line["message"]["role"] == "assistant" for line in lines)
    done = lines[-1]
    assert done["done_reason"] == "length" and done["eval_count"] == len(lines) - 1 == 8
    for key in ("total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_duration"):
        assert isinstance(done[key], int), key


def test_chat_without_streaming_is_one_object(api: httpx.Client, target: Target) -> None:
    answer = _chat(api, target, options={"num_predict": 5}).json()
    assert answer["done"] is True and answer["message"]["role"] == "assistant"
    assert answer["message"]["content"] and answer["eval_count"] == 5 and answer["done_reason"] == "length"


def test_generate_streams_response_pieces(api: httpx.Client, target: Target) -> None:
    body = {"model": target.chat_model, "prompt": "Once upon a time", "options": {"num_predict": 4}}
    with api.stream("POST", "/api/generate", json=body) as response:
        lines = _lines(response)
    assert all(isinstance(line["response"], str) for line in lines) and lines[-1]["done"] is True
    assert "".join(line["response"] for line in lines[:-1])


def test_format_json_answers_with_a_json_object(api: httpx.Client, target: Target) -> None:
    answer = _chat(
        api,
        target,
        format="json",
        options={"num_predict": 100, "temperature": 0},
        messages=[{"role": "user", "content": "Describe a cat as JSON with name and age"}],
    ).json()
    assert isinstance(json.loads(answer["message"]["content"]), dict)


def test_a_json_schema_format_is_followed(api: httpx.Client, target: Target) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    answer = _chat(
        api,
        target,
        format=schema,
        options={"num_predict": 60, "temperature": 0},
        messages=[{"role": "user", "content": "Invent a cat."}],
    ).json()
    data = json.loads(answer["message"]["content"])
    assert isinstance(data["name"], str) and isinstance(data["age"], int)


def test_the_teaching_option_returns_a_call_of_an_offered_tool(api: httpx.Client, target: Target) -> None:
    answer = _chat(
        api,
        target,
        tools=[WEATHER_TOOL],
        options={"tool_choice": "required", "num_predict": 60},
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
    ).json()
    (call,) = answer["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather" and isinstance(call["function"]["arguments"]["city"], str)


def test_embed_returns_one_unit_vector_per_input_of_the_model_s_width(api: httpx.Client, target: Target) -> None:
    answer = api.post("/api/embed", json={"model": target.embed_model, "input": ["cat", "dog", "car"]}).json()
    show = api.post("/api/show", json={"model": target.embed_model}).json()
    width = show["model_info"][f"{show['model_info']['general.architecture']}.embedding_length"]
    assert len(answer["embeddings"]) == 3 and {len(vector) for vector in answer["embeddings"]} == {width}
    assert all(abs(sum(v * v for v in vector) - 1) < 1e-3 for vector in answer["embeddings"])
    assert answer["model"] == target.embed_model and answer["prompt_eval_count"] > 0
    legacy = api.post("/api/embeddings", json={"model": target.embed_model, "prompt": "cat"}).json()
    assert len(legacy["embedding"]) == width


def test_embed_over_the_context_truncates_or_refuses_when_asked(api: httpx.Client, target: Target) -> None:
    long_text = "word " * 3000
    assert api.post("/api/embed", json={"model": target.embed_model, "input": long_text}).status_code == 200
    refused = api.post("/api/embed", json={"model": target.embed_model, "input": long_text, "truncate": False})
    assert refused.status_code == 400 and refused.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/chat", {"messages": [{"role": "user", "content": "hi"}]}),
        ("POST", "/api/generate", {"prompt": "hi"}),
        ("POST", "/api/embed", {"input": "hi"}),
        ("POST", "/api/show", {}),
        ("DELETE", "/api/delete", {}),
    ],
)
def test_an_unknown_model_is_404_naming_it(api: httpx.Client, method: str, path: str, body: dict[str, Any]) -> None:
    response = api.request(method, path, json={"model": "no-such-model:9b", **body})
    assert response.status_code == 404 and "no-such-model:9b" in response.json()["error"]


@pytest.mark.parametrize(
    "extra",
    [{"options": {"temperature": "hot"}}, {"options": {"seed": 1.5}}, {"format": "yaml"}, {"keep_alive": "soon"}],
)
def test_bad_options_are_400(api: httpx.Client, target: Target, extra: dict[str, Any]) -> None:
    response = _chat(api, target, **extra)
    assert response.status_code == 400 and response.json()["error"]


def test_a_capability_the_model_lacks_is_400(api: httpx.Client, target: Target) -> None:
    chat = api.post("/api/chat", json={"model": target.embed_model, "messages": [{"role": "user", "content": "x"}]})
    assert chat.status_code == 400 and "does not support" in chat.json()["error"]
    embed = api.post("/api/embed", json={"model": target.chat_model, "input": "x"})
    assert embed.status_code == 400 and "does not support" in embed.json()["error"]


def test_empty_requests_load_and_keep_alive_zero_unloads(api: httpx.Client, target: Target) -> None:
    loaded = api.post("/api/chat", json={"model": target.chat_model, "messages": []}).json()
    assert loaded["done"] is True and loaded["done_reason"] == "load"
    running = {model["name"]: model for model in api.get("/api/ps").json()["models"]}
    entry = running[target.chat_model]
    assert {"size", "digest", "details", "expires_at", "size_vram", "context_length"} <= entry.keys()
    assert entry["context_length"] > 0
    unloaded = api.post("/api/generate", json={"model": target.chat_model, "prompt": "", "keep_alive": 0}).json()
    assert unloaded["done_reason"] == "unload"
    assert target.chat_model not in {model["name"] for model in api.get("/api/ps").json()["models"]}


def test_pull_streams_layer_progress_and_installs_then_delete_removes(api: httpx.Client, target: Target) -> None:
    with api.stream("POST", "/api/pull", json={"model": "all-minilm"}) as response:
        lines = _lines(response)
    assert lines[0] == {"status": "pulling manifest"} and lines[-1] == {"status": "success"}
    layers = [line for line in lines if "digest" in line]
    assert layers and all(line["digest"].startswith("sha256:") for line in layers)
    assert all(line["completed"] <= line["total"] for line in layers)
    assert any(line["completed"] == line["total"] for line in layers)
    names = lambda: {model["name"] for model in api.get("/api/tags").json()["models"]}  # noqa: E731 - used once, here
    assert "all-minilm:latest" in names()
    assert api.request("DELETE", "/api/delete", json={"model": "all-minilm"}).status_code == 200
    assert "all-minilm:latest" not in names()
    assert api.post("/api/pull", json={"model": "all-minilm", "stream": False}).json() == {"status": "success"}


def test_pulling_an_unknown_model_ends_the_stream_with_an_error_line(api: httpx.Client) -> None:
    with api.stream("POST", "/api/pull", json={"model": "surely-not-a-model:1b"}) as response:
        lines = _lines(response)
    assert response.status_code == 200 and lines[0] == {"status": "pulling manifest"} and "error" in lines[-1]


def test_copy_and_create_derive_models(api: httpx.Client, target: Target) -> None:
    assert api.post("/api/copy", json={"source": target.chat_model, "destination": "contract-copy"}).status_code == 200
    created = api.post(
        "/api/create",
        json={
            "model": "contract-made",
            "from": target.chat_model,
            "stream": False,
            "system": "Answer briefly.",
            "parameters": {"num_predict": 3},
        },
    )
    assert created.status_code == 200 and created.json()["status"] == "success"
    show = api.post("/api/show", json={"model": "contract-made"}).json()
    assert show["system"] == "Answer briefly." and "num_predict" in show["parameters"]
    assert _chat(api, target, model="contract-made").json()["eval_count"] == 3
    for name in ("contract-copy", "contract-made"):
        assert api.request("DELETE", "/api/delete", json={"model": name}).status_code == 200
    missing = api.post("/api/copy", json={"source": "no-such-model:9b", "destination": "x"})
    assert missing.status_code == 404


def test_a_client_that_leaves_a_stream_does_not_block_the_next_request(api: httpx.Client, target: Target) -> None:
    endless = {
        "model": target.chat_model,
        "prompt": "1 2 3 4 5 6 7 8 9 10",
        "raw": True,
        "options": {"num_predict": 4000, "temperature": 0},
    }
    with api.stream("POST", "/api/generate", json=endless) as response:
        lines = response.iter_lines()
        next(lines)
    started = time.monotonic()
    assert _chat(api, target, options={"num_predict": 2}).json()["eval_count"] == 2
    assert time.monotonic() - started < 20


# A 1×1 transparent PNG: a real image for the vision checks.
PNG_PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def _chat_models(api: httpx.Client) -> dict[str, list[str]]:
    """Every model that can chat, with its /api/show capabilities."""
    names = [model["name"] for model in api.get("/api/tags").json()["models"]]
    shown = {name: api.post("/api/show", json={"model": name}).json().get("capabilities", []) for name in names}
    return {name: capabilities for name, capabilities in shown.items() if "completion" in capabilities}


def test_think_streams_reasoning_apart_only_from_a_model_that_can_think(api: httpx.Client, target: Target) -> None:
    for model, capabilities in _chat_models(api).items():
        body = {"model": model, "think": True, "options": {"num_predict": 40, "temperature": 0}}
        chat = api.post("/api/chat", json={**body, "messages": [{"role": "user", "content": "2+2?"}]})
        generate = api.post("/api/generate", json={**body, "prompt": "2+2?", "stream": False})
        if "thinking" not in capabilities:
            for refused in (chat, generate):
                assert (refused.status_code, refused.json()) == (400, {"error": f'"{model}" does not support thinking'})
            continue
        parts = _lines(chat)
        thought = "".join(part["message"].get("thinking", "") for part in parts)
        assert thought and parts[-1]["done"] is True, model
        assert generate.status_code == 200 and generate.json()["thinking"]
    plain = _chat(api, target, think=False, options={"num_predict": 5})
    assert plain.status_code == 200 and "thinking" not in plain.json()["message"], "think false is always accepted"


def test_images_reach_only_a_model_that_can_see(api: httpx.Client, target: Target) -> None:
    for model, capabilities in _chat_models(api).items():
        message = {"role": "user", "content": "What is in this picture?", "images": [PNG_PIXEL]}
        body = {"model": model, "stream": False, "options": {"num_predict": 10}}
        chat = api.post("/api/chat", json={**body, "messages": [message]})
        if "vision" in capabilities:
            assert chat.status_code == 200 and chat.json()["message"]["content"], model
        else:
            assert (chat.status_code, chat.json()) == (400, {"error": f'"{model}" does not support vision'})


def test_suffix_goes_only_to_a_model_that_can_insert(api: httpx.Client, target: Target) -> None:
    for model, capabilities in _chat_models(api).items():
        body = {"model": model, "prompt": "def add(a, b):", "suffix": "    return c", "stream": False}
        answer = api.post("/api/generate", json={**body, "options": {"num_predict": 5}})
        if "insert" in capabilities:
            assert answer.status_code == 200 and answer.json()["response"], model
        else:
            assert (answer.status_code, answer.json()) == (400, {"error": f'"{model}" does not support insert'})
    plain = api.post("/api/generate", json={"model": target.chat_model, "prompt": "Hi", "suffix": "", "stream": False})
    assert plain.status_code == 200, "an empty suffix asks for no insert"


def test_a_streamed_reply_carries_its_tool_calls_in_a_line(api: httpx.Client, target: Target) -> None:
    response = _chat(
        api,
        target,
        stream=True,
        tools=[WEATHER_TOOL],
        options={"tool_choice": "required", "num_predict": 60},
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
    )
    parts = _lines(response)
    calls = [call for part in parts for call in part["message"].get("tool_calls") or []]
    assert [call["function"]["name"] for call in calls] == ["get_weather"]
    assert parts[-1]["done"] is True and parts[-1]["eval_count"] > 0
