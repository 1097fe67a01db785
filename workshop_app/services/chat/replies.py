"""Chat with a model: validate, reserve the caller's tokens, pick a backend, wait a fair turn, stream, record."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from workshop_app.db.model_requests import ModelRequest, Outcome, utcnow
from workshop_app.services.chat.timing import first_token_ms
from workshop_app.services.chat.token_estimate import estimate_tokens
from workshop_app.services.core.database_threads import Batched
from workshop_app.services.core.errors import InvalidInput, WorkshopError
from workshop_app.services.core.streaming import bounded
from workshop_app.services.ollama.backends import alternative_for, backend_for, get_monitor
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendStalled, BackendUnavailable, RequestTooLong
from workshop_app.services.ollama.scheduler import QueueUpdate, scheduler_for
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.operations.metrics import observe_model_request, record_requests
from workshop_app.services.sharing.rate_limits import allowance_off_loop, get_limiter, requester_key
from workshop_app.settings import get_settings

ROLES = {"system", "user", "assistant", "tool"}
MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens a chat template adds around each message (role markers), for the prompt estimate."""


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


def prompt_estimate(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> int:
    """The prompt's tokens before Ollama counts them, for the quota's reservation."""
    text = sum(estimate_tokens(str(message.get("content") or "")) + MESSAGE_OVERHEAD_TOKENS for message in messages)
    return text + (estimate_tokens(json.dumps(tools)) if tools else 0)


def reply_budget(options: dict[str, Any] | None, ceiling: int, own: int | None = None) -> tuple[int, bool]:
    """The longest reply to allow, and whether the caller chose it: the caller's num_predict, else the model's
    `own` (a parameter it was built with), at most `ceiling` either way."""
    asked = (options or {}).get("num_predict")
    if isinstance(asked, int) and not isinstance(asked, bool) and asked >= 0:
        return min(asked, ceiling), True
    if own is not None and own >= 0:
        return min(own, ceiling), False
    return ceiling, False  # unset, or Ollama's "no limit" (-1, -2): the ceiling


_NUM_PREDICT = re.compile(r"^num_predict\s+(-?\d+)\s*$", re.MULTILINE)


def own_reply_cap(model: str, backends: tuple[OllamaBackend, ...] | None = None) -> int | None:
    """The num_predict a model was built with (its /api/show parameters, as the health monitor cached them).

    The platform always sends a num_predict (the quota reserves that much), which would override it.
    """
    parameters = (get_monitor(backends).show_of(model) or {}).get("parameters")
    match = _NUM_PREDICT.search(parameters) if isinstance(parameters, str) else None
    return int(match.group(1)) if match else None


@dataclass
class _Progress:
    """What a request did across its attempts: tokens used, and whether any reached the caller."""

    tokens: int = 0
    produced: bool = False


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
    extras: Mapping[str, Any] | None = None,
    generate: Mapping[str, Any] | None = None,
) -> AsyncGenerator[ChatChunk | QueueUpdate, None]:
    """Stream the model's reply to `messages`, preceded by queue positions while it waits.

    The request passes the caller's rate limit and reserves its tokens (the prompt's
    estimate plus the longest reply it may produce, sent to Ollama as num_predict), then
    waits for a fair turn on the host; after it ends, the reservation is settled to
    Ollama's counts. Every request that got a turn is recorded with its outcome,
    including a Stop (closing this generator), which counts as cancelled and closes the
    upstream request; a Stop while waiting leaves the queue. A host that cannot be
    reached before the first piece of the reply is left for another healthy host with
    the model, if there is one. A reply that goes quiet for the stall timeout, or holds
    the host past the per-request ceiling, ends with an error.
    `tools` (Ollama's tools list) lets the model answer with tool calls instead of text.
    Requests sharing a `group` (a comparison's columns) take one fair turn together.
    `extras` are /api/chat's other fields (format, think, keep_alive), sent as given; with
    `generate` (/api/generate's fields) the request goes there instead, and `messages` only
    stand for its prompt in the checks and the estimate.
    A request that had to wait gets a last QueueUpdate with position 0 when its turn begins.
    """
    validate_messages(model, messages)
    who, allowance, limiter = requester_key(user_id, client_ip), await allowance_off_loop(user_id), get_limiter()
    wanted, exact = reply_budget(options, get_settings().max_reply_tokens, own_reply_cap(model, backends))
    reservation = await limiter.admit(
        who, allowance, prompt_tokens=prompt_estimate(messages, tools), reply_tokens=wanted, exact=exact
    )
    options = {**(options or {}), "num_predict": reservation.reply_tokens}
    progress = _Progress()

    def ask(host: OllamaBackend) -> AsyncGenerator[ChatChunk, None]:
        if generate is not None:
            return host.generate_stream(model, generate, options)
        return host.chat_stream(model, messages, options, tools, extras)

    kind = "generate" if generate is not None else "chat"
    try:
        backend: OllamaBackend | None = await backend_for(model, backends)
        tried: set[str] = set()
        while backend is not None:
            try:
                attempt = _on_host(backend, model, ask, kind, who, group, user_id, progress)
                async with aclosing(attempt):
                    async for event in attempt:
                        yield event
                return
            except BackendUnavailable:
                tried.add(backend.url)
                backend = None if progress.produced else alternative_for(model, tried, backends)
                if backend is None:
                    raise
    finally:
        await asyncio.shield(limiter.settle(reservation, progress.tokens))  # settled even if cancelled meanwhile


async def _on_host(
    backend: OllamaBackend,
    model: str,
    ask: Callable[[OllamaBackend], AsyncGenerator[ChatChunk, None]],
    kind: str,
    who: str,
    group: str | None,
    user_id: int | None,
    progress: _Progress,
) -> AsyncGenerator[ChatChunk | QueueUpdate, None]:
    """One attempt on one host: a fair turn, then the reply within the stall timeout and the request ceiling."""
    settings = get_settings()
    queued = time.perf_counter()
    async with scheduler_for(backend.url).turn(who, group) as turn:
        waited = False
        async for position in turn.positions():
            waited = True
            yield QueueUpdate(position)
        wait_ms = (time.perf_counter() - queued) * 1000 if waited else 0.0  # the scheduler handed out the slot
        if waited:
            yield QueueUpdate(0)  # the turn began: the wait is over (a clock keeps it apart from the TTFT)
        # The row's fields, made into a ModelRequest in the database thread: building the table model
        # (validation, instrumented attributes) on the event loop cost every request time before its first token.
        row: dict[str, Any] = {
            "backend_url": backend.url,
            "model": model,
            "kind": kind,
            "outcome": Outcome.CANCELLED,
            "user_id": user_id,
            "wait_ms": wait_ms,
            "started_at": utcnow(),
        }
        started, streamed, pieces, first_ms = time.perf_counter(), 0, 0, None
        upstream = bounded(
            ask(backend),
            gap_s=settings.ollama_stall_timeout,
            until=asyncio.get_running_loop().time() + settings.request_max_seconds,
            gap_error=lambda: BackendStalled(backend.url, settings.ollama_stall_timeout),
            late_error=lambda: RequestTooLong(settings.request_max_seconds),
        )
        try:
            async with aclosing(upstream) as stream:
                async for chunk in stream:
                    if chunk.content or chunk.tool_calls or chunk.thinking:
                        pieces += 1
                        first_ms = first_ms if first_ms is not None else (time.perf_counter() - started) * 1000
                    streamed += bool(chunk.content or chunk.thinking)
                    if chunk.stats is not None:
                        row["prompt_tokens"] = chunk.stats.prompt_tokens
                        row["completion_tokens"] = chunk.stats.completion_tokens
                        row["eval_ms"] = chunk.stats.eval_ms or None
                        row["outcome"] = Outcome.SUCCESS
                    progress.produced = True
                    yield chunk
        except WorkshopError as error:
            row["outcome"] = Outcome.ERROR
            row["error"] = error.message[:1000]
            raise
        finally:
            row["duration_ms"] = (time.perf_counter() - started) * 1000
            row["ttft_ms"] = first_token_ms(first_ms, pieces, row["duration_ms"], row.get("eval_ms"))
            if row["outcome"] != Outcome.SUCCESS:
                # A reply cut short has no eval counts: its streamed pieces (about one token each) count instead.
                row["completion_tokens"] = streamed
            progress.tokens += row.get("prompt_tokens", 0) + row["completion_tokens"]
            await _RECORDS.add(row)  # written even if this task is cancelled meanwhile


def _finished(fields: dict[str, Any]) -> ModelRequest:
    """A finished request's row, counted and logged (in the database thread, in the request's context)."""
    row = ModelRequest(**fields)
    observe_model_request(row)
    return row


_RECORDS = Batched(_finished, record_requests)
"""Requests that end together are recorded in one transaction."""
