"""The gateway's HTTP face: Ollama-compatible under /ollama/api, OpenAI-compatible under /v1.

Every route needs a personal API key (`Authorization: Bearer <key>`, which both
official clients send). Errors before the first token are HTTP errors (401, 403, 404,
429 with Retry-After, 503); an error in the middle of a stream becomes a final error
line, as Ollama and OpenAI streams report them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from workshop_app.api.auth import CurrentActor
from workshop_app.services import gateway
from workshop_app.services.errors import InvalidInput, WorkshopError
from workshop_app.services.ollama.types import ChatChunk

router = APIRouter(tags=["gateway"])


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return body


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
    stream: AsyncIterator[ChatChunk], render: Callable[[ChatChunk, bool], dict[str, Any]], frame: Callable[[dict[str, Any]], str], error: Callable[[WorkshopError], dict[str, Any]]
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


async def _reply(actor: CurrentActor, request: Request, body: dict[str, Any]) -> AsyncIterator[ChatChunk]:
    return await _started(gateway.chat(actor, body, client_ip=_client_ip(request)))


# -- Ollama-compatible ---------------------------------------------------------------------


@router.get("/ollama/api/tags")
async def ollama_tags(actor: CurrentActor) -> dict[str, Any]:
    return gateway.ollama_tags(await gateway.visible_models(actor))


@router.post("/ollama/api/show")
async def ollama_show(actor: CurrentActor, request: Request) -> dict[str, Any]:
    body = await _body(request)
    return await gateway.show(actor, str(body.get("model") or body.get("name") or ""))


@router.post("/ollama/api/chat", response_model=None)
async def ollama_chat(actor: CurrentActor, request: Request) -> dict[str, Any] | StreamingResponse:
    return await _ollama_reply(actor, request, await _body(request), generate=False)


@router.post("/ollama/api/generate", response_model=None)
async def ollama_generate(actor: CurrentActor, request: Request) -> dict[str, Any] | StreamingResponse:
    body = await _body(request)
    return await _ollama_reply(actor, request, {**body, "messages": gateway.prompt_messages(body)}, generate=True)


async def _ollama_reply(actor: CurrentActor, request: Request, body: dict[str, Any], *, generate: bool) -> dict[str, Any] | StreamingResponse:
    model = str(body.get("model", ""))
    stream = await _reply(actor, request, body)
    if body.get("stream", True) is False:
        return gateway.ollama_whole(model, [chunk async for chunk in stream], generate=generate)
    lines = _lines(stream, lambda chunk, _first: gateway.ollama_part(model, chunk, generate=generate), _ndjson, lambda e: {"error": e.message})
    return StreamingResponse(lines, media_type="application/x-ndjson")


@router.post("/ollama/api/embed")
async def ollama_embed(actor: CurrentActor, request: Request) -> dict[str, Any]:
    body = await _body(request)
    model = str(body.get("model", ""))
    return {"model": model, "embeddings": await gateway.embed(actor, model, body.get("input"))}


# -- OpenAI-compatible ---------------------------------------------------------------------


@router.get("/v1/models")
async def openai_models(actor: CurrentActor) -> dict[str, Any]:
    return gateway.openai_models(await gateway.visible_models(actor))


@router.post("/v1/chat/completions", response_model=None)
async def openai_chat(actor: CurrentActor, request: Request) -> dict[str, Any] | StreamingResponse:
    body = gateway.from_openai(await _body(request))
    completion = gateway.OpenAICompletion(str(body.get("model", "")))
    stream = await _reply(actor, request, body)
    if not body.get("stream"):
        return completion.whole([chunk async for chunk in stream])

    async def events() -> AsyncIterator[str]:
        error = lambda e: {"error": {"message": e.message, "type": type(e).__name__, "code": e.status_code}}  # noqa: E731
        async for line in _lines(stream, lambda chunk, first: completion.chunk(chunk, first=first), _sse, error):
            yield line
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@router.post("/v1/embeddings")
async def openai_embeddings(actor: CurrentActor, request: Request) -> dict[str, Any]:
    body = await _body(request)
    model = str(body.get("model", ""))
    vectors = await gateway.embed(actor, model, body.get("input"))
    return gateway.openai_embeddings(model, vectors, body.get("encoding_format"))
