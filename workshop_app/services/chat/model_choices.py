"""The models a person may chat with, with what each can do."""

from __future__ import annotations

from dataclasses import dataclass

from workshop_app.services.models.catalog import HostStatus, load_catalog
from workshop_app.services.workshops.policy import Actor, usable_models


@dataclass(frozen=True)
class ModelChoice:
    name: str
    capabilities: tuple[str, ...]


async def chat_models(actor: Actor) -> tuple[list[ModelChoice], list[HostStatus]]:
    """Reachable models this person's workshop allows, minus embedding-only ones; and the hosts."""
    catalog = await load_catalog()
    usable = set(usable_models(actor, catalog.model_names))
    choices = [
        ModelChoice(model.name, model.capabilities)
        for model in catalog.models
        if model.name in usable and (not model.capabilities or "completion" in model.capabilities)
    ]
    return choices, catalog.hosts
