"""The gateway for attendees' own code: Ollama's and OpenAI's API shapes over the platform's core.

A notebook pointed at the gateway with a personal API key gets the same treatment as
the Playground: the workshop's model list, the person's rate limit and token quota,
a fair turn on the host, and a record of every request. The wire formats live here,
as plain dicts, so the REST face only has to serialise them.

Supported: chat (messages, options and tools: the model's tool calls come back in each
API's own shape, and the caller runs them and sends the results), generate (prompt, system
and options — run as a chat), embed, list and show. OpenAI's `tool_choice: "required"`
becomes the option of the same name, which the built-in engine honours (it constrains the
reply to one call of an offered tool). Not supported: raw prompts, `context`, structured
`format` and images; embeddings count toward the rate limit, not the token
quota (Ollama's /api/embed reports no per-request token count here).
"""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from workshop_app.services.chat.replies import stream_reply_queued
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.models.catalog import catalog_for
from workshop_app.services.ollama.backends import backend_for
from workshop_app.services.ollama.types import ChatChunk, ChatStats, ModelInfo
from workshop_app.services.rag.embeddings import embed_texts
from workshop_app.services.sharing.rate_limits import allowance_for, get_limiter, requester_key
from workshop_app.services.workshops.policy import Actor, require_model

NANOS_PER_MS = 1_000_000


# -- the core, in the platform's terms -------------------------------------------------


async def visible_models(actor: Actor) -> list[ModelInfo]:
    """The models this person may use, once each, by name."""
    catalog = await catalog_for(actor)
    unique = {entry.model.name: entry.model for entry in catalog.entries}
    return [unique[name] for name in sorted(unique)]


async def chat(actor: Actor, body: dict[str, Any], *, client_ip: str | None = None) -> AsyncGenerator[ChatChunk, None]:
    """A reply to the body's `messages`, checked against the person's workshop and limits."""
    model = _model(body)
    require_model(actor, model)
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise InvalidInput("`messages` must be a list of {role, content} objects.")
    options, tools = _options(body), _tools(body)
    reply = stream_reply_queued(model, messages, options, user_id=actor.id, client_ip=client_ip, tools=tools)
    async with aclosing(reply):
        async for chunk in reply:
            if isinstance(chunk, ChatChunk):
                yield chunk


def _tools(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    tools = body.get("tools")
    if not tools:
        return None
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and isinstance(t.get("function"), dict) for t in tools
    ):
        raise InvalidInput("`tools` must be a list of {type: function, function: {name, description, parameters}}.")
    return tools


def from_openai(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat request in Ollama's terms: call arguments as objects, tool results named by
    their tool (OpenAI names them by call id), `tool_choice: "required"` as an option."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    names: dict[Any, Any] = {}
    converted = []
    for message in messages:
        message = dict(message) if isinstance(message, dict) else message
        if isinstance(message, dict) and message.get("tool_calls"):
            message["tool_calls"] = [_ollama_call(call, names) for call in message["tool_calls"]]
            message["content"] = message.get("content") or ""
        if isinstance(message, dict) and message.get("role") == "tool" and "tool_call_id" in message:
            name = names.get(message.pop("tool_call_id"))
            if name:
                message["tool_name"] = name
        converted.append(message)
    options = dict(body.get("options") or {})
    if body.get("tool_choice") == "required":
        options["tool_choice"] = "required"
    return {**body, "messages": converted, "options": options}


def _ollama_call(call: Any, names: dict[Any, Any]) -> dict[str, Any]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise InvalidInput("Each of `tool_calls` needs a function with a name.")
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except ValueError:
            raise InvalidInput(f"The arguments of the call to {function['name']} are not JSON.") from None
    names[call.get("id")] = function["name"]
    return {"function": {"name": function["name"], "arguments": arguments}}


def prompt_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    """/api/generate's prompt (and system text) as chat messages."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInput("`prompt` must be a non-empty string.")
    system = body.get("system")
    return ([{"role": "system", "content": system}] if isinstance(system, str) and system else []) + [
        {"role": "user", "content": prompt}
    ]


async def embed(actor: Actor, model: str, inputs: Any) -> list[list[float]]:
    """One vector per input text, after the person's rate limit and a fair turn."""
    require_model(actor, model)
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        raise InvalidInput("`input` must be a string or a non-empty list of strings.")
    await get_limiter().admit(requester_key(actor.id, None), allowance_for(actor.id))
    return await embed_texts(model, texts, user_id=actor.id)


async def show(actor: Actor, model: str) -> dict[str, Any]:
    require_model(actor, model)
    return await (await backend_for(model)).show(model)


def _model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise InvalidInput("Name a `model`.", hint="List the models you may use: GET /ollama/api/tags or /v1/models.")
    return model


_OPENAI_OPTIONS = (
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("seed", "seed"),
    ("max_tokens", "num_predict"),
    ("stop", "stop"),
    ("presence_penalty", "presence_penalty"),
    ("frequency_penalty", "frequency_penalty"),
)


def _options(body: dict[str, Any]) -> dict[str, Any] | None:
    """Ollama's `options`, or OpenAI's sampling fields mapped onto them."""
    options = dict(body.get("options") or {})
    for openai_name, ollama_name in _OPENAI_OPTIONS:
        if body.get(openai_name) is not None:
            options[ollama_name] = body[openai_name]
    return options or None


# -- Ollama's wire format ----------------------------------------------------------------


def ollama_tags(models: list[ModelInfo]) -> dict[str, Any]:
    return {
        "models": [
            {
                "name": info.name,
                "model": info.name,
                "modified_at": info.modified_at,
                "size": info.size_bytes,
                "digest": info.digest,
                "details": {
                    "family": info.family,
                    "parameter_size": info.parameter_size,
                    "quantization_level": info.quantization,
                },
            }
            for info in models
        ]
    }


def ollama_part(model: str, chunk: ChatChunk, *, generate: bool) -> dict[str, Any]:
    """One NDJSON line of /api/chat or /api/generate."""
    part: dict[str, Any] = {"model": model, "created_at": _now(), "done": chunk.done}
    if generate:
        part["response"] = chunk.content
    else:
        part["message"] = {"role": "assistant", "content": chunk.content}
        if chunk.tool_calls:
            part["message"]["tool_calls"] = chunk.tool_calls
    if chunk.stats is not None:
        part.update(_ollama_stats(chunk.stats))
    return part


def ollama_whole(model: str, chunks: list[ChatChunk], *, generate: bool) -> dict[str, Any]:
    """The single answer of a non-streamed request."""
    whole = ollama_part(model, chunks[-1], generate=generate)
    text = "".join(chunk.content for chunk in chunks)
    calls = [call for chunk in chunks for call in chunk.tool_calls]
    if generate:
        whole["response"] = text
    else:
        whole["message"]["content"] = text
        whole["message"].pop("tool_calls", None)
        if calls:
            whole["message"]["tool_calls"] = calls
    return whole


def _ollama_stats(stats: ChatStats) -> dict[str, Any]:
    return {
        "done_reason": stats.done_reason or "stop",
        "total_duration": int(stats.total_ms * NANOS_PER_MS),
        "load_duration": int(stats.load_ms * NANOS_PER_MS),
        "prompt_eval_count": stats.prompt_tokens,
        "eval_count": stats.completion_tokens,
        "eval_duration": int(stats.eval_ms * NANOS_PER_MS),
    }


# -- OpenAI's wire format ----------------------------------------------------------------


def openai_models(models: list[ModelInfo]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": m.name, "object": "model", "created": 0, "owned_by": "ollama"} for m in models],
    }


class OpenAICompletion:
    """Builds the chunks (streaming) or the one object (not streaming) of a chat completion."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.calls = 0

    def chunk(self, chunk: ChatChunk, *, first: bool) -> dict[str, Any]:
        delta: dict[str, Any] = {"role": "assistant"} if first else {}
        if chunk.content:
            delta["content"] = chunk.content
        if chunk.tool_calls:
            delta["tool_calls"] = self._calls(chunk.tool_calls)
        body = self._base("chat.completion.chunk")
        finish = self._finish(chunk.stats) if chunk.done else None
        body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
        if chunk.stats is not None:
            body["usage"] = _usage(chunk.stats)
        return body

    def whole(self, chunks: list[ChatChunk]) -> dict[str, Any]:
        stats = chunks[-1].stats
        body = self._base("chat.completion")
        message: dict[str, Any] = {"role": "assistant", "content": "".join(chunk.content for chunk in chunks)}
        calls = [call for chunk in chunks for call in chunk.tool_calls]
        if calls:
            message["tool_calls"] = self._calls(calls)
        body["choices"] = [{"index": 0, "message": message, "finish_reason": self._finish(stats)}]
        if stats is not None:
            body["usage"] = _usage(stats)
        return body

    def _base(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def _calls(self, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Ollama's calls as OpenAI's: numbered, with an id, arguments as a JSON string."""
        shaped = []
        for call in calls:
            function = call.get("function") or {}
            arguments = function.get("arguments")
            shaped.append(
                {
                    "index": self.calls,
                    "id": f"call_{self.id[-8:]}_{self.calls}",
                    "type": "function",
                    "function": {
                        "name": function.get("name", ""),
                        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
                    },
                }
            )
            self.calls += 1
        return shaped

    def _finish(self, stats: ChatStats | None) -> str:
        return "tool_calls" if self.calls else _finish(stats)


def openai_embeddings(model: str, vectors: list[list[float]], encoding: str | None) -> dict[str, Any]:
    """OpenAI's embeddings list; `base64` packs little-endian float32, as its client expects."""

    def encoded(vector: list[float]) -> list[float] | str:
        if encoding == "base64":
            return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        return vector

    data = [{"object": "embedding", "index": i, "embedding": encoded(v)} for i, v in enumerate(vectors)]
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}


def _finish(stats: ChatStats | None) -> str:
    return "length" if stats is not None and stats.done_reason == "length" else "stop"


def _usage(stats: ChatStats) -> dict[str, int]:
    return {
        "prompt_tokens": stats.prompt_tokens,
        "completion_tokens": stats.completion_tokens,
        "total_tokens": stats.prompt_tokens + stats.completion_tokens,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
