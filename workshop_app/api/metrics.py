"""Prometheus scrape endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from workshop_app.services.operations.metrics import exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Metrics in Prometheus text format (every worker's, with Redis)")
def metrics() -> Response:  # not async: with Redis it reads every worker's figures, off the event loop
    body, content_type = exposition()
    return Response(body, media_type=content_type)
