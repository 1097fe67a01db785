"""Liveness and dependency status."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from workshop_app.services.operations.health import detailed_report, health_report

router = APIRouter(tags=["health"])


@router.get("/health", summary="Status of the database and of each Ollama backend")
async def health() -> JSONResponse:
    """200 while the database answers (status ok or degraded); 503 when it does not."""
    report = await health_report()
    return JSONResponse(report.as_dict(), status_code=503 if report.status == "down" else 200)


@router.get("/health/details", summary="Every dependency with latency, versions, models loaded and free disk")
async def health_details() -> JSONResponse:
    """Overall ok / degraded / down with the reason; 503 only when the database is unreachable."""
    report = await detailed_report()
    return JSONResponse(report.as_dict(), status_code=503 if report.status == "down" else 200)
