"""The gateway's status routes (Ollama's /api/version and /api/ps) and its answer to every other path.

Registered after the gateway's own routes: any other path under /ollama or /v1 gets a
404 in that API's error shape, never the app's HTML page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from workshop_app.api.auth import CurrentActor
from workshop_app.api.errors import GATEWAY_REFUSALS, OLLAMA_PREFIX, OPENAI_PREFIX, Face, Refusal, answer, face_of
from workshop_app.api.middleware import CATCH_ALL
from workshop_app.services.gateway import room_status as gateway_status

router = APIRouter(tags=["gateway"], responses=GATEWAY_REFUSALS)

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
SUPPORTED = {
    Face.OLLAMA: "/api/chat, /api/generate, /api/embed, /api/tags, /api/show, /api/ps and /api/version",
    Face.OPENAI: "/chat/completions, /models and /embeddings",
}


@router.get("/ollama/api/version", summary="The Ollama version of the workshop's hosts")
async def ollama_version(_actor: CurrentActor) -> dict[str, str]:
    return await gateway_status.backend_version()


@router.get("/ollama/api/ps", summary="Models of your workshop that a host holds in memory now")
async def ollama_ps(actor: CurrentActor) -> dict[str, Any]:
    return await gateway_status.running_models(actor)


async def _unsupported(request: Request) -> JSONResponse:
    face = face_of(request.url.path)
    message = f"The workshop gateway does not offer {request.method} {request.url.path}."
    return answer(request, Refusal(404, "NotFound", message, f"It offers {SUPPORTED[face]}."))


for _prefix in (OLLAMA_PREFIX, OPENAI_PREFIX):
    router.add_api_route(_prefix, _unsupported, methods=ALL_METHODS, include_in_schema=False, name=CATCH_ALL)
    router.add_api_route(
        _prefix + "/{rest:path}", _unsupported, methods=ALL_METHODS, include_in_schema=False, name=CATCH_ALL
    )
