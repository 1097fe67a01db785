"""Models on every configured backend."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from workshop_app.services.models import load_catalog

router = APIRouter(tags=["models"])


@router.get("/models", summary="Every model on every configured Ollama host, with host health")
async def list_models() -> dict:
    catalog = await load_catalog()
    return {
        "hosts": [asdict(host) for host in catalog.hosts],
        "models": [{**asdict(entry.model), "backend_url": entry.backend_url} for entry in catalog.entries],
    }
