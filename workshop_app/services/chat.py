"""Chat with a model: validate, check the rate limit, pick a backend, wait a fair turn, stream, record."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from workshop_app.db.model_requests import ModelRequest, Outcome
from workshop_app.services.database_threads import off_loop
from workshop_app.services.errors import InvalidInput, WorkshopError
from workshop_app.services.metrics import record_request
from workshop_app.services.ollama.backends import backend_for
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.scheduler import QueueUpdate, scheduler_for
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.ratelimit import allowance_for, get_limiter, requester_key

ROLES = {"system", "user", "assistant", "tool"}


def validate_messages(model: str, messages: list[dict[str, Any]]) -> None:
    if not model.strip():
        raise InvalidInput("Choose a model first.", hint="Pick one from the model list.")
    if not messages:
        raise InvalidInput("There is nothing to send.", hint="Type a message.")
    for message in messages:
        if not isinstance(message, dict):
            raise InvalidInput("Each message must be an object with a role and content.")
        if message.get("role") not in ROLES:
            raise InvalidInput(f"Unknown message role {message.get('role')!r}.")
    last = messages[-1]
    if last["role"] == "user" and not str(last.get("content", "")).strip():
        raise InvalidInput("The message is empty.", hint="Type something before sending.")


async def stream_reply(
    model: str,
    messages: list[dict[str, Any]],
    options: dict[str, Any] | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
    *,
    user_id: int | None = None,
    client_ip: str | None = None,
) -> AsyncGenerator[ChatChunk, None]:
    """Stream the model's reply to `messages` (see `stream_reply_queued`), without queue updates."""
    events = stream_reply_queued(model, messages, options, backends, user_id=user_id, client_ip=client_ip)
    async with aclosing(events):
        async for event in events:
            if isinstance(event, ChatChunk):
                yield event


async def stream_reply_queued(
    model: str,
    messages: list[dict[str, Any]],
    options: dict[str, Any] | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
    *,
    user_id: int | None = None,
    client_ip: str | None = None,
    tools: list[dict[str, Any]] | None = None,
    group: str | None = None,
) -> AsyncGenerator[ChatChunk | QueueUpdate, None]:
    """Stream the model's reply to `messages`, preceded by queue positions while it waits.

    The request passes the caller's rate limit, then waits for a fair turn on the host;
    its tokens count toward the caller's daily quota. Every request that got a turn is
    recorded with its outcome, including a Stop (closing this generator), which counts
    as cancelled and closes the upstream request; a Stop while waiting leaves the queue.
    `tools` (Ollama's tools list) lets the model answer with tool calls instead of text.
    Requests sharing a `group` (a comparison's columns) take one fair turn together.
    """
    validate_messages(model, messages)
    who, allowance, limiter = requester_key(user_id, client_ip), allowance_for(user_id), get_limiter()
    await limiter.admit(who, allowance)
    backend = await backend_for(model, backends)
    async with scheduler_for(backend.url).turn(who, group) as turn:
        async for position in turn.positions():
            yield QueueUpdate(position)
        row = ModelRequest(backend_url=backend.url, model=model, kind="chat", outcome=Outcome.CANCELLED, user_id=user_id)
        started, streamed = time.perf_counter(), 0
        try:
            async with aclosing(backend.chat_stream(model, messages, options, tools)) as stream:
                async for chunk in stream:
                    if row.ttft_ms is None and (chunk.content or chunk.tool_calls):
                        row.ttft_ms = (time.perf_counter() - started) * 1000
                    streamed += bool(chunk.content)
                    if chunk.stats is not None:
                        row.prompt_tokens = chunk.stats.prompt_tokens
                        row.completion_tokens = chunk.stats.completion_tokens
                        row.outcome = Outcome.SUCCESS
                    yield chunk
        except WorkshopError as error:
            row.outcome = Outcome.ERROR
            row.error = error.message[:1000]
            raise
        finally:
            row.duration_ms = (time.perf_counter() - started) * 1000
            if row.outcome != Outcome.SUCCESS:
                # A reply cut short has no eval counts: its streamed pieces (about one token each) count instead.
                row.completion_tokens = streamed
            await off_loop(record_request, row)  # written even if this task is cancelled meanwhile
            await limiter.charge_tokens(who, row.prompt_tokens + row.completion_tokens, allowance)
