"""State of a model's details page (/model/<name>, names may contain slashes)."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.models.catalog import model_details
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.model_views import (
    CapabilityFlag,
    ModelRow,
    capability_flags,
    chart_points,
    model_row,
    residency,
)


class ModelDetailState(AuthState):
    name: str = ""
    row: ModelRow = ModelRow()
    host_url: str = ""
    parameters: str = ""
    template: str = ""
    system: str = ""
    license: str = ""
    modelfile: str = ""
    capabilities: list[CapabilityFlag] = []
    examples: str = ""
    in_memory: list[str] = []  # per host where it is loaded: memory, VRAM, context, expiry (/api/ps)
    points: list[dict[str, float | str]] = []
    error: str = ""

    @rx.event
    @toasts_errors
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        self.name = "/".join(self.router.page.params.get("splat", []))
        self.error = ""
        try:
            details = await model_details(actor, self.name)
        except WorkshopError as error:  # shown on the page as well; the decorator shows the toast
            self.error = error.message
            raise
        self.row = model_row(details.summary)
        self.host_url = details.host_url
        self.parameters, self.template, self.system = details.parameters, details.template, details.system
        self.license, self.modelfile = details.license, details.modelfile
        self.capabilities = capability_flags(list(details.summary.capabilities))
        self.points = chart_points(details.points)
        self.examples = "\n".join(f"{m.get('role')}: {m.get('content')}" for m in details.messages)
        self.in_memory = [f"{p.url}: {residency(p)}" for p in details.summary.placements if p.loaded]
