"""State of the Models page: the catalog of every backend."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from workshop_app.services.models import load_catalog


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


class ModelsState(rx.State):
    """Models and host health, refreshed on page load and on demand."""

    hosts: list[dict[str, str | bool | float | int | None]] = []
    models: list[dict[str, str]] = []
    loading: bool = False
    loaded_once: bool = False

    @rx.var
    def unreachable_hosts(self) -> list[dict[str, str | bool | float | int | None]]:
        return [host for host in self.hosts if not host["reachable"]]

    @rx.event
    async def refresh(self):
        self.loading = True
        yield
        catalog = await load_catalog()
        self.hosts = [asdict(host) for host in catalog.hosts]
        self.models = [
            {
                "name": entry.model.name,
                "size": human_size(entry.model.size_bytes),
                "family": entry.model.family,
                "parameter_size": entry.model.parameter_size,
                "quantization": entry.model.quantization,
                "backend": entry.backend_url,
            }
            for entry in catalog.entries
        ]
        self.loading = False
        self.loaded_once = True
