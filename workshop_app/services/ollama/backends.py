"""The configured Ollama hosts, one client each, and the choice of host for a model."""

from __future__ import annotations

from functools import lru_cache

from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.errors import BackendUnavailable, ModelNotFound
from workshop_app.settings import Settings, get_settings


def backends_from(settings: Settings) -> list[OllamaBackend]:
    return [
        OllamaBackend(
            url,
            connect_timeout=settings.ollama_connect_timeout,
            read_timeout=settings.ollama_read_timeout,
            attempts=settings.ollama_retries,
        )
        for url in settings.ollama_base_urls
    ]


@lru_cache(maxsize=1)
def get_backends() -> tuple[OllamaBackend, ...]:
    """The process-wide backends from settings."""
    return tuple(backends_from(get_settings()))


async def backend_for(model: str, backends: tuple[OllamaBackend, ...] | None = None) -> OllamaBackend:
    """The first reachable backend that has `model`.

    Raises ModelNotFound when reachable hosts lack it, BackendUnavailable when none answer.
    """
    candidates = backends if backends is not None else get_backends()
    unavailable: list[BackendUnavailable] = []
    for backend in candidates:
        try:
            names = {info.name for info in await backend.list_models()}
        except BackendUnavailable as error:
            unavailable.append(error)
            continue
        if model in names or f"{model}:latest" in names:
            return backend
    if unavailable and len(unavailable) == len(candidates):
        raise unavailable[0]
    raise ModelNotFound(model)
