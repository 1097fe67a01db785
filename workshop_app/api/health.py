"""Liveness and dependency status."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from workshop_app.services.health import health_report

router = APIRouter(tags=["health"])


@router.get("/health", summary="Status of the database and of each Ollama backend")
async def health() -> JSONResponse:
    """200 while the database answers (status ok or degraded); 503 when it does not."""
    report = await health_report()
    return JSONResponse(report.as_dict(), status_code=503 if report.status == "down" else 200)
