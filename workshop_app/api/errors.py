"""Errors become HTTP answers with a sentence and a next step, never a bare 500.

Each face answers in the shape its clients read, so the explanation reaches the person:
the REST API `{"error", "message", "hint"}`; the Ollama-compatible gateway
`{"error": "<sentence>"}` (what the `ollama` client's ResponseError shows); the
OpenAI-compatible gateway `{"error": {"message", "type", "code"}}` (what the `openai`
client's APIError shows). Malformed requests (wrong types, out-of-range numbers, bad
JSON) are explained the same way: 422 on the REST API, 400 on the gateways, as Ollama
and OpenAI answer them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from workshop_app.services.core.errors import RateLimited, WorkshopError

OLLAMA_PREFIX = "/ollama"
OPENAI_PREFIX = "/v1"
_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


class RestError(BaseModel):
    """How the REST API refuses a request."""

    error: str = Field(description="The kind of error, e.g. NotFound, Forbidden, InvalidInput.")
    message: str = Field(description="What happened, as a sentence.")
    hint: str = Field(description="What to do next.")


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(description="OpenAI's error type, e.g. invalid_request_error, rate_limit_error.")
    code: str | None = Field(None, description="The platform's error kind in snake case, e.g. model_not_found.")


class GatewayError(BaseModel):
    """How the gateway refuses a request: a sentence under /ollama, an object under /v1 (each API's own shape)."""

    error: str | OpenAIErrorDetail


_MEANINGS = {
    400: "A malformed request: wrong types, a value out of range, or a body that is not JSON.",
    401: "No API key, or one that is not valid (any more).",
    403: "The key is valid, but this account may not do this.",
    404: "No such item (or none this account may see), or no host has the model.",
    409: "The change conflicts with what exists.",
    422: "The request is well-formed but its values are not acceptable.",
    429: "Over the rate limit or the daily token quota; Retry-After says when to try again.",
    502: "The Ollama host reported an error; the message quotes it.",
    503: "The Ollama host that would answer cannot be reached; the message names it.",
    504: "The Ollama host went quiet, or the reply ran past the longest time one request may take.",
}
REST_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": RestError, "description": meaning} for status, meaning in _MEANINGS.items()
}
GATEWAY_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": GatewayError, "description": meaning}
    for status, meaning in _MEANINGS.items()
    if status not in (409, 422)
}


class Face(StrEnum):
    REST = "rest"
    OLLAMA = "ollama"
    OPENAI = "openai"


def face_of(path: str) -> Face:
    for prefix, face in ((OLLAMA_PREFIX, Face.OLLAMA), (OPENAI_PREFIX, Face.OPENAI)):
        if path == prefix or path.startswith(prefix + "/"):
            return face
    return Face.REST


@dataclass(frozen=True)
class Refusal:
    """What went wrong, in the platform's terms, before it is put in a face's shape."""

    status: int
    kind: str
    message: str
    hint: str = ""

    @classmethod
    def of(cls, error: WorkshopError) -> Refusal:
        return cls(error.status_code, type(error).__name__, error.message, error.hint)

    @property
    def sentence(self) -> str:
        """Message and next step as one text, for shapes with a single string."""
        return f"{self.message} {self.hint}".strip()

    def body(self, face: Face) -> dict[str, Any]:
        if face is Face.OLLAMA:
            return {"error": self.sentence}
        if face is Face.OPENAI:
            kind = _OPENAI_TYPES.get(self.status, "server_error")
            return {"error": {"message": self.sentence, "type": kind, "code": _snake(self.kind)}}
        return {"error": self.kind, "message": self.message, "hint": self.hint}


def ollama_error(error: WorkshopError) -> dict[str, Any]:
    """An error line of an Ollama stream."""
    return Refusal.of(error).body(Face.OLLAMA)


def openai_error(error: WorkshopError) -> dict[str, Any]:
    """An error event of an OpenAI stream."""
    return Refusal.of(error).body(Face.OPENAI)


def answer(request: Request, refusal: Refusal, headers: dict[str, str] | None = None) -> JSONResponse:
    face = face_of(request.url.path)
    status = 400 if face is not Face.REST and refusal.status == 422 else refusal.status
    return JSONResponse(status_code=status, content=refusal.body(face), headers=headers)


def invalid_request_sentence(errors: Sequence[Any]) -> str:
    """Pydantic's findings about a request as one sentence: where, and what is wrong there."""
    found = []
    for error in errors[:3]:
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "the request body"
        found.append(f"{where}: {str(error.get('msg', 'invalid')).rstrip('.')}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "Invalid request — " + "; ".join(found) + more + "."


async def _workshop_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, WorkshopError)
    headers = {"Retry-After": str(max(1, error.retry_after_s))} if isinstance(error, RateLimited) else None
    return answer(request, Refusal.of(error), headers)


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    sentence = invalid_request_sentence(error.errors())
    refusal = Refusal(422, "InvalidInput", sentence, "See /docs for this request's schema.")
    return answer(request, refusal)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        message = f"There is no {request.method} {request.url.path} here."
        refusal = Refusal(404, "NotFound", message, "See /docs for the routes.")
    else:
        refusal = Refusal(error.status_code, "HTTPError", str(error.detail))
    return answer(request, refusal, dict(error.headers) if error.headers else None)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def install_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(WorkshopError, _workshop_error)
    api.add_exception_handler(RequestValidationError, _invalid_request)
    api.add_exception_handler(HTTPException, _http_error)
