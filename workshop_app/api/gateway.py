"""The gateway's HTTP face: Ollama-compatible under /ollama/api, OpenAI-compatible under /v1.

Every route needs a personal API key (`Authorization: Bearer <key>`, which both
official clients send). Bodies are checked against their schemas (api/gateway_schemas)
before anything else: a malformed one is a 400 with a sentence. Errors before the first
token are HTTP errors (401, 403, 404, 429 with Retry-After, 503); an error in the middle
of a stream becomes a final error line, as Ollama and OpenAI streams report them; both
in each API's own error shape (api/errors). A client that disconnects while its request
waits for a turn or for a whole (non-streamed) reply closes it upstream, so the host's
slot goes to the next in line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import aclosing, contextmanager
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from workshop_app.api.auth import CurrentActor
from workshop_app.api.errors import GATEWAY_REFUSALS, ollama_error, openai_error
from workshop_app.api.gateway_schemas import (
    OllamaChatRequest,
    OllamaEmbedRequest,
    OllamaGenerateRequest,
    OllamaShowRequest,
    OpenAIChatRequest,
    OpenAIEmbeddingsRequest,
)
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.gateway import api_shapes as gateway
from workshop_app.services.gateway.openai_requests import from_openai
from workshop_app.services.ollama.types import ChatChunk

router = APIRouter(tags=["gateway"], responses=GATEWAY_REFUSALS)
Reply = dict[str, Any] | Response

CLIENT_GONE = 499  # nginx's "client closed request": nobody receives it, the logs and metrics do


class _ClientGone(Exception):
    """The client disconnected before its answer was ready."""


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _started(stream: AsyncGenerator[ChatChunk, None]) -> AsyncGenerator[ChatChunk, None]:
    """The stream with its first chunk awaited before answering, so refusals are HTTP errors, not stream lines."""
    first = await anext(stream)

    async def rest() -> AsyncGenerator[ChatChunk, None]:
        async with aclosing(stream):
            yield first
            async for chunk in stream:
                yield chunk

    return rest()


async def _lines(
    stream: AsyncGenerator[ChatChunk, None],
    render: Callable[[ChatChunk, bool], dict[str, Any]],
    frame: Callable[[dict[str, Any]], str],
    error: Callable[[WorkshopError], dict[str, Any]],
) -> AsyncGenerator[str, None]:
    first = True
    try:
        async with aclosing(stream):
            async for chunk in stream:
                yield frame(render(chunk, first))
                first = False
    except WorkshopError as failure:
        yield frame(error(failure))


def _ndjson(payload: dict[str, Any]) -> str:
    return json.dumps(payload) + "\n"


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload)}\n\n"


class _ClientWatch:
    """Whether the client is still there, watched by one task for the whole request.

    While work runs `guarded`, the client leaving cancels the request's own task (as a
    timeout would: the work ends at its current await, closing the upstream request or
    leaving the queue) and the work raises _ClientGone. The work runs in the request's
    task rather than in tasks of its own: a task (or a task group) per step is paid before
    every reply's first token.
    """

    def __init__(self, request: Request) -> None:
        self.gone = False
        self._guarding = False
        task = asyncio.current_task()
        assert task is not None  # an endpoint runs in its request's task
        self._task = task
        self._watcher = asyncio.ensure_future(_disconnected(request))
        self._watcher.add_done_callback(self._left)

    def _left(self, watcher: asyncio.Future[None]) -> None:
        if watcher.cancelled():
            return
        watcher.exception()  # a receive that failed means the connection is gone, too
        self.gone = True
        if self._guarding:
            self._task.cancel()

    @contextmanager
    def guarded(self) -> Iterator[None]:
        if self.gone:
            raise _ClientGone
        self._guarding = True
        try:
            yield
        except asyncio.CancelledError:
            if self.gone and self._task.uncancel() == 0:
                raise _ClientGone from None
            raise
        finally:
            self._guarding = False

    def close(self) -> None:
        self._watcher.cancel()


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the body was read already, so nothing else arrives)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


class _Lines(StreamingResponse):
    """A streamed reply whose client is watched by the request's `_ClientWatch` (no task group of its own)."""

    def __init__(self, watch: _ClientWatch, lines: AsyncGenerator[str, None], media_type: str) -> None:
        super().__init__(lines, media_type=media_type)
        self._watch, self._lines = watch, lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with self._watch.guarded():
                await self.stream_response(send)
        except _ClientGone:
            pass
        finally:
            self._watch.close()
            await self._lines.aclose()


async def _reply(
    actor: CurrentActor, watch: _ClientWatch, request: Request, body: dict[str, Any], *, generate: bool = False
) -> AsyncGenerator[ChatChunk, None]:
    """The reply with its first chunk there (the turn and the host's first piece awaited while the client stays)."""
    answer = gateway.generate if generate else gateway.chat
    try:
        with watch.guarded():
            return await _started(answer(actor, body, client_ip=_client_ip(request)))
    except BaseException:
        watch.close()
        raise


async def _whole(watch: _ClientWatch, stream: AsyncGenerator[ChatChunk, None]) -> list[ChatChunk]:
    """Every chunk of a reply that is answered in one piece."""
    try:
        with watch.guarded():
            async with aclosing(stream):
                return [chunk async for chunk in stream]
    finally:
        watch.close()


# -- Ollama-compatible ---------------------------------------------------------------------


@router.get("/ollama/api/tags")
async def ollama_tags(actor: CurrentActor) -> dict[str, Any]:
    return gateway.ollama_tags(await gateway.visible_models(actor))


@router.post("/ollama/api/show")
async def ollama_show(actor: CurrentActor, body: OllamaShowRequest) -> dict[str, Any]:
    return await gateway.show(actor, body.model or body.name or "")


@router.post("/ollama/api/chat", response_model=None)
async def ollama_chat(actor: CurrentActor, request: Request, body: OllamaChatRequest) -> Reply:
    return await _ollama_reply(actor, request, body.wire(), generate=False)


@router.post("/ollama/api/generate", response_model=None)
async def ollama_generate(actor: CurrentActor, request: Request, body: OllamaGenerateRequest) -> Reply:
    return await _ollama_reply(actor, request, body.wire(), generate=True)


async def _ollama_reply(actor: CurrentActor, request: Request, body: dict[str, Any], *, generate: bool) -> Reply:
    model, watch = str(body.get("model", "")), _ClientWatch(request)
    try:
        stream = await _reply(actor, watch, request, body, generate=generate)
        if body.get("stream", True) is False:
            return gateway.ollama_whole(model, await _whole(watch, stream), generate=generate)
    except _ClientGone:
        return Response(status_code=CLIENT_GONE)
    lines = _lines(
        stream, lambda chunk, _first: gateway.ollama_part(model, chunk, generate=generate), _ndjson, ollama_error
    )
    return _Lines(watch, lines, "application/x-ndjson")


@router.post("/ollama/api/embed")
async def ollama_embed(actor: CurrentActor, body: OllamaEmbedRequest) -> dict[str, Any]:
    vectors, tokens = await gateway.embed(actor, body.model, body.input, body.extras())
    return {"model": body.model, "embeddings": vectors, "prompt_eval_count": tokens}


# -- OpenAI-compatible ---------------------------------------------------------------------


@router.get("/v1/models")
async def openai_models(actor: CurrentActor) -> dict[str, Any]:
    return gateway.openai_models(await gateway.visible_models(actor))


@router.post("/v1/chat/completions", response_model=None)
async def openai_chat(actor: CurrentActor, request: Request, schema: OpenAIChatRequest) -> Reply:
    body = from_openai(schema.wire())
    usage_asked = bool(schema.stream_options and schema.stream_options.include_usage)
    completion, watch = gateway.OpenAICompletion(str(body.get("model", ""))), _ClientWatch(request)
    try:
        stream = await _reply(actor, watch, request, body)
        if not body.get("stream"):
            return completion.whole(await _whole(watch, stream))
    except _ClientGone:
        return Response(status_code=CLIENT_GONE)

    async def events() -> AsyncGenerator[str, None]:
        async for line in _lines(stream, lambda chunk, first: completion.chunk(chunk, first=first), _sse, openai_error):
            yield line
        usage = completion.usage_chunk() if usage_asked else None
        if usage is not None:
            yield _sse(usage)
        yield "data: [DONE]\n\n"

    return _Lines(watch, events(), "text/event-stream")


@router.post("/v1/embeddings")
async def openai_embeddings(actor: CurrentActor, body: OpenAIEmbeddingsRequest) -> dict[str, Any]:
    extras = {"dimensions": body.dimensions} if body.dimensions else {}
    vectors, tokens = await gateway.embed(actor, body.model, body.input, extras)
    return gateway.openai_embeddings(body.model, vectors, body.encoding_format, tokens)
