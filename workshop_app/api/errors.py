"""Typed service errors become HTTP answers with a message and a next step, never a bare 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from workshop_app.services.errors import RateLimited, WorkshopError


async def _workshop_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, WorkshopError)
    return JSONResponse(
        status_code=error.status_code,
        content={"error": type(error).__name__, "message": error.message, "hint": error.hint},
        headers=_headers(error),
    )


def _headers(error: WorkshopError) -> dict[str, str] | None:
    """Retry-After tells clients (and HTTP libraries that back off) when to try again."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(max(1, error.retry_after_s))}
    return None


def install_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(WorkshopError, _workshop_error)
