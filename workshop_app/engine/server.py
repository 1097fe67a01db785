"""The engine's process: settings → store + runtime → Ollama's API under uvicorn."""

from __future__ import annotations

import logging

import uvicorn
from starlette.applications import Starlette

from workshop_app.engine.api import Engine
from workshop_app.engine.runtime import EngineConfig, default_threads
from workshop_app.engine.store import ModelStore
from workshop_app.settings import Settings, get_settings


def build_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    assert settings.engine_models_dir is not None and settings.engine_cache_dir is not None
    store = ModelStore(settings.engine_models_dir, settings.engine_cache_dir, settings.engine_gguf_dir)
    config = EngineConfig(
        slots=settings.engine_slots,
        context=settings.engine_context,
        threads=default_threads(settings.engine_threads),
        keep_alive=settings.engine_keep_alive,
    )
    return Engine(store, config).app()


def run(host: str, port: int) -> None:
    """Serve the engine until interrupted (blocking); ready once GET /api/version answers."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    uvicorn.run(
        build_app(settings), host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=5
    )
