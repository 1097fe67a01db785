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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, suppress
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

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

T = TypeVar("T")
CLIENT_GONE = 499  # nginx's "client closed request": nobody receives it, the logs and metrics do


class _ClientGone(Exception):
    """The client disconnected before its answer was ready."""


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def _started(stream: AsyncIterator[ChatChunk]) -> AsyncIterator[ChatChunk]:
    """The stream with its first chunk awaited before answering, so refusals are HTTP errors, not stream lines."""
    first = await anext(stream)

    async def rest() -> AsyncIterator[ChatChunk]:
        async with aclosing(stream):  # type: ignore[type-var]
            yield first
            async for chunk in stream:
                yield chunk

    return rest()


async def _lines(
    stream: AsyncIterator[ChatChunk],
    render: Callable[[ChatChunk, bool], dict[str, Any]],
    frame: Callable[[dict[str, Any]], str],
    error: Callable[[WorkshopError], dict[str, Any]],
) -> AsyncIterator[str]:
    first = True
    try:
        async with aclosing(stream):  # type: ignore[type-var]
            async for chunk in stream:
                yield frame(render(chunk, first))
                first = False
    except WorkshopError as failure:
        yield frame(error(failure))


def _ndjson(payload: dict[str, Any]) -> str:
    return json.dumps(payload) + "\n"


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload)}\n\n"


async def _reply(
    actor: CurrentActor, request: Request, body: dict[str, Any], *, generate: bool = False
) -> AsyncIterator[ChatChunk]:
    answer = gateway.generate if generate else gateway.chat
    return await _unless_gone(request, _started(answer(actor, body, client_ip=_client_ip(request))))


async def _whole(request: Request, stream: AsyncIterator[ChatChunk]) -> list[ChatChunk]:
    """Every chunk of a reply that is answered in one piece."""

    async def collect() -> list[ChatChunk]:
        async with aclosing(stream):  # type: ignore[type-var]
            return [chunk async for chunk in stream]

    return await _unless_gone(request, collect())


async def _unless_gone(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result; cancelled (leaving the queue, closing the upstream request) if the client leaves first."""
    task, gone = asyncio.ensure_future(work), asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        gone.cancel()
    if task.cancelled():
        raise _ClientGone
    return task.result()


async def _disconnected(request: Request) -> None:
    """Returns when the client closes the connection (the body was read already, so nothing else arrives)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


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
    model = str(body.get("model", ""))
    try:
        stream = await _reply(actor, request, body, generate=generate)
        if body.get("stream", True) is False:
            return gateway.ollama_whole(model, await _whole(request, stream), generate=generate)
    except _ClientGone:
        return Response(status_code=CLIENT_GONE)
    lines = _lines(
        stream, lambda chunk, _first: gateway.ollama_part(model, chunk, generate=generate), _ndjson, ollama_error
    )
    return StreamingResponse(lines, media_type="application/x-ndjson")


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
    completion = gateway.OpenAICompletion(str(body.get("model", "")))
    try:
        stream = await _reply(actor, request, body)
        if not body.get("stream"):
            return completion.whole(await _whole(request, stream))
    except _ClientGone:
        return Response(status_code=CLIENT_GONE)

    async def events() -> AsyncIterator[str]:
        async for line in _lines(stream, lambda chunk, first: completion.chunk(chunk, first=first), _sse, openai_error):
            yield line
        usage = completion.usage_chunk() if usage_asked else None
        if usage is not None:
            yield _sse(usage)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@router.post("/v1/embeddings")
async def openai_embeddings(actor: CurrentActor, body: OpenAIEmbeddingsRequest) -> dict[str, Any]:
    extras = {"dimensions": body.dimensions} if body.dimensions else {}
    vectors, tokens = await gateway.embed(actor, body.model, body.input, extras)
    return gateway.openai_embeddings(body.model, vectors, body.encoding_format, tokens)
