"""The gateway for attendees' own code: Ollama's and OpenAI's API shapes over the platform's core.

A notebook pointed at the gateway with a personal API key gets the same treatment as
the Playground: the workshop's model list, the person's rate limit and token quota,
a fair turn on the host, and a record of every request. The wire formats live here,
as plain dicts, so the REST face only has to serialise them.

Passed to the host as Ollama takes them: chat with tools and `role: tool` results (the
model's calls come back in each API's own shape, streamed or not), `format` ("json" or a
JSON schema), `images`, `think` (true/false or a level; the reasoning streams back apart
from the answer), `keep_alive` and the sampling `options`; generate with `raw`, `suffix`,
`system`, `template` and `images` (sent to the host's /api/generate); embed; list; show.
Inputs are checked first (services/gateway/inputs). Every request's tokens count toward
the quota by the host's own figures (prompt_eval_count + eval_count; for embed, the
tokens it read). Not passed: generate's `context` (send the conversation as chat
messages instead) and host settings among the options (num_gpu, num_thread, ...).
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from workshop_app.services.chat.replies import stream_reply_queued
from workshop_app.services.chat.token_estimate import estimate_tokens
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.gateway.inputs import check_format, check_images, require_capabilities
from workshop_app.services.models.catalog import catalog_for
from workshop_app.services.ollama.backends import backend_for
from workshop_app.services.ollama.scheduler import QueueUpdate
from workshop_app.services.ollama.types import ChatChunk, ChatStats, ModelInfo
from workshop_app.services.rag.embeddings import embed_texts_counted
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
    """A reply to an /api/chat body, checked against the person's workshop, limits and the model's capabilities."""
    model = _model(body)
    require_model(actor, model)
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise InvalidInput("`messages` must be a list of {role, content} objects.")
    images = check_images(image for message in messages if isinstance(message, dict) for image in _images(message))
    extras = await _extras(model, body, images)
    reply = stream_reply_queued(
        model, messages, _options(body), user_id=actor.id, client_ip=client_ip, tools=_tools(body), extras=extras
    )
    async for chunk in _chunks(reply):
        yield chunk


async def generate(
    actor: Actor, body: dict[str, Any], *, client_ip: str | None = None
) -> AsyncGenerator[ChatChunk, None]:
    """A reply to an /api/generate body, sent to the host's /api/generate as it is (raw, suffix, images...)."""
    model = _model(body)
    require_model(actor, model)
    images = check_images(_images(body))
    fields = {name: body[name] for name in _GENERATE_FIELDS if body.get(name) is not None}
    fields.update(await _extras(model, body, images, suffix=body.get("suffix")))
    reply = stream_reply_queued(
        model, prompt_messages(body), _options(body), user_id=actor.id, client_ip=client_ip, generate=fields
    )
    async for chunk in _chunks(reply):
        yield chunk


_GENERATE_FIELDS = ("prompt", "suffix", "system", "template", "raw", "images")
_CHAT_EXTRAS = ("format", "think", "keep_alive")


async def _extras(model: str, body: dict[str, Any], images: int, suffix: Any = None) -> dict[str, Any]:
    """`format`, `think` and `keep_alive` as the host takes them, once the format and the model's capabilities pass."""
    check_format(body.get("format"))
    await require_capabilities(model, think=body.get("think"), images=images, suffix=suffix)
    return {name: body[name] for name in _CHAT_EXTRAS if body.get(name) is not None}


async def _chunks(reply: AsyncGenerator[ChatChunk | QueueUpdate, None]) -> AsyncIterator[ChatChunk]:
    """The reply's pieces without its queue positions (the gateway's clients have no place for them)."""
    async with aclosing(reply):
        async for chunk in reply:
            if isinstance(chunk, ChatChunk):
                yield chunk


def _images(holder: dict[str, Any]) -> list[Any]:
    images = holder.get("images") or []
    if not isinstance(images, list):
        raise InvalidInput("`images` must be a list of base64 strings.")
    return images


def _tools(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    tools = body.get("tools")
    if not tools:
        return None
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and isinstance(t.get("function"), dict) for t in tools
    ):
        raise InvalidInput("`tools` must be a list of {type: function, function: {name, description, parameters}}.")
    return tools


def prompt_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    """/api/generate's prompt (and system text) as chat messages, for the checks and the quota's estimate."""
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidInput("`prompt` must be a non-empty string.")
    system = body.get("system")
    return ([{"role": "system", "content": system}] if isinstance(system, str) and system else []) + [
        {"role": "user", "content": prompt + str(body.get("suffix") or "")}
    ]


async def embed(
    actor: Actor, model: str, inputs: Any, extras: Mapping[str, Any] | None = None
) -> tuple[list[list[float]], int]:
    """One vector per input text and the tokens the host read, after the person's limits and a fair turn.

    `extras` are /api/embed's other fields (truncate, dimensions, keep_alive), sent as given.
    The texts' tokens are reserved against the daily quota before, and settled to the host's
    own count (`prompt_eval_count`) after, as for a chat.
    """
    require_model(actor, model)
    texts = [inputs] if isinstance(inputs, str) else inputs
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        raise InvalidInput("`input` must be a string or a non-empty list of strings.")
    limiter = get_limiter()
    estimate = sum(estimate_tokens(text) for text in texts)
    reservation = await limiter.admit(requester_key(actor.id, None), allowance_for(actor.id), prompt_tokens=estimate)
    used = 0
    try:
        vectors, used = await embed_texts_counted(model, texts, user_id=actor.id, extras=extras)
    finally:
        await asyncio.shield(limiter.settle(reservation, used))
    return vectors, used


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
    ("max_completion_tokens", "num_predict"),
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
        if chunk.thinking:
            part["thinking"] = chunk.thinking
    else:
        part["message"] = {"role": "assistant", "content": chunk.content}
        if chunk.thinking:
            part["message"]["thinking"] = chunk.thinking
        if chunk.tool_calls:
            part["message"]["tool_calls"] = chunk.tool_calls
    if chunk.stats is not None:
        part.update(_ollama_stats(chunk.stats))
    return part


def ollama_whole(model: str, chunks: list[ChatChunk], *, generate: bool) -> dict[str, Any]:
    """The single answer of a non-streamed request."""
    whole = ollama_part(model, chunks[-1], generate=generate)
    text = "".join(chunk.content for chunk in chunks)
    thinking = "".join(chunk.thinking for chunk in chunks)
    calls = [call for chunk in chunks for call in chunk.tool_calls]
    holder = whole if generate else whole["message"]
    holder["response" if generate else "content"] = text
    holder.pop("thinking", None)
    holder.pop("tool_calls", None)
    if thinking:
        holder["thinking"] = thinking
    if calls and not generate:
        holder["tool_calls"] = calls
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
    """Builds the chunks (streaming) or the one object (not streaming) of a chat completion.

    A thinking model's reasoning travels as `reasoning` (Ollama's /v1 name) and
    `reasoning_content` (the name other OpenAI-compatible servers and their clients use).
    A stream carries `usage` only when asked (`stream_options.include_usage`), in a last
    chunk without choices, as OpenAI sends it.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        self.created = int(time.time())
        self.calls = 0
        self.stats: ChatStats | None = None

    def chunk(self, chunk: ChatChunk, *, first: bool) -> dict[str, Any]:
        delta: dict[str, Any] = {"role": "assistant"} if first else {}
        if chunk.content:
            delta["content"] = chunk.content
        if chunk.thinking:
            delta.update(_reasoning(chunk.thinking))
        if chunk.tool_calls:
            delta["tool_calls"] = self._calls(chunk.tool_calls)
        body = self._base("chat.completion.chunk")
        finish = self._finish(chunk.stats) if chunk.done else None
        body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
        self.stats = chunk.stats or self.stats
        return body

    def usage_chunk(self) -> dict[str, Any] | None:
        """The stream's last chunk when usage was asked for: no choices, the counts (None before the reply ended)."""
        if self.stats is None:
            return None
        return {**self._base("chat.completion.chunk"), "choices": [], "usage": _usage(self.stats)}

    def whole(self, chunks: list[ChatChunk]) -> dict[str, Any]:
        stats = chunks[-1].stats
        body = self._base("chat.completion")
        message: dict[str, Any] = {"role": "assistant", "content": "".join(chunk.content for chunk in chunks)}
        thinking = "".join(chunk.thinking for chunk in chunks)
        if thinking:
            message.update(_reasoning(thinking))
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


def openai_embeddings(model: str, vectors: list[list[float]], encoding: str | None, tokens: int) -> dict[str, Any]:
    """OpenAI's embeddings list; `base64` packs little-endian float32, as its client expects."""

    def encoded(vector: list[float]) -> list[float] | str:
        if encoding == "base64":
            return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        return vector

    data = [{"object": "embedding", "index": i, "embedding": encoded(v)} for i, v in enumerate(vectors)]
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def _reasoning(thinking: str) -> dict[str, str]:
    return {"reasoning": thinking, "reasoning_content": thinking}


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
