"""Models on every configured backend."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from workshop_app.api.auth import CurrentActor
from workshop_app.services.models.catalog import load_catalog
from workshop_app.services.workshops.policy import usable_models

router = APIRouter(tags=["models"])


@router.get("/models", summary="Every model on every configured Ollama host, with host health")
async def list_models(actor: CurrentActor) -> dict:
    """An attendee sees only the models their workshop allows."""
    catalog = await load_catalog()
    usable = set(usable_models(actor, catalog.model_names))
    return {
        "hosts": [asdict(host) for host in catalog.hosts],
        "models": [
            {**asdict(entry.model), "backend_url": entry.backend_url}
            for entry in catalog.entries
            if entry.model.name in usable
        ],
    }
