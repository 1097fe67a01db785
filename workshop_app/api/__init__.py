"""The REST face: a FastAPI app that Reflex mounts in front of its own routes."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from workshop_app.api.accounts import router as accounts_router
from workshop_app.api.arena import router as arena_router
from workshop_app.api.auth import require_api_key
from workshop_app.api.chats import router as chats_router
from workshop_app.api.docs import install_docs
from workshop_app.api.errors import REST_REFUSALS, install_error_handlers
from workshop_app.api.exercises import router as exercises_router
from workshop_app.api.gateway import router as gateway_router
from workshop_app.api.gateway_status import router as gateway_status_router
from workshop_app.api.health import router as health_router
from workshop_app.api.metrics import router as metrics_router
from workshop_app.api.middleware import RequestContextMiddleware
from workshop_app.api.model_admin import router as model_admin_router
from workshop_app.api.model_builder import router as model_builder_router
from workshop_app.api.model_catalog import router as model_catalog_router
from workshop_app.api.models import router as models_router
from workshop_app.api.rag import evaluation_router
from workshop_app.api.rag import router as rag_router
from workshop_app.api.rest_paths import router as rest_paths_router
from workshop_app.api.sessions import router as sessions_router
from workshop_app.api.streams import router as streams_router
from workshop_app.api.tools import router as tools_router
from workshop_app.api.usage import router as usage_router
from workshop_app.api.workshops import router as workshops_router
from workshop_app.services.operations.logs import configure_logging
from workshop_app.settings import get_settings


def build_api() -> FastAPI:
    configure_logging(get_settings().log_level)
    api = FastAPI(
        title="Ollama Workshop Platform API",
        version="0.1.0",
        description="REST access to the workshop platform. Interactive docs at /docs, reference at /redoc.",
        dependencies=[Depends(require_api_key)],  # every /api/v1 route needs a key, whichever router it is in
        docs_url=None,  # served by install_docs, with assets from this server rather than a CDN
        redoc_url=None,
    )
    install_docs(api)
    install_error_handlers(api)
    api.add_middleware(RequestContextMiddleware)
    api.include_router(health_router)
    # /ollama/api/... and /v1/... for attendees' own code: early, as the most frequent requests (each
    # router tried before the one that answers costs every request a match)
    api.include_router(gateway_router)
    api.include_router(metrics_router)
    api.include_router(sessions_router, responses=REST_REFUSALS)  # the HttpOnly session cookie after signing in or out
    api.include_router(models_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(model_catalog_router, responses=REST_REFUSALS)
    api.include_router(model_admin_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(model_builder_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(accounts_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(usage_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(workshops_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(arena_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(exercises_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(rag_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(evaluation_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(tools_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(chats_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(streams_router, prefix="/api/v1", responses=REST_REFUSALS)
    api.include_router(gateway_status_router)  # last: it answers every other /ollama and /v1 path
    api.include_router(rest_paths_router)  # and this every other /api/v1 path
    return api
