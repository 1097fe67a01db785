"""The model catalog across every configured Ollama host, with each host's health."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from workshop_app.services.ollama.backends import get_backends
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import ModelInfo
from workshop_app.services.errors import WorkshopError


@dataclass(frozen=True)
class HostStatus:
    """Whether one backend answered, how fast, and what to do if it did not."""

    url: str
    reachable: bool
    latency_ms: float | None = None
    model_count: int = 0
    error: str = ""
    hint: str = ""


@dataclass(frozen=True)
class CatalogEntry:
    model: ModelInfo
    backend_url: str


@dataclass(frozen=True)
class Catalog:
    hosts: list[HostStatus]
    entries: list[CatalogEntry] = field(default_factory=list)

    @property
    def unreachable(self) -> list[HostStatus]:
        return [host for host in self.hosts if not host.reachable]

    @property
    def model_names(self) -> list[str]:
        return sorted({entry.model.name for entry in self.entries})


LIST_TIMEOUT_S = 5.0


async def _host_models(backend: OllamaBackend) -> tuple[HostStatus, list[ModelInfo]]:
    started = time.perf_counter()
    try:
        models = await asyncio.wait_for(backend.list_models(), LIST_TIMEOUT_S)
    except TimeoutError:
        hint = "Ollama accepted the connection but did not answer; restart it."
        return HostStatus(backend.url, False, error=f"No answer from {backend.url} within {LIST_TIMEOUT_S:.0f} s.", hint=hint), []
    except WorkshopError as error:
        return HostStatus(backend.url, False, error=error.message, hint=error.hint), []
    latency = (time.perf_counter() - started) * 1000
    return HostStatus(backend.url, True, latency, len(models)), models


async def load_catalog(backends: tuple[OllamaBackend, ...] | None = None) -> Catalog:
    """Every model on every host; a host that fails is reported, never raised."""
    targets = backends if backends is not None else get_backends()
    results = await asyncio.gather(*(_host_models(backend) for backend in targets))
    hosts = [status for status, _ in results]
    entries = [
        CatalogEntry(model, status.url)
        for status, models in results
        for model in sorted(models, key=lambda info: info.name)
    ]
    return Catalog(hosts, entries)
