"""What a running tool may know about its caller and its limits."""

from __future__ import annotations

from dataclasses import dataclass

from workshop_app.services.tools.http_tool import HttpPolicy
from workshop_app.services.workshops.policy import Actor
from workshop_app.settings import get_settings


@dataclass(frozen=True)
class ToolContext:
    """The person the model acts for (tools read only what they may read) and the HTTP limits."""

    actor: Actor | None
    http: HttpPolicy

    @classmethod
    def for_actor(cls, actor: Actor | None) -> ToolContext:
        return cls(actor, HttpPolicy.from_settings(get_settings()))
