"""The model catalog in the reports' shape: name, provider, health, metrics, capabilities, config."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from workshop_app.api.auth import CurrentActor
from workshop_app.services.models.catalog import Catalog, HostStatus, ModelSummary, catalog_for, model_status

router = APIRouter(tags=["models"])

MODEL_EXAMPLE = {
    "name": "llama3.2:1b",
    "provider": "ollama",
    "health": {
        "status": "healthy",
        "hosts": [
            {
                "url": "http://localhost:11434",
                "reachable": True,
                "loaded": True,
                "memory_bytes": 1651372911,
                "vram_bytes": 1651372911,
                "vram_share": 1.0,
                "expires_at": "2026-11-23T17:05:00Z",
                "context_length": 4096,
            }
        ],
    },
    "metrics": {
        "total_requests": 42,
        "success_rate": 0.976,
        "stopped_requests": 1,
        "avg_latency_ms": 1840.2,
        "p95_latency_ms": 3920.0,
        "avg_tokens_per_s": 38.5,
        "last_used": "2026-11-23T16:58:12+00:00",
    },
    "capabilities": ["completion", "tools"],
    "config": {
        "family": "llama",
        "parameter_size": "1.2B",
        "quantization": "Q8_0",
        "size_bytes": 1321098329,
        "context_length": 131072,
    },
    "built": None,
}


def host_report(host: HostStatus) -> dict[str, Any]:
    return asdict(host)


def model_report(model: ModelSummary) -> dict[str, Any]:
    """One model as the REST face describes it (see MODEL_EXAMPLE); `built` names the base and author of a
    model made with the model builder, e.g. {"from": "llama3.2:1b", "by": "Ada"}, and is null otherwise."""
    metrics = asdict(model.metrics) if model.metrics else None
    if metrics is not None:
        del metrics["model"], metrics["backend_url"]
    return {
        "name": model.name,
        "provider": model.provider,
        "health": {
            "status": "healthy" if model.healthy else "unreachable",
            "hosts": [{**asdict(p), "vram_share": p.vram_share} for p in model.placements],
        },
        "metrics": metrics,
        "per_host_metrics": [asdict(m) for m in model.host_metrics],
        "capabilities": list(model.capabilities),
        "config": {
            "family": model.family,
            "parameter_size": model.parameter_size,
            "quantization": model.quantization,
            "size_bytes": model.size_bytes,
            "context_length": model.context_length,
        },
        "built": {"from": model.built_from, "by": model.built_by} if model.built_from else None,
    }


def catalog_report(catalog: Catalog) -> dict[str, Any]:
    """Hosts with the age of what is known about them, and the models."""
    return {
        "checked_age_s": catalog.oldest_age_s,
        "hosts": [host_report(host) for host in catalog.hosts],
        "models": [model_report(model) for model in catalog.models],
    }


@router.get(
    "/api/models",
    summary="Every model on every host, with health and metrics",
    response_description="Hosts (with how old their state is) and one entry per model.",
    responses={
        200: {
            "content": {"application/json": {"example": {"checked_age_s": 3.2, "hosts": [], "models": [MODEL_EXAMPLE]}}}
        }
    },
)
async def list_catalog(actor: CurrentActor) -> dict[str, Any]:
    """Answers from the hosts' last known state within a second, even while a host hangs."""
    return catalog_report(await catalog_for(actor))


@router.get(
    "/api/models/{name:path}",
    summary="One model: health, metrics, capabilities, config",
    responses={
        200: {"content": {"application/json": {"example": MODEL_EXAMPLE}}},
        404: {"description": "No host has the model."},
        503: {"description": "The host that has the model cannot be reached; the message names it."},
    },
)
async def get_model(name: str, actor: CurrentActor) -> dict[str, Any]:
    return model_report(await model_status(actor, name))
