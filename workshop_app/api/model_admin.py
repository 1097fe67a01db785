"""Model management under /api/v1/models: list, status, resources, validate, pull, load, unload, delete.

Changing what a host holds (pull, delete, load, unload) is for instructors and admins;
the services decide, these routes only translate.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.model_catalog import MODEL_EXAMPLE, catalog_report, model_report
from workshop_app.services.core.jobs import Job
from workshop_app.services.models import admin as model_admin
from workshop_app.services.models.catalog import catalog_for, model_status
from workshop_app.services.models.names import EXAMPLES, validate_model_name
from workshop_app.services.models.resources import machine_resources
from workshop_app.services.workshops.policy import Actor

router = APIRouter(prefix="/models", tags=["model management"])

PULL_UPDATE_EVERY_S = 0.25
Responses = dict[int | str, dict[str, Any]]  # the OpenAPI `responses` FastAPI takes
NOT_FOUND: Responses = {404: {"description": "No host has the model."}}
UNREACHABLE: Responses = {
    503: {"description": "The host that has (or would get) the model cannot be reached; the message names it."}
}
INVALID: Responses = {422: {"description": f"Not a valid model name (valid: {EXAMPLES})."}}
FORBIDDEN: Responses = {403: {"description": "Only instructors and admins manage models."}}


class ModelName(BaseModel):
    name: str = Field(description="A model reference such as llama3.2:1b or hf.co/org/repo:Q4_K_M.")

    model_config = {"json_schema_extra": {"examples": [{"name": "llama3.2:1b"}]}}


class ModelOnHost(ModelName):
    host: str | None = Field(None, description="An Ollama URL from the configuration; default: the router's choice.")

    model_config = {"json_schema_extra": {"examples": [{"name": "llama3.2:1b", "host": "http://localhost:11434"}]}}


def progress_report(job: Job) -> dict[str, Any]:
    """A pull as the API has always described it; `state` takes the job vocabulary
    (queued, running, done, failed, cancelled), `status` is Ollama's step text while it runs."""
    return {
        "id": job.id,
        "model": job.subject,
        "host": job.place,
        "state": str(job.status),
        "status": job.message,
        "completed": job.done,
        "total": job.total,
        "percent": round(job.percent, 1),
        "bytes_per_s": job.rate if job.active else 0.0,
        "eta_s": job.eta_s,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "hint": job.hint,
    }


@router.get(
    "/list",
    summary="Every model on every host, with health and metrics",
    responses={
        200: {
            "content": {"application/json": {"example": {"checked_age_s": 3.2, "hosts": [], "models": [MODEL_EXAMPLE]}}}
        }
    },
)
async def list_models(actor: CurrentActor) -> dict[str, Any]:
    return catalog_report(await catalog_for(actor))


@router.get(
    "/resources",
    summary="CPU, RAM and GPU of this machine; models in memory per host",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "cpu_percent": 23.5,
                        "cpu_count": 8,
                        "ram_used_bytes": 6_442_450_944,
                        "ram_total_bytes": 17_179_869_184,
                        "gpus": None,
                        "hosts": [
                            {
                                "url": "http://localhost:11434",
                                "reachable": True,
                                "loaded_count": 1,
                                "loaded_bytes": 1_651_372_911,
                                "vram_bytes": 1_651_372_911,
                                "age_s": 2.1,
                            }
                        ],
                    }
                }
            }
        }
    },
)
async def resources(_actor: CurrentActor) -> dict[str, Any]:
    """`gpus` is null where the machine has no nvidia-smi: no GPU figure is ever guessed."""
    return asdict(await machine_resources())


@router.post("/validate-version", summary="Check a model name before pulling it", responses=INVALID)
async def validate_version(body: ModelName, _actor: CurrentActor) -> dict[str, Any]:
    return {"name": validate_model_name(body.name), "valid": True}


@router.get("/pulls", summary="Pulls running now or finished in the last minutes")
async def list_pulls(_actor: CurrentActor) -> list[dict[str, Any]]:
    return [progress_report(progress) for progress in await model_admin.pull_progress()]


@router.post(
    "/pull",
    summary="Pull a model; streams progress as NDJSON",
    response_description=(
        "One JSON object per line: state (queued, running, done, failed, cancelled), status (the step), "
        "completed, total, percent, bytes_per_s, eta_s."
    ),
    responses={
        **INVALID,
        **FORBIDDEN,
        **UNREACHABLE,
        200: {
            "content": {
                "application/x-ndjson": {
                    "example": {
                        "id": "3f2c9a0e5b7d4c1e8a6f0b2d4e6a8c0e",
                        "model": "tinyllama:latest",
                        "host": "http://localhost:11434",
                        "state": "running",
                        "status": "pulling 2af3b81862c6",
                        "completed": 318767104,
                        "total": 637700138,
                        "percent": 50.0,
                        "bytes_per_s": 52428800.0,
                        "eta_s": 6.1,
                    }
                }
            }
        },
    },
)
async def pull(body: ModelOnHost, actor: CurrentActor) -> StreamingResponse:
    """The pull runs on the server: disconnecting stops the progress stream, not the download.
    A second request for the same model and host joins the running pull."""
    started = await model_admin.start_pull(actor, body.name, body.host)
    return StreamingResponse(_progress_lines(actor, started), media_type="application/x-ndjson")


async def _progress_lines(actor: Actor, started: Job) -> AsyncIterator[bytes]:
    async for job in model_admin.watch_pull(actor, started.id, PULL_UPDATE_EVERY_S):
        yield (json.dumps(progress_report(job)) + "\n").encode()


@router.delete("/pull/{name:path}", summary="Cancel a running pull", responses={**FORBIDDEN, **NOT_FOUND})
async def cancel_pull(
    name: str, actor: CurrentActor, host: str = Query(description="The host the pull runs on.")
) -> dict[str, Any]:
    return progress_report(await model_admin.cancel_pull(actor, name, host))


@router.post(
    "/load",
    summary="Load (warm up) a model so the first request does not wait",
    responses={**FORBIDDEN, **NOT_FOUND, **UNREACHABLE},
)
async def load(body: ModelOnHost, actor: CurrentActor) -> dict[str, Any]:
    host = await model_admin.load_model(actor, body.name, body.host)
    return {"host": host, "model": model_report(await model_status(actor, body.name))}


@router.delete(
    "/{name:path}/unload",
    summary="Unload a model from memory (keep_alive 0)",
    responses={**FORBIDDEN, **NOT_FOUND, **UNREACHABLE},
)
async def unload(name: str, actor: CurrentActor, host: str | None = None) -> dict[str, Any]:
    hosts = await model_admin.unload_model(actor, name, host)
    return {"hosts": hosts, "model": model_report(await model_status(actor, name))}


@router.get(
    "/{name:path}/status",
    summary="Health, residency and metrics of one model",
    responses={**NOT_FOUND, **UNREACHABLE, 200: {"content": {"application/json": {"example": MODEL_EXAMPLE}}}},
)
async def status(name: str, actor: CurrentActor) -> dict[str, Any]:
    return model_report(await model_status(actor, name))


@router.delete(
    "/{name:path}",
    summary="Delete a model from a host (or every host that has it)",
    responses={**FORBIDDEN, **NOT_FOUND, **UNREACHABLE},
)
async def delete(name: str, actor: CurrentActor, host: str | None = None) -> dict[str, Any]:
    return {"deleted_from": await model_admin.delete_model(actor, name, host)}
