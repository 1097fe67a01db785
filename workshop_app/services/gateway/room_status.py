"""What the gateway says about the room rather than a model's reply: Ollama's /api/version and /api/ps.

/api/ps answers with the models this person may use that a host holds in memory now,
in Ollama's shape, so `ollama.Client(...).ps()` works against the workshop as against
a private Ollama.
"""

from __future__ import annotations

import asyncio
from typing import Any

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.models.catalog import catalog_for
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.errors import BackendUnavailable
from workshop_app.services.workshops.policy import Actor

VERSION_WAIT_S = 2.0


async def running_models(actor: Actor) -> dict[str, Any]:
    """Ollama's /api/ps body: one entry per model (of the person's workshop) and host holding it in memory."""
    catalog = await catalog_for(actor, fresh=True)  # what is in memory changes by the minute
    digests = {entry.model.name: entry.model.digest for entry in catalog.entries}
    return {
        "models": [
            {
                "name": model.name,
                "model": model.name,
                "digest": digests.get(model.name, ""),
                "expires_at": placement.expires_at or None,
                "size": placement.memory_bytes,
                "size_vram": placement.vram_bytes,
                "context_length": model.context_length,
                "details": {
                    "family": model.family,
                    "parameter_size": model.parameter_size,
                    "quantization_level": model.quantization,
                },
            }
            for model in catalog.models
            for placement in model.placements
            if placement.loaded
        ]
    }


async def backend_version() -> dict[str, str]:
    """The Ollama version of the first host that answers, so clients that check features see the real one."""
    monitor = get_monitor()
    reasons = []
    for backend in monitor.backends:
        try:
            async with asyncio.timeout(VERSION_WAIT_S):  # not wait_for: on Python 3.11 it can lose a cancel
                return {"version": await backend.version()}
        except (TimeoutError, WorkshopError) as error:
            reasons.append(getattr(error, "reason", "") or f"no answer within {VERSION_WAIT_S:g} s")
    urls = ", ".join(backend.url for backend in monitor.backends)
    raise BackendUnavailable(urls, "; ".join(reasons) or "no Ollama host is configured")
